//! Scans in PostgreSQL: read, write with compare-and-set, list, and the state-changing calls.

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, GenericClient, Statement};

use super::connection::{Conn, Prepared, is_unique, pg, prepare};
use super::notify::notify_work;
use super::rows::{params, refs, row_id, scan_from_row};
use crate::error::{Error, Result};
use crate::model::{Page, RecordId, Scan, ScanQuery, ScanRun, ScanState};
use crate::store::sql::{
    Dialect, POSTGRES, POSTGRES_RENAME, Statements, cas_values, list_sql, scan_values,
};
use crate::store::{
    StateChange, apply_change, ends_run_outside_finish, scan_missing, scan_name_taken,
    skip_corrupt_row,
};

/// The scan with this id, its row locked as `lock` says (`""`, `FOR UPDATE`, ...).
pub(super) async fn read_scan<C: GenericClient>(
    c: &C,
    cache: &mut Prepared,
    id: &RecordId,
    lock: &str,
) -> Result<Option<Scan>> {
    let sql = format!("{} {lock}", POSTGRES.select_scan);
    let statement = prepare(c, cache, &sql).await?;
    let row = c
        .query_opt(&statement, &[&id.owner, &id.name])
        .await
        .map_err(|e| pg("read a scan", e))?;
    row.as_ref().map(scan_from_row).transpose()
}

/// The Conflict of a compare-and-set that found the row changed.
pub(super) fn changed_meanwhile(scan: &Scan) -> Error {
    Error::conflict(format!(
        "scan {}/{} changed while it was being written",
        scan.owner, scan.name
    ))
}

/// Writes `next` over the row if it still has `prev`'s state and lease token; `false` (nothing
/// written) when the row had changed.
///
/// `statement` is the shared compare-and-set prepared on the connection behind `c`.
pub(super) async fn try_compare_and_set<C: GenericClient>(
    c: &C,
    statement: &Statement,
    prev: &Scan,
    next: &Scan,
) -> Result<bool> {
    let params = params(cas_values(prev, next));
    let changed = c
        .execute(statement, &refs(&params))
        .await
        .map_err(|e| pg("write a scan", e))?;
    Ok(changed == 1)
}

/// Inserts a new scan; `Conflict` if the id exists.
pub(super) async fn add(c: &Client, scan: &Scan) -> Result<()> {
    let params = params(scan_values(scan));
    match c.execute(&POSTGRES.insert_scan, &refs(&params)).await {
        Ok(_) => Ok(()),
        Err(e) if is_unique(&e) => Err(Error::conflict(format!(
            "scan {}/{} already exists",
            scan.owner, scan.name
        ))),
        Err(e) => Err(pg("add a scan", e)),
    }
}

/// Locks the scan, lets `change` make its next version, writes it (announcing a queued scan);
/// the run `ends` returns for (prev, next) is appended and recorded in the same transaction.
///
/// A claim skips a row another runner holds: that is a Conflict, not a wait.
pub(super) async fn change(
    conn: &mut Conn,
    id: &RecordId,
    claim: bool,
    what: &str,
    ends: impl FnOnce(&Scan, &Scan) -> Option<ScanRun>,
    change: impl FnOnce(&Scan) -> Result<Scan>,
) -> Result<Scan> {
    let lock = if claim {
        "FOR UPDATE SKIP LOCKED"
    } else {
        "FOR UPDATE"
    };
    let Conn {
        client, prepared, ..
    } = conn;
    let tx = client.transaction().await.map_err(|e| pg(what, e))?;
    let Some(prev) = read_scan(&tx, prepared, id, lock).await? else {
        drop(tx);
        return match read_scan(client, prepared, id, "").await? {
            Some(_) => Err(Error::conflict(format!(
                "scan {id} is being claimed by another runner"
            ))),
            None => Err(scan_missing(id)),
        };
    };
    let next = change(&prev)?;
    let cas = prepare(&tx, prepared, &POSTGRES.compare_and_set).await?;
    if !try_compare_and_set(&tx, &cas, &prev, &next).await? {
        return Err(changed_meanwhile(&prev));
    }
    if let Some(run) = ends(&prev, &next) {
        super::runs::insert_run(&tx, prepared, run, &next).await?;
    }
    if next.state == ScanState::Pending {
        notify_work(&tx, &next).await?;
    }
    tx.commit().await.map_err(|e| pg(what, e))?;
    Ok(next)
}

/// Applies a state change at `now`.
pub(super) async fn apply(
    conn: &mut Conn,
    id: &RecordId,
    state_change: &StateChange,
    now: DateTime<Utc>,
) -> Result<Scan> {
    let claim = matches!(state_change, StateChange::Claim { .. });
    let ends = |prev: &Scan, next: &Scan| {
        ends_run_outside_finish(prev, state_change, next).then(|| ScanRun::of_finished(next))
    };
    change(conn, id, claim, "change a scan's state", ends, |prev| {
        let mut next = prev.clone();
        apply_change(&mut next, state_change, now)?;
        Ok(next)
    })
    .await
}

/// Deletes a scan and its runs, if the model allows (see [`Scan::check_deletable`]).
pub(super) async fn delete(
    conn: &mut Conn,
    id: &RecordId,
    force: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let Conn {
        client, prepared, ..
    } = conn;
    let tx = client
        .transaction()
        .await
        .map_err(|e| pg("delete a scan", e))?;
    read_scan(&tx, prepared, id, "FOR UPDATE")
        .await?
        .ok_or_else(|| scan_missing(id))?
        .check_deletable(force)?;
    for sql in [&POSTGRES.delete_scan, &POSTGRES.delete_runs] {
        tx.execute(sql.as_str(), &[&id.owner, &id.name])
            .await
            .map_err(|e| pg("delete a scan", e))?;
    }
    super::records::scan_deleted(&tx, &id.owner, &id.name, now).await?;
    tx.commit().await.map_err(|e| pg("delete a scan", e))
}

