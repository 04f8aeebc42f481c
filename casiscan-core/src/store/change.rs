//! State changes and how each one rewrites a scan; every store applies them the same way.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::model::{Progress, Scan, ScanState, Transition, next_state};

/// Error text of a scan whose runner stopped renewing its lease too many times.
pub const RUNNER_LOST: &str = "runner lost";

/// A requested change of a scan's state, with the data it carries.
#[derive(Debug, Clone, PartialEq)]
pub enum StateChange {
    /// Queue the scan: results cleared, attempts reset, config kept.
    Start,
    /// Claim a Pending scan for `runner` with a fresh lease.
    Claim {
        /// The claiming runner's name.
        runner: String,
        /// Secret token proving the lease.
        token: String,
        /// Until when the lease holds.
        lease_until: DateTime<Utc>,
    },
    /// Extend the lease and report progress and partial output.
    Heartbeat {
        /// The lease token from the claim.
        token: String,
        /// The new lease end.
        lease_until: DateTime<Utc>,
        /// Current progress.
        progress: Progress,
        /// Raw output so far, when the provider has some.
        partial_raw: Option<String>,
    },
    /// Finish successfully with results.
    Complete {
        /// The lease token from the claim.
        token: String,
        /// The tool's text output.
        raw_result: String,
        /// Structured result as JSON text.
        result: String,
        /// One-line summary.
        summary: String,
    },
    /// Finish with an error.
    Fail {
        /// The lease token from the claim.
        token: String,
        /// Why it failed.
        error: String,
        /// Raw output gathered before the failure.
        raw_result: String,
    },
    /// Recover a scan whose lease ended before `now`: requeue, or fail past `max_attempts`.
    Expire {
        /// The current time; the lease must have ended before it.
        now: DateTime<Utc>,
        /// Claims allowed before the scan fails with [`RUNNER_LOST`].
        max_attempts: u32,
    },
    /// The claiming runner gives the scan back to the queue (e.g. on shutdown).
    Release {
        /// The lease token from the claim.
        token: String,
    },
    /// Cancel a Pending or Running scan.
    Cancel,
    /// Reset results, runner, error and progress; keep the configuration.
    Clear,
    /// Store an existing result as a finished run of a scan that is not Pending or Running,
    /// marked imported (the runner is [`crate::model::IMPORT_RUNNER`]).
    Import {
        /// The raw form kept (the imported file, capped).
        raw_result: String,
        /// Structured result as JSON text.
        result: String,
        /// One-line summary.
        summary: String,
    },
}

impl StateChange {
    /// A claim for `runner` until `lease_until` with a fresh random lease token.
    pub fn claim(runner: &str, lease_until: DateTime<Utc>) -> StateChange {
        StateChange::Claim {
            runner: runner.to_string(),
            token: uuid::Uuid::new_v4().to_string(),
            lease_until,
        }
    }

    /// The table transition this change performs on a scan in `from`.
    pub fn transition(&self, scan: &Scan) -> Transition {
        match self {
            StateChange::Start => Transition::Start,
            StateChange::Claim { .. } => Transition::Claim,
            StateChange::Heartbeat { .. } => Transition::Heartbeat,
            StateChange::Complete { .. } => Transition::Complete,
            StateChange::Fail { .. } => Transition::Fail,
            StateChange::Expire { max_attempts, .. } if scan.attempt < *max_attempts => {
                Transition::Requeue
            }
            StateChange::Expire { .. } => Transition::Abandon,
            StateChange::Release { .. } => Transition::Requeue,
            StateChange::Cancel => Transition::Cancel,
            StateChange::Clear => Transition::Clear,
            StateChange::Import { .. } => Transition::Import,
        }
    }

    fn token(&self) -> Option<&str> {
        match self {
            StateChange::Heartbeat { token, .. }
            | StateChange::Complete { token, .. }
            | StateChange::Fail { token, .. }
            | StateChange::Release { token } => Some(token),
            _ => None,
        }
    }
}

