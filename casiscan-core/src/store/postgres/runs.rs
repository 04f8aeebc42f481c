//! A scan's run history in PostgreSQL.

use tokio_postgres::Client;

use super::connection::{Conn, pg, prepare};
use super::rows::row_id;
use super::scans::read_scan;
use crate::error::Result;
use crate::model::{RecordId, ScanRun};
use crate::store::sql::POSTGRES;
use crate::store::{bad_json, scan_missing, skip_corrupt_row};

/// Appends a run to an existing scan's history, under the scan's row lock.
pub(super) async fn append(conn: &mut Conn, id: &RecordId, mut run: ScanRun) -> Result<ScanRun> {
    let Conn {
        client, prepared, ..
    } = conn;
    let tx = client
        .transaction()
        .await
        .map_err(|e| pg("append a run", e))?;
    read_scan(&tx, prepared, id, "FOR UPDATE")
        .await?
        .ok_or_else(|| scan_missing(id))?;
    let last_run = prepare(&tx, prepared, &POSTGRES.last_run).await?;
    let insert = prepare(&tx, prepared, &POSTGRES.insert_run).await?;
    let last: i64 = tx
        .query_one(&last_run, &[&run.owner, &run.scan])
        .await
        .map_err(|e| pg("append a run", e))?
        .get(0);
    let seq = last + 1;
    run.seq = u64::try_from(seq).unwrap_or(1);
    let body = serde_json::to_string(&run).map_err(|e| bad_json("run", e))?;
    tx.execute(&insert, &[&run.owner, &run.scan, &seq, &body])
        .await
        .map_err(|e| pg("append a run", e))?;
    tx.commit().await.map_err(|e| pg("append a run", e))?;
    Ok(run)
}

/// A scan's runs, oldest first; runs that do not decode are skipped.
pub(super) async fn list(c: &Client, id: &RecordId) -> Result<Vec<ScanRun>> {
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
