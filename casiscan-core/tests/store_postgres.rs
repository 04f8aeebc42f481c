//! The Store conformance suite against a real PostgreSQL server (CASISCAN_TEST_PG_URL,
//! started by scripts/pg-start.sh in scripts/test.sh).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use casiscan_core::store::{PostgresStore, Store, conformance};

mod log_capture;
mod skip_corrupt;

mod runs;

fn url() -> String {
    std::env::var("CASISCAN_TEST_PG_URL").expect(
        "CASISCAN_TEST_PG_URL is not set: run scripts/test.sh, or start a server with scripts/pg-start.sh",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store_conforms() {
    let url = url();
    let run = std::process::id();
    let counter = AtomicUsize::new(0);
    conformance::run_all(|| {
        let schema = format!("conf_{run}_{}", counter.fetch_add(1, Ordering::SeqCst));
        let url = url.clone();
        async move {
            let store = PostgresStore::open_in_schema(&url, Some(&schema))
                .await
                .expect("open");
            // Time moves only when a check moves it.
            let clock = casiscan_core::clock::Clock::manual(casiscan_core::clock::now());
            Arc::new(store.with_clock(clock)) as Arc<dyn Store>
        }
    })
    .await;
}

#[tokio::test]
async fn unreachable_server_is_a_storage_error_naming_it() {
    let err = PostgresStore::open("postgres://casiscan@127.0.0.1:1/postgres")
        .await
        .expect_err("nothing listens on port 1");
    assert_eq!(err.kind(), casiscan_core::ErrorKind::Storage);
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
    let err = PostgresStore::open("postgres://[bad")
        .await
        .expect_err("bad url");
    assert_eq!(err.kind(), casiscan_core::ErrorKind::InvalidInput);
}

/// With a 30 s poll interval, only LISTEN/NOTIFY can make the worker claim a new scan quickly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_wakes_an_idle_worker_at_once() {
    use casiscan_core::Client;
    use casiscan_core::model::{ProviderKind, Scan, ScanState};
    use casiscan_core::providers::{Providers, ospatch::OsPatchProvider};
    use casiscan_core::runner::{RunnerIdentity, Worker, WorkerConfig};

    let schema = format!("notify_{}", std::process::id());
    let store: Arc<dyn Store> = Arc::new(
        PostgresStore::open_in_schema(&url(), Some(&schema))
            .await
            .expect("open"),
    );
    let providers = Providers::new().with(Arc::new(OsPatchProvider::default()));
    let identity = RunnerIdentity {
        name: "idle".into(),
        hostname: "idle.example".into(),
        ips: Vec::new(),
        public_ips: Vec::new(),
        providers: vec![ProviderKind::OsPatch],
        owners: Vec::new(),
    };
    let mut config = WorkerConfig::new(identity);
    config.poll = std::time::Duration::from_secs(30);
    let worker = Worker::new(Arc::clone(&store), providers.clone(), config);
    let stop = tokio_util::sync::CancellationToken::new();
    let running = {
        let stop = stop.clone();
        tokio::spawn(async move { worker.run(stop).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let client = Client::new(Arc::clone(&store), providers);
    let mut scan = Scan::new("o", "wake");
    scan.provider = Some(ProviderKind::OsPatch);
    scan.target = "127.0.0.1".into();
    client.add_scan(&scan).await.expect("add");
    let queued = std::time::Instant::now();
    client.start_scan("o/wake").await.expect("start");
    loop {
        let s = client.get_scan("o/wake").await.expect("get");
        if s.state != ScanState::Pending {
            break;
        }
        assert!(
            queued.elapsed() < std::time::Duration::from_secs(5),
            "not claimed: NOTIFY did not wake the worker"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop.cancel();
    running.await.expect("join").expect("worker");
}

/// A claim dropped after its locking read went out must not keep the rows it locked: its
/// transaction is rolled back at once, so another runner can claim them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_claim_leaves_no_rows_locked() {
    use casiscan_core::model::{Scan, ScanState};
    use casiscan_core::store::StateChange;

    let schema = format!("dropped_{}", std::process::id());
    // A schema left by an earlier run whose process had the same id starts afresh.
    raw_connection()
        .await
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .expect("drop an old schema");
    let open = || async {
        Arc::new(
            PostgresStore::open_in_schema(&url(), Some(&schema))
                .await
                .expect("open"),
        ) as Arc<dyn Store>
    };
    let (a, b) = (open().await, open().await);
    let until = chrono::Utc::now() + chrono::Duration::seconds(60);
    let take = |_: &Scan| Some(true);
    // Claims over an empty queue prepare the statements on every pooled connection, so the
    // next claim sends its BEGIN and locking read on its first poll.
    for _ in 0..8 {
        let none = a
            .claim_queued("a", until, 1, 3, &take)
            .await
            .expect("claim");
        assert_eq!(none.map(|c| c.len()), Some(0));
    }
    let mut scan = Scan::new("o", "dropped");
    scan.target = "127.0.0.1".into();
    a.add_scan(&scan).await.expect("add");
    let id = scan.id().expect("id");
    a.apply(&id, &StateChange::Start).await.expect("start");
    // A table lock held by another session keeps the claim's locking read waiting on the
    // server, so the claim is surely mid-transaction when it is dropped (without it, a
    // descheduled test thread can see the whole claim answered, COMMIT included, in one poll).
    let holder = raw_connection().await;
    holder
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE {schema}.scans IN ACCESS EXCLUSIVE MODE"
        ))
        .await
        .expect("lock the table");
    {
        let mut claim = Box::pin(a.claim_queued("a", until, 1, 3, &take));
        std::future::poll_fn(|cx| {
            assert!(claim.as_mut().poll(cx).is_pending(), "the read waits");
            std::task::Poll::Ready(())
        })
        .await;
        wait_for_a_read_waiting_on_a_lock().await;
    }
    holder.batch_execute("COMMIT").await.expect("unlock");
    // The rollback runs on a task of its own; on a loaded machine it can take a while.
    let mut claimed = Vec::new();
    for _ in 0..500 {
        claimed = b
            .claim_queued("b", until, 1, 3, &take)
            .await
            .expect("claim")
            .expect("claims from the queue");
        if !claimed.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    if claimed.is_empty() {
        panic!(
            "the dropped claim's lock was not released; the server's view:\n{}",
            server_view(&schema).await
        );
    }
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].runner, "b");
    let s = a.get_scan(&id).await.expect("get");
    assert_eq!(s.state, ScanState::Running);
    assert_eq!(s.runner, "b");
}

/// Waits until `n` runners are recorded as waiting for work in `schema`.
async fn waiters_recorded(schema: &str, n: i64) {
    let raw = raw_connection().await;
    let sql = format!("SELECT count(*) FROM {schema}.work_waiters");
    for _ in 0..1000 {
        let row = raw.query_one(&sql, &[]).await.expect("count waiters");
        if row.get::<_, i64>(0) >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{n} runners never waited");
}

/// A connection of its own to the test server.
async fn raw_connection() -> tokio_postgres::Client {
    let (raw, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(connection);
    raw
}

/// Waits until a session's claim read waits on a lock. Watched from a session of its own:
/// inside a transaction, pg_stat_activity keeps the snapshot of its first read.
async fn wait_for_a_read_waiting_on_a_lock() {
    let raw = raw_connection().await;
    let sql = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
               AND query LIKE '%FOR UPDATE SKIP LOCKED%' AND datname = current_database()";
    for _ in 0..1000 {
        let row = raw.query_one(sql, &[]).await.expect("pg_stat_activity");
        if row.get::<_, i64>(0) > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the dropped claim's locking read never reached the server");
}

/// What the server holds for `schema`'s scans: each row's state and runner, the sessions of the
/// database with their transaction state and last statement, and the row locks awaited.
async fn server_view(schema: &str) -> String {
    let raw = raw_connection().await;
    let mut view = Vec::new();
    let scans = format!("SELECT name || ' ' || state || ' ' || runner FROM {schema}.scans");
    let sessions = "SELECT pid || ' ' || coalesce(state, '') || ' xact=' || \
         coalesce(xact_start::text, '-') || ' ' || left(query, 120) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()";
    let locks = "SELECT locktype || ' ' || mode || ' pid=' || pid || ' granted=' || granted \
         FROM pg_locks WHERE locktype IN ('tuple', 'transactionid')";
    for sql in [scans.as_str(), sessions, locks] {
        match raw.query(sql, &[]).await {
            Ok(rows) => view.extend(rows.iter().map(|r| r.get::<_, String>(0))),
            Err(e) => view.push(format!("{sql}: {e}")),
        }
    }
    view.join("\n")
}

/// A store in its own schema, and a raw connection to that schema for tampering.
async fn store_and_raw(tag: &str) -> (PostgresStore, tokio_postgres::Client) {
    let schema = format!("{tag}_{}", std::process::id());
    let store = PostgresStore::open_in_schema(&url(), Some(&schema))
        .await
        .expect("open");
    let raw = raw_connection().await;
    raw.batch_execute(&format!("SET search_path TO {schema}"))
        .await
        .expect("search_path");
    (store, raw)
}

#[tokio::test]
async fn postgres_lists_skip_a_corrupt_row_and_warn_with_its_id() {
    let (store, raw) = store_and_raw("corrupt").await;
    let tamper = async |sql: String| raw.batch_execute(&sql).await.expect("corrupt a row");
    skip_corrupt::lists_skip_a_corrupt_row(&store, "pg", tamper).await;
}

#[tokio::test]
async fn postgres_list_refuses_an_overlong_filter_and_an_overflowing_page() {
    use casiscan_core::model::{ScanField, ScanQuery};

    let (store, _raw) = store_and_raw("limits").await;
    let filtered = |n: usize| ScanQuery {
        filter: Some((ScanField::Target, "%".repeat(n))),
        ..ScanQuery::default()
    };
    store
        .list_scans(&filtered(ScanQuery::MAX_FILTER_CHARS))
        .await
        .expect("at the cap");
    for query in [
        filtered(ScanQuery::MAX_FILTER_CHARS + 1),
        filtered(60_000),
        ScanQuery {
            page: Some(u32::MAX),
            page_size: Some(u32::MAX),
            ..ScanQuery::default()
        },
    ] {
        let err = store.list_scans(&query).await.expect_err("refused");
        assert_eq!(err.kind(), casiscan_core::ErrorKind::InvalidInput, "{err}");
    }
    // The last page of the largest size still runs (and finds nothing).
    let last = ScanQuery {
        page: Some(u32::MAX),
        page_size: Some(ScanQuery::MAX_ITEMS),
        ..ScanQuery::default()
    };
    assert!(
        store
            .list_scans(&last)
            .await
            .expect("fits")
            .items
            .is_empty()
    );
}

/// A scan any runner may run wakes the one runner that has waited longest, not every runner;
/// a scan routed to one machine (OS patch) wakes them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_queued_scan_wakes_one_waiting_runner_and_a_routed_one_wakes_all() {
    use casiscan_core::model::{ProviderKind, Scan};
    use casiscan_core::store::StateChange;
    use std::time::{Duration, Instant};

    let schema = format!("wake_{}", std::process::id());
    let url = url();
    let open = || async {
        Arc::new(
            PostgresStore::open_in_schema(&url, Some(&schema))
                .await
                .expect("open"),
        ) as Arc<dyn Store>
    };
    let (queuer, first, second) = (open().await, open().await, open().await);
    assert!(first.pushes_work());
    let wait = |store: Arc<dyn Store>| {
        tokio::spawn(async move {
            let began = Instant::now();
            store.wait_for_work(Duration::from_secs(4)).await;
            began.elapsed()
        })
    };
    let queue = |name: &'static str, provider: ProviderKind| {
        let queuer = Arc::clone(&queuer);
        async move {
            let mut scan = Scan::new("wake", name);
            scan.provider = Some(provider);
            scan.target = "127.0.0.1".into();
            queuer.add_scan(&scan).await.expect("add");
            queuer
                .apply(&scan.id().expect("id"), &StateChange::Start)
                .await
                .expect("start");
        }
    };

    // Each waiter is seen recorded before the next starts, so `first` waits longest.
    let a = wait(Arc::clone(&first));
    waiters_recorded(&schema, 1).await;
    let b = wait(Arc::clone(&second));
    waiters_recorded(&schema, 2).await;
    queue("nmap", ProviderKind::Nmap).await;
    let (a, b) = (a.await.expect("a"), b.await.expect("b"));
    assert!(a < Duration::from_secs(3), "the longest waiter woke: {a:?}");
    assert!(b >= Duration::from_secs(3), "the other kept waiting: {b:?}");

    let a = wait(Arc::clone(&first));
    let b = wait(Arc::clone(&second));
    waiters_recorded(&schema, 2).await;
    queue("patch", ProviderKind::OsPatch).await;
    let (a, b) = (a.await.expect("a"), b.await.expect("b"));
    assert!(
        a < Duration::from_secs(3) && b < Duration::from_secs(3),
        "a routed scan wakes every waiter: {a:?} {b:?}"
    );
}

mod backfill;

#[tokio::test]
async fn postgres_builds_findings_and_logs_from_older_history_once() {
    let (store, raw) = store_and_raw("backfill").await;
    let recorded = backfill::fill(&store).await;
    backfill::check_recorded(&recorded);
    drop(store);
    raw.batch_execute(
        "DROP TABLE findings; DROP TABLE scan_logs; DROP TABLE finding_audit; \
         DROP TABLE account_settings; DROP TABLE scan_schedules; DROP TABLE scope_policies; \
         UPDATE schema_version SET version = 3;",
    )
    .await
    .expect("downgrade");
    let schema = format!("backfill_{}", std::process::id());
    let url = url();
    let open = || PostgresStore::open_in_schema(&url, Some(&schema));
    let store = open().await.expect("reopen migrates");
    assert_eq!(backfill::logs(&store).await, recorded);
    drop(store);
    let store = open().await.expect("reopen");
    assert_eq!(backfill::logs(&store).await, recorded);
}
