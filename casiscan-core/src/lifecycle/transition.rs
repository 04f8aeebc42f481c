//! The lifecycle transition table, applied once per run and per finding.

use crate::model::LifecycleState;

/// What one run says about one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evidence {
    /// The run detected it.
    Detected,
    /// The run explicitly reported it as not vulnerable (NSE `NOT VULNERABLE`, non-error run).
    Negative,
    /// Not detected, and an authoritative run covered it: absence is evidence.
    AbsentCovered,
    /// Not detected, but the run did not cover it (partial, error, out of scope).
    AbsentUncovered,
}

/// The state after a run, or `None` when the run writes no observation for the finding.
///
/// `current` is `None` when no finding exists yet.
pub fn next_lifecycle(
    current: Option<LifecycleState>,
    evidence: Evidence,
) -> Option<LifecycleState> {
    use Evidence as E;
    use LifecycleState as S;
    match (current, evidence) {
        (None, E::Detected) => Some(S::New),
        (None, _) => None,
        (Some(S::New | S::Open | S::Reopened), E::Detected) => Some(S::Open),
        (Some(S::New | S::Open | S::Reopened), E::Negative | E::AbsentCovered) => Some(S::Closed),
        (Some(S::Closed), E::Detected) => Some(S::Reopened),
        (Some(_), _) => None,
    }
}
