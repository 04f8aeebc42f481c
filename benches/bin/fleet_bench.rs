//! Fleet benchmark: N real worker *processes* on one PostgreSQL database, no-op scans.
//!
//! Usage: `fleet-bench URL [WORKERS=64] [SCANS=5000] [SLOTS=4] [TARGETS=each]` (URL: an empty
//! database). TARGETS `each`: every scan has a loopback address of its own (a fleet: one asset
//! per scan, so finishes record findings of different scopes); `one`: every scan targets
//! 127.0.0.1 (finishes then take turns on that one scope's lock).
//! Measures, with the workers already running and idle:
//! - trickle pickup: 200 scans queued 20 ms apart, time from `start` to the claim (p50, p99);
//! - bulk: the workers are paused (SIGSTOP), SCANS are queued, the workers resumed (SIGCONT):
//!   claims per second = SCANS / (resume → last completed), and CPU per claim of the workers
//!   and of the PostgreSQL server (utime + stime from /proc over the drain).
//!
//! Prints one JSON line. The worker processes are this program with `--worker URL NAME SLOTS`;
//! only the fields of `WorkerConfig` that every build has are set, so the same file measures an
//! older build too (see BENCHMARKS.md); for a build before `RunnerIdentity::owners` existed
//! (0462c82), delete the `owners` line.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use casiscan_core::model::{ProviderKind, RunnerIdentity, Scan, ScanField, ScanQuery, ScanState};
use casiscan_core::providers::{
    Locality, Provider, ProviderOutput, Providers, RunContext, RunRequest,
};
use casiscan_core::runner::{Worker, WorkerConfig};
use casiscan_core::{Client, Result};
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

/// Finishes at once: the benchmark measures queueing, claims and finishes, not a tool.
struct Noop;

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
        Ok(ProviderOutput {
            raw_text: String::new(),
            result: casiscan_core::model::ScanResult::empty(ProviderKind::Nmap),
            summary: "noop".into(),
        })
    }
}

/// A worker process: runs until its stdin closes.
async fn worker_main(url: &str, name: &str, slots: usize) {
    let client = Client::open(url, Providers::new().with(Arc::new(Noop)))
        .await
        .expect("open");
    let identity = RunnerIdentity {
        name: name.to_string(),
        hostname: name.to_string(),
        ips: Vec::new(),
        public_ips: Vec::new(),
        providers: vec![ProviderKind::Nmap],
        owners: Vec::new(),
    };
    let mut config = WorkerConfig::new(identity);
    config.concurrency = slots;
    let worker = Worker::new(client.store().clone(), client.providers().clone(), config);
    let stop = CancellationToken::new();
    let on_eof = stop.clone();
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = std::io::stdin().read_line(&mut sink);
        on_eof.cancel();
    });
    println!("ready");
    let _ = worker.run(stop).await;
}

/// CPU seconds (user + system) of `pid`, 0 when it is gone.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some((_, rest)) = stat.rsplit_once(") ") else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of stat (utime, stime), counted after the command name; USER_HZ = 100.
    (ticks(11) + ticks(12)) / 100.0
}

/// Pids of every PostgreSQL server process on this machine.
fn postgres_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
                .filter(|pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/comm"))
                        .is_ok_and(|c| c.trim() == "postgres")
                })
                .collect()
        })
        .unwrap_or_default()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: chrono::TimeDelta) -> f64 {
    d.num_microseconds().unwrap_or(0) as f64 / 1000.0
}

/// The target of scan number `n`: its own loopback address, or 127.0.0.1 for all.
fn target(n: usize, each: bool) -> String {
    if !each {
        return "127.0.0.1".into();
    }
    format!(
        "127.{}.{}.{}",
        1 + n / 62_500,
        (n / 250) % 250 + 1,
        n % 250 + 1
    )
}

async fn add(client: &Client, name: &str, target: String) {
    let mut s = Scan::new("fleet", name);
    s.target = target;
    client.add_scan(&s).await.expect("add");
}

async fn completed(client: &Client) -> u64 {
    client
        .list_scans(&ScanQuery {
            owner: Some("fleet".into()),
            filter: Some((ScanField::State, "Completed".into())),
            page: Some(1),
            page_size: Some(1),
            ..ScanQuery::default()
        })
        .await
        .expect("count")
        .total
}

