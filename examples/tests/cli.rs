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

/// The committed Debian and RPM roots and the recorded Windows Update output.
fn ospatch_roots() -> [(&'static str, std::path::PathBuf); 3] {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../casiscan-core/testdata/ospatch");
    [
        ("debian", data.join("debian")),
        ("rpm", data.join("rpm")),
        ("windows", data.join("windows/wua_full.json")),
    ]
}

#[test]
fn ospatch_json_has_the_same_top_level_keys_on_debian_rpm_and_windows_roots() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("unused.db");
    let mut shapes = Vec::new();
    for (backend, root) in ospatch_roots() {
        let root = root.to_str().expect("utf8");
        let out = casiscan(&db, &["ospatch", "--root", root, "--json"]);
        assert!(out.status.success(), "{backend}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["backend"], backend);
        let keys: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        let update_keys: Vec<String> = v["updates"][0]
            .as_object()
            .expect("an update")
            .keys()
            .cloned()
            .collect();
        assert!(
            v["updates"]
                .as_array()
                .expect("updates")
                .iter()
                .any(|u| u["isSecurity"] == true),
            "{backend}: a security update"
        );
        shapes.push((keys, update_keys));
        let chosen = casiscan(
            &db,
            &["ospatch", "--root", root, "--backend", backend, "--json"],
        );
        assert_eq!(chosen.stdout, out.stdout, "{backend}: chosen = detected");
        let text = casiscan(&db, &["ospatch", "--root", root, "--verb", "all"]);
        assert!(text.status.success(), "{backend}: {}", stderr(&text));
        assert!(
            String::from_utf8_lossy(&text.stdout).contains("available patches found"),
            "{backend}"
        );
    }
    assert!(shapes.windows(2).all(|w| w[0] == w[1]), "{shapes:#?}");
    for key in [
        "backend",
        "os",
        "support",
        "installed",
        "updates",
        "reboot",
        "summary",
        "recommendations",
        "warnings",
    ] {
        assert!(shapes[0].0.iter().any(|k| k == key), "{key}");
    }
    let debian = ospatch_roots()[0].1.clone();
    let out = casiscan(
        &db,
        &[
            "ospatch",
            "--root",
            debian.to_str().expect("utf8"),
            "--backend",
            "rpm",
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("rpmdb.sqlite"), "{}", stderr(&out));
    let out = casiscan(&db, &["ospatch", "--backend", "solaris"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("solaris"), "{}", stderr(&out));
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

/// `diff` prints ndiff's report (the same text as the real ndiff) and exits as ndiff does.
#[test]
fn diff_prints_ndiffs_report_or_json_and_exits_like_ndiff() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("unused.db");
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../casiscan-core/testdata/nmap/diff");
    let (a, b) = (fixtures.join("before.xml"), fixtures.join("after.xml"));
    let (a, b) = (a.to_str().expect("utf8"), b.to_str().expect("utf8"));
    let out = casiscan(&db, &["diff", a, b]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let ndiff = Command::new("ndiff")
        .args([a, b])
        .env("TZ", "UTC")
        .output()
        .expect("ndiff is installed (scripts/install-deps.sh test)");
    assert_eq!(ndiff.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&ndiff.stdout)
    );
    let json = casiscan(&db, &["diff", "--json", a, b]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(
        v["hosts"][0]["changes"],
        serde_json::json!(["extraports", "ports", "scripts"])
    );
    let same = casiscan(&db, &["diff", a, a]);
    assert_eq!(same.status.code(), Some(0));
    assert!(
        same.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    assert!(!db.exists(), "diff opens no database");
}

/// Off a terminal `parse-nmap` writes compact JSON; `--pretty` indents the same document and
/// `--jsonl` writes a header line, one line per host and a trailer line.
#[test]
fn parse_nmap_writes_compact_pretty_or_json_lines() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("unused.db");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../casiscan-core/testdata/nmap/recorded/multi.xml");
    let path = fixture.to_str().expect("utf8");
    let compact = casiscan(&db, &["parse-nmap", path]);
    let pretty = casiscan(&db, &["parse-nmap", "--pretty", path]);
    let lines = casiscan(&db, &["parse-nmap", "--jsonl", path]);
    for out in [&compact, &pretty, &lines] {
        assert!(out.status.success(), "{}", stderr(out));
    }
    assert_eq!(compact.stdout.iter().filter(|&&b| b == b'\n').count(), 1);
    let doc: serde_json::Value = serde_json::from_slice(&compact.stdout).expect("json");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&pretty.stdout).expect("json"),
        doc
    );
    assert!(pretty.stdout.len() > compact.stdout.len());
    let text = String::from_utf8(lines.stdout.clone()).expect("utf-8");
    let hosts = doc["hosts"].as_array().map_or(0, Vec::len);
    let hints = doc["hosthints"].as_array().map_or(0, Vec::len);
    assert!(hosts > 1);
    assert_eq!(text.lines().count(), hosts + hints + 2, "{text}");
    let first: serde_json::Value =
        serde_json::from_str(text.lines().next().unwrap_or_default()).expect("header");
    assert_eq!(first["header"]["args"], doc["args"]);
}

/// A value that breaks nmap.dtd fails `parse-nmap` unless `--lenient`, which lists it.
#[test]
fn parse_nmap_is_strict_unless_lenient() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("unused.db");
    let file = dir.path().join("scan.xml");
    std::fs::write(
        &file,
        "<nmaprun>\n<host><ports><port protocol=\"tcp\" portid=\"A2\"><state state=\"open\"/>\
         </port></ports></host></nmaprun>",
    )
    .expect("write");
    let path = file.to_str().expect("utf8");
    let out = casiscan(&db, &["parse-nmap", path]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("<port> attribute portid value \"A2\""),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
    let out = casiscan(&db, &["parse-nmap", "--lenient", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["warnings"][0]["value"], "A2");
    assert_eq!(v["hosts"][0]["ports"][0]["portid"], serde_json::Value::Null);
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

/// How to run casiscan as a user who cannot write a 0444 file or a 0555 directory: directly when
/// not root; as `nobody` through `setpriv` when root (root ignores file permissions); `None` when
/// neither is possible here.
fn unprivileged() -> Option<Vec<String>> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some(Vec::new());
    }
    let prefix: Vec<String> = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ]
    .map(String::from)
    .to_vec();
    let probe = Command::new(&prefix[0])
        .args(&prefix[1..])
        .arg(env!("CARGO_BIN_EXE_casiscan"))
        .arg("--version")
        .output()
        .ok()?;
    probe.status.success().then_some(prefix)
}

fn casiscan_as(prefix: &[String], db: &Path, args: &[&str]) -> Output {
    let mut command = match prefix.split_first() {
        Some((program, rest)) => {
            let mut c = Command::new(program);
            c.args(rest).arg(env!("CARGO_BIN_EXE_casiscan"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_casiscan")),
    };
    command
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CASISCAN_DB")
        .output()
        .expect("run casiscan")
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn list_works_on_a_database_the_user_cannot_write() {
    let Some(prefix) = unprivileged() else {
        eprintln!(
            "SKIPPED list_works_on_a_database_the_user_cannot_write: running as root without \
             a working `setpriv` (root ignores file permissions, so the test would prove nothing)"
        );
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tmp");
    chmod(dir.path(), 0o755);
    // A read-only file in a writable directory (SQLite can create its -shm file there), and a
    // read-only file in a read-only directory (it cannot: the file is opened immutable).
    for (case, dir_mode) in [("file", 0o777), ("directory", 0o555)] {
        let sub = dir.path().join(case);
        std::fs::create_dir(&sub).expect("mkdir");
        let db = sub.join("c.db");
        runtime.block_on(async {
            let client = casiscan_core::Client::open(
                db.to_str().expect("utf8"),
                casiscan_core::providers::Providers::new(),
            )
            .await
            .expect("create");
            for name in ["s1", "s2"] {
                let mut scan = casiscan_core::model::Scan::new("admin", name);
                scan.target = "127.0.0.1".into();
                client.add_scan(&scan).await.expect("add");
            }
        });
        chmod(&db, 0o444);
        chmod(&sub, dir_mode);
        let before = std::fs::read(&db).expect("read");

        let out = casiscan_as(&prefix, &db, &["list"]);
        assert!(out.status.success(), "{case}: {}", stderr(&out));
        let listed = stdout(&out);
        assert!(
            listed.contains("admin/s1") && listed.contains("2 scan(s)"),
            "{case}: {listed}"
        );
        let out = casiscan_as(&prefix, &db, &["show", "s2"]);
        assert!(out.status.success(), "{case}: {}", stderr(&out));

        for write in [&["clear", "s1"][..], &["delete", "s1"][..]] {
            let out = casiscan_as(&prefix, &db, write);
            assert_eq!(
                out.status.code(),
                Some(7),
                "{case} {write:?}: {}",
                stderr(&out)
            );
            assert!(
                stderr(&out).contains("is read-only"),
                "{case} {write:?}: {}",
                stderr(&out)
            );
        }
        assert_eq!(
            std::fs::read(&db).expect("read"),
            before,
            "{case}: unchanged"
        );
        chmod(&sub, 0o755);
    }
}

#[test]
fn serve_applies_its_connection_limits_and_refuses_zero() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("serve.db");
    for bad in [
        &["--header-read-timeout", "0"][..],
        &["--body-read-timeout", "0"][..],
        &["--body-total-timeout", "0"][..],
        &["--write-timeout", "0"][..],
        &["--max-connections", "0"][..],
    ] {
        let out = casiscan(
            &db,
            &[&["serve", "--listen", "127.0.0.1:0"][..], bad].concat(),
        );
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
    }

    let mut child = Command::new(env!("CARGO_BIN_EXE_casiscan"))
        .arg("--db")
        .arg(&db)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--header-read-timeout",
            "1",
        ])
        .args(["--max-connections", "4"])
        .env("CASISCAN_ADMIN_TOKEN", "an-admin-token-of-16+")
        .env_remove("CASISCAN_DB")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn serve");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let _server = Kill(child);
    // Log events may come first: the address is on the `casiscan: serving on` line.
    let line = lines
        .by_ref()
        .map(|l| l.expect("utf8"))
        .find(|l| l.starts_with("casiscan: serving on"))
        .expect("a serving line");
    let addr = line
        .rsplit_once("http://")
        .map(|(_, a)| a.trim().to_string())
        .expect("serving on http://ADDR");

    let started = Instant::now();
    let mut slow = std::net::TcpStream::connect(&addr).expect("connect");
    slow.write_all(b"GET /api/get-scans HTTP/1.1\r\nHost: x\r\n")
        .expect("partial header");
    slow.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("read timeout");
    let mut rest = Vec::new();
    slow.read_to_end(&mut rest)
        .expect("closed by the server, not by our 15 s read timeout");
    let after = started.elapsed();
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(10),
        "closed after {after:?}"
    );

    // A lowercase scheme is accepted end to end.
    let mut ok = std::net::TcpStream::connect(&addr).expect("connect");
    ok.write_all(
        b"GET /api/get-scans HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
          authorization: bearer an-admin-token-of-16+\r\n\r\n",
    )
    .expect("request");
    let mut answer = String::new();
    ok.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn list_works_on_a_full_disk() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("c.db");
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            let client = casiscan_core::Client::open(
                db.to_str().expect("utf8"),
                casiscan_core::providers::Providers::new(),
            )
            .await
            .expect("create");
            let mut scan = casiscan_core::model::Scan::new("admin", "s1");
            scan.target = "127.0.0.1".into();
            client.add_scan(&scan).await.expect("add");
        });
    // A private mount namespace with a small tmpfs, filled up, holding a copy of the database.
    let mnt = dir.path().join("full");
    std::fs::create_dir(&mnt).expect("mkdir");
    let script = r#"
        mount -t tmpfs -o size=512k tmpfs "$1" || exit 100
        cp "$2" "$1/c.db" || exit 101
        dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null
        "$3" --db "$1/c.db" list; echo "list-exit=$?"
        "$3" --db "$1/c.db" clear s1; echo "clear-exit=$?"
    "#;
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", script, "sh"])
        .arg(&mnt)
        .arg(&db)
        .arg(env!("CARGO_BIN_EXE_casiscan"))
        .env_remove("CASISCAN_DB")
        .output();
    let out = match out {
        Ok(o) if !matches!(o.status.code(), Some(100) | Some(101)) && o.status.success() => o,
        other => {
            eprintln!(
                "SKIPPED list_works_on_a_full_disk: no user and mount namespace here ({other:?})"
            );
            return;
        }
    };
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(
        text.contains("admin/s1") && text.contains("list-exit=0"),
        "{text}\n{err}"
    );
    assert!(text.contains("clear-exit=7"), "{text}\n{err}");
    assert!(err.contains("is read-only"), "{err}");
}

