//! install-patch on the Windows backend, on recorded output only (this project cannot run
//! Windows): the scan's recorded agent output is the root, and the install script's recorded
//! output (`testdata/ospatch/windows-install/`, written for the tests) is replayed by `cat`
//! through the same child-process path PowerShell takes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use casiscan_core::ErrorKind;
use casiscan_core::model::ScanResult;
use casiscan_core::providers::ospatch::windows::WuaCommand;
use casiscan_core::providers::ospatch::{Backend, report};
use casiscan_core::providers::patch_install::{
    MAX_SELECTED_UPDATES, PatchInstallProvider, PatchInstallRequest, PatchInstallResult,
    PatchSelection, plan,
};
use casiscan_core::providers::{Provider, RunContext, RunRequest};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/ospatch")
}

/// A root holding the recorded scan output as `wua.json`.
fn root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        testdata().join("windows/wua_full.json"),
        dir.path().join("wua.json"),
    )
    .expect("copy");
    dir
}

fn request(root: &Path, names: &[&str], dry_run: bool) -> PatchInstallRequest {
    let scanned = report(root, Some(Backend::Windows)).expect("recorded report");
    let selection = PatchSelection {
        all_security: false,
        updates: names.iter().map(|s| s.to_string()).collect(),
        dry_run,
    };
    PatchInstallRequest {
        source_scan: "admin/win".into(),
        backend: Backend::Windows,
        updates: plan("admin/win", &scanned, &selection).expect("plan"),
        dry_run,
    }
}

async fn run(
    root: &Path,
    request: &PatchInstallRequest,
    recorded: &str,
) -> casiscan_core::Result<PatchInstallResult> {
    let provider = PatchInstallProvider::with_root(root).with_windows_replay(WuaCommand {
        program: "cat".into(),
        args: vec![
            testdata()
                .join("windows-install")
                .join(recorded)
                .display()
                .to_string(),
        ],
    });
    assert!(
        provider.available().await,
        "replay makes the backend available"
    );
    let out = provider
        .run(
            RunRequest {
                owner: "admin".into(),
                target: "127.0.0.1".parse().expect("target"),
                command: request.to_command()?,
                timeout: Duration::from_secs(30),
            },
            RunContext::detached(),
        )
        .await?;
    match out.result {
        ScanResult::PatchInstall(r) => Ok(r),
        other => panic!("not an install result: {:?}", other.provider()),
    }
}

#[tokio::test]
async fn a_recorded_install_reports_installed_failed_and_reboot() {
    let root = root();
    let req = request(root.path(), &["KB5037782", "890830"], false);
    let names: Vec<&str> = req.updates.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["KB5037782", "KB890830"], "planned by KB");
    let r = run(root.path(), &req, "install_full.json")
        .await
        .expect("run");
    assert!(!r.dry_run);
    assert_eq!(r.installed.len(), 1);
    assert_eq!(r.installed[0].name, "KB5037782");
    assert_eq!(r.failed.len(), 1);
    assert_eq!(r.failed[0].name, "KB890830");
    assert!(
        r.failed[0].reason.contains("failed (HRESULT 0x80070643)"),
        "{}",
        r.failed[0].reason
    );
    assert_eq!(r.reboot_required, Some(true));
    assert_eq!(r.summary(), "1 installed, 1 failed, reboot required");
}

#[tokio::test]
async fn a_recorded_powershell_51_dry_run_is_read() {
    let root = root();
    let req = request(root.path(), &["KB5037782", "KB890830"], true);
    let r = run(root.path(), &req, "install_dry_run_ps51.json")
        .await
        .expect("run");
    assert!(r.dry_run);
    assert!(r.installed.is_empty());
    let would: Vec<&str> = r.would_install.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(would, ["KB5037782"]);
    assert_eq!(r.failed.len(), 1, "KB890830 no longer offered");
    assert!(r.failed[0].reason.contains("no longer offered"));
}

#[tokio::test]
async fn a_kb_that_is_not_pending_is_refused_before_powershell() {
    let root = root();
    let scanned = report(root.path(), Some(Backend::Windows)).expect("report");
    let err = plan(
        "admin/win",
        &scanned,
        &PatchSelection {
            all_security: false,
            updates: vec!["KB1234567".into()],
            dry_run: false,
        },
    )
    .expect_err("not in the result");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("`KB1234567`"), "{err}");

    // On the runner: a KB no longer pending there refuses the job, and the replayed "installer"
    // (a program that does not exist) is never started.
    let mut req = request(root.path(), &["KB5037782"], false);
    req.updates[0].name = "KB1234567".into();
    let provider = PatchInstallProvider::with_root(root.path()).with_windows_replay(WuaCommand {
        program: "/nonexistent/powershell.exe".into(),
        args: Vec::new(),
    });
    let err = provider
        .run(
            RunRequest {
                owner: "admin".into(),
                target: "127.0.0.1".parse().expect("target"),
                command: req.to_command().expect("command"),
                timeout: Duration::from_secs(30),
            },
            RunContext::detached(),
        )
        .await
        .expect_err("not pending");
    assert!(err.to_string().contains("no longer pending"), "{err}");
}

#[test]
fn a_request_naming_updates_up_to_the_limit_is_planned_and_one_name_more_is_refused() {
    assert_eq!(MAX_SELECTED_UPDATES, 4096);
    let root = root();
    let scanned = report(root.path(), Some(Backend::Windows)).expect("report");
    let naming = |n: usize| PatchSelection {
        all_security: false,
        updates: vec!["KB5037782".to_string(); n],
        dry_run: true,
    };
    let planned = plan("admin/win", &scanned, &naming(MAX_SELECTED_UPDATES)).expect("at the limit");
    assert_eq!(
        planned.len(),
        1,
        "one update named 4096 times is planned once"
    );
    let err = plan("admin/win", &scanned, &naming(MAX_SELECTED_UPDATES + 1)).expect_err("past it");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string()
            .contains("4097 updates named, more than the 4096"),
        "{err}"
    );
}
