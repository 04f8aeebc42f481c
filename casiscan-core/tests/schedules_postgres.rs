//! Schedules on a real PostgreSQL server (CASISCAN_TEST_PG_URL, started by scripts/pg-start.sh):
//! the store conformance checks, and eight scheduler loops (eight stores, as eight processes)
//! firing each slot once across daylight-saving changes, with a manual clock; and scope policies.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use casiscan_core::clock::Clock;
use casiscan_core::store::{PostgresStore, Store, schedule_conformance};

mod schedule_fleet;

fn url() -> String {
    std::env::var("CASISCAN_TEST_PG_URL").expect(
        "CASISCAN_TEST_PG_URL is not set: run scripts/test.sh, or start a server with scripts/pg-start.sh",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store_schedules_conform() {
    let url = url();
    let run = std::process::id();
    let counter = AtomicUsize::new(0);
    schedule_conformance::run_all(|| {
        let schema = format!(
            "sched_conf_{run}_{}",
            counter.fetch_add(1, Ordering::SeqCst)
        );
        let url = url.clone();
        async move {
            let store = PostgresStore::open_in_schema(&url, Some(&schema))
                .await
                .expect("open");
            let clock = Clock::manual(casiscan_core::clock::now());
            Arc::new(store.with_clock(clock)) as Arc<dyn Store>
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_scheduler_loops_on_postgres_fire_each_slot_once_across_dst() {
    let url = url();
    let schema = format!("sched_fleet_{}", std::process::id());
    let clock = Clock::manual(schedule_fleet::utc(2026, 1, 1, 0, 0));
    let mut stores: Vec<Arc<dyn Store>> = Vec::new();
    for _ in 0..8 {
        let store = PostgresStore::open_in_schema(&url, Some(&schema))
            .await
            .expect("open");
        stores.push(Arc::new(store.with_clock(clock.clone())));
    }
    schedule_fleet::check_fleet_across_dst(&stores, &clock).await;
}

#[tokio::test]
async fn postgres_store_keeps_scope_policies_per_account() {
    use casiscan_core::model::ScopePolicy;
    let schema = format!("scope_{}", std::process::id());
    let store = PostgresStore::open_in_schema(&url(), Some(&schema))
        .await
        .expect("open");
    let p = ScopePolicy::parse(&["10.0.0.0/8".to_string()], &["*.lab.example".to_string()])
        .expect("policy");
    assert_eq!(store.get_scope_policy("a").await.expect("get"), None);
    store.set_scope_policy("a", Some(&p)).await.expect("set");
    assert_eq!(store.get_scope_policy("a").await.expect("get"), Some(p));
    assert_eq!(store.get_scope_policy("b").await.expect("get"), None);
    store.set_scope_policy("a", None).await.expect("remove");
    assert_eq!(store.get_scope_policy("a").await.expect("get"), None);
}
