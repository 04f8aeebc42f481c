//! A hostname whose resolution changes to an out-of-scope address is refused right before the
//! scan runs, with the system resolver: inside a network namespace this test creates (as root,
//! with iproute2), `/etc/hosts` is the namespace's own (`/etc/netns/NAME/hosts`, bind-mounted
//! by `ip netns exec`), so the test changes what `app.corp.example` resolves to between two
//! real `casiscan scan` runs (nmap scanning the namespace's loopback).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The namespace and its hosts directory, removed on drop.
struct Namespace {
    name: String,
    etc: PathBuf,
}

impl Namespace {
    fn create() -> Self {
        let name = format!("casiscan-scope-{}", std::process::id());
        let ok = |args: &[&str]| {
            let st = Command::new("ip")
                .args(args)
                .status()
                .expect("run ip (iproute2)");
            assert!(
                st.success(),
                "ip {args:?} failed: this test needs root and iproute2"
            );
        };
        let etc = PathBuf::from("/etc/netns").join(&name);
        std::fs::create_dir_all(&etc).expect("create /etc/netns/NAME (needs root)");
        ok(&["netns", "add", &name]);
        ok(&["netns", "exec", &name, "ip", "link", "set", "lo", "up"]);
        Namespace { name, etc }
    }

    fn resolve(&self, host: &str, addr: &str) {
        std::fs::write(self.etc.join("hosts"), format!("{addr} {host}\n")).expect("hosts");
    }

    fn casiscan(&self, db: &Path, args: &[&str]) -> Output {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.name,
                env!("CARGO_BIN_EXE_casiscan"),
                "--db",
            ])
            .arg(db)
            .args(args)
            .env_remove("CASISCAN_DB")
            .output()
            .expect("run casiscan in the namespace")
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        let _ = std::fs::remove_dir_all(&self.etc);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_resolution_change_to_an_out_of_scope_address_is_refused_at_execution() {
    let ns = Namespace::create();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ns.db");
    let out = ns.casiscan(
        &db,
        &[
            "scope",
            "set",
            "--allow",
            "127.0.0.0/8",
            "--allow",
            "*.corp.example",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    ns.resolve("app.corp.example", "127.0.0.1");
    let out = ns.casiscan(
        &db,
        &[
            "scan",
            "app.corp.example",
            "--name",
            "before",
            "--command",
            "-sT -p 1",
        ],
    );
    assert!(
        out.status.success(),
        "in scope: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("Completed"),
        "{}",
        text(&out.stdout)
    );

    ns.resolve("app.corp.example", "203.0.113.5");
    let out = ns.casiscan(
        &db,
        &[
            "scan",
            "app.corp.example",
            "--name",
            "after",
            "--command",
            "-sT -p 1",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(10),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let shown = ns.casiscan(&db, &["show", "after"]);
    let scan: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    assert_eq!(scan["state"], "Failed");
    let error = scan["errorText"].as_str().expect("errorText");
    assert!(
        error.contains("app.corp.example -> 203.0.113.5") && error.contains("out of scope"),
        "{error}"
    );
    assert_eq!(scan["rawResult"], "", "nmap never ran");
}