async fn wait_completed(client: &Client, n: u64) -> DateTime<Utc> {
    while completed(client).await < n {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Utc::now()
}

/// Claim time minus queue time of each scan named in `queued`.
async fn pickups(client: &Client, queued: &[(String, DateTime<Utc>)]) -> Vec<f64> {
    let mut out = Vec::with_capacity(queued.len());
    for (name, at) in queued {
        let s = client
            .get_scan(&format!("fleet/{name}"))
            .await
            .expect("get");
        if let (ScanState::Completed, Some(started)) = (s.state, s.started_time) {
            out.push(ms(started - *at));
        }
    }
    out.sort_by(f64::total_cmp);
    out
}

fn signal_all(pids: &[u32], signal: nix::sys::signal::Signal) {
    for pid in pids {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(*pid).expect("pid"));
        nix::sys::signal::kill(pid, signal).expect("signal a worker");
    }
}

fn spawn_workers(url: &str, n: usize, slots: usize) -> Vec<Child> {
    let exe = std::env::current_exe().expect("own path");
    let mut children: Vec<Child> = (0..n)
        .map(|i| {
            Command::new(&exe)
                .args(["--worker", url, &format!("fleet{i:02}"), &slots.to_string()])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn worker")
        })
        .collect();
    for child in &mut children {
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("ready");
    }
    children
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--worker") {
        let slots = args[3].parse().expect("SLOTS");
        return worker_main(&args[1], &args[2], slots).await;
    }
    let url = args.first().expect("URL").clone();
    let nworkers: usize = args.get(1).map_or(64, |s| s.parse().expect("WORKERS"));
    let scans: usize = args.get(2).map_or(5000, |s| s.parse().expect("SCANS"));
    let slots: usize = args.get(3).map_or(4, |s| s.parse().expect("SLOTS"));
    let each = match args.get(4).map_or("each", String::as_str) {
        "each" => true,
        "one" => false,
        other => panic!("TARGETS is each or one, not {other}"),
    };
    let client = Client::open(&url, Providers::new().with(Arc::new(Noop)))
        .await
        .expect("open");
    let mut workers = spawn_workers(&url, nworkers, slots);
    // Let every worker finish its first passes and settle into waiting.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Trickle: one scan at a time, 20 ms apart.
    let mut trickle = Vec::new();
    for n in 0..200 {
        let name = format!("trickle_{n}");
        add(&client, &name, target(100_000 + n, each)).await;
        let at = Utc::now();
        client
            .start_scan(&format!("fleet/{name}"))
            .await
            .expect("start");
        trickle.push((name, at));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_completed(&client, 200).await;
    let trickle = pickups(&client, &trickle).await;

    // Bulk: the workers paused while every scan is queued, then resumed.
    let pids: Vec<u32> = workers.iter().map(Child::id).collect();
    signal_all(&pids, nix::sys::signal::Signal::SIGSTOP);
    let queued_from = Utc::now();
    let queuers = 8;
    let mut tasks = Vec::new();
    for q in 0..queuers {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            for n in (q..scans).step_by(queuers) {
                let name = format!("bulk_{n}");
                add(&client, &name, target(n, each)).await;
                client
                    .start_scan(&format!("fleet/{name}"))
                    .await
                    .expect("start");
            }
            ((), Utc::now())
        }));
    }
    let mut all_queued = queued_from;
    for t in tasks {
        let (_, at) = t.await.expect("queuer");
        all_queued = all_queued.max(at);
    }
    let pg = postgres_pids();
    let cpu_of = |pids: &[u32]| pids.iter().map(|p| cpu_seconds(*p)).sum::<f64>();
    let (w0, p0) = (cpu_of(&pids), cpu_of(&pg));
    let began = Utc::now();
    signal_all(&pids, nix::sys::signal::Signal::SIGCONT);
    let done = wait_completed(&client, (200 + scans) as u64).await;
    let (w1, p1) = (cpu_of(&pids), cpu_of(&pg));
    for w in &mut workers {
        drop(w.stdin.take());
    }
    for w in &mut workers {
        let _ = w.wait();
    }
    let seconds = ms(done - began) / 1000.0;
    println!(
        "{{\"workers\":{nworkers},\"slots\":{slots},\"scans\":{scans},\"targets\":\"{}\",\
         \"trickle_pickup_ms_p50\":{:.1},\"trickle_pickup_ms_p99\":{:.1},\
         \"bulk_seconds\":{seconds:.2},\"claims_per_s\":{:.0},\"queue_seconds\":{:.2},\
         \"worker_cpu_ms_per_claim\":{:.2},\"postgres_cpu_ms_per_claim\":{:.2}}}",
        if each { "each" } else { "one" },
        percentile(&trickle, 0.5),
        percentile(&trickle, 0.99),
        scans as f64 / seconds,
        ms(all_queued - queued_from) / 1000.0,
        (w1 - w0) * 1000.0 / scans as f64,
        (p1 - p0) * 1000.0 / scans as f64,
    );
}
