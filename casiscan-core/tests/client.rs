//! Client behaviour around the Provider trait, with a scripted provider (no real tool involved).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use casiscan_core::clock::{self, Clock};
use casiscan_core::model::ScanQuery;
use casiscan_core::model::{
    Asset, MAX_TIMEOUT_SECONDS, ProviderKind, Scan, ScanResult, ScanState, TargetMode,
};
use casiscan_core::model::{RecordId, RunnerIdentity};
use casiscan_core::providers::nmap::CasibaseResult;
use casiscan_core::providers::{
    Locality, Provider, ProviderOutput, Providers, RunContext, RunRequest,
};
use casiscan_core::runner::{LeasePolicy, Worker, WorkerConfig};
use casiscan_core::store::{MemoryStore, StateChange, Store};
use casiscan_core::{Client, Error, ErrorKind, Result};

/// Echoes the target, fails on `fail`, waits for cancellation on `hang`.
struct Scripted;

#[async_trait]
impl Provider for Scripted {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Nmap
    }
    fn locality(&self) -> Locality {
        Locality::AnyRunner
    }
    async fn available(&self) -> bool {
        true
    }
    fn validate_command(&self, command: &str) -> Result<()> {
        if command.starts_with("-oN") {
            return Err(Error::invalid("command", "-oN writes a file"));
        }
        Ok(())
    }
    async fn run(&self, request: RunRequest, ctx: RunContext) -> Result<ProviderOutput> {
        match request.command.as_str() {
            "fail" => Err(Error::provider("Nmap", "exit status 1")),
            "hang" => {
                ctx.partial_raw.send_replace("half way".into());
                ctx.cancel.cancelled().await;
                Err(Error::Canceled("killed".into()))
            }
            _ => Ok(ProviderOutput {
                raw_text: format!("scanned {}", request.target),
                result: ScanResult::Nmap(CasibaseResult {
                    summary: format!("scanned {}", request.target),
                    ..CasibaseResult::default()
                }),
                summary: "1 hosts up".into(),
            }),
        }
    }
}

async fn client() -> Client {
    Client::open("memory:", Providers::new().with(Arc::new(Scripted)))
        .await
        .expect("open")
        .with_runner_name("test-runner")
        .with_lease_policy(LeasePolicy {
            lease: Duration::from_millis(600),
            heartbeat: Duration::from_millis(30),
        })
}

