//! Schedules in SQLite: read, set, and the due slots taken in one write transaction.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::error::sql;
use crate::clock;
use crate::error::Result;
use crate::model::{RecordId, Schedule};
use crate::store::schedules::{fire_text, read_row};
use crate::store::sql::schedules::SQLITE_SCHEDULES as S;
use crate::store::{TakenSchedule, bad_json, scan_missing};

/// The schedule of `id`, if any.
pub(super) fn get(conn: &Connection, id: &RecordId) -> Result<Option<Schedule>> {
    let body: Option<String> = conn
        .query_row(&S.get, params![id.owner, id.name], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    body.map(|b| serde_json::from_str(&b).map_err(|e| bad_json("schedule", e)))
        .transpose()
}

/// Sets or removes the schedule of `id`; `NotFound` when setting one on a missing scan.
pub(super) fn set(conn: &Connection, id: &RecordId, schedule: Option<&Schedule>) -> Result<()> {
    let Some(schedule) = schedule else {
        conn.execute(&S.delete, params![id.owner, id.name])
            .map_err(sql)?;
        return Ok(());
    };
    let body = serde_json::to_string(schedule).map_err(|e| bad_json("schedule", e))?;
    let fire = fire_text(schedule);
    let changed = conn
        .execute(&S.upsert, params![id.owner, id.name, fire, body])
        .map_err(sql)?;
    match changed {
        0 => Err(scan_missing(id)),
        _ => Ok(()),
    }
}

/// Enabled schedules due at `now`, oldest fire time first, at most `limit`.
pub(super) fn due(
    conn: &Connection,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<(RecordId, Schedule)>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows: Vec<(String, String, String)> = {
        let mut select = conn.prepare_cached(&S.due).map_err(sql)?;
        let mapped = select
            .query_map(params![clock::to_text(&now), limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(sql)?;
        mapped.collect::<rusqlite::Result<_>>().map_err(sql)?
    };
    let mut due = Vec::with_capacity(rows.len());
    for (owner, name, body) in rows {
        match read_row(owner, name, &body) {
            Ok(row) => due.push(row),
            Err((id, e)) => crate::store::skip_corrupt_row("schedule", &id, &e),
        }
    }
    Ok(due)
}

/// Stores each schedule's next state where its fire time is still the one read
/// (compare-and-set), in one write transaction; returns the moves this call made.
pub(super) fn advance_all(
    conn: &mut Connection,
    moves: Vec<(RecordId, Schedule, Schedule)>,
) -> Result<Vec<TakenSchedule>> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let mut taken = Vec::with_capacity(moves.len());
    for (id, was, next) in moves {
        let body = serde_json::to_string(&next).map_err(|e| bad_json("schedule", e))?;
        let changed = tx
            .execute(
                &S.advance,
                params![id.owner, id.name, fire_text(&was), fire_text(&next), body],
            )
            .map_err(sql)?;
        if changed == 1 {
            taken.push(TakenSchedule { id, was, next });
        }
    }
    tx.commit().map_err(sql)?;
    Ok(taken)
}
