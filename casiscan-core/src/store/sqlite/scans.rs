//! Scans in SQLite: read, write with compare-and-set, list, and the state-changing calls.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::error::{is_unique_violation, sql};
use super::rows::{as_params, row_id, scan_from_row, values};
use crate::error::{Error, Result};
use crate::model::{Page, RecordId, Scan, ScanQuery, ScanRun};
use crate::store::sql::{
    Dialect, SQLITE, SQLITE_RENAME, Statements, cas_values, list_sql, scan_values,
};
use crate::store::{
    StateChange, apply_change, ends_run_outside_finish, scan_missing, scan_name_taken,
    skip_corrupt_row,
};

/// The scan with this id; `NotFound` if absent.
pub(super) fn read_scan(conn: &Connection, id: &RecordId) -> Result<Scan> {
    conn.prepare_cached(&SQLITE.select_scan)
        .map_err(sql)?
        .query_row(params![id.owner, id.name], scan_from_row)
        .optional()
        .map_err(sql)?
        .ok_or_else(|| scan_missing(id))
}

/// Writes `next` over the row only if it still has `prev`'s state and lease token.
pub(super) fn compare_and_set(conn: &Connection, prev: &Scan, next: &Scan) -> Result<()> {
    let values = values(cas_values(prev, next));
    let changed = conn
        .prepare_cached(&SQLITE.compare_and_set)
        .map_err(sql)?
        .execute(as_params(&values).as_slice())
        .map_err(sql)?;
    if changed != 1 {
        return Err(Error::conflict(format!(
            "scan {}/{} changed while it was being written",
            prev.owner, prev.name
        )));
    }
    Ok(())
}

/// Inserts a new scan; `Conflict` if the id exists.
pub(super) fn add(conn: &Connection, scan: &Scan) -> Result<()> {
    let values = values(scan_values(scan));
    match conn.execute(&SQLITE.insert_scan, as_params(&values).as_slice()) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(Error::conflict(format!(
            "scan {}/{} already exists",
            scan.owner, scan.name
        ))),
        Err(e) => Err(sql(e)),
    }
}

/// Reads the scan in a write transaction, lets `change` make its next version, writes it.
pub(super) fn change(
    conn: &mut Connection,
    id: &RecordId,
    change: impl FnOnce(&Scan) -> Result<Scan>,
) -> Result<Scan> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let prev = read_scan(&tx, id)?;
    let next = change(&prev)?;
    compare_and_set(&tx, &prev, &next)?;
    tx.commit().map_err(sql)?;
    Ok(next)
}

/// Applies a state change at `now`.
pub(super) fn apply(
    conn: &mut Connection,
    id: &RecordId,
    state_change: &StateChange,
    now: DateTime<Utc>,
) -> Result<Scan> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let prev = read_scan(&tx, id)?;
    let mut next = prev.clone();
    apply_change(&mut next, state_change, now)?;
    compare_and_set(&tx, &prev, &next)?;
    if ends_run_outside_finish(&prev, state_change, &next) {
        super::runs::insert_run(&tx, ScanRun::of_finished(&next), &next)?;
    }
    tx.commit().map_err(sql)?;
    Ok(next)
}

/// Deletes a scan and its runs, if the model allows (see [`Scan::check_deletable`]).
pub(super) fn delete(
    conn: &mut Connection,
    id: &RecordId,
    force: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    read_scan(&tx, id)?.check_deletable(force)?;
    for statement in [&SQLITE.delete_scan, &SQLITE.delete_runs] {
        tx.execute(statement, params![id.owner, id.name])
            .map_err(sql)?;
    }
    super::records::scan_deleted(&tx, &id.owner, &id.name, now)?;
    tx.commit().map_err(sql)
}

/// Renames a scan and what follows it in one transaction (see [`crate::store::Store::rename_scan`]).
pub(super) fn rename(
    conn: &mut Connection,
    from: &RecordId,
    to: &RecordId,
    now: DateTime<Utc>,
) -> Result<Scan> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    read_scan(&tx, from)?.check_renamable(to)?;
    let time = crate::clock::to_text(&now);
    match tx.execute(
        &SQLITE_RENAME.scan,
        params![from.owner, from.name, to.name, time],
    ) {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(scan_name_taken(to)),
        Err(e) => return Err(sql(e)),
    }
    for statement in SQLITE_RENAME.followers() {
        tx.execute(statement, params![from.owner, from.name, to.name])
            .map_err(sql)?;
    }
    let renamed = read_scan(&tx, to)?;
    tx.commit().map_err(sql)?;
    Ok(renamed)
}

