//! The `casiscan` program as a user runs it: exit codes, messages, and nothing stored on bad input.

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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn hostile_targets_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("c.db");
    for target in [
        "-oN /etc/passwd",
        "--script=/tmp/x.nse",
        "a b",
        "10.0.0.1;id",
        "",
        "host\u{1b}",
    ] {
        let out = casiscan(&db, &["scan", "--", target]);
        assert_eq!(out.status.code(), Some(2), "{target:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("invalid target"), "{}", stderr(&out));
    }
    let listed = casiscan(&db, &["list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout(&listed).contains("0 scan(s)"), "{}", stdout(&listed));
}

#[test]
fn unknown_provider_and_missing_scan_have_their_own_codes() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("c.db");
    let out = casiscan(&db, &["scan", "127.0.0.1", "--provider", "Nessus"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("unknown provider"));
    for cmd in ["show", "clear", "delete", "runs"] {
        let out = casiscan(&db, &[cmd, "admin/missing"]);
        let code = out.status.code();
        if cmd == "runs" {
            assert_eq!(code, Some(0), "runs of an unknown scan is an empty history");
            assert_eq!(stdout(&out).trim(), "[]");
        } else {
            assert_eq!(code, Some(3), "{cmd}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("scan admin/missing not found"),
                "{}",
                stderr(&out)
            );
        }
    }
    let out = casiscan(&db, &["show", "a/b/c"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("a/b/c"));
}

#[test]
fn a_file_that_is_not_a_database_is_reported_and_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("notes.txt");
    std::fs::write(&db, "precious notes\n".repeat(100)).expect("write");
    let out = casiscan(&db, &["list"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a SQLite database"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&db).expect("read"),
        "precious notes\n".repeat(100)
    );
}