/// Polls `admin/s` until `done` holds of it; fails after 5 s (of tokio time: instant when
/// time is paused and nothing else is due).
async fn until(c: &Client, what: &str, done: impl Fn(&Scan) -> bool) -> Scan {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let s = c.get_scan("admin/s").await.expect("get");
        if done(&s) {
            return s;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "admin/s never became {what}: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn scan(name: &str, target: &str, command: &str) -> Scan {
    let mut s = Scan::new("admin", name);
    s.target = target.into();
    s.command = command.into();
    s
}

#[tokio::test]
async fn run_scan_completes_and_keeps_history() {
    let c = client().await;
    c.add_scan(&scan("s", "127.0.0.1", "")).await.expect("add");
    for _ in 0..2 {
        let done = c
            .run_scan("admin/s", RunContext::detached())
            .await
            .expect("run");
        assert_eq!(done.state, ScanState::Completed);
        assert_eq!(done.raw_result, "scanned 127.0.0.1");
        assert_eq!(done.runner, "test-runner");
        assert_eq!(done.result_summary, "1 hosts up");
        assert!(done.finished_time >= done.started_time);
    }
    let runs = c.list_runs("admin/s").await.expect("runs");
    assert_eq!(runs.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert!(runs.iter().all(|r| r.state == ScanState::Completed));
}

#[tokio::test]
async fn failing_provider_fails_the_scan_with_its_error() {
    let c = client().await;
    c.add_scan(&scan("s", "::1", "fail")).await.expect("add");
    let done = c
        .run_scan("admin/s", RunContext::detached())
        .await
        .expect("run");
    assert_eq!(done.state, ScanState::Failed);
    assert!(
        done.error_text.contains("exit status 1"),
        "{}",
        done.error_text
    );
    assert_eq!(
        c.list_runs("admin/s").await.expect("runs")[0].state,
        ScanState::Failed
    );
}

#[tokio::test]
async fn cancel_stops_a_running_scan() {
    let c = client().await;
    c.add_scan(&scan("s", "127.0.0.1", "hang"))
        .await
        .expect("add");
    let runner = {
        let c = c.clone();
        tokio::spawn(async move { c.run_scan("admin/s", RunContext::detached()).await })
    };
    until(&c, "running half way", |s| {
        s.state == ScanState::Running && s.raw_result == "half way"
    })
    .await;
    assert_eq!(
        c.cancel_scan("admin/s").await.expect("cancel").state,
        ScanState::Canceled
    );
    let done = tokio::time::timeout(Duration::from_secs(5), runner)
        .await
        .expect("the run must stop after cancel")
        .expect("join")
        .expect("run");
    assert_eq!(done.state, ScanState::Canceled);
}

#[tokio::test]
async fn asset_mode_scans_the_public_ip() {
    let c = client().await;
    let mut vm = Asset::new("admin", "vm1");
    vm.id = "i-123".into();
    vm.properties.public_ip = "198.51.100.9".into();
    c.add_asset(&vm).await.expect("asset");
    let mut s = scan("s", "", "");
    s.target_mode = TargetMode::Asset;
    s.asset = "vm1".into();
    c.add_scan(&s).await.expect("add");
    let done = c
        .run_scan("admin/s", RunContext::detached())
        .await
        .expect("run");
    assert_eq!(done.raw_result, "scanned 198.51.100.9");
}

#[tokio::test]
async fn run_now_returns_output_and_stores_nothing() {
    let c = client().await;
    let out = c
        .run_now(&scan("adhoc", "localhost", ""), RunContext::detached())
        .await
        .expect("run_now");
    assert_eq!(out.raw_text, "scanned localhost");
    assert_eq!(
        c.list_scans(&ScanQuery::default())
            .await
            .expect("list")
            .total,
        0
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_nothing_is_stored() {
    let c = client().await;
    let cases = [
        scan("a", "-oN /etc/passwd", ""),
        scan("b", "", ""),
        scan("c", "10.0.0.1 10.0.0.2", ""),
        scan("d", "127.0.0.1", "-oN /tmp/x"),
        scan("e/f", "127.0.0.1", ""),
    ];
    for bad in &cases {
        let err = c.add_scan(bad).await.expect_err("refused");
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}: {err}");
    }
    assert_eq!(
        c.list_scans(&ScanQuery::default())
            .await
            .expect("list")
            .total,
        0
    );
    for id in ["", "admin", "a/b/c", "/x"] {
        assert_eq!(
            c.get_scan(id).await.expect_err(id).kind(),
            ErrorKind::InvalidInput
        );
    }
    let json = r#"{"owner":"a","name":"b","createdTime":"2025-01-01T00:00:00Z",
        "updatedTime":"2025-01-01T00:00:00Z","provider":"Nessus"}"#;
    let err = serde_json::from_str::<Scan>(json).expect_err("unknown provider");
    assert!(err.to_string().contains("unknown provider"), "{err}");
}

#[tokio::test]
async fn running_scans_resist_edits_and_plain_deletes() {
    let c = client().await;
    c.add_scan(&scan("s", "127.0.0.1", "hang"))
        .await
        .expect("add");
    let runner = {
        let c = c.clone();
        tokio::spawn(async move { c.run_scan("admin/s", RunContext::detached()).await })
    };
    until(&c, "running", |s| s.state == ScanState::Running).await;
    let edit = scan("s", "10.0.0.1", "");
    assert_eq!(
        c.update_scan("admin/s", &edit)
            .await
            .expect_err("edit")
            .kind(),
        ErrorKind::Conflict
    );
    assert_eq!(
        c.delete_scan("admin/s", false)
            .await
            .expect_err("del")
            .kind(),
        ErrorKind::Conflict
    );
    assert_eq!(
        c.get_scan("admin/s").await.expect("get").target,
        "127.0.0.1"
    );
    c.delete_scan("admin/s", true).await.expect("forced delete");
    tokio::time::timeout(Duration::from_secs(5), runner)
        .await
        .expect("run stops after forced delete")
        .expect("join")
        .ok();
    assert_eq!(
        c.get_scan("admin/s").await.expect_err("gone").kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn a_timeout_above_the_maximum_is_refused_not_clamped() {
    let c = client().await;
    let mut at_max = scan("max", "127.0.0.1", "");
    at_max.timeout_seconds = MAX_TIMEOUT_SECONDS;
    assert_eq!(
        c.add_scan(&at_max)
            .await
            .expect("at the max")
            .timeout_seconds,
        MAX_TIMEOUT_SECONDS
    );
    for too_long in [MAX_TIMEOUT_SECONDS + 1, u64::MAX] {
        let mut over = scan("over", "127.0.0.1", "");
        over.timeout_seconds = too_long;
        for err in [
            c.add_scan(&over).await.expect_err("add refused"),
            c.update_scan("admin/max", &{
                let mut o = over.clone();
                o.name = "max".into();
                o
            })
            .await
            .expect_err("update refused"),
            c.run_now(&over, RunContext::detached())
                .await
                .expect_err("run_now refused"),
        ] {
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
            let text = err.to_string();
            assert!(text.contains("timeoutSeconds"), "{text}");
            assert!(
                text.contains(&format!("maximum of {MAX_TIMEOUT_SECONDS}")),
                "{text}"
            );
        }
    }
    assert_eq!(
        c.get_scan("admin/max").await.expect("kept").timeout_seconds,
        MAX_TIMEOUT_SECONDS
    );
}

#[tokio::test]
async fn an_empty_sqlite_path_is_refused() {
    for db in ["sqlite:", "sqlite://"] {
        let err = Client::open(db, Providers::new())
            .await
            .expect_err("empty path");
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{db}: {err}");
        assert!(err.to_string().contains("SQLite path is empty"), "{err}");
    }
    let err = casiscan_core::store::SqliteStore::open("")
        .await
        .expect_err("empty path");
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

#[tokio::test]
async fn sqlite_refuses_a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("notes.txt");
    let text = "this is not sqlite, and it must survive\n".repeat(200);
    std::fs::write(&path, &text).expect("write");
    let err = Client::open(path.to_str().expect("utf8"), Providers::new())
        .await
        .expect_err("not a db");
    assert_eq!(err.kind(), ErrorKind::Storage);
    assert!(err.to_string().contains("not a SQLite database"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
}

#[tokio::test]
async fn sqlite_reports_a_locked_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("c.db");
    let c = Client::open(path.to_str().expect("utf8"), Providers::new())
        .await
        .expect("open");
    let holder = Kill(rusqlite_lock(&path));
    let err = c
        .add_scan(&scan("s", "127.0.0.1", ""))
        .await
        .expect_err("locked");
    assert_eq!(err.kind(), ErrorKind::Storage);
    assert!(err.to_string().contains("locked"), "{err}");
    drop(holder);
    c.add_scan(&scan("s", "127.0.0.1", ""))
        .await
        .expect("works once unlocked");
}

/// Holds an exclusive lock on the database from a second connection (a second process in life).
fn rusqlite_lock(path: &std::path::Path) -> std::process::Child {
    let child = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\n\
             c.execute('BEGIN EXCLUSIVE')\nprint('locked',flush=True)\ntime.sleep(30)",
        )
        .arg(path)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut child = child;
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    assert_eq!(line.trim(), "locked");
    child
}

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// A client over a memory store whose "now" is a manual clock.
fn client_on(clock: &Clock, lease: LeasePolicy) -> (Client, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new().with_clock(clock.clone()));
    let c = Client::new(
        Arc::clone(&store),
        Providers::new().with(Arc::new(Scripted)),
    )
    .with_runner_name("test-runner")
    .with_lease_policy(lease);
    (c, store)
}

#[tokio::test(start_paused = true)]
async fn heartbeats_renew_the_lease_from_the_stores_clock() {
    let clock = Clock::manual(clock::now());
    let start = clock.now();
    let lease = LeasePolicy {
        lease: Duration::from_secs(30),
        heartbeat: Duration::from_secs(2),
    };
    let (c, _) = client_on(&clock, lease);
    c.add_scan(&scan("s", "127.0.0.1", "hang"))
        .await
        .expect("add");
    let runner = {
        let c = c.clone();
        tokio::spawn(async move { c.run_scan("admin/s", RunContext::detached()).await })
    };
    let claimed = until(&c, "running", |s| s.state == ScanState::Running).await;
    assert_eq!(
        claimed.lease_until,
        Some(start + chrono::Duration::seconds(30))
    );
    // A minute passes on the store's clock; the next heartbeat (2 s of paused tokio time,
    // advanced at once) renews the lease from there.
    clock.advance(Duration::from_secs(60));
    let renewed = until(&c, "renewed", |s| {
        s.lease_until == Some(start + chrono::Duration::seconds(90))
    })
    .await;
    assert_eq!(renewed.state, ScanState::Running);
    c.cancel_scan("admin/s").await.expect("cancel");
    tokio::time::timeout(Duration::from_secs(5), runner)
        .await
        .expect("the run must stop after cancel")
        .expect("join")
        .expect("run");
}

#[tokio::test(start_paused = true)]
async fn a_dead_runners_scan_is_requeued_when_its_lease_ends_and_run_by_a_live_one() {
    let clock = Clock::manual(clock::now());
    let (c, store) = client_on(&clock, LeasePolicy::default());
    c.add_scan(&scan("s", "127.0.0.1", "")).await.expect("add");
    c.start_scan("admin/s").await.expect("start");
    let id: RecordId = "admin/s".parse().expect("id");
    // A runner that died right after claiming: its lease ends 30 s from now.
    store
        .apply(
            &id,
            &StateChange::claim("dead", clock.now() + chrono::Duration::seconds(30)),
        )
        .await
        .expect("claim");
    let identity = RunnerIdentity {
        name: "live".into(),
        hostname: "live.example".into(),
        ips: Vec::new(),
        public_ips: Vec::new(),
        providers: vec![ProviderKind::Nmap],
        owners: Vec::new(),
    };
    let worker = Worker::new(
        Arc::clone(&store),
        Providers::new().with(Arc::new(Scripted)),
        WorkerConfig::new(identity),
    );
    let stop = tokio_util::sync::CancellationToken::new();
    let running = {
        let stop = stop.clone();
        tokio::spawn(async move { worker.run(stop).await })
    };
    // Many polls of paused time later, the lease still holds on the store's clock.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let held = c.get_scan("admin/s").await.expect("get");
    assert_eq!(
        (held.state, held.runner.as_str()),
        (ScanState::Running, "dead")
    );
    clock.advance(Duration::from_secs(31));
    let done = until(&c, "completed", |s| s.state == ScanState::Completed).await;
    assert_eq!((done.runner.as_str(), done.attempt), ("live", 2));
    stop.cancel();
    running.await.expect("join").expect("worker");
}
