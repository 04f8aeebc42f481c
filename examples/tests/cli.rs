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

/// The shared table of nmap commands casiscan must refuse (issue 23), `{SECRET}` filled in.
fn hostile_commands(secret: &Path) -> Vec<String> {
    let table = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../casiscan-core/tests/data/hostile_nmap_commands.txt"
    );
    std::fs::read_to_string(table)
        .expect("fixture")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.replace("{SECRET}", &secret.display().to_string()))
        .collect()
}

#[test]
fn every_nmap_option_bypass_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("c.db");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "10.66.66.66 canary-from-a-file\n").expect("secret");
    let commands = hostile_commands(&secret);
    assert!(commands.len() >= 80);
    for command in &commands {
        let out = casiscan(&db, &["scan", "127.0.0.1", "--command", command]);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("invalid nmap"),
            "{command:?}: {}",
            stderr(&out)
        );
        assert!(!stdout(&out).contains("canary"), "{command:?}");
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

#[test]
fn ospatch_reads_this_machine_and_names_what_a_bare_root_lacks() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("unused.db");
    let out = casiscan(&db, &["ospatch", "--root", "/", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["installed"].as_array().is_some_and(|a| !a.is_empty()),
        "this Debian machine has installed packages"
    );
    let bare = dir.path().join("bare");
    std::fs::create_dir(&bare).expect("mkdir");
    let out = casiscan(&db, &["ospatch", "--root", bare.to_str().expect("utf8")]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("var/lib/dpkg/status"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("rpmdb.sqlite"), "{}", stderr(&out));
    assert!(!db.exists(), "ospatch opens no database");
}

#[test]
fn parse_nmap_prints_the_model_and_reports_bad_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("unused.db");
    let good = dir.path().join("scan.xml");
    std::fs::write(
        &good,
        "<nmaprun scanner=\"nmap\" version=\"7.94\"><host><status state=\"up\"/>\
         <address addr=\"10.0.0.1\" addrtype=\"ipv4\"/></host></nmaprun>",
    )
    .expect("write");
    let out = casiscan(&db, &["parse-nmap", good.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["hosts"][0]["addresses"][0]["addr"], "10.0.0.1");
    assert_eq!(v["incomplete"], false);
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<nmaprun>\n<host></hots>\n").expect("write");
    let out = casiscan(&db, &["parse-nmap", bad.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
    let out = casiscan(&db, &["parse-nmap", "/nonexistent.xml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nonexistent.xml"));
    assert!(!db.exists(), "parse-nmap opens no database");
}

/// The JSON is written host by host; from a pipe (not a regular file) it is the same bytes, and a
/// reader that closes the pipe early ends the program quietly.
#[test]
fn parse_nmap_streams_from_a_pipe_and_into_a_closed_pipe() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("unused.db");
    let xml = format!(
        "<nmaprun scanner=\"nmap\"><taskbegin task=\"Ping Scan\" time=\"1\"/>{}\
         <hosthint><status state=\"up\"/></hosthint><taskend task=\"Ping Scan\" time=\"2\"/>\
         </nmaprun>",
        "<host><status state=\"up\"/><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/></host>"
            .repeat(20_000)
    );
    let file = dir.path().join("scan.xml");
    std::fs::write(&file, &xml).expect("write");
    let from_file = casiscan(&db, &["parse-nmap", file.to_str().expect("utf8")]);
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    let v: serde_json::Value = serde_json::from_slice(&from_file.stdout).expect("json");
    assert_eq!(v["hosts"].as_array().map(Vec::len), Some(20_000));
    assert_eq!(v["tasks"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["hosthints"].as_array().map(Vec::len), Some(1));

    let mut child = Command::new(env!("CARGO_BIN_EXE_casiscan"))
        .args([
            "--db",
            db.to_str().expect("utf8"),
            "parse-nmap",
            "/dev/stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let feed = std::thread::spawn(move || input.write_all(xml.as_bytes()));
    let from_pipe = child.wait_with_output().expect("wait");
    feed.join().expect("feeder").expect("feed");
    assert!(from_pipe.status.success(), "{}", stderr(&from_pipe));
    assert!(
        from_pipe.stdout == from_file.stdout,
        "same bytes from a pipe"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_casiscan"))
        .args(["--db", db.to_str().expect("utf8"), "parse-nmap"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let closed = child.wait_with_output().expect("wait");
    assert_eq!(closed.status.code(), Some(0), "{}", stderr(&closed));
    assert!(stderr(&closed).is_empty(), "{}", stderr(&closed));
    assert!(!db.exists(), "parse-nmap opens no database");
}

#[test]
fn scan_stores_the_run_and_the_other_commands_manage_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("c.db");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let command = format!("-sT -p {port}");
    let out = casiscan(
        &db,
        &[
            "scan",
            "127.0.0.1",
            "--command",
            &command,
            "--name",
            "web",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let scan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(scan["state"], "Completed");
    assert_eq!(scan["resultSummary"], "1 ports found");
    let result: serde_json::Value =
        serde_json::from_str(scan["result"].as_str().expect("result text")).expect("result json");
    assert_eq!(
        result["hosts"][0]["ports"][0]["port"],
        format!("{port}/tcp")
    );
    let shown: serde_json::Value =
        serde_json::from_slice(&casiscan(&db, &["show", "web"]).stdout).expect("show");
    assert_eq!(shown["result"], scan["result"], "stored in SQLite");
    let runs: serde_json::Value =
        serde_json::from_slice(&casiscan(&db, &["runs", "admin/web"]).stdout).expect("runs");
    assert_eq!(runs.as_array().map(Vec::len), Some(1));
    assert!(stdout(&casiscan(&db, &["list"])).contains("admin/web"));
    assert!(casiscan(&db, &["clear", "web"]).status.success());
    let cleared: serde_json::Value =
        serde_json::from_slice(&casiscan(&db, &["show", "web"]).stdout).expect("show");
    assert_eq!(
        (cleared["state"].as_str(), cleared["result"].as_str()),
        (Some("Created"), Some(""))
    );
    assert_eq!(cleared["command"], command.as_str(), "configuration kept");
    assert!(casiscan(&db, &["delete", "web"]).status.success());
    assert_eq!(casiscan(&db, &["show", "web"]).status.code(), Some(3));
    drop(listener);
}
