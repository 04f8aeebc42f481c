//! Findings and scan logs in SQLite: written with the run that causes them, read by index range.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::error::sql;
use crate::clock;
use crate::error::{Error, Result};
use crate::lifecycle::{FindingMap, FindingScope, SEAL_FAIL_SEVERITY, record_run, replay_order};
use crate::model::{
    AuditEntry, Finding, FindingQuery, LogPageQuery, Page, Pruned, Scan, ScanLog, ScanRun, Severity,
};
use crate::store::sql::SQLITE_RECORDS;
use crate::store::{bad_json, skip_corrupt_row};

/// Records finished `run` (already in the history) inside the caller's write transaction.
pub(super) fn record(conn: &Connection, run: &ScanRun, scan: Option<&Scan>) -> Result<ScanLog> {
    let scope = FindingScope::of(run, scan);
    let stored = scope_findings(conn, &scope)?;
    let threshold = seal_threshold(conn, &scope.account)?;
    let mut record = record_run(run, scan, stored, threshold);
    let mut ids = HashMap::new();
    for f in &record.changed {
        let body = serde_json::to_string(f).map_err(|e| bad_json("finding", e))?;
        let id = match f.alert_id {
            Some(id) => {
                conn.prepare_cached(&SQLITE_RECORDS.update_finding)
                    .map_err(sql)?
                    .execute(params![
                        i64::try_from(id).unwrap_or(i64::MAX),
                        f.state.as_str(),
                        f.severity.as_str(),
                        body
                    ])
                    .map_err(sql)?;
                id
            }
            None => {
                let id: i64 = conn
                    .prepare_cached(&SQLITE_RECORDS.insert_finding)
                    .map_err(sql)?
                    .query_row(
                        params![
                            f.id,
                            f.account,
                            f.asset,
                            f.provider.as_str(),
                            f.state.as_str(),
                            f.severity.as_str(),
                            body
                        ],
                        |r| r.get(0),
                    )
                    .map_err(sql)?;
                u64::try_from(id).unwrap_or_default()
            }
        };
        ids.insert(f.id.clone(), id);
    }
    record.set_alert_ids(&ids);
    for entry in &record.lapsed {
        insert_audit(conn, entry)?;
    }
    let mut log = record.log;
    let body = serde_json::to_string(&log).map_err(|e| bad_json("scan log", e))?;
    let log_id: i64 = conn
        .prepare_cached(&SQLITE_RECORDS.insert_log)
        .map_err(sql)?
        .query_row(
            params![
                log.account,
                clock::to_text(&log.ended_at),
                run.owner,
                run.scan,
                i64::try_from(run.seq).unwrap_or(i64::MAX),
                log.asset,
                body
            ],
            |r| r.get(0),
        )
        .map_err(sql)?;
    log.log_id = u64::try_from(log_id).ok();
    Ok(log)
}

/// The finding `alert_id` of `account`.
pub(super) fn finding(conn: &Connection, account: &str, alert_id: u64) -> Result<Finding> {
    let row: Option<(i64, String)> = conn
        .prepare_cached(&SQLITE_RECORDS.finding_by_id)
        .map_err(sql)?
        .query_row(
            params![i64::try_from(alert_id).unwrap_or(i64::MAX), account],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(sql)?;
    let (id, body) = row.ok_or_else(|| Error::not_found(format!("finding {alert_id}")))?;
    let mut f: Finding = serde_json::from_str(&body).map_err(|e| bad_json("finding", e))?;
    f.alert_id = u64::try_from(id).ok();
    Ok(f)
}

/// Applies `entry` to its finding and appends it to the audit, in one transaction.
pub(super) fn set_disposition(conn: &mut Connection, entry: &AuditEntry) -> Result<Finding> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    let mut f = finding(&tx, &entry.account, entry.alert_id)?;
    // An immediate transaction: no other writer until COMMIT, so the count holds.
    let held: i64 = tx
        .prepare_cached(&SQLITE_RECORDS.count_audit)
        .map_err(sql)?
        .query_row(
            params![
                i64::try_from(entry.alert_id).unwrap_or(i64::MAX),
                entry.account
            ],
            |r| r.get(0),
        )
        .map_err(sql)?;
    entry.check_room(u64::try_from(held).unwrap_or(0))?;
    let kept = entry.apply_to(&mut f)?;
    let body = serde_json::to_string(&f).map_err(|e| bad_json("finding", e))?;
    tx.prepare_cached(&SQLITE_RECORDS.set_finding_body)
        .map_err(sql)?
        .execute(params![
            i64::try_from(entry.alert_id).unwrap_or(i64::MAX),
            body
        ])
        .map_err(sql)?;
    insert_audit(&tx, &kept)?;
    tx.commit().map_err(sql)?;
    Ok(f)
}

