//! `casiscan scope` as a user runs it: a policy set, shown and cleared; an out-of-scope
//! `casiscan scan` refused with exit code 10 naming target and rule, storing nothing; malformed
//! entries refused naming the field (exit code 2), changing nothing.

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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn policy(db: &Path) -> serde_json::Value {
    let out = casiscan(db, &["scope", "show"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn out_of_scope_scans_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("s.db");
    assert!(policy(&db).is_null(), "no policy at first");
    let out = casiscan(
        &db,
        &[
            "scope",
            "set",
            "--allow",
            "10.0.0.0/8",
            "--allow",
            "*.corp.example",
            "--deny",
            "10.66.0.0/16",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let set = policy(&db);
    assert_eq!(set["deny"][0], "10.66.0.0/16");
    for (target, rule) in [
        ("198.51.100.7", "not covered by any allowed entry"),
        ("10.66.0.9", "denied by `10.66.0.0/16`"),
        ("www.elsewhere.example", "not covered by any allowed entry"),
    ] {
        let out = casiscan(&db, &["scan", target, "--command", "-sT -p 1"]);
        assert_eq!(
            out.status.code(),
            Some(10),
            "{target}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert!(err.contains(target) && err.contains(rule), "{err}");
    }
    assert!(text(&casiscan(&db, &["list"]).stdout).contains("0 scan(s)"));
    for (args, field) in [
        (
            &["scope", "set", "--allow", "10.0.0.1/8"][..],
            "scope.allow[0]",
        ),
        (
            &[
                "scope",
                "set",
                "--deny",
                "*.a.example",
                "--deny",
                "b.a.example",
            ][..],
            "scope.deny",
        ),
    ] {
        let out = casiscan(&db, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains(field), "{}", text(&out.stderr));
        assert_eq!(policy(&db), set, "nothing changed");
    }
    let out = casiscan(&db, &["scope", "clear"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(policy(&db).is_null());
}
