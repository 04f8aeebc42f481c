//! Findings and scan-log export benchmark (issue 16): a generated history of daily runs of a
//! fleet of assets, exported page by page through a real server process.
//!
//! Usage: `findings-bench DB [--assets 10000] [--days 10,100] [--samples 20] [--workers 4]
//! [--baseline-max-runs 1000000] [--baseline-timeout 120]` (DB: `sqlite:PATH` or `postgres://…`, an empty database or
//! one this bench filled before with the same `--assets`; generation resumes where it stopped).
//!
//! For each checkpoint of `--days` (runs of history = assets × days) it first generates the
//! missing days, one run per asset per day, every run through the store's own write path
//! (`Store::append_run`: run record, scan log and finding changes in one transaction), then
//! measures, and prints one JSON line:
//! - a server process (this program with `--serve DB`, the same `http::serve` as `casiscan
//!   serve`): first page (1 000 logs) of the last and the first day, p50 over `--samples`;
//!   a whole day as JSON lines (every page streamed); its RSS (VmRSS sampled every 5 ms during
//!   the streamed export, and VmHWM);
//! - the previous replay, as the export answered before this issue: every run of every scan
//!   read, all history replayed, the day's logs selected (this program with `--replay`, a child
//!   process, so its peak RSS is its own); skipped above `--baseline-max-runs`;
//! - a run's finish: `Store::finish` (state change + run record + scan log + findings) against
//!   the same state change alone (`Store::apply`), p50 over `--samples` runs of existing assets.
//!
//! On PostgreSQL each measurement starts with `VACUUM (ANALYZE)` and `CHECKPOINT` (through
//! `psql`), as a database that grew over 100 days would have been vacuumed meanwhile.
//! Run again with the same `--days` on a database already filled, it only measures: two
//! databases (one per history size) measured in turn compare the sizes under the same load.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use casiscan_core::Client;
use casiscan_core::export::export_logs;
use casiscan_core::http::{AppState, serve};
use casiscan_core::lifecycle::replay;
use casiscan_core::model::{Asset, ProviderKind, RecordId, Scan, ScanRun, ScanState};
use casiscan_core::providers::Providers;
use casiscan_core::store::{StateChange, Store};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::{Value, json};

/// The account every generated scan, asset and log belongs to.
const ACCOUNT: &str = "fleet";
/// Ports every generated run scans (each listed open or closed, so absence is covered).
const PORTS: [u16; 5] = [22, 80, 443, 3306, 8080];

/// What to generate and measure, from the command line.
struct Options {
    db: String,
    assets: u32,
    checkpoints: Vec<u32>,
    samples: usize,
    workers: u32,
    baseline_max_runs: u64,
    baseline_timeout_s: u64,
}

fn parse_options(args: &[String]) -> Options {
    let mut o = Options {
        db: args
            .first()
            .cloned()
            .expect("usage: findings-bench DB [--assets N] …"),
        assets: 10_000,
        checkpoints: vec![10, 100],
        samples: 20,
        workers: 4,
        baseline_max_runs: 1_000_000,
        baseline_timeout_s: 120,
    };
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().expect("every option takes a value");
        match flag.as_str() {
            "--assets" => o.assets = value.parse().expect("--assets N"),
            "--days" => {
                o.checkpoints = value
                    .split(',')
                    .map(|d| d.parse().expect("--days D[,D…]"))
                    .collect();
            }
            "--samples" => o.samples = value.parse().expect("--samples N"),
            "--workers" => o.workers = value.parse().expect("--workers N"),
            "--baseline-max-runs" => o.baseline_max_runs = value.parse().expect("a number"),
            "--baseline-timeout" => o.baseline_timeout_s = value.parse().expect("seconds"),
            other => panic!("unknown option {other}"),
        }
    }
    o
}

/// Midnight of the first generated day.
fn day0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
}

fn day_text(day: u32) -> String {
    (day0() + TimeDelta::days(i64::from(day)))
        .format("%Y-%m-%d")
        .to_string()
}

fn asset_name(i: u32) -> String {
    format!("a{i:05}")
}

