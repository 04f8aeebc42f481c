//! The Store conformance checks of schedules: set, read, remove, and due slots taken once.
//!
//! Run them with [`run_all`] like [`super::conformance::run_all`]; the store's clock may be
//! manual or the system's (times are relative to it).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{Store, TakenSchedule};
use crate::error::ErrorKind;
use crate::model::{Cadence, RecordId, Scan, Schedule};

type Check = fn(Arc<dyn Store>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Every schedule check, by name.
pub const CHECKS: &[(&str, Check)] = &[
    ("schedule_round_trips_and_is_removed", |s| {
        Box::pin(schedule_round_trips_and_is_removed(s))
    }),
    ("take_due_moves_each_due_slot_once", |s| {
        Box::pin(take_due_moves_each_due_slot_once(s))
    }),
    ("concurrent_takes_share_the_slots", |s| {
        Box::pin(concurrent_takes_share_the_slots(s))
    }),
];

/// Runs every schedule check on a fresh store from `make`; panics listing those that failed.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    let mut failed = Vec::new();
    for (name, check) in CHECKS {
        let store = make().await;
        if tokio::spawn(check(store)).await.is_err() {
            failed.push(*name);
        }
    }
    assert!(failed.is_empty(), "schedule checks failed: {failed:?}");
}

/// A scan `o/<name>` added to `store`.
async fn scan(store: &Arc<dyn Store>, name: &str) -> RecordId {
    let mut s = Scan::new("o", name);
    s.target = "127.0.0.1".into();
    store.add_scan(&s).await.expect("add_scan");
    RecordId::new("o", name).expect("id")
}

/// An hourly schedule whose next slot (and fire time) is `slot`.
fn hourly_at(slot: DateTime<Utc>) -> Schedule {
    let mut s = Schedule::new(Cadence::Interval {
        every_seconds: 3600,
    });
    s.next_run_time = Some(slot);
    s.next_fire_time = Some(slot);
    s
}

/// Moves a schedule one interval on (what a scheduler's `advance` does).
fn one_hour_on(s: &Schedule) -> Schedule {
    let mut next = s.clone();
    next.next_run_time = s.next_run_time.map(|t| t + Duration::hours(1));
    next.next_fire_time = s.next_fire_time.map(|t| t + Duration::hours(1));
    next
}

async fn schedule_round_trips_and_is_removed(store: Arc<dyn Store>) {
    let now = store.clock().now();
    let missing = RecordId::new("o", "missing").expect("id");
    let err = store
        .set_schedule(&missing, Some(&hourly_at(now)))
        .await
        .expect_err("no such scan");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(store.get_schedule(&missing).await.expect("get"), None);
    let id = scan(&store, "s").await;
    assert_eq!(store.get_schedule(&id).await.expect("get"), None);
    let mut cron = Schedule::new(Cadence::cron("0 3 * * *", "Europe/Paris"));
    cron.jitter_seconds = 30;
    cron.next_run_time = Some(now + Duration::hours(2));
    cron.next_fire_time = Some(now + Duration::hours(2) + Duration::seconds(12));
    store.set_schedule(&id, Some(&cron)).await.expect("set");
    assert_eq!(
        store.get_schedule(&id).await.expect("get"),
        Some(cron.clone())
    );
    // Replacing keeps one schedule per scan.
    let every = hourly_at(now + Duration::hours(1));
    store
        .set_schedule(&id, Some(&every))
        .await
        .expect("replace");
    assert_eq!(store.get_schedule(&id).await.expect("get"), Some(every));
    store.set_schedule(&id, None).await.expect("remove");
    assert_eq!(store.get_schedule(&id).await.expect("get"), None);
    store.set_schedule(&id, None).await.expect("remove twice");
}

async fn take_due_moves_each_due_slot_once(store: Arc<dyn Store>) {
    let now = store.clock().now();
    let old = scan(&store, "old").await;
    let due = scan(&store, "due").await;
    let later = scan(&store, "later").await;
    let off = scan(&store, "off").await;
    let set = |id: RecordId, s: Schedule| {
        let store = Arc::clone(&store);
        async move { store.set_schedule(&id, Some(&s)).await.expect("set") }
    };
    set(old.clone(), hourly_at(now - Duration::minutes(30))).await;
    set(due.clone(), hourly_at(now)).await;
    set(later.clone(), hourly_at(now + Duration::seconds(1))).await;
    let mut disabled = hourly_at(now - Duration::hours(1));
    disabled.enabled = false;
    set(off.clone(), disabled.clone()).await;

    let first = store
        .take_due_schedules(now, 1, &one_hour_on)
        .await
        .expect("take");
    assert_eq!(ids(&first), vec![old.clone()], "oldest first, limit kept");
    assert_eq!(first[0].was, hourly_at(now - Duration::minutes(30)));
    assert_eq!(first[0].next, one_hour_on(&first[0].was));
    let rest = store
        .take_due_schedules(now, 10, &one_hour_on)
        .await
        .expect("take");
    assert_eq!(ids(&rest), vec![due.clone()]);
    let none = store
        .take_due_schedules(now, 10, &one_hour_on)
        .await
        .expect("take");
    assert!(none.is_empty(), "a slot is taken once: {none:?}");
    assert_eq!(
        store.get_schedule(&due).await.expect("get"),
        Some(hourly_at(now + Duration::hours(1)))
    );
    assert_eq!(
        store.get_schedule(&off).await.expect("get"),
        Some(disabled),
        "a disabled schedule is never due"
    );
    let at_later = store
        .take_due_schedules(now + Duration::seconds(1), 10, &one_hour_on)
        .await
        .expect("take");
    assert_eq!(ids(&at_later), vec![later]);
}

async fn concurrent_takes_share_the_slots(store: Arc<dyn Store>) {
    let now = store.clock().now();
    let mut all = Vec::new();
    for n in 0..12 {
        let id = scan(&store, &format!("s{n:02}")).await;
        let slot = now - Duration::seconds(n);
        store
            .set_schedule(&id, Some(&hourly_at(slot)))
            .await
            .expect("set");
        all.push(id);
    }
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .take_due_schedules(now, 2, &one_hour_on)
                    .await
                    .expect("take");
                if got.is_empty() {
                    return mine;
                }
                mine.extend(ids(&got));
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut taken = Vec::new();
    for t in tasks {
        taken.extend(t.await.expect("task"));
    }
    taken.sort();
    all.sort();
    assert_eq!(taken, all, "every slot taken, none twice");
}

fn ids(taken: &[TakenSchedule]) -> Vec<RecordId> {
    taken.iter().map(|t| t.id.clone()).collect()
}