fn insert_audit(conn: &Connection, entry: &AuditEntry) -> Result<()> {
    let body = serde_json::to_string(entry).map_err(|e| bad_json("audit entry", e))?;
    conn.prepare_cached(&SQLITE_RECORDS.insert_audit)
        .map_err(sql)?
        .execute(params![
            i64::try_from(entry.alert_id).unwrap_or(i64::MAX),
            entry.account,
            clock::to_text(&entry.at),
            body
        ])
        .map_err(sql)?;
    Ok(())
}

/// The audit entries of finding `alert_id` of `account`, oldest first.
pub(super) fn audit(conn: &Connection, account: &str, alert_id: u64) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn
        .prepare_cached(&SQLITE_RECORDS.finding_audit)
        .map_err(sql)?;
    let bodies = stmt
        .query_map(
            params![i64::try_from(alert_id).unwrap_or(i64::MAX), account],
            |r| r.get::<_, String>(0),
        )
        .map_err(sql)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(sql)?;
    bodies
        .iter()
        .map(|b| serde_json::from_str(b).map_err(|e| bad_json("audit entry", e)))
        .collect()
}

/// An account's seal threshold (the default unless set).
pub(super) fn seal_threshold(conn: &Connection, account: &str) -> Result<Severity> {
    let stored: Option<String> = conn
        .prepare_cached(&SQLITE_RECORDS.seal_threshold)
        .map_err(sql)?
        .query_row(params![account], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    match stored {
        Some(s) => s.parse(),
        None => Ok(SEAL_FAIL_SEVERITY),
    }
}

/// Sets an account's seal threshold.
pub(super) fn set_seal_threshold(conn: &Connection, account: &str, t: Severity) -> Result<()> {
    conn.prepare_cached(&SQLITE_RECORDS.set_seal_threshold)
        .map_err(sql)?
        .execute(params![account, t.as_str()])
        .map_err(sql)?;
    Ok(())
}

/// The stored findings of `scope`, with their alert ids.
fn scope_findings(conn: &Connection, scope: &FindingScope) -> Result<FindingMap> {
    let mut stmt = conn
        .prepare_cached(&SQLITE_RECORDS.scope_findings)
        .map_err(sql)?;
    let mut rows = stmt
        .query(params![scope.account, scope.asset, scope.provider.as_str()])
        .map_err(sql)?;
    let mut out = FindingMap::new();
    while let Some(row) = rows.next().map_err(sql)? {
        let id: i64 = row.get(0).map_err(sql)?;
        let body: String = row.get(1).map_err(sql)?;
        // A finding that cannot be read would be re-created under a new id: refuse instead.
        let mut f: Finding = serde_json::from_str(&body).map_err(|e| bad_json("finding", e))?;
        f.alert_id = u64::try_from(id).ok();
        out.insert(f.id.clone(), f);
    }
    Ok(out)
}

/// A page of an account's logs by (ScanDate, ScanlogId); logs that do not decode are skipped.
pub(super) fn page(conn: &Connection, q: &LogPageQuery) -> Result<Vec<ScanLog>> {
    let (after_date, after_id) = match q.after {
        Some(a) => (a.scan_date, i64::try_from(a.log_id).unwrap_or(i64::MAX)),
        None => (q.from, 0),
    };
    let mut stmt = conn.prepare_cached(&SQLITE_RECORDS.log_page).map_err(sql)?;
    let mut rows = stmt
        .query(params![
            q.account,
            clock::to_text(&q.from),
            clock::to_text(&q.to),
            clock::to_text(&after_date),
            after_id,
            i64::from(q.limit)
        ])
        .map_err(sql)?;
    let mut logs = Vec::new();
    while let Some(row) = rows.next().map_err(sql)? {
        let id: i64 = row.get(0).map_err(sql)?;
        let body: String = row.get(1).map_err(sql)?;
        match serde_json::from_str::<ScanLog>(&body) {
            Ok(mut log) => {
                log.log_id = u64::try_from(id).ok();
                logs.push(log);
            }
            Err(e) => skip_corrupt_row("scan log", &id.to_string(), &e),
        }
    }
    Ok(logs)
}

/// A page of findings not marked deleted, by alert id; findings that do not decode are skipped.
pub(super) fn findings(conn: &Connection, q: &FindingQuery) -> Result<Page<Finding>> {
    let (offset, limit) = q.window()?;
    let filters = (
        q.owner.as_deref(),
        q.asset.as_deref(),
        q.status.map(|s| s.as_str()),
        q.severity.map(|s| s.as_str()),
    );
    let total: i64 = conn
        .prepare_cached(&SQLITE_RECORDS.count_findings)
        .map_err(sql)?
        .query_row(params![filters.0, filters.1, filters.2, filters.3], |r| {
            r.get(0)
        })
        .map_err(sql)?;
    let mut stmt = conn
        .prepare_cached(&SQLITE_RECORDS.list_findings)
        .map_err(sql)?;
    let mut rows = stmt
        .query(params![
            filters.0,
            filters.1,
            filters.2,
            filters.3,
            i64::try_from(limit).unwrap_or(i64::MAX),
            i64::try_from(offset).unwrap_or(i64::MAX)
        ])
        .map_err(sql)?;
    let mut items = Vec::new();
    while let Some(row) = rows.next().map_err(sql)? {
        let id: i64 = row.get(0).map_err(sql)?;
        let body: String = row.get(1).map_err(sql)?;
        match serde_json::from_str::<Finding>(&body) {
            Ok(mut f) => {
                f.alert_id = u64::try_from(id).ok();
                items.push(f);
            }
            Err(e) => skip_corrupt_row("finding", &id.to_string(), &e),
        }
    }
    Ok(Page {
        items,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// Marks the logs of a deleted scan (inside the caller's transaction).
pub(super) fn scan_deleted(
    conn: &Connection,
    owner: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached(&SQLITE_RECORDS.scan_deleted)
        .map_err(sql)?
        .execute(params![owner, name, clock::to_text(&now)])
        .map_err(sql)?;
    Ok(())
}

/// Marks the logs and findings of a deleted asset (inside the caller's transaction).
pub(super) fn asset_deleted(
    conn: &Connection,
    owner: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    for statement in [
        &SQLITE_RECORDS.asset_logs_deleted,
        &SQLITE_RECORDS.asset_findings_deleted,
    ] {
        conn.prepare_cached(statement)
            .map_err(sql)?
            .execute(params![owner, name, clock::to_text(&now)])
            .map_err(sql)?;
    }
    Ok(())
}

/// Removes logs from before `before` and findings deleted before it.
pub(super) fn prune(conn: &mut Connection, before: DateTime<Utc>) -> Result<Pruned> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    let at = clock::to_text(&before);
    let logs = tx.execute(&SQLITE_RECORDS.prune_logs, [&at]).map_err(sql)?;
    let findings = tx
        .execute(&SQLITE_RECORDS.prune_findings, [&at])
        .map_err(sql)?;
    tx.commit().map_err(sql)?;
    Ok(Pruned {
        logs: logs as u64,
        findings: findings as u64,
    })
}

/// Builds the findings and logs of every run already in the history, in replay order (once,
/// in the migration that creates the tables).
pub(super) fn backfill(conn: &Connection) -> Result<()> {
    let scans = super::scans::every(conn)?;
    let mut history = Vec::with_capacity(scans.len());
    for scan in scans {
        let runs = super::runs::list(conn, &scan.id()?)?;
        history.push((scan, runs));
    }
    for (scan, run) in replay_order(&history) {
        record(conn, run, Some(scan))?;
    }
    Ok(())
}
