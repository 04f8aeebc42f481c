//! The lifecycle's property tests on findings as stored: generated histories of runs finished
//! through the Store API (memory, SQLite, and PostgreSQL when built with `postgres`), each
//! stored log checked against the transition and coverage rules, ids checked stable and
//! distinct, and the stored result checked equal to the replay of the same history.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use casiscan_core::clock::Clock;
use casiscan_core::lifecycle::replay;
use casiscan_core::model::{
    FindingKey, FindingQuery, LifecycleState, LogPageQuery, RecordId, Scan, ScanLog, ScanStatus,
};
use casiscan_core::store::{MemoryStore, SqliteStore, StateChange, Store};

const HOST: &str = "10.0.0.5";
const PORTS: [u16; 4] = [22, 80, 443, 8080];
const STATES: [&str; 4] = ["open", "closed", "filtered", "open|filtered"];

/// How a generated run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Completed with every scanned host accounted for: authoritative.
    Complete,
    /// Completed but cut short (`incomplete`): Partial, never closes by absence.
    Incomplete,
    /// Failed without a result: Error, changes nothing.
    Fail,
}

/// One generated run: which of two scans of the same asset, how it ends, whether it scanned
/// only ports 22 and 80, and the state it lists for each port (`None`: not listed).
#[derive(Debug, Clone)]
struct RunSpec {
    scan: usize,
    end: End,
    narrow: bool,
    ports: [Option<usize>; 4],
}

impl RunSpec {
    fn scanned(&self, port: u16) -> bool {
        !self.narrow || port == 22 || port == 80
    }

    /// The state this run lists for `port`, if it lists it.
    fn listed(&self, port: u16) -> Option<&'static str> {
        let n = PORTS.iter().position(|&p| p == port)?;
        self.ports[n]
            .filter(|_| self.scanned(port))
            .map(|s| STATES[s])
    }

    /// The stored nmap result of this run.
    fn result(&self) -> String {
        let ports: Vec<Value> = PORTS
            .iter()
            .filter_map(|&p| {
                let state = self.listed(p)?;
                Some(
                    json!({"protocol": "tcp", "portid": p, "state": {"state": state},
                            "service": {"name": "svc", "product": "prod", "version": "1"}}),
                )
            })
            .collect();
        let services = if self.narrow {
            "22,80"
        } else {
            "22,80,443,8080"
        };
        json!({"hosts": [], "summary": "", "nmap": {
            "args": format!("nmap -sV -p {services} {HOST}"),
            "scaninfos": [{"protocol": "tcp", "services": services}],
            "incomplete": self.end == End::Incomplete,
            "hosts": [{"status": {"state": "up"}, "addresses": [{"addr": HOST, "addrtype": "ipv4"}],
                       "extraports": [], "ports": ports, "hostscripts": []}]
        }})
        .to_string()
    }
}

fn run_spec() -> impl Strategy<Value = RunSpec> {
    (
        0..2usize,
        prop_oneof![
            6 => Just(End::Complete),
            2 => Just(End::Incomplete),
            1 => Just(End::Fail)
        ],
        prop::bool::weighted(0.25),
        prop::array::uniform4(prop::option::weighted(0.8, 0..4usize)),
    )
        .prop_map(|(scan, end, narrow, ports)| RunSpec {
            scan,
            end,
            narrow,
            ports,
        })
}

fn history() -> impl Strategy<Value = Vec<RunSpec>> {
    prop::collection::vec(run_spec(), 1..9)
}

/// Where every store's manual clock starts: whole seconds, so stored times read back equal.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0)
        .single()
        .expect("valid time")
}

fn manual() -> Clock {
    Clock::manual(start())
}

fn scan_name(n: usize) -> String {
    format!("s{n}")
}

fn scan_id(n: usize) -> RecordId {
    RecordId::new("o", scan_name(n)).expect("id")
}