/// Lists scans with Casibase's query semantics; rows that do not decode are skipped.
pub(super) fn list(conn: &Connection, query: &ScanQuery) -> Result<Page<Scan>> {
    let list = list_sql(Dialect::Sqlite, query)?;
    let params: Vec<&dyn rusqlite::ToSql> = list
        .values
        .iter()
        .map(|v| v as &dyn rusqlite::ToSql)
        .collect();
    let total: i64 = conn
        .query_row(&list.count, params.as_slice(), |r| r.get(0))
        .map_err(sql)?;
    query.check_total(u64::try_from(total).unwrap_or(0))?;
    let mut stmt = conn.prepare(&list.select).map_err(sql)?;
    let mut rows = stmt.query(params.as_slice()).map_err(sql)?;
    let mut items = Vec::new();
    let mut read: u64 = 0;
    // A failing step is the database's error; a row that does not decode is skipped alone.
    while let Some(row) = rows.next().map_err(sql)? {
        read += 1;
        match scan_from_row(row) {
            Ok(scan) => items.push(scan),
            Err(e) => skip_corrupt_row("scan", &row_id(row), &e),
        }
    }
    query.check_total(read)?;
    Ok(Page {
        items,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// Every scan, page by page (the store's own reading, e.g. a migration: no answer cap).
pub(super) fn every(conn: &Connection) -> Result<Vec<Scan>> {
    let mut all = Vec::new();
    for page in 1.. {
        let got = list(conn, &ScanQuery::page_of_every(page))?;
        all.extend(got.items);
        if ScanQuery::covers(page, got.total) {
            break;
        }
    }
    Ok(all)
}

/// Pending scans of `owners`, oldest queued first, at most `limit`.
pub(super) fn pending_of(conn: &Connection, owners: &[String], limit: u32) -> Result<Vec<Scan>> {
    let statement = Statements::pending_scans_of(
        Dialect::Sqlite,
        "owner IN (SELECT value FROM json_each(?1))",
        &limit.to_string(),
    );
    let owners =
        serde_json::to_string(owners).map_err(|e| Error::invalid("owners", e.to_string()))?;
    let mut stmt = conn.prepare_cached(&statement).map_err(sql)?;
    stmt.query_map([owners], scan_from_row)
        .map_err(sql)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(sql)
}

pub(super) fn pending(conn: &Connection, limit: u32) -> Result<Vec<Scan>> {
    // The limit is written into the statement: SQLite re-plans a statement whose LIMIT is a
    // bound parameter on every new value, which made this the costliest read.
    let statement = Statements::pending_scans(Dialect::Sqlite, &limit.to_string());
    let mut stmt = conn.prepare_cached(&statement).map_err(sql)?;
    stmt.query_map([], scan_from_row)
        .map_err(sql)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(sql)
}

/// Ids of Running scans whose lease ended before `now` (as stored text).
pub(super) fn expired_leases(conn: &Connection, now: &str) -> Result<Vec<RecordId>> {
    let mut stmt = conn.prepare_cached(&SQLITE.expired_leases).map_err(sql)?;
    stmt.query_map([now], |r| {
        Ok(RecordId {
            owner: r.get(0)?,
            name: r.get(1)?,
        })
    })
    .map_err(sql)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(sql)
}

/// Records a reason on a Pending scan (no-op otherwise).
/// How many scans are Pending.
pub(super) fn queue_depth(conn: &Connection) -> Result<u64> {
    let mut stmt = conn.prepare_cached(&SQLITE.queue_depth).map_err(sql)?;
    let n: i64 = stmt.query_row([], |r| r.get(0)).map_err(sql)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Records why a Pending scan waits.
pub(super) fn note_pending(conn: &Connection, id: &RecordId, reason: &str) -> Result<()> {
    conn.execute(&SQLITE.note_pending, params![id.owner, id.name, reason])
        .map(|_| ())
        .map_err(sql)
}
