use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::ErrorKind;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test time")
        .with_timezone(&Utc)
}

fn no_jitter(_: u32) -> u32 {
    0
}

fn paris(expr: &str) -> Schedule {
    Schedule::new(Cadence::cron(expr, "Europe/Paris"))
}

#[test]
fn bad_input_is_a_typed_error_naming_the_field() {
    let cases: Vec<(Schedule, ScheduleField)> = vec![
        (paris("0 3 * *"), ScheduleField::Expression),
        (paris("61 3 * * *"), ScheduleField::Expression),
        (paris("0 0 3 * * *"), ScheduleField::Expression),
        (
            Schedule::new(Cadence::cron("0 3 * * *", "Mars/Olympus")),
            ScheduleField::TimeZone,
        ),
        (
            Schedule::new(Cadence::Interval { every_seconds: 59 }),
            ScheduleField::EverySeconds,
        ),
        (
            Schedule {
                jitter_seconds: 3601,
                ..paris("0 3 * * *")
            },
            ScheduleField::JitterSeconds,
        ),
        (
            Schedule {
                jitter_seconds: 60,
                ..Schedule::new(Cadence::Interval { every_seconds: 60 })
            },
            ScheduleField::JitterSeconds,
        ),
    ];
    for (schedule, field) in cases {
        let err = schedule.check().expect_err("refused");
        assert_eq!(err.field(), field, "{schedule:?}: {err}");
        let core: crate::Error = err.into();
        assert_eq!(core.kind(), ErrorKind::InvalidInput);
        assert!(core.to_string().contains(field.as_str()), "{core}");
    }
    assert!(paris("0 3 * * *").check().is_ok());
    // Expressions that never fire are refused by the search over one 400-year cycle (the last
    // one saved by the fuzz target rest_other_bodies as slow: `+` with nothing after it).
    for never in ["0 0 30 2 *", "0 0 31 4 *", "*/15 9-09 * * +"] {
        let err = paris(never).check().expect_err(never);
        assert_eq!(err, ScheduleError::NeverFires(never.into()), "{never}");
    }
    // Rare ones still pass: Feb 29 (every 4 years), Friday the 13th, Feb 29 on a Monday.
    for rare in ["0 0 29 2 *", "0 0 13 * +5", "0 0 29 2 +1"] {
        assert!(paris(rare).check().is_ok(), "{rare}");
    }
    assert!(
        Schedule::new(Cadence::Interval { every_seconds: 60 })
            .check()
            .is_ok()
    );
}

#[test]
fn intervals_read_from_text() {
    assert_eq!(
        Cadence::every("6h").expect("6h"),
        Cadence::Interval {
            every_seconds: 21_600
        }
    );
    assert_eq!(
        Cadence::every("90").expect("90"),
        Cadence::Interval { every_seconds: 90 }
    );
    assert_eq!(
        Cadence::every("2d").expect("2d"),
        Cadence::Interval {
            every_seconds: 172_800
        }
    );
    for bad in ["", "h", "6w", "-1m", "1.5h", "99999999999999999999d"] {
        let err = Cadence::every(bad).expect_err(bad);
        assert_eq!(err.field(), ScheduleField::EverySeconds);
    }
}