/// Applies `change` to `scan` at `now`, or returns `Conflict` and leaves `scan` untouched.
pub fn apply_change(scan: &mut Scan, change: &StateChange, now: DateTime<Utc>) -> Result<()> {
    let id = format!("{}/{}", scan.owner, scan.name);
    if matches!(change, StateChange::Start) {
        // A scan without a provider is a valid Created scan that cannot be queued.
        scan.provider_kind()?;
    }
    let to = next_state(scan.state, change.transition(scan))
        .map_err(|e| Error::conflict(format!("scan {id}: {}", strip_conflict(&e))))?;
    if let Some(token) = change.token()
        && scan.lease_token.as_deref() != Some(token)
    {
        return Err(Error::conflict(format!(
            "scan {id}: the lease is held by another runner or has expired"
        )));
    }
    if let StateChange::Expire { now: at, .. } = change
        && scan.lease_until.is_some_and(|until| until >= *at)
    {
        return Err(Error::conflict(format!(
            "scan {id}: its lease has not expired"
        )));
    }
    rewrite(scan, change, now);
    scan.state = to;
    scan.updated_time = now;
    Ok(())
}

fn strip_conflict(e: &Error) -> String {
    match e {
        Error::Conflict(m) => m.clone(),
        other => other.to_string(),
    }
}

fn rewrite(scan: &mut Scan, change: &StateChange, now: DateTime<Utc>) {
    match change {
        StateChange::Start => scan.reset_results(),
        StateChange::Claim {
            runner,
            token,
            lease_until,
        } => {
            scan.runner.clone_from(runner);
            scan.lease_token = Some(token.clone());
            scan.lease_until = Some(*lease_until);
            scan.started_time = Some(now);
            scan.finished_time = None;
            scan.error_text.clear();
            scan.attempt += 1;
        }
        StateChange::Heartbeat {
            lease_until,
            progress,
            partial_raw,
            ..
        } => {
            scan.lease_until = Some(*lease_until);
            scan.progress = progress.clone();
            if let Some(raw) = partial_raw {
                scan.raw_result.clone_from(raw);
            }
        }
        StateChange::Complete {
            raw_result,
            result,
            summary,
            ..
        } => {
            scan.raw_result.clone_from(raw_result);
            scan.result.clone_from(result);
            scan.result_summary.clone_from(summary);
            finish(scan, now);
        }
        StateChange::Fail {
            error, raw_result, ..
        } => {
            scan.error_text.clone_from(error);
            scan.raw_result.clone_from(raw_result);
            finish(scan, now);
        }
        StateChange::Expire { max_attempts, .. } => {
            if scan.attempt >= *max_attempts {
                scan.error_text = RUNNER_LOST.to_string();
                finish(scan, now);
            } else {
                requeue(scan);
            }
        }
        StateChange::Release { .. } => requeue(scan),
        StateChange::Cancel => {
            if scan.state == ScanState::Running {
                scan.finished_time = Some(now);
            }
            scan.lease_token = None;
            scan.lease_until = None;
        }
        StateChange::Clear => scan.reset_results(),
        StateChange::Import {
            raw_result,
            result,
            summary,
        } => {
            scan.runner = crate::model::IMPORT_RUNNER.to_owned();
            scan.started_time = Some(now);
            scan.error_text.clear();
            scan.progress = Progress::default();
            scan.attempt += 1;
            scan.raw_result.clone_from(raw_result);
            scan.result.clone_from(result);
            scan.result_summary.clone_from(summary);
            finish(scan, now);
        }
    }
}

fn finish(scan: &mut Scan, now: DateTime<Utc>) {
    scan.finished_time = Some(now);
    scan.lease_token = None;
    scan.lease_until = None;
}

fn requeue(scan: &mut Scan) {
    scan.runner.clear();
    scan.lease_token = None;
    scan.lease_until = None;
    scan.progress = Progress::default();
}
