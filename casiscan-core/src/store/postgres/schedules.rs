//! Schedules in PostgreSQL: read, set, and the due slots taken with `FOR UPDATE SKIP LOCKED`.

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use super::connection::pg;
use crate::clock;
use crate::error::Result;
use crate::model::{RecordId, Schedule};
use crate::store::schedules::{fire_text, read_row};
use crate::store::sql::schedules::POSTGRES_SCHEDULES as S;
use crate::store::{Advance, TakenSchedule, bad_json, scan_missing};

/// The schedule of `id`, if any.
pub(super) async fn get(c: &Client, id: &RecordId) -> Result<Option<Schedule>> {
    let row = c
        .query_opt(&S.get, &[&id.owner, &id.name])
        .await
        .map_err(|e| pg("read a schedule", e))?;
    row.map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(|e| bad_json("schedule", e)))
        .transpose()
}

/// Sets or removes the schedule of `id`; `NotFound` when setting one on a missing scan.
pub(super) async fn set(c: &Client, id: &RecordId, schedule: Option<&Schedule>) -> Result<()> {
    let Some(schedule) = schedule else {
        c.execute(&S.delete, &[&id.owner, &id.name])
            .await
            .map_err(|e| pg("delete a schedule", e))?;
        return Ok(());
    };
    let body = serde_json::to_string(schedule).map_err(|e| bad_json("schedule", e))?;
    let fire = fire_text(schedule);
    let changed = c
        .execute(&S.upsert, &[&id.owner, &id.name, &fire, &body])
        .await
        .map_err(|e| pg("set a schedule", e))?;
    match changed {
        0 => Err(scan_missing(id)),
        _ => Ok(()),
    }
}

/// Locks the due rows (skipping those another scheduler holds), moves each with `advance`
/// (compare-and-set on its fire time) and commits.
pub(super) async fn take_due(
    c: &mut Client,
    now: DateTime<Utc>,
    limit: usize,
    advance: Advance<'_>,
) -> Result<Vec<TakenSchedule>> {
    let what = "take due schedules";
    let tx = c.transaction().await.map_err(|e| pg(what, e))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = tx
        .query(&S.due, &[&clock::to_text(&now), &limit])
        .await
        .map_err(|e| pg(what, e))?;
    let mut taken = Vec::with_capacity(rows.len());
    for row in rows {
        let (owner, name, body): (String, String, &str) = (row.get(0), row.get(1), row.get(2));
        let (id, was) = match read_row(owner, name, body) {
            Ok(read) => read,
            Err((id, e)) => {
                crate::store::skip_corrupt_row("schedule", &id, &e);
                continue;
            }
        };
        let next = advance(&was);
        let next_body = serde_json::to_string(&next).map_err(|e| bad_json("schedule", e))?;
        let changed = tx
            .execute(
                &S.advance,
                &[
                    &id.owner,
                    &id.name,
                    &fire_text(&was),
                    &fire_text(&next),
                    &next_body,
                ],
            )
            .await
            .map_err(|e| pg(what, e))?;
        if changed == 1 {
            taken.push(TakenSchedule { id, was, next });
        }
    }
    tx.commit().await.map_err(|e| pg(what, e))?;
    Ok(taken)
}
