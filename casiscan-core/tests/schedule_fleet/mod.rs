//! Several scheduler loops sharing one store, driven by a manual clock across daylight-saving
//! changes: what each fired, to check every slot fires exactly once.

use std::collections::BTreeMap;
use std::sync::Arc;

use casiscan_core::clock::Clock;
use casiscan_core::model::{Cadence, RecordId, Scan, ScanState, Schedule};
use casiscan_core::schedule::{Scheduler, SchedulerConfig, SlotOutcome};
use casiscan_core::store::{StateChange, Store};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// The scans the fleet test schedules: name → cron expression, read in Europe/Paris.
pub const PARIS_CRONS: &[(&str, &str)] = &[
    ("daily-0230", "30 2 * * *"),
    ("hourly", "0 * * * *"),
    ("nightly-0300", "0 3 * * *"),
];

/// Adds the fleet's scans and schedules through `store`, planned from the clock's now.
pub async fn add_scans(store: &Arc<dyn Store>) -> Vec<RecordId> {
    let now = store.clock().now();
    let mut ids = Vec::new();
    for (name, expr) in PARIS_CRONS {
        let mut scan = Scan::new("fleet", *name);
        scan.target = "127.0.0.1".into();
        store.add_scan(&scan).await.expect("add");
        let id = scan.id().expect("id");
        let schedule = Schedule::new(Cadence::cron(*expr, "Europe/Paris"))
            .planned(now, &|_| 0)
            .expect("plan");
        store.set_schedule(&id, Some(&schedule)).await.expect("set");
        ids.push(id);
    }
    ids
}

/// Steps `clock` from its time to `end` by `step`; at each step every scheduler ticks at once,
/// then every scan they queued is run to completion (as a runner would). Returns, per scan,
/// the slots queued, and how many times each was queued.
pub async fn run_fleet(
    stores: &[Arc<dyn Store>],
    clock: &Clock,
    end: DateTime<Utc>,
    step: Duration,
) -> BTreeMap<RecordId, BTreeMap<DateTime<Utc>, usize>> {
    let config = SchedulerConfig {
        grace: std::time::Duration::from_secs(600),
        ..SchedulerConfig::default()
    };
    let schedulers: Vec<Arc<Scheduler>> = stores
        .iter()
        .map(|s| Arc::new(Scheduler::new(Arc::clone(s), config.clone())))
        .collect();
    let mut fired: BTreeMap<RecordId, BTreeMap<DateTime<Utc>, usize>> = BTreeMap::new();
    while clock.now() < end {
        clock.advance(step.to_std().expect("step"));
        let ticks: Vec<_> = schedulers
            .iter()
            .map(|s| {
                let s = Arc::clone(s);
                tokio::spawn(async move { s.tick().await.expect("tick") })
            })
            .collect();
        let mut queued = Vec::new();
        for t in ticks {
            for outcome in t.await.expect("tick task") {
                match outcome {
                    SlotOutcome::Queued { id, slot, .. } => {
                        *fired
                            .entry(id.clone())
                            .or_default()
                            .entry(slot)
                            .or_insert(0) += 1;
                        queued.push(id);
                    }
                    other => panic!("unexpected outcome {other:?} at {}", clock.now()),
                }
            }
        }
        for id in queued {
            complete(&stores[0], &id).await;
        }
    }
    fired
}

/// Runs a queued scan to Completed, as a runner would.
pub async fn complete(store: &Arc<dyn Store>, id: &RecordId) {
    let claim = StateChange::claim("runner", store.clock().now() + Duration::seconds(60));
    let running = store.apply(id, &claim).await.expect("claim");
    assert_eq!(running.state, ScanState::Running);
    let token = running.lease_token.expect("token");
    let done = StateChange::Complete {
        token,
        raw_result: String::new(),
        result: "{}".into(),
        summary: "done".into(),
    };
    store.apply(id, &done).await.expect("complete");
}

/// A Paris wall-clock time as UTC (the earlier one when ambiguous).
pub fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Paris
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .earliest()
        .expect("a real time")
        .with_timezone(&Utc)
}

/// Runs the fleet over both 2026 daylight-saving changes in Paris and checks every slot:
/// each queued once, the daily ones once a day (02:30 on the spring-forward day, when 02:30
/// does not exist, fires once at the end of the gap, 03:00 CEST), hourly ones every real hour.
pub async fn check_fleet_across_dst(stores: &[Arc<dyn Store>], clock: &Clock) {
    // Spring forward: 29 March 2026, 02:00 CET -> 03:00 CEST.
    clock.set(utc(2026, 3, 28, 20, 0));
    let ids = add_scans(&stores[0]).await;
    let fired = run_fleet(stores, clock, utc(2026, 3, 30, 4, 0), Duration::minutes(5)).await;
    check_once(&fired);
    let slots = |name: &str| -> Vec<DateTime<Utc>> {
        let id = ids.iter().find(|i| i.name == name).expect("id");
        fired
            .get(id)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    };
    assert_eq!(
        slots("daily-0230"),
        vec![utc(2026, 3, 29, 1, 0), paris(2026, 3, 30, 2, 30)],
        "02:30 does not exist on 29 March: the slot is 03:00 CEST, once"
    );
    assert_eq!(
        slots("nightly-0300"),
        vec![paris(2026, 3, 29, 3, 0), paris(2026, 3, 30, 3, 0)]
    );
    // 20:00Z on the 28th to 04:00Z on the 30th is 32 real hours: 32 hourly slots.
    assert_eq!(slots("hourly").len(), 32, "{:?}", slots("hourly"));

    // Fall back: 25 October 2026, 03:00 CEST -> 02:00 CET (02:00-02:59 happens twice).
    for id in &ids {
        stores[0].delete_scan(id, true).await.expect("delete");
        stores[0].set_schedule(id, None).await.expect("unschedule");
    }
    clock.set(utc(2026, 10, 24, 20, 0));
    let ids = add_scans(&stores[0]).await;
    let fired = run_fleet(stores, clock, utc(2026, 10, 26, 4, 0), Duration::minutes(5)).await;
    check_once(&fired);
    let slots = |name: &str| -> Vec<DateTime<Utc>> {
        let id = ids.iter().find(|i| i.name == name).expect("id");
        fired
            .get(id)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    };
    let daily = slots("daily-0230");
    assert_eq!(
        daily.len(),
        2,
        "02:30 happens twice on 25 October, fires once: {daily:?}"
    );
    assert_eq!(daily[1], paris(2026, 10, 26, 2, 30));
    assert_eq!(
        slots("nightly-0300"),
        vec![paris(2026, 10, 25, 3, 0), paris(2026, 10, 26, 3, 0)]
    );
    // 20:00Z on the 24th to 04:00Z on the 26th is 32 real hours.
    assert_eq!(slots("hourly").len(), 32, "{:?}", slots("hourly"));
}

fn check_once(fired: &BTreeMap<RecordId, BTreeMap<DateTime<Utc>, usize>>) {
    for (id, slots) in fired {
        for (slot, n) in slots {
            assert_eq!(*n, 1, "{id} slot {slot} queued {n} times");
        }
    }
}

/// A UTC time.
pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("a UTC time")
}
