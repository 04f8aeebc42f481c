//! Scan states and the one transition table that governs them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Where a scan is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ScanState {
    /// Configured, never started or cleared.
    #[default]
    Created,
    /// Waiting for a runner to claim it.
    Pending,
    /// Claimed by a runner that holds its lease.
    Running,
    /// Finished with results.
    Completed,
    /// Finished with an error text.
    Failed,
    /// Stopped by a user before it finished.
    Canceled,
}

impl ScanState {
    /// Every state, in declaration order.
    pub const ALL: [ScanState; 6] = [
        ScanState::Created,
        ScanState::Pending,
        ScanState::Running,
        ScanState::Completed,
        ScanState::Failed,
        ScanState::Canceled,
    ];

    /// Casibase's spelling of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanState::Created => "Created",
            ScanState::Pending => "Pending",
            ScanState::Running => "Running",
            ScanState::Completed => "Completed",
            ScanState::Failed => "Failed",
            ScanState::Canceled => "Canceled",
        }
    }

    /// True for Pending and Running: the scan is queued or executing.
    pub fn is_active(self) -> bool {
        matches!(self, ScanState::Pending | ScanState::Running)
    }
}

impl fmt::Display for ScanState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ScanState {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        ScanState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| Error::invalid(format!("scan state `{s}`"), "unknown state"))
    }
}

/// An event that moves a scan from one state to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// A user starts (or restarts) the scan: results are cleared, config kept.
    Start,
    /// A runner claims the scan atomically.
    Claim,
    /// The claiming runner extends its lease and reports progress.
    Heartbeat,
    /// The claiming runner finishes successfully.
    Complete,
    /// The claiming runner finishes with an error.
    Fail,
    /// The lease expired and attempts remain: back to the queue.
    Requeue,
    /// The lease expired and no attempt remains: failed with "runner lost".
    Abandon,
    /// A user cancels a queued or running scan.
    Cancel,
    /// A user clears results, runner, error and progress.
    Clear,
    /// A user stores an existing result (an nmap XML file) as a finished run.
    Import,
}

impl Transition {
    /// Every transition, in declaration order.
    pub const ALL: [Transition; 10] = [
        Transition::Start,
        Transition::Claim,
        Transition::Heartbeat,
        Transition::Complete,
        Transition::Fail,
        Transition::Requeue,
        Transition::Abandon,
        Transition::Cancel,
        Transition::Clear,
        Transition::Import,
    ];

    /// The states this transition may leave from, derived from [`next_state`].
    pub fn sources(self) -> Vec<ScanState> {
        ScanState::ALL
            .into_iter()
            .filter(|s| next_state(*s, self).is_ok())
            .collect()
    }

    /// A lower-case verb naming the transition, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Start => "start",
            Transition::Claim => "claim",
            Transition::Heartbeat => "heartbeat",
            Transition::Complete => "complete",
            Transition::Fail => "fail",
            Transition::Requeue => "requeue",
            Transition::Abandon => "abandon",
            Transition::Cancel => "cancel",
            Transition::Clear => "clear",
            Transition::Import => "import a result into",
        }
    }
}

/// The transition table: the state `transition` leads to from `from`, or a `Conflict` error.
pub fn next_state(from: ScanState, transition: Transition) -> Result<ScanState> {
    use ScanState::*;
    use Transition::*;
    let to = match (from, transition) {
        (Created | Completed | Failed | Canceled, Start) => Pending,
        (Pending, Claim) => Running,
        (Running, Heartbeat) => Running,
        (Running, Complete) => Completed,
        (Running, Fail) => Failed,
        (Running, Requeue) => Pending,
        (Running, Abandon) => Failed,
        (Pending | Running, Cancel) => Canceled,
        (Created | Completed | Failed | Canceled, Clear) => Created,
        (Created | Completed | Failed | Canceled, Import) => Completed,
        _ => {
            return Err(Error::conflict(format!(
                "cannot {} a scan that is {from}",
                transition.as_str()
            )));
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ScanState::*;
    use Transition::*;

    const ALLOWED: &[(ScanState, Transition, ScanState)] = &[
        (Created, Start, Pending),
        (Completed, Start, Pending),
        (Failed, Start, Pending),
        (Canceled, Start, Pending),
        (Pending, Claim, Running),
        (Running, Heartbeat, Running),
        (Running, Complete, Completed),
        (Running, Fail, Failed),
        (Running, Requeue, Pending),
        (Running, Abandon, Failed),
        (Pending, Cancel, Canceled),
        (Running, Cancel, Canceled),
        (Completed, Clear, Created),
        (Failed, Clear, Created),
        (Canceled, Clear, Created),
        (Created, Clear, Created),
        (Created, Import, Completed),
        (Completed, Import, Completed),
        (Failed, Import, Completed),
        (Canceled, Import, Completed),
    ];

    #[test]
    fn every_allowed_transition_reaches_its_state() {
        for (from, t, to) in ALLOWED {
            assert_eq!(next_state(*from, *t).unwrap(), *to, "{from} --{t:?}-->");
        }
    }

    #[test]
    fn every_other_transition_is_a_conflict() {
        let mut forbidden = 0;
        for from in ScanState::ALL {
            for t in Transition::ALL {
                if ALLOWED.iter().any(|(f, tr, _)| *f == from && *tr == t) {
                    continue;
                }
                let err = next_state(from, t).unwrap_err();
                assert_eq!(err.kind(), crate::ErrorKind::Conflict, "{from} --{t:?}");
                assert!(err.to_string().contains(from.as_str()));
                forbidden += 1;
            }
        }
        assert_eq!(forbidden, 6 * 10 - ALLOWED.len());
    }

    #[test]
    fn states_round_trip_through_casibase_names() {
        for s in ScanState::ALL {
            assert_eq!(s.as_str().parse::<ScanState>().unwrap(), s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        assert!("running".parse::<ScanState>().is_err());
    }

    #[test]
    fn sources_follow_the_table() {
        assert_eq!(Claim.sources(), vec![Pending]);
        assert_eq!(Cancel.sources(), vec![Pending, Running]);
        assert_eq!(Start.sources(), vec![Created, Completed, Failed, Canceled]);
    }
}
