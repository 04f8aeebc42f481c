//! A scan's run history in PostgreSQL.

use tokio_postgres::GenericClient;

use super::connection::{Conn, Prepared, pg, prepare};
use super::rows::row_id;
use super::scans::read_scan;
use crate::error::Result;
use crate::model::{RecordId, Scan, ScanRun};
use crate::store::sql::POSTGRES;
use crate::store::{bad_json, scan_missing, skip_corrupt_row};

/// Appends a run to an existing scan's history, under the scan's row lock.
pub(super) async fn append(conn: &mut Conn, id: &RecordId, run: ScanRun) -> Result<ScanRun> {
    let Conn {
        client, prepared, ..
    } = conn;
    let tx = client
        .transaction()
        .await
        .map_err(|e| pg("append a run", e))?;
    let scan = read_scan(&tx, prepared, id, "FOR UPDATE")
        .await?
        .ok_or_else(|| scan_missing(id))?;
    let run = insert_run(&tx, prepared, run, &scan).await?;
    tx.commit().await.map_err(|e| pg("append a run", e))?;
    Ok(run)
}

/// Appends `run` after the scan's last run and records its log and finding changes, inside the
/// caller's transaction (which holds the scan's row lock); `scan` is the scan as it stands.
pub(super) async fn insert_run<C: GenericClient>(
    c: &C,
    prepared: &mut Prepared,
    mut run: ScanRun,
    scan: &Scan,
) -> Result<ScanRun> {
    let last_run = prepare(c, prepared, &POSTGRES.last_run).await?;
    let insert = prepare(c, prepared, &POSTGRES.insert_run).await?;
    let last: i64 = c
        .query_one(&last_run, &[&run.owner, &run.scan])
        .await
        .map_err(|e| pg("append a run", e))?
        .get(0);
    let seq = last + 1;
    run.seq = u64::try_from(seq).unwrap_or(1);
    let body = serde_json::to_string(&run).map_err(|e| bad_json("run", e))?;
    c.execute(&insert, &[&run.owner, &run.scan, &seq, &body])
        .await
        .map_err(|e| pg("append a run", e))?;
    // A skipped schedule slot is no run: it changes no finding and makes no scan log.
    if run.skipped.is_none() {
        super::recorder::record_one(c, prepared, &run, Some(scan)).await?;
    }
    Ok(run)
}

/// A scan's runs, oldest first; runs that do not decode are skipped.
pub(super) async fn list<C: GenericClient>(c: &C, id: &RecordId) -> Result<Vec<ScanRun>> {
    let rows = c
        .query(&POSTGRES.list_runs, &[&id.owner, &id.name])
        .await
        .map_err(|e| pg("list runs", e))?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let body = row
                .try_get::<_, &str>(3)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_str(b).map_err(|e| e.to_string()));
            body.map_err(|e| {
                let seq = row.try_get::<_, i64>(2).unwrap_or_default();
                skip_corrupt_row("run", &format!("{} #{seq}", row_id(row)), &e);
            })
            .ok()
        })
        .collect())
}
