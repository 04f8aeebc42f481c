//! The Windows Update backend wired into the OS patch provider. This machine has no Windows, so
//! a small shell command stands in for PowerShell and replays recorded agent output; everything
//! around it (process, limits, errors, rows, summary) is the real code path.

use std::time::Duration;

use casiscan_core::ErrorKind;
use casiscan_core::model::ScanResult;
use casiscan_core::providers::ospatch::windows::WuaCommand;
use casiscan_core::providers::ospatch::windows::run::MAX_OUTPUT_BYTES;
use casiscan_core::providers::ospatch::{Backend, OsPatchProvider};
use casiscan_core::providers::{Provider, RunContext, RunRequest};

fn sample(name: &str) -> String {
    format!(
        "{}/testdata/ospatch/windows/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn shell(script: &str) -> WuaCommand {
    WuaCommand {
        program: "sh".into(),
        args: vec!["-c".into(), script.into()],
    }
}

fn request(verb: &str, timeout: Duration) -> RunRequest {
    RunRequest {
        owner: "admin".into(),
        target: "localhost".parse().expect("target"),
        command: verb.into(),
        timeout,
    }
}

fn provider(command: WuaCommand) -> (tempfile::TempDir, OsPatchProvider) {
    let root = tempfile::tempdir().expect("empty root");
    let p = OsPatchProvider::with_root(root.path()).with_windows_command(command);
    (root, p)
}

#[tokio::test]
async fn recorded_agent_output_becomes_rows_summary_and_report() {
    let (_root, p) = provider(shell(&format!("cat '{}'", sample("wua_full.json"))));
    assert_eq!(p.backend().expect("backend"), Backend::Windows);
    assert!(p.available().await);
    let out = p
        .run(
            request("available", Duration::from_secs(10)),
            RunContext::detached(),
        )
        .await
        .expect("run");
    assert_eq!(out.summary, "3 available patches found");
    let ScanResult::OsPatch(result) = &out.result else {
        panic!("an OS patch result");
    };
    assert_eq!(result.patches.len(), 3);
    assert_eq!(result.patches[0].kb, "KB5037782");
    let report = result.report.as_ref().expect("report");
    assert_eq!(report.backend, Backend::Windows);
    assert_eq!(report.reboot.required, Some(true));
    assert_eq!(report.updates[0].kb.as_deref(), Some("KB5037782"));
    let all = p
        .run(
            request("all", Duration::from_secs(10)),
            RunContext::detached(),
        )
        .await
        .expect("all");
    let ScanResult::OsPatch(all) = &all.result else {
        panic!("an OS patch result");
    };
    assert!(
        all.patches.len() > 3,
        "installed rows follow the available ones"
    );
    assert!(all.patches.iter().any(|r| r.is_installed));
}

#[tokio::test]
async fn a_root_without_any_package_database_is_a_clear_error() {
    let root = tempfile::tempdir().expect("empty root");
    let p = OsPatchProvider::with_root(root.path());
    if cfg!(windows) {
        return;
    }
    let e = p.backend().expect_err("nothing to read");
    assert_eq!(e.kind(), ErrorKind::Provider);
    assert!(e.to_string().contains("var/lib/dpkg/status"), "{e}");
    assert!(e.to_string().contains("only on Windows"), "{e}");
    assert!(!p.available().await);
    let run = p
        .run(
            request("available", Duration::from_secs(5)),
            RunContext::detached(),
        )
        .await
        .expect_err("no backend");
    assert_eq!(run.kind(), ErrorKind::Provider);
}

#[tokio::test]
async fn a_missing_powershell_a_failure_and_bad_output_are_typed_errors() {
    let missing = WuaCommand {
        program: "/nonexistent/powershell.exe".into(),
        args: Vec::new(),
    };
    let (_r, p) = provider(missing);
    let e = p
        .run(
            request("available", Duration::from_secs(5)),
            RunContext::detached(),
        )
        .await
        .expect_err("missing");
    assert_eq!(e.kind(), ErrorKind::Provider);
    assert!(e.to_string().contains("cannot start"), "{e}");

    let (_r, p) = provider(shell("echo 'Access is denied.' >&2; exit 5"));
    let e = p
        .run(
            request("available", Duration::from_secs(5)),
            RunContext::detached(),
        )
        .await
        .expect_err("exit 5");
    assert!(e.to_string().contains("Access is denied."), "{e}");

    let (_r, p) = provider(shell(&format!("cat '{}'", sample("wua_truncated.json"))));
    let e = p
        .run(
            request("available", Duration::from_secs(5)),
            RunContext::detached(),
        )
        .await
        .expect_err("truncated");
    assert_eq!(e.kind(), ErrorKind::Parse);

    let (_r, p) = provider(shell("head -c 70000000 /dev/zero"));
    let e = p
        .run(
            request("available", Duration::from_secs(30)),
            RunContext::detached(),
        )
        .await
        .expect_err("oversized");
    assert!(e.to_string().contains("more than"), "{e}");
}

#[tokio::test]
async fn a_report_of_exactly_the_output_limit_is_read_and_a_byte_more_is_refused() {
    assert_eq!(MAX_OUTPUT_BYTES, 64 << 20);
    let run = |bytes: u64| async move {
        let (_r, p) = provider(shell(&format!("head -c {bytes} /dev/zero")));
        p.run(
            request("available", Duration::from_secs(30)),
            RunContext::detached(),
        )
        .await
        .expect_err("not a report")
    };
    // Exactly the limit is read whole and parsed (NUL bytes are no JSON).
    let e = run(MAX_OUTPUT_BYTES).await;
    assert_eq!(e.kind(), ErrorKind::Parse, "{e}");
    let e = run(MAX_OUTPUT_BYTES + 1).await;
    assert_eq!(e.kind(), ErrorKind::Provider, "{e}");
    assert!(
        e.to_string()
            .contains("PowerShell wrote more than 67108864 bytes; refusing the report"),
        "{e}"
    );
}

#[tokio::test]
async fn a_hung_powershell_is_killed_on_timeout_and_on_cancel() {
    let (_r, p) = provider(shell("sleep 30"));
    let started = std::time::Instant::now();
    let e = p
        .run(
            request("available", Duration::from_secs(1)),
            RunContext::detached(),
        )
        .await
        .expect_err("timeout");
    assert!(e.to_string().contains("did not finish"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));

    let ctx = RunContext::detached();
    let cancel = ctx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    let e = p
        .run(request("available", Duration::from_secs(30)), ctx)
        .await
        .expect_err("canceled");
    assert_eq!(e.kind(), ErrorKind::Canceled);
}
