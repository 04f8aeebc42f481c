//! A real `casiscan worker` process operated as a fleet operator would: queueing from the CLI,
//! `kill -9` mid-scan (no nmap and no scratch directory left behind), SIGTERM (scans given back
//! at once, or finished within the grace period), `--owner`, JSON logs and Prometheus metrics.
//! Every scan is real nmap against loopback ports this test opened.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A worker process that is killed if the test fails.
struct Worker {
    child: Child,
    stderr: PathBuf,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Worker {
    fn start(db: &Path, scratch: &Path, name: &str, extra: &[&str]) -> Worker {
        let stderr = scratch.join(format!("{name}-{}.log", std::process::id()));
        let log = std::fs::File::create(&stderr).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_casiscan"))
            .arg("--db")
            .arg(db)
            .args(["--log-format", "json", "worker", "--name", name])
            .arg("--scratch-base")
            .arg(scratch)
            .args(["--lease-seconds", "300", "--concurrency", "2"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn worker");
        Worker { child, stderr }
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid")
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), signal).expect("signal");
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let began = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                began.elapsed() < limit,
                "worker did not exit: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn casiscan(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casiscan"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run casiscan")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn state_of(db: &Path, id: &str) -> serde_json::Value {
    let shown = ok(&casiscan(db, &["show", id]));
    serde_json::from_str(&shown).expect("scan JSON")
}

fn wait_state(db: &Path, id: &str, want: &str, limit: Duration) -> serde_json::Value {
    let began = Instant::now();
    loop {
        let scan = state_of(db, id);
        if scan["state"] == want {
            return scan;
        }
        assert!(began.elapsed() < limit, "{id} never became {want}: {scan}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Processes whose command line mentions `marker` (the worker's scratch directory is in nmap's
/// `--oN` path, so it names exactly this test's nmap processes).
fn processes_mentioning(marker: &str) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(marker) && !stat.contains(") Z ") {
            found.push(pid);
        }
    }
    found
}

/// Two loopback ports that accept and drop connections, and an nmap command that probes them
/// slowly (about `delay` per probe).
fn slow_command(delay_ms: u32) -> (String, [TcpListener; 2]) {
    let a = TcpListener::bind("127.0.0.1:0").expect("bind");
    let b = TcpListener::bind("127.0.0.1:0").expect("bind");
    let cmd = format!(
        "-sT -Pn -p {},{} --scan-delay {delay_ms}ms --max-retries 0",
        a.local_addr().expect("a").port(),
        b.local_addr().expect("b").port()
    );
    (cmd, [a, b])
}

fn add_started(db: &Path, name: &str, owner: &str, command: &str) {
    let out = ok(&casiscan(
        db,
        &[
            "--owner",
            owner,
            "add",
            "127.0.0.1",
            "--name",
            name,
            "--command",
            command,
            "--start",
        ],
    ));
    assert_eq!(out.trim(), format!("{owner}/{name} Pending"));
}

#[test]
fn kill_9_mid_scan_leaves_no_nmap_and_a_restart_clears_the_scratch_directory() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("ops.db");
    let (cmd, _ports) = slow_command(4000);
    add_started(&db, "slow", "ops", &cmd);
    let name = format!("orphan-{}", std::process::id());
    let mut worker = Worker::start(&db, dir.path(), &name, &[]);
    wait_state(&db, "ops/slow", "Running", Duration::from_secs(30));
    let scratch = dir.path().join(format!("casiscan-worker-{name}"));
    let marker = scratch.to_string_lossy().into_owned();
    let began = Instant::now();
    while processes_mentioning(&marker).is_empty() {
        assert!(
            began.elapsed() < Duration::from_secs(20),
            "nmap never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let place = scratch.join(worker.child.id().to_string());
    let leftovers = std::fs::read_dir(&place)
        .expect("the worker's place")
        .count();
    assert_eq!(leftovers, 1, "one private directory for the one run");

    worker.signal(nix::sys::signal::Signal::SIGKILL);
    worker.wait_exit(Duration::from_secs(10));
    let began = Instant::now();
    while !processes_mentioning(&marker).is_empty() {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "nmap outlived its killed worker: {:?}",
            processes_mentioning(&marker)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        state_of(&db, "ops/slow")["state"],
        "Running",
        "lease still held"
    );

    // The next worker of the same name removes what the killed one left.
    let (quick, _quick_ports) = slow_command(1);
    add_started(&db, "quick", "ops", &quick);
    let again = Worker::start(&db, dir.path(), &name, &[]);
    wait_state(&db, "ops/quick", "Completed", Duration::from_secs(60));
    let names: Vec<String> = std::fs::read_dir(&scratch)
        .expect("scratch again")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [again.child.id().to_string()],
        "the killed worker's place is gone"
    );
    let inside = std::fs::read_dir(scratch.join(again.child.id().to_string()))
        .expect("new place")
        .count();
    assert_eq!(inside, 0, "the finished run left nothing");
}

#[test]
fn sigterm_gives_running_scans_back_at_once_or_lets_them_finish_within_the_grace() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("term.db");
    let (cmd, _ports) = slow_command(4000);
    add_started(&db, "long", "ops", &cmd);
    let name = format!("term-{}", std::process::id());
    let mut worker = Worker::start(&db, dir.path(), &name, &["--grace-seconds", "0"]);
    wait_state(&db, "ops/long", "Running", Duration::from_secs(30));
    let marker = dir
        .path()
        .join(format!("casiscan-worker-{name}"))
        .to_string_lossy()
        .into_owned();
    let began = Instant::now();
    while processes_mentioning(&marker).is_empty() {
        assert!(
            began.elapsed() < Duration::from_secs(20),
            "nmap never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let signalled = Instant::now();
    worker.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(worker.wait_exit(Duration::from_secs(15)).success());
    // The lease is 300 s: Pending now means it was given back, not expired.
    let back = state_of(&db, "ops/long");
    assert_eq!(back["state"], "Pending", "{back}");
    assert!(signalled.elapsed() < Duration::from_secs(15));
    assert!(
        processes_mentioning(&marker).is_empty(),
        "nmap left running"
    );
    let log = worker.log();
    assert!(log.contains("grace period over"), "{log}");

    // With a grace period longer than the scan, the scan finishes before the worker exits.
    let (short, _short_ports) = slow_command(1500);
    ok(&casiscan(&db, &["--owner", "ops", "cancel", "long"]));
    add_started(&db, "short", "ops", &short);
    let mut patient = Worker::start(&db, dir.path(), &name, &["--grace-seconds", "60"]);
    wait_state(&db, "ops/short", "Running", Duration::from_secs(30));
    patient.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(patient.wait_exit(Duration::from_secs(60)).success());
    assert_eq!(state_of(&db, "ops/short")["state"], "Completed");
}

/// One JSON log event with this message and scan, if the worker wrote it.
fn event<'a>(
    events: &'a [serde_json::Value],
    message: &str,
    scan: &str,
) -> Option<&'a serde_json::Value> {
    events
        .iter()
        .find(|e| e["message"] == message && e["scan"] == scan)
}

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut body = String::new();
    stream.read_to_string(&mut body).expect("response");
    body
}

#[test]
fn a_worker_claims_only_its_owner_and_says_what_it_decides_in_logs_and_metrics() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("obs.db");
    let (cmd, _ports) = slow_command(1);
    add_started(&db, "mine", "blue", &cmd);
    add_started(&db, "theirs", "red", &cmd);
    let metrics_port = TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let addr = format!("127.0.0.1:{metrics_port}");
    let name = format!("obs-{}", std::process::id());
    let mut worker = Worker::start(
        &db,
        dir.path(),
        &name,
        &["--owner", "blue", "--metrics-listen", &addr],
    );
    // `casiscan wait` returns when the scan ends, with exit 0 for Completed.
    let waited = casiscan(&db, &["wait", "blue/mine", "--timeout", "60"]);
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        state_of(&db, "red/theirs")["state"],
        "Pending",
        "another owner's scan"
    );
    let timed_out = casiscan(&db, &["wait", "red/theirs", "--timeout", "1"]);
    assert_eq!(timed_out.status.code(), Some(11));

    // The queue is counted every 5 s: wait for the count taken after the claim.
    let began = Instant::now();
    let mut metrics = http_get(&addr, "/metrics");
    while !metrics.contains("casiscan_queue_depth 1") && began.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(250));
        metrics = http_get(&addr, "/metrics");
    }
    for line in [
        "casiscan_claims_total 1",
        "casiscan_finishes_total{state=\"Completed\"} 1",
        "casiscan_queue_depth 1",
        "casiscan_pickup_seconds_count 1",
        "casiscan_scan_duration_seconds_count 1",
    ] {
        assert!(metrics.contains(line), "no `{line}` in:\n{metrics}");
    }

    worker.signal(nix::sys::signal::Signal::SIGTERM);
    worker.wait_exit(Duration::from_secs(15));
    let events: Vec<serde_json::Value> =
        BufReader::new(std::fs::File::open(&worker.stderr).expect("log"))
            .lines()
            .map_while(Result::ok)
            .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
    let claimed = event(&events, "claimed", "blue/mine").expect("claim logged");
    assert_eq!(claimed["runner"], name.as_str());
    assert_eq!(claimed["attempt"], 1);
    let finished = event(&events, "finished", "blue/mine").expect("finish logged");
    assert_eq!(finished["state"], "Completed");
    assert!(event(&events, "claimed", "red/theirs").is_none());
    assert!(events.iter().any(|e| e["message"] == "worker ready"));
}

#[test]
fn add_refuses_a_hostile_target_and_start_cancel_report_the_state() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("cli.db");
    let refused = casiscan(&db, &["add", "--name", "evil", "--", "-oN /etc/passwd"]);
    assert_eq!(refused.status.code(), Some(2), "invalid input");
    assert!(!ok(&casiscan(&db, &["list"])).contains("evil"));
    assert_eq!(
        ok(&casiscan(&db, &["add", "127.0.0.1", "--name", "later"])).trim(),
        "admin/later Created"
    );
    assert_eq!(
        ok(&casiscan(&db, &["start", "later"])).trim(),
        "admin/later Pending"
    );
    assert_eq!(
        ok(&casiscan(&db, &["cancel", "later"])).trim(),
        "admin/later Canceled"
    );
    let missing = casiscan(&db, &["start", "nope"]);
    assert_eq!(missing.status.code(), Some(3), "not found");
}
