//! Schedules: the store conformance checks on memory and SQLite, eight scheduler loops on one
//! SQLite file across daylight-saving changes, missed-slot policies, skip-while-running, and
//! the Client's checks of bad input. Time is a manual clock: nothing here sleeps.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use casiscan_core::clock::Clock;
use casiscan_core::model::{Cadence, MissedSlots, RecordId, Scan, ScanState, Schedule, SkipReason};
use casiscan_core::providers::Providers;
use casiscan_core::schedule::{Scheduler, SchedulerConfig, SlotOutcome};
use casiscan_core::store::{MemoryStore, SqliteStore, StateChange, Store, schedule_conformance};
use casiscan_core::{Client, ErrorKind};
use chrono::Duration;

mod schedule_fleet;

use schedule_fleet::utc;

#[tokio::test]
async fn memory_store_schedules_conform() {
    schedule_conformance::run_all(|| async { Arc::new(MemoryStore::new()) as Arc<dyn Store> })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_schedules_conform() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = std::sync::atomic::AtomicUsize::new(0);
    schedule_conformance::run_all(|| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = dir.path().join(format!("c{n}.db"));
        async move { Arc::new(SqliteStore::open(path).await.expect("open")) as Arc<dyn Store> }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_scheduler_loops_on_one_sqlite_file_fire_each_slot_once_across_dst() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fleet.db");
    let clock = Clock::manual(utc(2026, 1, 1, 0, 0));
    let mut stores: Vec<Arc<dyn Store>> = Vec::new();
    // Eight stores, eight connections: as eight processes sharing the file.
    for _ in 0..8 {
        let store = SqliteStore::open(&path).await.expect("open");
        stores.push(Arc::new(store.with_clock(clock.clone())));
    }
    schedule_fleet::check_fleet_across_dst(&stores, &clock).await;
}

/// A memory store on a manual clock with one scan `o/s` scheduled hourly from `start`.
async fn hourly_scan(
    start: chrono::DateTime<chrono::Utc>,
    missed: MissedSlots,
) -> (Arc<dyn Store>, Clock, RecordId) {
    let clock = Clock::manual(start);
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new().with_clock(clock.clone()));
    let client = Client::new(Arc::clone(&store), Providers::new());
    let mut scan = Scan::new("o", "s");
    scan.target = "127.0.0.1".into();
    client.add_scan(&scan).await.expect("add");
    let schedule = Schedule {
        missed_slots: missed,
        ..Schedule::new(Cadence::Interval {
            every_seconds: 3600,
        })
    };
    let scan = client
        .set_scan_schedule("o/s", Some(&schedule))
        .await
        .expect("schedule");
    let next = scan.schedule.as_ref().expect("schedule").next_run_time;
    assert_eq!(next, Some(start + Duration::hours(1)));
    (store, clock, scan.id().expect("id"))
}

fn scheduler(store: &Arc<dyn Store>) -> Scheduler {
    Scheduler::new(
        Arc::clone(store),
        SchedulerConfig {
            grace: StdDuration::from_secs(120),
            ..SchedulerConfig::default()
        },
    )
}

#[tokio::test]
async fn missed_slots_after_downtime_are_skipped_and_recorded() {
    let start = utc(2026, 6, 1, 0, 0);
    let (store, clock, id) = hourly_scan(start, MissedSlots::Skip).await;
    // Down from before 01:00 until 05:30: five slots passed.
    clock.set(utc(2026, 6, 1, 5, 30));
    let out = scheduler(&store).tick().await.expect("tick");
    assert_eq!(
        out,
        vec![SlotOutcome::Skipped {
            id: id.clone(),
            slot: utc(2026, 6, 1, 5, 0),
            reason: SkipReason::Missed { missed: 5 },
        }]
    );
    assert_eq!(
        store.get_scan(&id).await.expect("scan").state,
        ScanState::Created
    );
    let runs = store.list_runs(&id).await.expect("runs");
    assert_eq!(runs.len(), 1);
    let skipped = runs[0].skipped.as_ref().expect("a skipped slot record");
    assert_eq!(skipped.reason, SkipReason::Missed { missed: 5 });
    assert!(
        runs[0].error_text.contains("5 slot(s) missed"),
        "{}",
        runs[0].error_text
    );
    // The schedule goes on from the next slot, on time.
    clock.set(utc(2026, 6, 1, 6, 0));
    let out = scheduler(&store).tick().await.expect("tick");
    assert!(
        matches!(&out[..], [SlotOutcome::Queued { slot, missed: 1, .. }] if *slot == utc(2026, 6, 1, 6, 0)),
        "{out:?}"
    );
}