/// Renames a scan and what follows it in one transaction (see [`crate::store::Store::rename_scan`]).
pub(super) async fn rename(
    conn: &mut Conn,
    from: &RecordId,
    to: &RecordId,
    now: DateTime<Utc>,
) -> Result<Scan> {
    let Conn {
        client, prepared, ..
    } = conn;
    let what = "rename a scan";
    let tx = client.transaction().await.map_err(|e| pg(what, e))?;
    read_scan(&tx, prepared, from, "FOR UPDATE")
        .await?
        .ok_or_else(|| scan_missing(from))?
        .check_renamable(to)?;
    if read_scan(&tx, prepared, to, "").await?.is_some() {
        return Err(scan_name_taken(to));
    }
    let time = crate::clock::to_text(&now);
    tx.execute(
        POSTGRES_RENAME.scan.as_str(),
        &[&from.owner, &from.name, &to.name, &time],
    )
    .await
    .map_err(|e| pg(what, e))?;
    for statement in POSTGRES_RENAME.followers() {
        tx.execute(statement, &[&from.owner, &from.name, &to.name])
            .await
            .map_err(|e| pg(what, e))?;
    }
    let renamed = read_scan(&tx, prepared, to, "")
        .await?
        .ok_or_else(|| scan_missing(to))?;
    tx.commit().await.map_err(|e| pg(what, e))?;
    Ok(renamed)
}

/// Lists scans with Casibase's query semantics; rows that do not decode are skipped.
pub(super) async fn list<C: GenericClient>(c: &C, query: &ScanQuery) -> Result<Page<Scan>> {
    let list = list_sql(Dialect::Postgres, query)?;
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = list
        .values
        .iter()
        .map(|v| v as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect();
    let total: i64 = c
        .query_one(&list.count, &params)
        .await
        .map_err(|e| pg("count scans", e))?
        .get(0);
    query.check_total(u64::try_from(total).unwrap_or(0))?;
    let rows = c
        .query(&list.select, &params)
        .await
        .map_err(|e| pg("list scans", e))?;
    query.check_total(rows.len() as u64)?;
    // The rows are all received: an error here is one row that does not decode.
    let items = rows
        .iter()
        .filter_map(|row| match scan_from_row(row) {
            Ok(scan) => Some(scan),
            Err(e) => {
                skip_corrupt_row("scan", &row_id(row), &e);
                None
            }
        })
        .collect();
    Ok(Page {
        items,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// Every scan, page by page (the store's own reading, e.g. a migration: no answer cap).
pub(super) async fn every<C: GenericClient>(c: &C) -> Result<Vec<Scan>> {
    let mut all = Vec::new();
    for page in 1.. {
        let got = list(c, &ScanQuery::page_of_every(page)).await?;
        all.extend(got.items);
        if ScanQuery::covers(page, got.total) {
            break;
        }
    }
    Ok(all)
}

/// Pending scans, oldest queued first, at most `limit`.
/// Pending scans of `owners`, oldest queued first, at most `limit`.
pub(super) async fn pending_of(c: &Client, owners: &[String], limit: u32) -> Result<Vec<Scan>> {
    static PENDING_OF: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        Statements::pending_scans_of(Dialect::Postgres, "owner = ANY($1)", "$2")
    });
    let rows = c
        .query(PENDING_OF.as_str(), &[&owners, &i64::from(limit)])
        .await
        .map_err(|e| pg("list pending scans", e))?;
    rows.iter().map(scan_from_row).collect()
}

pub(super) async fn pending(conn: &mut Conn, limit: u32) -> Result<Vec<Scan>> {
    static PENDING: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| Statements::pending_scans(Dialect::Postgres, "$1"));
    let Conn {
        client, prepared, ..
    } = conn;
    let statement = prepare(client, prepared, &PENDING).await?;
    let rows = client
        .query(&statement, &[&i64::from(limit)])
        .await
        .map_err(|e| pg("list pending scans", e))?;
    rows.iter().map(scan_from_row).collect()
}

/// Ids of Running scans whose lease ended before `now` (as stored text).
pub(super) async fn expired_leases(c: &Client, now: &str) -> Result<Vec<RecordId>> {
    let rows = c
        .query(&POSTGRES.expired_leases, &[&now])
        .await
        .map_err(|e| pg("list expired leases", e))?;
    Ok(rows
        .iter()
        .map(|r| RecordId {
            owner: r.get(0),
            name: r.get(1),
        })
        .collect())
}

/// Records a reason on a Pending scan (no-op otherwise).
/// How many scans are Pending.
pub(super) async fn queue_depth(c: &Client) -> Result<u64> {
    let row = c
        .query_one(&POSTGRES.queue_depth, &[])
        .await
        .map_err(|e| pg("count pending scans", e))?;
    let n: i64 = row.get(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Records why a Pending scan waits.
pub(super) async fn note_pending(c: &Client, id: &RecordId, reason: &str) -> Result<()> {
    c.execute(&POSTGRES.note_pending, &[&id.owner, &id.name, &reason])
        .await
        .map(|_| ())
        .map_err(|e| pg("note a pending scan", e))
}
