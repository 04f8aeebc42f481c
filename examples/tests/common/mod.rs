//! The fleet scenario shared by the SQLite and PostgreSQL fleet tests.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use casiscan_core::Client;
use casiscan_core::model::ScanQuery;
use casiscan_core::model::{ProviderKind, Scan, ScanState};
use casiscan_core::providers::Providers;

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

/// A loopback listener that accepts and drops every connection (so its backlog never fills).
fn accepting_listener() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || for _ in listener.incoming() {});
    port
}

/// Adds and starts one scan.
async fn queue(client: &Client, name: &str, provider: ProviderKind, target: &str, command: &str) {
    let mut s = Scan::new("fleet", name);
    s.provider = Some(provider);
    s.target = target.into();
    s.command = command.into();
    client.add_scan(&s).await.expect("add");
    client
        .start_scan(&format!("fleet/{name}"))
        .await
        .expect("start");
}

/// Four workers on `db`: 200 scans each run once on an allowed runner, an unroutable scan
/// carries a reason, and a SIGKILLed worker's scan is requeued and completed elsewhere.
pub async fn fleet(db: &str) {
    let db = Path::new(db);
    let client = Client::open(db.to_str().expect("utf8"), Providers::new())
        .await
        .expect("open");
    let port = accepting_listener();
    let mut workers = Workers((1..=4).map(|n| worker(db, &format!("w{n}"), 2)).collect());

    for n in 0..180 {
        queue(
            &client,
            &format!("nmap_{n:03}"),
            ProviderKind::Nmap,
            "127.0.0.1",
            &format!("-sT -Pn -p {port}"),
        )
        .await;
    }
    for n in 0..20 {
        let host = format!("w{}.example", n % 4 + 1);
        queue(
            &client,
            &format!("patch_{n:02}"),
            ProviderKind::OsPatch,
            &host,
            "available",
        )
        .await;
    }
    queue(
        &client,
        "patch_remote",
        ProviderKind::OsPatch,
        "203.0.113.7",
        "available",
    )
    .await;

    let is_batch = |s: &Scan| {
        s.name.starts_with("nmap_")
            || s.name.starts_with("patch_0")
            || s.name.starts_with("patch_1")
    };
    let scans = wait_for(&client, Duration::from_secs(300), |all| {
        all.iter()
            .filter(|s| is_batch(s))
            .all(|s| s.state == ScanState::Completed)
    })
    .await;
    let batch: Vec<&Scan> = scans.iter().filter(|s| is_batch(s)).collect();
    assert_eq!(batch.len(), 200);
    let mut per_runner = std::collections::HashMap::new();
    for s in &batch {
        assert!(
            ["w1", "w2", "w3", "w4"].contains(&s.runner.as_str()),
            "{}",
            s.runner
        );
        if s.provider == Some(ProviderKind::OsPatch) {
            assert_eq!(
                format!("{}.example", s.runner),
                s.target,
                "OS patch runs on its target only"
            );
            assert!(s.result_summary.contains("patches"), "{}", s.result_summary);
        } else {
            assert_eq!(s.result_summary, "1 ports found");
        }
        let runs = client
            .list_runs(&format!("fleet/{}", s.name))
            .await
            .expect("runs");
        assert_eq!(runs.len(), 1, "{} ran {} times", s.name, runs.len());
        *per_runner.entry(s.runner.clone()).or_insert(0) += 1;
    }
    assert!(per_runner.len() >= 2, "work was shared: {per_runner:?}");
    let remote = client.get_scan("fleet/patch_remote").await.expect("get");
    assert_eq!(remote.state, ScanState::Pending, "no runner can take it");
    assert_eq!(
        remote.error_text,
        "no runner with IP 203.0.113.7 has been seen"
    );

    // A slow scan, then SIGKILL the worker that holds it.
    let a = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let b = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let slow_cmd = format!(
        "-sT -Pn -p {},{} --scan-delay 1500ms --max-retries 0",
        a.local_addr().expect("a").port(),
        b.local_addr().expect("b").port()
    );
    queue(&client, "slow", ProviderKind::Nmap, "127.0.0.1", &slow_cmd).await;
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
    // Once, or twice when the holder stalled past its lease before it was killed.
    assert!(
        (2..=3).contains(&slow.attempt),
        "requeued after the lease expired: attempt {}",
        slow.attempt
    );
    let runs = client.list_runs("fleet/slow").await.expect("runs");
    assert_eq!(runs.len(), 1, "run to completion exactly once");
    assert_eq!(runs[0].state, ScanState::Completed);
}

/// Workers killed at random while scans keep arriving, for `duration`; then every scan must end
/// Completed, or Failed with a reason, and none may be stuck.
pub async fn soak(db: &str, duration: Duration) {
    let db = Path::new(db);
    let client = Client::open(db.to_str().expect("utf8"), Providers::new())
        .await
        .expect("open");
    let port = accepting_listener();
    let mut workers = Workers((1..=3).map(|n| worker(db, &format!("s{n}"), 1)).collect());
    let started = Instant::now();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut n = 0;
    let mut kills = 0;
    while started.elapsed() < duration {
        for _ in 0..5 {
            let delay = if seed.is_multiple_of(3) {
                "--scan-delay 400ms "
            } else {
                ""
            };
            let cmd = format!("-sT -Pn {delay}-p {port}");
            queue(
                &client,
                &format!("soak_{n:04}"),
                ProviderKind::Nmap,
                "127.0.0.1",
                &cmd,
            )
            .await;
            n += 1;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let victim = (seed % 3) as usize;
        let (name, child) = &mut workers.0[victim];
        let _ = child.kill();
        let _ = child.wait();
        kills += 1;
        let name = name.clone();
        workers.0[victim] = worker(db, &name, 1);
        tokio::time::sleep(Duration::from_millis(700 + seed % 600)).await;
    }
    let scans = wait_for(&client, Duration::from_secs(120), |all| {
        all.iter()
            .all(|s| matches!(s.state, ScanState::Completed | ScanState::Failed))
    })
    .await;
    assert!(
        kills >= 5 && scans.len() == n,
        "{kills} kills, {} of {n} scans",
        scans.len()
    );
    for s in &scans {
        if s.state == ScanState::Failed {
            assert!(
                !s.error_text.is_empty(),
                "{} failed without a reason",
                s.name
            );
        }
        let completed = client
            .list_runs(&format!("fleet/{}", s.name))
            .await
            .expect("runs")
            .iter()
            .filter(|r| r.state == ScanState::Completed)
            .count();
        assert!(completed <= 1, "{} completed {completed} times", s.name);
    }
}
