//! What a scheduler does with a due slot: fire, fire once for missed slots, or skip (and why),
//! and how a skipped slot is recorded in a scan's run history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Schedule;

/// What the scheduler does with one due slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotDecision {
    /// Queue the scan.
    Fire,
    /// Queue the scan once for `missed` slots that passed while no scheduler ran.
    FireMissed {
        /// Slots that passed (this one included).
        missed: u64,
    },
    /// Queue nothing; record why.
    Skip(SkipReason),
}

/// Why a slot queued nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "camelCase")]
pub enum SkipReason {
    /// Slots passed while no scheduler ran and the policy is `skip`.
    #[serde(rename_all = "camelCase")]
    Missed {
        /// Slots that passed (this one included).
        missed: u64,
    },
    /// The scan was still Pending or Running from an earlier start.
    #[serde(rename_all = "camelCase")]
    StillActive {
        /// Its state at the slot.
        state: super::ScanState,
    },
    /// The schedule had no slot (disabled meanwhile).
    NotDue,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Missed { missed } => {
                write!(f, "{missed} slot(s) missed while no scheduler ran")
            }
            SkipReason::StillActive { state } => {
                write!(f, "the scan was still {state} from an earlier start")
            }
            SkipReason::NotDue => f.write_str("the schedule had no slot due"),
        }
    }
}

/// A slot a scheduler took: its time, the decision, and the schedule moved past it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenSlot {
    /// The (latest) slot taken.
    pub slot: DateTime<Utc>,
    /// Fire or skip.
    pub decision: SlotDecision,
    /// The schedule with its next slot.
    pub next: Schedule,
}

/// A skipped slot as recorded in a scan's run history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedSlot {
    /// The slot's time.
    pub slot: DateTime<Utc>,
    /// Why it queued nothing.
    #[serde(flatten)]
    pub reason: SkipReason,
    /// The reason as text.
    pub message: String,
}

impl SkippedSlot {
    /// The record of `slot` skipped for `reason`.
    pub fn new(slot: DateTime<Utc>, reason: SkipReason) -> Self {
        SkippedSlot {
            slot,
            message: reason.to_string(),
            reason,
        }
    }
}
