//! A scan's run history in SQLite.

use rusqlite::{Connection, TransactionBehavior, params};

use super::error::sql;
use super::rows::row_id;
use super::scans::read_scan;
use crate::error::Result;
use crate::model::{RecordId, Scan, ScanRun};
use crate::store::sql::SQLITE;
use crate::store::{bad_json, skip_corrupt_row};

/// Appends `run` after the scan's last run and records its log and finding changes (the caller
/// holds the write transaction); `scan` is the scan as it stands.
pub(super) fn insert_run(conn: &Connection, mut run: ScanRun, scan: &Scan) -> Result<ScanRun> {
    let last: i64 = conn
        .prepare_cached(&SQLITE.last_run)
        .map_err(sql)?
        .query_row(params![run.owner, run.scan], |r| r.get(0))
        .map_err(sql)?;
    run.seq = u64::try_from(last).unwrap_or(0) + 1;
    let body = serde_json::to_string(&run).map_err(|e| bad_json("run", e))?;
    conn.prepare_cached(&SQLITE.insert_run)
        .map_err(sql)?
        .execute(params![run.owner, run.scan, last + 1, body])
        .map_err(sql)?;
    // A skipped schedule slot is no run: it changes no finding and makes no scan log.
    if run.skipped.is_none() {
        super::records::record(conn, &run, Some(scan))?;
    }
    Ok(run)
}

/// Appends a run to an existing scan's history.
pub(super) fn append(conn: &mut Connection, id: &RecordId, run: ScanRun) -> Result<ScanRun> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let scan = read_scan(&tx, id)?;
    let stored = insert_run(&tx, run, &scan)?;
    tx.commit().map_err(sql)?;
    Ok(stored)
}

/// A scan's runs, oldest first; runs that do not decode are skipped.
pub(super) fn list(conn: &Connection, id: &RecordId) -> Result<Vec<ScanRun>> {
    let mut stmt = conn.prepare(&SQLITE.list_runs).map_err(sql)?;
    let mut rows = stmt.query(params![id.owner, id.name]).map_err(sql)?;
    let mut runs = Vec::new();
    while let Some(row) = rows.next().map_err(sql)? {
        let body = row
            .get::<_, String>(3)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_str(&b).map_err(|e| e.to_string()));
        match body {
            Ok(run) => runs.push(run),
            Err(e) => {
                let seq = row.get::<_, i64>(2).unwrap_or_default();
                skip_corrupt_row("run", &format!("{} #{seq}", row_id(row)), &e);
            }
        }
    }
    Ok(runs)
}