#[test]
fn json_round_trips_with_camel_case_names() {
    let s = Schedule {
        missed_slots: MissedSlots::RunOnce,
        jitter_seconds: 30,
        ..paris("0 3 * * *")
    };
    let v = serde_json::to_value(&s).expect("json");
    assert_eq!(v["kind"], "cron");
    assert_eq!(v["expression"], "0 3 * * *");
    assert_eq!(v["timeZone"], "Europe/Paris");
    assert_eq!(v["missedSlots"], "runOnce");
    assert_eq!(v["jitterSeconds"], 30);
    assert_eq!(v["enabled"], true);
    let back: Schedule = serde_json::from_value(v).expect("back");
    assert_eq!(back, s);
    let every: Schedule =
        serde_json::from_str(r#"{"kind":"interval","everySeconds":3600}"#).expect("interval");
    assert_eq!(
        every.cadence,
        Cadence::Interval {
            every_seconds: 3600
        }
    );
    assert!(every.enabled);
    assert_eq!(every.missed_slots, MissedSlots::Skip);
}

#[test]
fn cron_slots_follow_the_zone_through_daylight_saving_changes() {
    let s = paris("0 3 * * *");
    // 03:00 Paris is 02:00 UTC in winter and 01:00 UTC in summer.
    assert_eq!(
        s.cadence
            .next_after(at("2026-03-27T12:00:00Z"))
            .expect("next"),
        at("2026-03-28T02:00:00Z")
    );
    assert_eq!(
        s.cadence
            .next_after(at("2026-03-28T12:00:00Z"))
            .expect("next"),
        at("2026-03-29T01:00:00Z")
    );
    assert_eq!(
        s.cadence
            .next_after(at("2026-10-24T12:00:00Z"))
            .expect("next"),
        at("2026-10-25T02:00:00Z")
    );
    // 02:30 does not exist on 29 March (02:00 -> 03:00): the slot is the first real instant
    // after the gap, once, and the next day is back at 02:30.
    let gap = paris("30 2 * * *");
    let first = gap
        .cadence
        .next_after(at("2026-03-28T12:00:00Z"))
        .expect("next");
    assert!(
        first > at("2026-03-28T23:00:00Z") && first <= at("2026-03-29T01:00:00Z"),
        "{first}"
    );
    assert_eq!(
        gap.cadence.next_after(first).expect("next"),
        at("2026-03-30T00:30:00Z")
    );
    // 02:30 happens twice on 25 October (03:00 -> 02:00): one slot only that day.
    let first = gap
        .cadence
        .next_after(at("2026-10-24T12:00:00Z"))
        .expect("next");
    let second = gap.cadence.next_after(first).expect("next");
    let paris_tz = chrono_tz::Europe::Paris;
    assert_eq!(
        first.with_timezone(&paris_tz).date_naive(),
        paris_tz
            .with_ymd_and_hms(2026, 10, 25, 12, 0, 0)
            .single()
            .expect("date")
            .date_naive()
    );
    assert_eq!(second, at("2026-10-26T01:30:00Z"), "first {first}");
}

#[test]
fn an_on_time_slot_fires_and_moves_to_the_next() {
    let now = at("2026-06-01T00:00:00Z");
    let s = paris("0 3 * * *").planned(now, &no_jitter).expect("plan");
    let slot = at("2026-06-01T01:00:00Z");
    assert_eq!(s.next_run_time, Some(slot));
    let taken = s.take(
        slot + chrono::Duration::seconds(5),
        StdDuration::from_secs(60),
        &no_jitter,
    );
    assert_eq!(taken.decision, SlotDecision::Fire);
    assert_eq!(taken.slot, slot);
    assert_eq!(taken.next.next_run_time, Some(at("2026-06-02T01:00:00Z")));
}

#[test]
fn missed_slots_follow_the_policy() {
    let now = at("2026-06-01T00:00:00Z");
    let every = Schedule::new(Cadence::Interval {
        every_seconds: 3600,
    });
    let s = every.planned(now, &no_jitter).expect("plan");
    // Down for 5 h 30: slots at 01:00 .. 05:00 passed.
    let back = at("2026-06-01T05:30:00Z");
    let taken = s.take(back, StdDuration::from_secs(60), &no_jitter);
    assert_eq!(
        taken.decision,
        SlotDecision::Skip(SkipReason::Missed { missed: 5 })
    );
    assert_eq!(taken.slot, at("2026-06-01T05:00:00Z"));
    // The grid of slots is kept.
    assert_eq!(taken.next.next_run_time, Some(at("2026-06-01T06:00:00Z")));
    let once = Schedule {
        missed_slots: MissedSlots::RunOnce,
        ..s.clone()
    };
    let taken = once.take(back, StdDuration::from_secs(60), &no_jitter);
    assert_eq!(taken.decision, SlotDecision::FireMissed { missed: 5 });
    assert_eq!(taken.next.next_run_time, Some(at("2026-06-01T06:00:00Z")));
    // One slot, but taken long after it came: missed too.
    let late = s.take(
        at("2026-06-01T01:20:00Z"),
        StdDuration::from_secs(60),
        &no_jitter,
    );
    assert_eq!(
        late.decision,
        SlotDecision::Skip(SkipReason::Missed { missed: 1 })
    );
}

#[test]
fn jitter_delays_the_fire_time_within_its_bound() {
    let now = at("2026-06-01T00:00:00Z");
    let s = Schedule {
        jitter_seconds: 90,
        ..paris("0 3 * * *")
    };
    let planned = s.planned(now, &|max| max + 1000).expect("plan");
    let slot = planned.next_run_time.expect("slot");
    assert_eq!(
        planned.next_fire_time,
        Some(slot + chrono::Duration::seconds(90))
    );
    // Firing at the end of the jitter window is on time, not missed.
    let taken = planned.take(
        slot + chrono::Duration::seconds(90),
        StdDuration::from_secs(60),
        &|_| 7,
    );
    assert_eq!(taken.decision, SlotDecision::Fire);
    let next = taken.next.next_run_time.expect("next");
    assert_eq!(
        taken.next.next_fire_time,
        Some(next + chrono::Duration::seconds(7))
    );
}

#[test]
fn a_disabled_schedule_has_no_slot() {
    let s = Schedule {
        enabled: false,
        ..paris("0 3 * * *")
    };
    let planned = s
        .planned(at("2026-06-01T00:00:00Z"), &no_jitter)
        .expect("plan");
    assert_eq!(planned.next_run_time, None);
    assert_eq!(planned.next_fire_time, None);
}