fn asset_ip(i: u32) -> String {
    format!("10.{}.{}.{}", i >> 16, (i >> 8) & 0xff, i & 0xff)
}

/// splitmix64: the deterministic "random" of (asset, day).
fn mix(i: u32, day: u32) -> u64 {
    let mut z = (u64::from(i) << 32 | u64::from(day)).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stored nmap result of asset `i` on `day`: 22 always open, the others flapping, so runs
/// open, keep, close and re-open findings; one run in 20 is cut short (Partial).
fn nmap_result(i: u32, day: u32) -> String {
    let h = mix(i, day);
    let ports: Vec<Value> = PORTS
        .iter()
        .enumerate()
        .map(|(n, &p)| {
            let open = n == 0 || !(h >> (8 * n)).is_multiple_of(4);
            json!({"protocol": "tcp", "portid": p, "state": {"state": if open { "open" } else { "closed" }},
                   "service": {"name": "svc", "product": "prod", "version": format!("1.{}", (h >> 40) % 2)}})
        })
        .collect();
    json!({"hosts": [], "summary": "", "nmap": {
        "args": format!("nmap -sV -p 22,80,443,3306,8080 {}", asset_ip(i)),
        "scaninfos": [{"protocol": "tcp", "services": "22,80,443,3306,8080"}],
        "incomplete": h % 20 == 1,
        "hosts": [{"status": {"state": "up"}, "addresses": [{"addr": asset_ip(i), "addrtype": "ipv4"}],
                   "extraports": [], "ports": ports, "hostscripts": []}]
    }})
    .to_string()
}

/// The run of asset `i` on `day`, finished at a time spread over the day; one in 20 fails.
fn generated_run(i: u32, day: u32, assets: u32) -> ScanRun {
    let offset = i64::from(i) * 86_400_000 / i64::from(assets);
    let t = day0() + TimeDelta::days(i64::from(day)) + TimeDelta::milliseconds(offset);
    let failed = mix(i, day).is_multiple_of(20);
    ScanRun {
        owner: ACCOUNT.into(),
        scan: asset_name(i),
        seq: 0,
        attempt: 1,
        runner: "bench".into(),
        target: asset_ip(i),
        command: String::new(),
        state: if failed {
            ScanState::Failed
        } else {
            ScanState::Completed
        },
        started_time: Some(t - TimeDelta::seconds(30)),
        finished_time: Some(t),
        error_text: if failed {
            "Error: bench".into()
        } else {
            String::new()
        },
        raw_result: String::new(),
        result: if failed {
            String::new()
        } else {
            nmap_result(i, day)
        },
        result_summary: String::new(),
        provider: Some(ProviderKind::Nmap),
        asset: Some(asset_name(i)),
        timeout_seconds: Some(600),
        skipped: None,
        imported: false,
    }
}

fn scan_id(name: &str) -> RecordId {
    RecordId::new(ACCOUNT, name).expect("valid id")
}

/// Adds the assets and their scans that are not there yet.
async fn ensure_fleet(store: &Arc<dyn Store>, assets: u32) {
    for i in 0..assets {
        let name = asset_name(i);
        if store.get_scan(&scan_id(&name)).await.is_ok() {
            continue;
        }
        let asset: Asset = serde_json::from_value(json!({
            "owner": ACCOUNT, "name": name, "displayName": name, "type": "Virtual Machine",
            "ip": asset_ip(i), "properties": {"privateIp": asset_ip(i)}
        }))
        .expect("asset");
        if store.get_asset(&scan_id(&name)).await.is_err() {
            store.add_asset(&asset).await.expect("add asset");
        }
        let mut scan = Scan::new(ACCOUNT, &name);
        scan.target = asset_ip(i);
        scan.asset = name;
        store.add_scan(&scan).await.expect("add scan");
    }
}

/// Days of history already generated (the last asset's runs: it is written last each day).
async fn days_done(store: &Arc<dyn Store>, assets: u32) -> u32 {
    let runs = store
        .list_runs(&scan_id(&asset_name(assets - 1)))
        .await
        .expect("runs");
    u32::try_from(runs.len()).unwrap_or(u32::MAX)
}

/// Generates days `from..to`, `workers` tasks per day each appending the runs of every
/// `workers`-th asset; returns runs per second.
async fn generate(store: &Arc<dyn Store>, o: &Options, from: u32, to: u32) -> f64 {
    let started = Instant::now();
    for day in from..to {
        let mut tasks = tokio::task::JoinSet::new();
        for w in 0..o.workers {
            let (store, assets, workers) = (Arc::clone(store), o.assets, o.workers);
            tasks.spawn(async move {
                for i in (w..assets).step_by(workers as usize) {
                    // The last asset goes last, so `days_done` counts only whole days.
                    if i != assets - 1 {
                        store
                            .append_run(&generated_run(i, day, assets))
                            .await
                            .expect("append");
                    }
                }
            });
        }
        tasks.join_all().await;
        store
            .append_run(&generated_run(o.assets - 1, day, o.assets))
            .await
            .expect("append");
        eprintln!(
            "day {} of {to} done, {:.0} runs/s",
            day + 1,
            f64::from((day + 1 - from) * o.assets) / started.elapsed().as_secs_f64()
        );
    }
    f64::from((to - from) * o.assets) / started.elapsed().as_secs_f64().max(1e-9)
}

fn percentile(mut ms: Vec<f64>, p: f64) -> f64 {
    if ms.is_empty() {
        return f64::NAN;
    }
    ms.sort_by(f64::total_cmp);
    ms[((ms.len() - 1) as f64 * p).round() as usize]
}

/// A `/proc/PID/status` field in kB (VmRSS, VmHWM), 0 when absent.
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The server child process and how to call it.
struct Server {
    child: Child,
    base: String,
    keys: (String, String),
    http: reqwest::Client,
}

impl Server {
    fn start(db: &str) -> Server {
        let exe = std::env::current_exe().expect("own path");
        let mut child = Command::new(exe)
            .args(["--serve", db])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("ready line");
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.first(), Some(&"ready"), "server said {line:?}");
        Server {
            child,
            base: format!("http://127.0.0.1:{}", f[1]),
            keys: (f[2].to_owned(), f[3].to_owned()),
            http: reqwest::Client::new(),
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn get(&self, query: &str) -> (reqwest::StatusCode, String) {
        let r = self
            .http
            .get(format!("{}/client/v1/fetch-s3-logs?{query}", self.base))
            .header("accessKey", &self.keys.0)
            .header("secretKey", &self.keys.1)
            .send()
            .await
            .expect("send");
        (r.status(), r.text().await.expect("body"))
    }

    /// p50 and p90 (ms) of the first JSON page of `day`, checked to hold `page` logs and a cursor.
    async fn first_page(&self, day: u32, page: usize, samples: usize) -> (f64, f64) {
        let mut ms = Vec::new();
        for _ in 0..samples {
            let t = Instant::now();
            let (status, body) = self.get(&format!("date={}", day_text(day))).await;
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(status.is_success(), "{status}: {body:.300}");
            let v: Value = serde_json::from_str(&body).expect("json");
            let n = v["result"]["data"].as_array().map_or(0, Vec::len);
            assert_eq!(n, page, "first page size");
            assert!(page < 1000 || v["casiscan"]["nextCursor"].is_string());
        }
        (percentile(ms.clone(), 0.5), percentile(ms, 0.9))
    }

    /// Seconds to stream `day` as JSON lines (checked: `lines` lines), and the server's
    /// highest VmRSS sampled meanwhile (kB).
    async fn whole_day(&self, day: u32, lines: usize) -> (f64, u64) {
        let pid = self.pid();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sampler = {
            let stop = Arc::clone(&stop);
            tokio::spawn(async move {
                let mut max = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    max = max.max(status_kb(pid, "VmRSS"));
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                max
            })
        };
        let t = Instant::now();
        let (status, body) = self
            .get(&format!("date={}&format=jsonl", day_text(day)))
            .await;
        let secs = t.elapsed().as_secs_f64();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(status.is_success(), "{status}");
        assert_eq!(body.lines().count(), lines, "every log of the day once");
        (secs, sampler.await.expect("sampler"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin stops the server.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// `--serve DB`: a server on a free port with an API key of the account; prints
/// `ready PORT ACCESS SECRET` and serves until stdin closes.
async fn serve_main(db: &str) {
    let client = Client::open(db, Providers::new()).await.expect("open");
    let state = AppState::new(client, "bench-admin-token").expect("state");
    state
        .keys
        .set_primary_user(ACCOUNT, "bench")
        .await
        .expect("primary user");
    let _ = state.keys.delete(ACCOUNT, "bench").await;
    let key = state
        .keys
        .create(ACCOUNT, "bench", "siem")
        .await
        .expect("key");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { serve(listener, state).await });
    println!("ready {port} {} {}", key.access_key, key.secret_key);
    tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        let _ = std::io::stdin().read_line(&mut sink);
    })
    .await
    .expect("stdin");
}

/// `--replay DB ASSETS DAY`: the export as answered before this issue (every run read, all
/// history replayed, the day selected); prints seconds, runs, HTTP status and VmHWM (kB).
async fn replay_main(db: &str, assets: u32, day: u32) {
    let client = Client::open(db, Providers::new()).await.expect("open");
    let store = client.store();
    let t = Instant::now();
    let mut history = Vec::new();
    for i in 0..assets {
        let id = scan_id(&asset_name(i));
        let scan = store.get_scan(&id).await.expect("scan");
        history.push((scan, store.list_runs(&id).await.expect("runs")));
    }
    let read = t.elapsed().as_secs_f64();
    let runs: usize = history.iter().map(|(_, r)| r.len()).sum();
    let (_, logs) = replay(&history);
    let query = BTreeMap::from([("date".to_owned(), day_text(day))]);
    let answer = export_logs(ACCOUNT, &logs, &query);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"seconds": secs, "read_seconds": read, "runs": runs, "http_status": answer.http_status,
               "vm_hwm_kb": status_kb(std::process::id(), "VmHWM")})
    );
}

