//! Schedule: when a scan is queued again by the scheduler (a cron expression in a time zone, or a
//! fixed interval), what happens to slots missed while no scheduler ran, and its jitter.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{SkipReason, SlotDecision, TakenSlot};
use crate::error::Error;

/// Shortest interval a schedule may have: one minute.
pub const MIN_INTERVAL_SECONDS: u64 = 60;

/// Longest interval a schedule may have: 366 days.
pub const MAX_INTERVAL_SECONDS: u64 = 366 * 86_400;

/// Largest jitter a schedule may ask for: one hour.
pub const MAX_JITTER_SECONDS: u32 = 3600;

/// How often a scheduled scan is queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Cadence {
    /// At the times a 5-field cron expression names, read in an IANA time zone.
    #[serde(rename_all = "camelCase")]
    Cron {
        /// The expression (`minute hour day-of-month month day-of-week`, e.g. `0 3 * * *`).
        expression: String,
        /// The IANA time zone the expression is read in (e.g. `Europe/Paris`).
        #[serde(default = "utc_name")]
        time_zone: String,
    },
    /// Every fixed interval, counted from the moment the schedule was set.
    #[serde(rename_all = "camelCase")]
    Interval {
        /// Seconds between slots, at least [`MIN_INTERVAL_SECONDS`].
        every_seconds: u64,
    },
}

fn utc_name() -> String {
    "UTC".to_string()
}

fn enabled_default() -> bool {
    true
}

/// What the scheduler does with slots that passed while no scheduler was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MissedSlots {
    /// Missed slots are recorded as skipped; the scan runs again at its next slot.
    #[default]
    Skip,
    /// The scan runs once at once, however many slots were missed.
    RunOnce,
}

impl MissedSlots {
    /// The JSON spelling (`skip`, `runOnce`).
    pub fn as_str(self) -> &'static str {
        match self {
            MissedSlots::Skip => "skip",
            MissedSlots::RunOnce => "runOnce",
        }
    }
}

impl FromStr for MissedSlots {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "skip" => Ok(MissedSlots::Skip),
            "runOnce" | "run-once" => Ok(MissedSlots::RunOnce),
            other => Err(ScheduleError::MissedSlots(other.to_string()).into()),
        }
    }
}

/// A scan's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// Cron expression and zone, or interval.
    #[serde(flatten)]
    pub cadence: Cadence,
    /// A disabled schedule keeps its settings and queues nothing.
    #[serde(default = "enabled_default")]
    pub enabled: bool,
    /// What happens to slots missed while no scheduler ran.
    #[serde(default)]
    pub missed_slots: MissedSlots,
    /// Each slot fires up to this many seconds late, at random, to spread a fleet's load.
    #[serde(default)]
    pub jitter_seconds: u32,
    /// The next slot (set by casiscan; ignored on input).
    #[serde(default)]
    pub next_run_time: Option<DateTime<Utc>>,
    /// When the next slot fires: `nextRunTime` plus its jitter (set by casiscan).
    #[serde(default)]
    pub next_fire_time: Option<DateTime<Utc>>,
}

/// The field of a schedule an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScheduleField {
    /// The cron expression.
    Expression,
    /// The time zone.
    TimeZone,
    /// The interval.
    EverySeconds,
    /// The jitter.
    JitterSeconds,
    /// The missed-slot policy.
    MissedSlots,
}

impl ScheduleField {
    /// The field's JSON path (e.g. `schedule.timeZone`).
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleField::Expression => "schedule.expression",
            ScheduleField::TimeZone => "schedule.timeZone",
            ScheduleField::EverySeconds => "schedule.everySeconds",
            ScheduleField::JitterSeconds => "schedule.jitterSeconds",
            ScheduleField::MissedSlots => "schedule.missedSlots",
        }
    }
}

/// Why a schedule is refused; [`ScheduleError::field`] names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The cron expression does not parse (5 fields are required).
    #[error("`{expression}` is not a 5-field cron expression: {reason}")]
    Cron {
        /// The expression as given.
        expression: String,
        /// What the parser said.
        reason: String,
    },
    /// The expression never matches a real time (e.g. February 30th).
    #[error("`{0}` never matches a time")]
    NeverFires(String),
    /// The time zone is not an IANA zone name.
    #[error("`{0}` is not an IANA time zone (e.g. Europe/Paris, UTC)")]
    TimeZone(String),
    /// The interval is under one minute or over 366 days.
    #[error("{0} seconds is outside 60 to 31622400 seconds")]
    Interval(u64),
    /// An interval text (`6h`) that does not read as a duration.
    #[error("`{0}` is not an interval like 90s, 30m, 6h or 1d")]
    IntervalText(String),
    /// The jitter is over one hour or not shorter than the interval.
    #[error("{seconds} seconds of jitter is over {max}")]
    Jitter {
        /// The jitter asked for.
        seconds: u32,
        /// The largest allowed here.
        max: u64,
    },
    /// The missed-slot policy is not `skip` or `runOnce`.
    #[error("`{0}` is not `skip` or `runOnce`")]
    MissedSlots(String),
}