#[test]
fn a_read_only_directory_with_uncheckpointed_changes_is_a_clear_error() {
    let Some(prefix) = unprivileged() else {
        eprintln!(
            "SKIPPED a_read_only_directory_with_uncheckpointed_changes_is_a_clear_error: \
             running as root without a working `setpriv`"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    chmod(dir.path(), 0o755);
    let source = dir.path().join("source.db");
    assert!(casiscan(&source, &["list"]).status.success());
    // Copy the database and its -wal while a writer's change is still only in the WAL.
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).expect("mkdir");
    let copy = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,shutil,sys\n\
             c=sqlite3.connect(sys.argv[1],isolation_level=None)\n\
             c.execute('PRAGMA wal_autocheckpoint=0')\n\
             c.execute(\"INSERT INTO runners VALUES ('r', 'now', '{}')\")\n\
             shutil.copy(sys.argv[1], sys.argv[2])\n\
             shutil.copy(sys.argv[1] + '-wal', sys.argv[2] + '-wal')\n",
        )
        .arg(&source)
        .arg(ro.join("c.db"))
        .status()
        .expect("python3");
    assert!(copy.success());
    let db = ro.join("c.db");
    assert!(std::fs::metadata(ro.join("c.db-wal")).expect("wal").len() > 0);
    chmod(&db, 0o444);
    chmod(&ro, 0o555);
    let out = casiscan_as(&prefix, &db, &["list"]);
    chmod(&ro, 0o755);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is read-only") && stderr(&out).contains("-wal"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn prune_applies_the_retention_and_refuses_a_retention_that_is_not_a_number() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("p.db");
    for bad in ["x", "0", "-3", "1.5"] {
        let arg = format!("--retention-days={bad}");
        let out = casiscan(&db, &["prune", &arg]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("retention"), "{}", stderr(&out));
    }
    let out = casiscan(
        &db,
        &[
            "serve",
            "--admin-token",
            "0123456789abcdef",
            "--retention-days",
            "soon",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = casiscan(&db, &["prune", "--retention-days", "30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("removed 0 scan log(s) and 0 finding(s) older than 30 day(s)"),
        "{}",
        stdout(&out)
    );
}

/// One raw HTTP/1.1 GET of `path` on `addr` with `headers`; the whole answer.
fn raw_get(addr: &str, path: &str, headers: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    answer
}

#[test]
fn serve_trusts_the_user_header_only_from_the_proxy_it_is_told() {
    use std::io::{BufRead, BufReader};

    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("serve.db");
    let token = ["--admin-token", "0123456789abcdef"];
    for bad in [
        &["--trusted-user-header", "X-Forwarded-User"][..],
        &["--trusted-proxy", "127.0.0.1"][..],
        &[
            "--trusted-user-header",
            "X-Forwarded-User",
            "--trusted-proxy",
            "proxy.example",
        ][..],
        &[
            "--trusted-user-header",
            "X Forwarded",
            "--trusted-proxy",
            "127.0.0.1",
        ][..],
        &["--cors-origin", "*"][..],
        &["--cors-credentials"][..],
    ] {
        let out = casiscan(
            &db,
            &[&["serve", "--listen", "127.0.0.1:0"][..], &token, bad].concat(),
        );
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
    }

    let serve = |proxy: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_casiscan"))
            .arg("--db")
            .arg(&db)
            .args(["serve", "--listen", "127.0.0.1:0", "--no-scheduler"])
            .args([
                "--trusted-user-header",
                "X-Forwarded-User",
                "--trusted-proxy",
                proxy,
            ])
            .env("CASISCAN_ADMIN_TOKEN", "an-admin-token-of-16+")
            .env_remove("CASISCAN_DB")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let line = lines
            .by_ref()
            .map(|l| l.expect("utf8"))
            .find(|l| l.starts_with("casiscan: serving on"))
            .expect("a serving line");
        let addr = line
            .rsplit_once("http://")
            .map(|(_, a)| a.trim().to_string())
            .expect("serving on http://ADDR");
        // The server logs to stderr: keep reading it open, or its next log line fails.
        (child, addr, lines)
    };
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let (child, addr, _log) = serve("127.0.0.0/8");
    let _server = Kill(child);
    let named = raw_get(&addr, "/api/get-scans", "X-Forwarded-User: alice\r\n");
    assert!(named.starts_with("HTTP/1.1 200"), "{named}");
    let anonymous = raw_get(&addr, "/api/get-scans", "");
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");
    assert!(
        anonymous.contains("\"Unauthorized operation\""),
        "{anonymous}"
    );

    let (child, addr, _other_log) = serve("192.0.2.10");
    let _other = Kill(child);
    let ignored = raw_get(&addr, "/api/get-scans", "X-Forwarded-User: alice\r\n");
    assert!(
        ignored.starts_with("HTTP/1.1 401"),
        "not from the proxy: {ignored}"
    );
}

#[test]
fn imported_runs_diff_like_their_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("c.db");
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../casiscan-core/testdata/nmap/diff");
    let (a, b) = (fixtures.join("before.xml"), fixtures.join("after.xml"));
    let (a, b) = (a.to_str().expect("utf8"), b.to_str().expect("utf8"));
    let added = casiscan(&db, &["add", "127.0.0.1", "--name", "imp"]);
    assert!(added.status.success(), "{}", stderr(&added));
    let bad = casiscan(&db, &["import-nmap", "/dev/null", "--scan", "imp"]);
    assert_ne!(bad.status.code(), Some(0), "empty file refused");
    let one = casiscan(&db, &["diff", "imp"]);
    assert_ne!(one.status.code(), Some(0), "no runs yet: {}", stdout(&one));
    for file in [a, b] {
        let out = casiscan(&db, &["import-nmap", file, "--scan", "imp"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("Completed"), "{}", stdout(&out));
    }
    let runs = casiscan(&db, &["runs", "imp"]);
    let runs: serde_json::Value = serde_json::from_slice(&runs.stdout).expect("json");
    assert_eq!(runs[0]["imported"], true);
    let files = casiscan(&db, &["diff", a, b]);
    let stored = casiscan(&db, &["diff", "imp"]);
    assert_eq!(stored.status.code(), Some(1), "{}", stderr(&stored));
    assert_eq!(stdout(&stored), stdout(&files));
    let explicit = casiscan(&db, &["diff", "imp", "--from", "1", "--to", "2"]);
    assert_eq!(stdout(&explicit), stdout(&files));
    let same = casiscan(&db, &["diff", "imp", "--from", "2", "--to", "2"]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    let json = casiscan(&db, &["diff", "--json", "imp"]);
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert!(v["nmap"]["hosts"].is_array(), "{v}");
}
