//! End to end: real workers run real nmap against a loopback port for many scans; every log of
//! the day is then exported through the REST export's pages, each exactly once.
//!
//! `CASISCAN_E2E_SCANS` sets the number of scans (default 1500).

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use tokio_util::sync::CancellationToken;

use casiscan_core::Client;
use casiscan_core::http::AppState;
use casiscan_core::model::{Scan, ScanField, ScanQuery};
use casiscan_core::providers;
use casiscan_core::runner::WorkerConfig;

mod serve;

const TOKEN: &str = "admin-token-for-tests";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scans_finished_by_real_workers_are_exported_once_through_pages() {
    let total: usize = std::env::var("CASISCAN_E2E_SCANS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || for _ in listener.incoming() {});
    let dir = tempfile::tempdir().expect("tmp");
    let db = format!("sqlite:{}", dir.path().join("e2e.db").display());
    let client = Client::open(&db, providers::defaults())
        .await
        .expect("client");
    for n in 0..total {
        let mut scan = Scan::new("acme", format!("s{n:04}"));
        scan.target = "127.0.0.1".into();
        scan.command = format!("-sT -Pn -n -p {port}");
        client.add_scan(&scan).await.expect("add");
        client
            .start_scan(&scan.id().expect("id"))
            .await
            .expect("start");
    }
    let stop = CancellationToken::new();
    let mut workers = Vec::new();
    for name in ["runner-a", "runner-b"] {
        let mut identity = client.runner_identity().await;
        identity.name = name.into();
        let mut config = WorkerConfig::new(identity);
        config.concurrency = 8;
        config.poll = Duration::from_millis(50);
        let worker = client.worker(config);
        let stop = stop.clone();
        workers.push(tokio::spawn(async move { worker.run(stop).await }));
    }
    let started = Instant::now();
    let completed = || ScanQuery {
        owner: Some("acme".into()),
        filter: Some((ScanField::State, "Completed".into())),
        ..ScanQuery::default()
    };
    loop {
        let done = client.list_scans(&completed()).await.expect("list").total;
        if done as usize == total {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1800),
            "only {done} of {total} scans completed"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    stop.cancel();
    for w in workers {
        w.await.expect("join").expect("worker");
    }

    let state = AppState::new(client, TOKEN).expect("state");
    state
        .keys
        .set_primary_user("acme", "alice")
        .await
        .expect("primary");
    let key = state
        .keys
        .create("acme", "alice", "siem")
        .await
        .expect("key");
    let base = serve::serve_on_loopback(state.clone()).await;
    // The runs finished today; the range reaches a day either side so a run past midnight
    // is still in it.
    let today = Utc::now().date_naive();
    let range = format!(
        "fromDate={}&toDate={}&pageSize=500",
        today - TimeDelta::days(1),
        today + TimeDelta::days(1)
    );
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/client/v1/fetch-s3-logs?{range}&cursor={c}"),
            None => format!("{base}/client/v1/fetch-s3-logs?{range}"),
        };
        let body: serde_json::Value = reqwest::Client::new()
            .get(url)
            .header("accessKey", &key.access_key)
            .header("secretKey", key.secret_key.to_string())
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        assert_eq!(body["status"], 200, "{body}");
        pages += 1;
        for log in body["result"]["data"].as_array().expect("data") {
            seen.push(log["ScanlogId"].as_u64().expect("integer id"));
            assert_eq!(log["ScanStatus"], "Scan Success", "{log}");
        }
        match body["casiscan"]["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let unique: BTreeSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a log exported twice");
    assert_eq!(seen.len(), total, "every finished scan's log is exported");
    assert_eq!(pages, total.div_ceil(500));
}
