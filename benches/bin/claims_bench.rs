//! Runner claim benchmark: pickup latency (start → claimed) and claims per second.
//!
//! Usage: `claims-bench DB [SCANS] [WORKERS]` where DB is a SQLite path or a `postgres://` URL.
//! Scans use a no-op provider so only queueing, claiming, leasing and finishing are measured.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use casiscan_core::model::RunnerIdentity;
use casiscan_core::model::ScanQuery;
use casiscan_core::model::{ProviderKind, Scan, ScanState};
use casiscan_core::providers::{
    Locality, Provider, ProviderOutput, Providers, RunContext, RunRequest,
};
use casiscan_core::runner::{Worker, WorkerConfig};
use casiscan_core::store::Store;
use casiscan_core::{Client, Result};
use tokio_util::sync::CancellationToken;

/// Finishes at once, counting its runs: the benchmark measures the claim path, not a tool.
struct Noop(Arc<AtomicUsize>);

#[async_trait]
impl Provider for Noop {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Nmap
    }
    fn locality(&self) -> Locality {
        Locality::AnyRunner
    }
    async fn available(&self) -> bool {
        true
    }
    fn validate_command(&self, _: &str) -> Result<()> {
        Ok(())
    }
    async fn run(&self, _: RunRequest, _: RunContext) -> Result<ProviderOutput> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(ProviderOutput {
            raw_text: String::new(),
            result: casiscan_core::model::ScanResult::empty(
                casiscan_core::model::ProviderKind::Nmap,
            ),
            summary: "noop".into(),
        })
    }
}

async fn store(db: &str) -> Arc<dyn Store> {
    Client::open(db, Providers::new())
        .await
        .expect("open")
        .store()
        .clone()
}

fn workers(
    stores: Vec<Arc<dyn Store>>,
    ran: &Arc<AtomicUsize>,
    stop: &CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    stores
        .into_iter()
        .enumerate()
        .map(|(n, store)| {
            let identity = RunnerIdentity {
                name: format!("bench{n}"),
                hostname: format!("bench{n}"),
                ips: Vec::new(),
                public_ips: Vec::new(),
                providers: vec![ProviderKind::Nmap],
                owners: Vec::new(),
            };
            let mut config = WorkerConfig::new(identity);
            config.concurrency = 8;
            let noop = Arc::new(Noop(Arc::clone(ran)));
            let worker = Worker::new(store, Providers::new().with(noop), config);
            let stop = stop.clone();
            tokio::spawn(async move {
                let _ = worker.run(stop).await;
            })
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let db = args.next().expect("DB");
    let scans: usize = args.next().map_or(2000, |s| s.parse().expect("SCANS"));
    let nworkers: usize = args.next().map_or(16, |s| s.parse().expect("WORKERS"));
    let shared = store(&db).await;
    let ran = Arc::new(AtomicUsize::new(0));
    let client = Client::new(
        Arc::clone(&shared),
        Providers::new().with(Arc::new(Noop(Arc::clone(&ran)))),
    );

    // Pickup latency: one idle worker, scans queued one at a time.
    let stop = CancellationToken::new();
    let handles = workers(vec![store(&db).await], &ran, &stop);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut latencies = Vec::new();
    for n in 0..100 {
        let mut s = Scan::new("bench", format!("pickup_{n}"));
        s.target = "127.0.0.1".into();
        client.add_scan(&s).await.expect("add");
        let t0 = chrono::Utc::now();
        client
            .start_scan(&format!("bench/pickup_{n}"))
            .await
            .expect("start");
        let claimed = loop {
            let s = client
                .get_scan(&format!("bench/pickup_{n}"))
                .await
                .expect("get");
            if s.state != ScanState::Pending {
                break s.started_time.expect("started");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        latencies.push((claimed - t0).num_microseconds().unwrap_or(0) as f64 / 1000.0);
    }
    stop.cancel();
    for h in handles {
        let _ = h.await;
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "{{\"db\":\"{}\",\"pickup_ms_p50\":{:.1},\"pickup_ms_p99\":{:.1}}}",
        if db.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        },
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );

    // Throughput: queue everything, then let the workers drain it.
    for n in 0..scans {
        let mut s = Scan::new("bench", format!("bulk_{n}"));
        s.target = "127.0.0.1".into();
        client.add_scan(&s).await.expect("add");
        client
            .start_scan(&format!("bench/bulk_{n}"))
            .await
            .expect("start");
    }
    let mut stores = Vec::new();
    for _ in 0..nworkers {
        stores.push(if db.starts_with("postgres") {
            store(&db).await
        } else {
            Arc::clone(&shared)
        });
    }
    let stop = CancellationToken::new();
    let started = Instant::now();
    let handles = workers(stores, &ran, &stop);
    let query = ScanQuery {
        owner: Some("bench".into()),
        filter: Some((casiscan_core::model::ScanField::State, "Completed".into())),
        ..ScanQuery::default()
    };
    // Cheap wait until every scan has run, then read the store until every one is recorded.
    while ran.load(Ordering::Relaxed) < scans + 100 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    loop {
        let done = client
            .list_scans(&ScanQuery {
                page: Some(1),
                page_size: Some(1),
                ..query.clone()
            })
            .await
            .expect("count")
            .total;
        if done as usize >= scans + 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.cancel();
    for h in handles {
        let _ = h.await;
    }
    println!(
        "{{\"scans\":{scans},\"workers\":{nworkers},\"seconds\":{elapsed:.2},\"claims_per_s\":{:.0}}}",
        scans as f64 / elapsed
    );
}