#[tokio::test]
async fn missed_slots_after_downtime_run_once_with_run_once() {
    let start = utc(2026, 6, 1, 0, 0);
    let (store, clock, id) = hourly_scan(start, MissedSlots::RunOnce).await;
    clock.set(utc(2026, 6, 1, 5, 30));
    let out = scheduler(&store).tick().await.expect("tick");
    assert_eq!(
        out,
        vec![SlotOutcome::Queued {
            id: id.clone(),
            slot: utc(2026, 6, 1, 5, 0),
            missed: 5,
        }]
    );
    assert_eq!(
        store.get_scan(&id).await.expect("scan").state,
        ScanState::Pending
    );
    // Once only: the next pass finds nothing due.
    assert!(scheduler(&store).tick().await.expect("tick").is_empty());
    let schedule = store
        .get_schedule(&id)
        .await
        .expect("get")
        .expect("schedule");
    assert_eq!(schedule.next_run_time, Some(utc(2026, 6, 1, 6, 0)));
}

#[tokio::test]
async fn a_slot_that_finds_the_scan_still_pending_or_running_is_skipped_with_the_reason() {
    let start = utc(2026, 6, 1, 0, 0);
    let (store, clock, id) = hourly_scan(start, MissedSlots::Skip).await;
    clock.set(utc(2026, 6, 1, 1, 0));
    let out = scheduler(&store).tick().await.expect("tick");
    assert!(matches!(&out[..], [SlotOutcome::Queued { .. }]), "{out:?}");
    // Still Pending at the next slot: not queued twice.
    clock.set(utc(2026, 6, 1, 2, 0));
    let out = scheduler(&store).tick().await.expect("tick");
    assert_eq!(
        out,
        vec![SlotOutcome::Skipped {
            id: id.clone(),
            slot: utc(2026, 6, 1, 2, 0),
            reason: SkipReason::StillActive {
                state: ScanState::Pending
            },
        }]
    );
    // Running at the one after.
    let claim = StateChange::claim("r", utc(2026, 6, 1, 9, 0));
    store.apply(&id, &claim).await.expect("claim");
    clock.set(utc(2026, 6, 1, 3, 0));
    let out = scheduler(&store).tick().await.expect("tick");
    assert!(
        matches!(
            &out[..],
            [SlotOutcome::Skipped {
                reason: SkipReason::StillActive {
                    state: ScanState::Running
                },
                ..
            }]
        ),
        "{out:?}"
    );
    let runs = store.list_runs(&id).await.expect("runs");
    let reasons: Vec<String> = runs.iter().map(|r| r.error_text.clone()).collect();
    assert_eq!(
        reasons,
        vec![
            "the scan was still Pending from an earlier start".to_string(),
            "the scan was still Running from an earlier start".to_string(),
        ]
    );
    assert!(
        runs.iter()
            .all(|r| r.skipped.is_some() && r.finished_time.is_none())
    );
    assert_eq!(
        store.get_scan(&id).await.expect("scan").state,
        ScanState::Running
    );
}

#[tokio::test]
async fn a_deleted_scan_loses_its_schedule() {
    let start = utc(2026, 6, 1, 0, 0);
    let (store, clock, id) = hourly_scan(start, MissedSlots::Skip).await;
    // Deleted behind the Client's back: the scheduler cleans up at the slot.
    store.delete_scan(&id, true).await.expect("delete");
    clock.set(utc(2026, 6, 1, 1, 0));
    let out = scheduler(&store).tick().await.expect("tick");
    assert_eq!(out, vec![SlotOutcome::Gone { id: id.clone() }]);
    assert_eq!(store.get_schedule(&id).await.expect("get"), None);
}

