//! Finishing scans in SQLite: queued finishing changes written together in one transaction.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

use super::error::{relabel, sql};
use super::runs::insert_run;
use super::scans::{compare_and_set, read_scan};
use crate::error::Result;
use crate::model::{RecordId, Scan, ScanRun};
use crate::store::batch::{Queued, shared_failure};
use crate::store::{StateChange, apply_change, ends_run};

/// Applies every queued finishing change in one transaction at `now` and answers every request.
///
/// A change the state machine refuses is answered alone (nothing was written for it); a
/// database error fails the whole batch, which then changes nothing.
pub(super) fn finish_batch(
    conn: &mut Connection,
    batch: Vec<Queued<(RecordId, StateChange), Scan>>,
    label: &str,
    now: DateTime<Utc>,
) {
    if batch.is_empty() {
        return;
    }
    let mut results = Vec::with_capacity(batch.len());
    let outcome = (|| -> Result<()> {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        for queued in &batch {
            let (id, change) = &queued.item;
            results.push(finish_one(&tx, id, change, now)?);
        }
        tx.commit().map_err(sql)
    })();
    match outcome {
        Ok(()) => {
            for (queued, result) in batch.into_iter().zip(results) {
                queued.answer(result);
            }
        }
        Err(e) => {
            let e = relabel(e, label, "finish scans in");
            for queued in batch {
                queued.answer(Err(shared_failure(&e)));
            }
        }
    }
}

/// Applies one finishing change and records the run when the scan ends.
///
/// The outer error is a database failure; the inner one a refusal that wrote nothing.
fn finish_one(
    conn: &Connection,
    id: &RecordId,
    change: &StateChange,
    now: DateTime<Utc>,
) -> Result<Result<Scan>> {
    let prev = match read_scan(conn, id) {
        Ok(prev) => prev,
        Err(e) if e.kind() == crate::ErrorKind::NotFound => return Ok(Err(e)),
        Err(e) => return Err(e),
    };
    let mut next = prev.clone();
    if let Err(refused) = apply_change(&mut next, change, now) {
        return Ok(Err(refused));
    }
    compare_and_set(conn, &prev, &next)?;
    if ends_run(&next) {
        insert_run(conn, ScanRun::of_finished(&next), &next)?;
    }
    Ok(Ok(next))
}
