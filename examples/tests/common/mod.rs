//! The fleet scenario shared by the SQLite and PostgreSQL fleet tests.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use casiscan_core::Client;
use casiscan_core::model::{ProviderKind, Scan, ScanState};
use casiscan_core::providers::Providers;
use casiscan_core::store::ScanQuery;

struct Workers(Vec<(String, Child)>);

impl Drop for Workers {
    fn drop(&mut self) {
        for (_, child) in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn worker(db: &Path, name: &str, lease: u32) -> (String, Child) {
    let child = Command::new(env!("CARGO_BIN_EXE_casiscan"))
        .arg("--db")
        .arg(db)
        .args([
            "worker",
            "--name",
            name,
            "--hostname",
            &format!("{name}.example"),
        ])
        .args(["--concurrency", "4", "--lease-seconds", &lease.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn worker");
    (name.to_string(), child)
}

async fn wait_for<F: Fn(&[Scan]) -> bool>(client: &Client, limit: Duration, done: F) -> Vec<Scan> {
    let started = Instant::now();
    loop {
        let scans = client
            .list_scans(&ScanQuery::default())
            .await
            .expect("list")
            .items;
        if done(&scans) {
            return scans;
        }
        assert!(
            started.elapsed() < limit,
            "timed out; states: {:?}",
            scans.iter().map(|s| s.state).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Three workers on `db`: 40 scans once each, a remote OS patch scan with a reason, a SIGKILL.
pub async fn fleet(db: &str) {
    let db = Path::new(db);
    let client = Client::open(db.to_str().expect("utf8"), Providers::new())
        .await
        .expect("open");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut workers = Workers(vec![
        worker(db, "w1", 2),
        worker(db, "w2", 2),
        worker(db, "w3", 2),
    ]);

    for n in 0..40 {
        let mut s = Scan::new("fleet", format!("nmap_{n:02}"));
        s.target = "127.0.0.1".into();
        s.command = format!("-sT -Pn -p {port}");
        client.add_scan(&s).await.expect("add");
        client
            .start_scan(&format!("fleet/nmap_{n:02}"))
            .await
            .expect("start");
    }
    let mut patch = Scan::new("fleet", "ospatch_remote");
    patch.provider = ProviderKind::OsPatch;
    patch.target = "203.0.113.7".into();
    client.add_scan(&patch).await.expect("add");
    client
        .start_scan("fleet/ospatch_remote")
        .await
        .expect("start");

    let scans = wait_for(&client, Duration::from_secs(180), |all| {
        all.iter()
            .filter(|s| s.name.starts_with("nmap_"))
            .all(|s| s.state == ScanState::Completed)
    })
    .await;
    for s in scans.iter().filter(|s| s.name.starts_with("nmap_")) {
        assert!(
            ["w1", "w2", "w3"].contains(&s.runner.as_str()),
            "{}",
            s.runner
        );
        assert_eq!(s.result_summary, "1 ports found");
        let runs = client
            .list_runs(&format!("fleet/{}", s.name))
            .await
            .expect("runs");
        assert_eq!(runs.len(), 1, "{} ran {} times", s.name, runs.len());
    }
    let remote = client.get_scan("fleet/ospatch_remote").await.expect("get");
    assert_eq!(remote.state, ScanState::Pending, "no runner can take it");
    assert!(
        remote.error_text.contains("not available"),
        "a visible reason: {:?}",
        remote.error_text
    );

    // A slow scan, then SIGKILL the worker that holds it.
    let a = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let b = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let mut slow = Scan::new("fleet", "slow");
    slow.target = "127.0.0.1".into();
    slow.command = format!(
        "-sT -Pn -p {},{} --scan-delay 1500ms --max-retries 0",
        a.local_addr().expect("a").port(),
        b.local_addr().expect("b").port()
    );
    client.add_scan(&slow).await.expect("add");
    client.start_scan("fleet/slow").await.expect("start");
    let held = wait_for(&client, Duration::from_secs(30), |all| {
        all.iter()
            .any(|s| s.name == "slow" && s.state == ScanState::Running)
    })
    .await;
    let holder = held
        .iter()
        .find(|s| s.name == "slow")
        .expect("slow")
        .runner
        .clone();
    let (_, child) = workers
        .0
        .iter_mut()
        .find(|(n, _)| *n == holder)
        .expect("holder");
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let done = wait_for(&client, Duration::from_secs(60), |all| {
        all.iter()
            .any(|s| s.name == "slow" && s.state == ScanState::Completed)
    })
    .await;
    let slow = done.iter().find(|s| s.name == "slow").expect("slow");
    assert_ne!(slow.runner, holder, "completed by another worker");
    assert_eq!(slow.attempt, 2, "requeued once after the lease expired");
    let runs = client.list_runs("fleet/slow").await.expect("runs");
    assert_eq!(runs.len(), 1, "run to completion exactly once");
    assert_eq!(runs[0].state, ScanState::Completed);
}