impl ScheduleError {
    /// The field this error is about.
    pub fn field(&self) -> ScheduleField {
        match self {
            ScheduleError::Cron { .. } | ScheduleError::NeverFires(_) => ScheduleField::Expression,
            ScheduleError::TimeZone(_) => ScheduleField::TimeZone,
            ScheduleError::Interval(_) | ScheduleError::IntervalText(_) => {
                ScheduleField::EverySeconds
            }
            ScheduleError::Jitter { .. } => ScheduleField::JitterSeconds,
            ScheduleError::MissedSlots(_) => ScheduleField::MissedSlots,
        }
    }
}

impl From<ScheduleError> for Error {
    fn from(e: ScheduleError) -> Self {
        Error::invalid(e.field().as_str(), e.to_string())
    }
}

impl Cadence {
    /// A cron cadence; checked by [`Schedule::check`].
    pub fn cron(expression: impl Into<String>, time_zone: impl Into<String>) -> Self {
        Cadence::Cron {
            expression: expression.into(),
            time_zone: time_zone.into(),
        }
    }

    /// An interval cadence read from text like `90s`, `30m`, `6h`, `1d` (or plain seconds).
    pub fn every(text: &str) -> Result<Self, ScheduleError> {
        let bad = || ScheduleError::IntervalText(text.to_string());
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let n: u64 = digits.parse().map_err(|_| bad())?;
        let scale = match unit {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        let every_seconds = n.checked_mul(scale).ok_or_else(bad)?;
        Ok(Cadence::Interval { every_seconds })
    }

    /// The first slot strictly after `after` (cron), or `after` plus the interval.
    pub fn next_after(&self, after: DateTime<Utc>) -> Result<DateTime<Utc>, ScheduleError> {
        match self {
            Cadence::Cron {
                expression,
                time_zone,
            } => {
                let cron = parse_cron(expression)?;
                let zone = parse_zone(time_zone)?;
                cron.find_next_occurrence(&after.with_timezone(&zone), false)
                    .map(|t| crate::clock::truncate(t.with_timezone(&Utc)))
                    .map_err(|_| ScheduleError::NeverFires(expression.clone()))
            }
            Cadence::Interval { every_seconds } => {
                let step = i64::try_from(*every_seconds)
                    .map_err(|_| ScheduleError::Interval(*every_seconds))?;
                Ok(after + Duration::seconds(step))
            }
        }
    }

    /// Seconds between slots of an interval cadence.
    fn interval(&self) -> Option<u64> {
        match self {
            Cadence::Interval { every_seconds } => Some(*every_seconds),
            Cadence::Cron { .. } => None,
        }
    }
}

fn parse_cron(expression: &str) -> Result<croner::Cron, ScheduleError> {
    use croner::parser::{CronParser, Seconds, Year};
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(expression)
        .map_err(|e| ScheduleError::Cron {
            expression: expression.to_string(),
            reason: e.to_string(),
        })
}

/// Refuses an expression that never fires, by a search over the last 400 years croner covers:
/// the Gregorian calendar repeats every 400 years (146 097 days, a whole number of weeks), so an
/// expression that fires at all fires there, and the search of a real slot then ends within
/// 400 years. Without it a never-firing expression (`0 0 30 2 *`) searched day by day up to
/// croner's year 5000, at every check. Time zones have no daylight-saving rule that far ahead,
/// so a slot a DST gap would skip today is found there: the check can only be more lenient than
/// the real search, never refuse an expression that fires.
fn fires_in_a_calendar_cycle(
    cron: &croner::Cron,
    zone: chrono_tz::Tz,
    expression: &str,
) -> Result<(), ScheduleError> {
    use chrono::TimeZone;
    let never = || ScheduleError::NeverFires(expression.to_string());
    let start = zone
        .with_ymd_and_hms(croner::YEAR_UPPER_LIMIT - 401, 1, 1, 12, 0, 0)
        .earliest()
        .ok_or_else(never)?;
    cron.find_next_occurrence(&start, false)
        .map(|_| ())
        .map_err(|_| never())
}

fn parse_zone(zone: &str) -> Result<chrono_tz::Tz, ScheduleError> {
    zone.parse::<chrono_tz::Tz>()
        .map_err(|_| ScheduleError::TimeZone(zone.to_string()))
}

impl Schedule {
    /// An enabled schedule with `cadence`, missed slots skipped, no jitter, no slot yet.
    pub fn new(cadence: Cadence) -> Self {
        Schedule {
            cadence,
            enabled: true,
            missed_slots: MissedSlots::Skip,
            jitter_seconds: 0,
            next_run_time: None,
            next_fire_time: None,
        }
    }