#[tokio::test]
async fn bad_schedules_are_refused_naming_the_field_and_change_nothing() {
    let clock = Clock::manual(utc(2026, 6, 1, 0, 0));
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new().with_clock(clock));
    let client = Client::new(Arc::clone(&store), Providers::new());
    let mut scan = Scan::new("o", "s");
    scan.target = "127.0.0.1".into();
    client.add_scan(&scan).await.expect("add");
    let good = Schedule::new(Cadence::cron("0 3 * * *", "Europe/Paris"));
    client
        .set_scan_schedule("o/s", Some(&good))
        .await
        .expect("set");
    let before = client.get_scan("o/s").await.expect("get");
    let cases = [
        (
            Schedule::new(Cadence::cron("0 3 * *", "UTC")),
            "schedule.expression",
        ),
        (
            Schedule::new(Cadence::cron("0 3 * * *", "Europe/Pariss")),
            "schedule.timeZone",
        ),
        (
            Schedule::new(Cadence::Interval { every_seconds: 30 }),
            "schedule.everySeconds",
        ),
    ];
    for (bad, field) in &cases {
        let err = client
            .set_scan_schedule("o/s", Some(bad))
            .await
            .expect_err("refused");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains(field), "{err}");
        assert_eq!(client.get_scan("o/s").await.expect("get"), before);
        // A new scan carrying it is not added at all.
        let mut new = Scan::new("o", "new");
        new.target = "127.0.0.1".into();
        new.schedule = Some(bad.clone());
        let err = client.add_scan(&new).await.expect_err("refused");
        assert!(err.to_string().contains(field), "{err}");
        assert_eq!(
            client.get_scan("o/new").await.expect_err("absent").kind(),
            ErrorKind::NotFound
        );
    }
    // Removing it, and the listing shows the schedule of each scan.
    let listed = client.list_scans(&Default::default()).await.expect("list");
    assert!(listed.items[0].schedule.is_some());
    let off = client.set_scan_schedule("o/s", None).await.expect("off");
    assert_eq!(off.schedule, None);
    assert_eq!(client.get_scan("o/s").await.expect("get").schedule, None);
}

#[tokio::test]
async fn skipped_slots_are_not_runs_to_diff() {
    let start = utc(2026, 6, 1, 0, 0);
    let (store, clock, id) = hourly_scan(start, MissedSlots::Skip).await;
    let client = Client::new(Arc::clone(&store), Providers::new());
    for hour in 1..=2 {
        clock.set(utc(2026, 6, 1, hour, 0));
        let out = scheduler(&store).tick().await.expect("tick");
        assert!(matches!(&out[..], [SlotOutcome::Queued { .. }]), "{out:?}");
        schedule_fleet::complete(&store, &id).await;
        let run =
            casiscan_core::model::ScanRun::of_finished(&store.get_scan(&id).await.expect("scan"));
        store.append_run(&run).await.expect("run");
    }
    // A slot that finds the scan Pending is recorded as skipped, after the two runs.
    store
        .apply(&id, &StateChange::Start)
        .await
        .expect("start by hand");
    clock.set(utc(2026, 6, 1, 3, 0));
    let out = scheduler(&store).tick().await.expect("tick");
    assert!(matches!(&out[..], [SlotOutcome::Skipped { .. }]), "{out:?}");
    let runs = client.list_runs(&id).await.expect("runs");
    assert_eq!(runs.len(), 3);
    assert!(runs[2].skipped.is_some());
    // The default diff compares the two real runs, not the skipped record.
    client
        .diff_runs(&id, None, None)
        .await
        .expect("the last two real runs");
    let err = client
        .diff_runs(&id, None, Some(3))
        .await
        .expect_err("a skipped record is no run");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn a_scan_without_a_provider_cannot_be_scheduled_nor_a_scheduled_scan_lose_it() {
    let clock = Clock::manual(utc(2026, 6, 1, 0, 0));
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new().with_clock(clock));
    let client = Client::new(Arc::clone(&store), Providers::new());
    let nightly = Schedule::new(Cadence::cron("0 3 * * *", "UTC"));
    let mut unset = Scan::new("o", "unset");
    unset.target = "127.0.0.1".into();
    unset.provider = None;
    client.add_scan(&unset).await.expect("add");
    let err = client
        .set_scan_schedule("o/unset", Some(&nightly))
        .await
        .expect_err("no provider");
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("no provider"), "{err}");
    assert_eq!(client.scan_schedule("o/unset").await.expect("get"), None);
    let mut with_schedule = unset.clone();
    with_schedule.name = "planned".into();
    with_schedule.schedule = Some(nightly.clone());
    assert!(
        client.add_scan(&with_schedule).await.is_err(),
        "refused at add"
    );

    let mut s = Scan::new("o", "s");
    s.target = "127.0.0.1".into();
    client.add_scan(&s).await.expect("add");
    client
        .set_scan_schedule("o/s", Some(&nightly))
        .await
        .expect("set");
    s.provider = None;
    for saved in [
        client.update_scan("o/s", &s).await,
        client.save_scan("o/s", &s, false).await,
    ] {
        let err = saved.expect_err("scheduled");
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }
    let kept = client.get_scan("o/s").await.expect("get");
    assert_eq!(
        kept.provider,
        Some(casiscan_core::model::ProviderKind::Nmap)
    );
}
