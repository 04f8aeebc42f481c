//! What a store hands back when a scheduler takes a due slot.

use crate::model::{RecordId, Schedule};

/// A schedule whose due slot one caller took: as it was, and as the store now keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenSchedule {
    /// The scheduled scan.
    pub id: RecordId,
    /// The schedule as it was when taken (its `next_run_time` is the slot).
    pub was: Schedule,
    /// The schedule as stored now, moved past the slot.
    pub next: Schedule,
}

/// Moves a due schedule past its slot (the scheduler's rule, given to the store).
pub type Advance<'a> = &'a (dyn Fn(&Schedule) -> Schedule + Sync);

/// The text of a schedule's fire time, as stored (`None`: disabled).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn fire_text(schedule: &Schedule) -> Option<String> {
    match schedule.enabled {
        true => schedule.next_fire_time.as_ref().map(crate::clock::to_text),
        false => None,
    }
}

/// The id and schedule of a stored row, or the row's name and why it cannot be read.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn read_row(
    owner: String,
    name: String,
    body: &str,
) -> std::result::Result<(RecordId, Schedule), (String, String)> {
    let label = format!("{owner}/{name}");
    let id = RecordId::new(owner, name).map_err(|e| (label.clone(), e.to_string()))?;
    let schedule = serde_json::from_str(body).map_err(|e| (label, e.to_string()))?;
    Ok((id, schedule))
}