    /// Checks every field: expression, zone, interval, jitter.
    pub fn check(&self) -> Result<(), ScheduleError> {
        match &self.cadence {
            Cadence::Cron {
                expression,
                time_zone,
            } => {
                let cron = parse_cron(expression)?;
                let zone = parse_zone(time_zone)?;
                fires_in_a_calendar_cycle(&cron, zone, expression)?;
            }
            Cadence::Interval { every_seconds } => {
                if !(MIN_INTERVAL_SECONDS..=MAX_INTERVAL_SECONDS).contains(every_seconds) {
                    return Err(ScheduleError::Interval(*every_seconds));
                }
            }
        }
        let max = match self.cadence.interval() {
            Some(every) => u64::from(MAX_JITTER_SECONDS).min(every - 1),
            None => u64::from(MAX_JITTER_SECONDS),
        };
        if u64::from(self.jitter_seconds) > max {
            return Err(ScheduleError::Jitter {
                seconds: self.jitter_seconds,
                max,
            });
        }
        Ok(())
    }

    /// This schedule checked and planned from `now`: its first slot and fire time set (none
    /// when disabled). `jitter` draws a delay in `0..=jitter_seconds`.
    pub fn planned(
        &self,
        now: DateTime<Utc>,
        jitter: &dyn Fn(u32) -> u32,
    ) -> Result<Schedule, ScheduleError> {
        self.check()?;
        let mut next = self.clone();
        if !self.enabled {
            next.next_run_time = None;
            next.next_fire_time = None;
            return Ok(next);
        }
        let slot = self.cadence.next_after(now)?;
        next.set_slot(slot, jitter);
        Ok(next)
    }

    fn set_slot(&mut self, slot: DateTime<Utc>, jitter: &dyn Fn(u32) -> u32) {
        let delay = jitter(self.jitter_seconds).min(self.jitter_seconds);
        self.next_run_time = Some(slot);
        self.next_fire_time = Some(slot + Duration::seconds(i64::from(delay)));
    }

    /// Takes the due slot at `now`: what to do with it, and this schedule moved to its first
    /// slot after `now`. A slot taken more than `grace` (plus the jitter) after it came, or
    /// followed by further slots that also passed, was missed.
    pub fn take(
        &self,
        now: DateTime<Utc>,
        grace: std::time::Duration,
        jitter: &dyn Fn(u32) -> u32,
    ) -> TakenSlot {
        let mut next = self.clone();
        let Some(slot) = self.next_run_time else {
            return TakenSlot {
                slot: now,
                decision: SlotDecision::Skip(SkipReason::NotDue),
                next,
            };
        };
        // Count the slots in [slot, now], stopping early: only "one" or "more than one" matters.
        let mut last = slot;
        let mut count: u64 = 1;
        let following = self.cadence.next_after(slot);
        if let Ok(mut t) = following {
            while t <= now && count < MISSED_COUNT_CAP {
                last = t;
                count += 1;
                match self.cadence.next_after(t) {
                    Ok(n) => t = n,
                    Err(_) => break,
                }
            }
        }
        let grace = Duration::from_std(grace).unwrap_or(Duration::MAX)
            + Duration::seconds(i64::from(self.jitter_seconds));
        let late = now - last > grace;
        let decision = match (count > 1 || late, self.missed_slots) {
            (false, _) => SlotDecision::Fire,
            (true, MissedSlots::RunOnce) => SlotDecision::FireMissed { missed: count },
            (true, MissedSlots::Skip) => SlotDecision::Skip(SkipReason::Missed { missed: count }),
        };
        // The slot after the last one passed keeps an interval's grid; past the count cap,
        // the first slot after now.
        let after = match self.cadence.next_after(last) {
            Ok(t) if t <= now => self.cadence.next_after(now),
            other => other,
        };
        match after {
            Ok(after) => next.set_slot(after, jitter),
            Err(_) => {
                next.enabled = false;
                next.next_run_time = None;
                next.next_fire_time = None;
            }
        }
        TakenSlot {
            slot: last,
            decision,
            next,
        }
    }
}

/// Missed slots counted one by one at most (a longer outage reports this many).
const MISSED_COUNT_CAP: u64 = 10_000;

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