/// Finishes `spec` as a worker would: start, claim, then complete or fail through `finish`.
async fn finish(store: &Arc<dyn Store>, spec: &RunSpec, n: usize) {
    let id = scan_id(spec.scan);
    if store.get_scan(&id).await.is_err() {
        let mut scan = Scan::new("o", scan_name(spec.scan));
        scan.target = HOST.into();
        scan.asset = "A".into();
        store.add_scan(&scan).await.expect("add scan");
    }
    store.clock().advance(std::time::Duration::from_secs(1));
    store.apply(&id, &StateChange::Start).await.expect("start");
    let token = format!("t{n}");
    let claim = StateChange::Claim {
        runner: "r".into(),
        token: token.clone(),
        lease_until: store.clock().now() + Duration::seconds(600),
    };
    store.apply(&id, &claim).await.expect("claim");
    store.clock().advance(std::time::Duration::from_secs(1));
    let change = match spec.end {
        End::Fail => StateChange::Fail {
            token,
            error: "Error: boom".into(),
            raw_result: String::new(),
        },
        End::Complete | End::Incomplete => StateChange::Complete {
            token,
            raw_result: String::new(),
            result: spec.result(),
            summary: String::new(),
        },
    };
    store.finish(&id, &change).await.expect("finish");
}

/// Every stored log of account `o`, in export order.
async fn stored_logs(store: &Arc<dyn Store>) -> Vec<ScanLog> {
    store
        .scan_logs_page(&LogPageQuery {
            account: "o".into(),
            from: start() - Duration::days(1),
            to: start() + Duration::days(1),
            after: None,
            limit: 1000,
        })
        .await
        .expect("logs")
}

fn port_of(key: &FindingKey) -> u16 {
    match key {
        FindingKey::NmapPort { port, .. } => *port,
        other => panic!("only port findings are generated: {other:?}"),
    }
}

/// The lifecycle rules for one stored log, given each finding's state before the run.
fn check_log(log: &ScanLog, spec: &RunSpec, before: &BTreeMap<u16, LifecycleState>) {
    if spec.end == End::Fail {
        assert_eq!(log.status, ScanStatus::Error);
        assert!(log.observations.is_empty(), "an error run changes nothing");
        return;
    }
    for o in &log.observations {
        let port = port_of(&o.key);
        let prev = before.get(&port).copied();
        let listed = spec.listed(port);
        assert_eq!(o.detected, listed == Some("open"), "{spec:?} {o:?}");
        match o.open_status {
            LifecycleState::New => assert_eq!(prev, None, "{spec:?}"),
            LifecycleState::Open => assert!(prev.is_some_and(|s| s.is_active()), "{spec:?}"),
            LifecycleState::Reopened => assert_eq!(prev, Some(LifecycleState::Closed)),
            LifecycleState::Closed => {
                assert!(prev.is_some_and(|s| s.is_active()), "{spec:?}");
                // Coverage: only an authoritative run that scanned the port closes it.
                assert_eq!(spec.end, End::Complete, "closed by a partial run: {spec:?}");
                assert!(
                    spec.scanned(port),
                    "closed outside the scanned ports: {spec:?}"
                );
                // Listed: only a closed state closes (`open|filtered` proves nothing).
                assert!(
                    listed.is_none_or(|s| s == "closed" || s == "filtered"),
                    "{spec:?} {o:?}"
                );
            }
        }
    }
    // A finding the run saw open has a row; one it did not cover keeps its state.
    for (&port, &state) in before {
        let row = log.observations.iter().find(|o| port_of(&o.key) == port);
        if spec.listed(port) == Some("open") {
            assert!(
                row.is_some_and(|o| o.detected),
                "{port} seen open: {spec:?}"
            );
        }
        if state.is_active() && (spec.end != End::Complete || !spec.scanned(port)) {
            assert!(
                row.is_none_or(|o| o.open_status.is_active()),
                "{port} not covered: {spec:?}"
            );
        }
    }
}

/// What a log looks like without the ids and asset the store adds (as the replay builds it).
fn without_ids(log: &ScanLog) -> ScanLog {
    let mut log = log.clone();
    log.log_id = None;
    log.asset_info = None;
    for o in &mut log.observations {
        o.alert_id = None;
    }
    log
}

