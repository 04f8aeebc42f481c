//! `casiscan install-patch` as a user runs it: arguments, typed errors naming what is wrong, and
//! nothing queued on bad input. (The whole install path on a real apt is in casiscan-core's
//! `patch_install_apt` test; this one reads this machine's caches and installs nothing.)

use std::path::Path;
use std::process::{Command, Output};

fn casiscan(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casiscan"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CASISCAN_DB")
        .output()
        .expect("run casiscan")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn install_patch_refuses_bad_input_and_queues_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("c.db");
    let out = casiscan(
        &db,
        &[
            "scan",
            "127.0.0.1",
            "--provider",
            "OS Patch",
            "--command",
            "available",
            "--name",
            "p",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));

    let out = casiscan(&db, &["install-patch", "p"]);
    assert_eq!(out.status.code(), Some(2), "nothing named: {}", text(&out));
    let out = casiscan(&db, &["install-patch", "p", "--all-security", "bash"]);
    assert_eq!(out.status.code(), Some(2), "both: {}", text(&out));

    let out = casiscan(&db, &["install-patch", "p", "casiscan-no-such-package"]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(t.contains("`casiscan-no-such-package`"), "{t}");
    assert!(
        t.contains("not a pending update in the result of scan admin/p"),
        "{t}"
    );

    let out = casiscan(&db, &["install-patch", "p", "--dry-run", "--reinstall"]);
    assert!(
        !out.status.success(),
        "an option is no package: {}",
        text(&out)
    );

    let out = casiscan(
        &db,
        &["add", "127.0.0.1", "--command", "-sn", "--name", "n"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = casiscan(&db, &["install-patch", "n", "bash"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("it is a Nmap scan"), "{}", text(&out));
    let out = casiscan(&db, &["install-patch", "admin/nope", "bash"]);
    assert!(text(&out).contains("not found"), "{}", text(&out));

    let listed = casiscan(&db, &["list", "--json"]);
    let scans: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(scans["total"], 2, "no job was queued");
}