/// Runs the previous replay in a child process; its JSON answer, or how far it got when it
/// had not finished after `timeout_s` seconds (killed then).
fn baseline(db: &str, assets: u32, day: u32, timeout_s: u64) -> Value {
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .args(["--replay", db, &assets.to_string(), &day.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("replay child");
    let started = Instant::now();
    let mut rss_max = 0;
    while child.try_wait().expect("wait").is_none() {
        rss_max = rss_max.max(status_kb(child.id(), "VmRSS"));
        if started.elapsed() > Duration::from_secs(timeout_s) {
            let _ = child.kill();
            let _ = child.wait();
            return json!({"timed_out_after_s": timeout_s, "vm_rss_kb_max": rss_max});
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("replay output");
    serde_json::from_slice(&out.stdout).expect("replay answer")
}

/// p50 (ms) of `Store::finish` and of `Store::apply` alone for the same change, each over
/// `samples` runs of existing assets (probe scans, so the bench's history stays whole).
async fn finish_cost(store: &Arc<dyn Store>, o: &Options, round: u32) -> (f64, f64) {
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for k in 0..o.samples as u32 {
        let i = k * (o.assets / o.samples as u32).max(1) % o.assets;
        for record in [true, false] {
            let name = format!(
                "probe-{round}-{k}-{}",
                if record { "finish" } else { "apply" }
            );
            let mut scan = Scan::new(ACCOUNT, &name);
            scan.target = asset_ip(i);
            scan.asset = asset_name(i);
            store.add_scan(&scan).await.expect("probe scan");
            let id = scan_id(&name);
            store.apply(&id, &StateChange::Start).await.expect("start");
            let token = format!("probe-{k}");
            let lease_until = store.clock().now() + TimeDelta::seconds(600);
            let claim = StateChange::Claim {
                runner: "bench".into(),
                token: token.clone(),
                lease_until,
            };
            store.apply(&id, &claim).await.expect("claim");
            let done = StateChange::Complete {
                token,
                raw_result: String::new(),
                result: nmap_result(i, 1_000 + round),
                summary: String::new(),
            };
            let t = Instant::now();
            if record {
                store.finish(&id, &done).await.expect("finish");
                with.push(t.elapsed().as_secs_f64() * 1e3);
            } else {
                store.apply(&id, &done).await.expect("apply");
                without.push(t.elapsed().as_secs_f64() * 1e3);
            }
            store.delete_scan(&id, false).await.expect("delete probe");
        }
    }
    (percentile(with, 0.5), percentile(without, 0.5))
}

/// Brings a PostgreSQL database to the state a long-lived one is in (what autovacuum would
/// have done over the days: visibility map, planner statistics, a checkpoint), so that the
/// measurement does not race the background vacuum of the rows just generated. Seconds taken.
fn settle(db: &str) -> f64 {
    if !db.starts_with("postgres") {
        return 0.0;
    }
    let t = Instant::now();
    let status = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-d",
            db,
            "-c",
            "VACUUM (ANALYZE)",
            "-c",
            "CHECKPOINT",
        ])
        .status()
        .expect("psql (PostgreSQL's client) runs");
    assert!(status.success(), "VACUUM/CHECKPOINT failed: {status}");
    t.elapsed().as_secs_f64()
}

/// Measures one checkpoint of `days` days of history; returns its JSON line.
async fn measure(store: &Arc<dyn Store>, o: &Options, days: u32, gen_rate: f64) -> Value {
    let runs = u64::from(o.assets) * u64::from(days);
    let page = (o.assets as usize).min(1000);
    let settle_s = settle(&o.db);
    let server = Server::start(&o.db);
    let idle_kb = status_kb(server.pid(), "VmRSS");
    let last = server.first_page(days - 1, page, o.samples).await;
    eprintln!(
        "first page of the last day: p50 {:.1} ms, p90 {:.1} ms",
        last.0, last.1
    );
    let first = server.first_page(0, page, o.samples).await;
    let mut day_secs = Vec::new();
    let mut rss_max = 0;
    for _ in 0..3 {
        let (secs, rss) = server.whole_day(days - 1, o.assets as usize).await;
        day_secs.push(secs);
        rss_max = rss_max.max(rss);
    }
    let hwm_kb = status_kb(server.pid(), "VmHWM");
    eprintln!("whole day as JSON lines: {day_secs:?} s, server RSS max {rss_max} kB");
    drop(server);
    let (finish_ms, apply_ms) = finish_cost(store, o, days).await;
    eprintln!("finish p50 {finish_ms:.2} ms, apply alone {apply_ms:.2} ms");
    let base = if runs <= o.baseline_max_runs {
        baseline(&o.db, o.assets, days - 1, o.baseline_timeout_s)
    } else {
        Value::Null
    };
    json!({
        "db": if o.db.starts_with("postgres") { "postgres" } else { "sqlite" },
        "assets": o.assets, "days": days, "runs": runs, "generate_runs_per_s": gen_rate,
        "settle_s": settle_s,
        "first_page_last_day_ms": {"p50": last.0, "p90": last.1},
        "first_page_first_day_ms": {"p50": first.0, "p90": first.1},
        "whole_day_jsonl_s": {"p50": percentile(day_secs.clone(), 0.5), "all": day_secs},
        "server_rss_kb": {"idle": idle_kb, "max_during_export": rss_max, "hwm": hwm_kb},
        "finish_ms_p50": {"finish": finish_ms, "apply_only": apply_ms, "added": finish_ms - apply_ms},
        "baseline_replay": base,
    })
}

async fn bench_main(o: Options) {
    let client = Client::open(&o.db, Providers::new()).await.expect("open");
    let store = Arc::clone(client.store());
    ensure_fleet(&store, o.assets).await;
    for &days in &o.checkpoints {
        let done = days_done(&store, o.assets).await;
        let rate = if done < days {
            generate(&store, &o, done, days).await
        } else {
            f64::NAN
        };
        println!("{}", measure(&store, &o, days, rate).await);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match args.first().map(String::as_str) {
        Some("--serve") => rt.block_on(serve_main(&args[1])),
        Some("--replay") => rt.block_on(replay_main(
            &args[1],
            args[2].parse().expect("assets"),
            args[3].parse().expect("day"),
        )),
        _ => rt.block_on(bench_main(parse_options(&args))),
    }
}