/// Finishes every run of `runs` through `store` and checks the stored findings and logs.
async fn check_history(store: Arc<dyn Store>, runs: &[RunSpec]) {
    let mut states: BTreeMap<u16, LifecycleState> = BTreeMap::new();
    let mut alert_ids: BTreeMap<u16, u64> = BTreeMap::new();
    let mut last_log_id = 0;
    for (n, spec) in runs.iter().enumerate() {
        finish(&store, spec, n).await;
        let logs = stored_logs(&store).await;
        assert_eq!(logs.len(), n + 1, "one log per finished run");
        let log = logs.last().expect("this run's log");
        let log_id = log.log_id.expect("stored logs have ids");
        assert!(
            log_id > last_log_id,
            "log ids increase: {log_id} after {last_log_id}"
        );
        last_log_id = log_id;
        check_log(log, spec, &states);
        for o in &log.observations {
            let port = port_of(&o.key);
            let id = o.alert_id.expect("stored rows have alert ids");
            // Stable across runs (and both scans of the asset), never shared.
            assert_eq!(*alert_ids.entry(port).or_insert(id), id, "port {port}");
            states.insert(port, o.open_status);
        }
        let distinct: std::collections::BTreeSet<_> = alert_ids.values().collect();
        assert_eq!(distinct.len(), alert_ids.len(), "{alert_ids:?}");
    }
    // The stored result equals the replay of the same history.
    let mut history = Vec::new();
    for n in 0..2 {
        if let Ok(scan) = store.get_scan(&scan_id(n)).await {
            history.push((scan, store.list_runs(&scan_id(n)).await.expect("runs")));
        }
    }
    let (findings, replayed) = replay(&history);
    let stored: Vec<ScanLog> = stored_logs(&store).await.iter().map(without_ids).collect();
    assert_eq!(stored, replayed, "stored logs = replay");
    let page = store
        .list_findings(&FindingQuery {
            owner: Some("o".into()),
            page_size: Some(100),
            ..FindingQuery::default()
        })
        .await
        .expect("findings");
    assert_eq!(page.items.len(), findings.len());
    for f in &page.items {
        let replayed = &findings[&f.id];
        assert_eq!(f.state, replayed.state, "{:?}", f.key);
        assert_eq!(f.reopen_count, replayed.reopen_count, "{:?}", f.key);
        assert_eq!(f.state, states[&port_of(&f.key)], "latest row's state");
        assert_eq!(f.alert_id, alert_ids.get(&port_of(&f.key)).copied());
    }
}

/// Runs `cases` generated histories, each on a fresh store from `open`.
fn check_stores<F, Fut>(cases: u32, open: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&history(), |runs| {
            rt.block_on(async { check_history(open().await, &runs).await });
            Ok(())
        })
        .expect("every generated history follows the lifecycle");
}

#[test]
fn stored_findings_follow_the_lifecycle_on_the_memory_store() {
    check_stores(64, || async {
        Arc::new(MemoryStore::new().with_clock(manual())) as Arc<dyn Store>
    });
}

#[test]
fn stored_findings_follow_the_lifecycle_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = std::sync::atomic::AtomicUsize::new(0);
    check_stores(32, || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = dir.path().join(format!("db{n}.sqlite"));
        async move {
            let store = SqliteStore::open(path).await.expect("open");
            Arc::new(store.with_clock(manual())) as Arc<dyn Store>
        }
    });
}

#[cfg(feature = "postgres")]
#[test]
fn stored_findings_follow_the_lifecycle_on_postgres() {
    use casiscan_core::store::PostgresStore;
    let url = std::env::var("CASISCAN_TEST_PG_URL").expect(
        "CASISCAN_TEST_PG_URL is not set: run scripts/test.sh, or start a server with scripts/pg-start.sh",
    );
    let counter = std::sync::atomic::AtomicUsize::new(0);
    check_stores(16, || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let schema = format!("lifeprop_{}_{n}", std::process::id());
        let url = url.clone();
        async move {
            let store = PostgresStore::open_in_schema(&url, Some(&schema))
                .await
                .expect("open");
            Arc::new(store.with_clock(manual())) as Arc<dyn Store>
        }
    });
}
