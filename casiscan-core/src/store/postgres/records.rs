//! Findings and scan logs in PostgreSQL: written with the run that causes them (one scope at a
//! time, under a transaction-scoped advisory lock), read by index range.

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, GenericClient};

use super::connection::{Conn, Prepared, pg, prepare};
use crate::clock;
use crate::error::{Error, Result};
use crate::lifecycle::{FindingScope, SEAL_FAIL_SEVERITY, replay_order};
use crate::model::{
    AuditEntry, Finding, FindingQuery, LogPageQuery, Page, Pruned, ScanLog, Severity,
};
use crate::store::sql::POSTGRES_RECORDS;
use crate::store::{bad_json, skip_corrupt_row};

/// Serializes writers of one scope until their transaction ends (a hash collision only
/// serializes two scopes that did not need it).
pub(super) const LOCK_SCOPE: &str =
    "SELECT pg_advisory_xact_lock(hashtextextended($1, 7207240016))";

/// The finding `alert_id` of `account`.
pub(super) async fn finding<C: GenericClient>(
    c: &C,
    account: &str,
    alert_id: u64,
) -> Result<Finding> {
    let key = i64::try_from(alert_id).unwrap_or(i64::MAX);
    let row = c
        .query_opt(POSTGRES_RECORDS.finding_by_id.as_str(), &[&key, &account])
        .await
        .map_err(|e| pg("read a finding", e))?
        .ok_or_else(|| Error::not_found(format!("finding {alert_id}")))?;
    let mut f: Finding =
        serde_json::from_str(row.get::<_, &str>(1)).map_err(|e| bad_json("finding", e))?;
    f.alert_id = Some(alert_id);
    Ok(f)
}

/// Applies `entry` to its finding and appends it to the audit, in one transaction that holds
/// the finding's scope lock (so a run finishing meanwhile cannot write over the disposition).
pub(super) async fn set_disposition(c: &mut Client, entry: &AuditEntry) -> Result<Finding> {
    // Read committed whatever the server's default: the audit count must see what the scope
    // lock's previous holder committed.
    let tx = c
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::ReadCommitted)
        .start()
        .await
        .map_err(|e| pg("set a disposition", e))?;
    let before = finding(&tx, &entry.account, entry.alert_id).await?;
    let scope = FindingScope {
        account: before.account.clone(),
        asset: before.asset.clone(),
        provider: before.provider,
    };
    tx.execute(LOCK_SCOPE, &[&scope.lock_key()])
        .await
        .map_err(|e| pg("lock findings", e))?;
    let mut f = finding(&tx, &entry.account, entry.alert_id).await?;
    // Changes of one finding queue on its scope's lock, so the count holds until COMMIT.
    let key = i64::try_from(entry.alert_id).unwrap_or(i64::MAX);
    let held: i64 = tx
        .query_one(
            POSTGRES_RECORDS.count_audit.as_str(),
            &[&key, &entry.account],
        )
        .await
        .map_err(|e| pg("count a finding's audit", e))?
        .get(0);
    entry.check_room(u64::try_from(held).unwrap_or(0))?;
    let kept = entry.apply_to(&mut f)?;
    let body = serde_json::to_string(&f).map_err(|e| bad_json("finding", e))?;
    tx.execute(POSTGRES_RECORDS.set_finding_body.as_str(), &[&key, &body])
        .await
        .map_err(|e| pg("set a disposition", e))?;
    insert_audit(&tx, &kept).await?;
    tx.commit().await.map_err(|e| pg("set a disposition", e))?;
    Ok(f)
}

async fn insert_audit<C: GenericClient>(c: &C, entry: &AuditEntry) -> Result<()> {
    let body = serde_json::to_string(entry).map_err(|e| bad_json("audit entry", e))?;
    let key = i64::try_from(entry.alert_id).unwrap_or(i64::MAX);
    c.execute(
        POSTGRES_RECORDS.insert_audit.as_str(),
        &[&key, &entry.account, &clock::to_text(&entry.at), &body],
    )
    .await
    .map_err(|e| pg("append an audit entry", e))?;
    Ok(())
}

/// The audit entries of finding `alert_id` of `account`, oldest first.
pub(super) async fn audit(c: &Client, account: &str, alert_id: u64) -> Result<Vec<AuditEntry>> {
    let key = i64::try_from(alert_id).unwrap_or(i64::MAX);
    let rows = c
        .query(POSTGRES_RECORDS.finding_audit.as_str(), &[&key, &account])
        .await
        .map_err(|e| pg("read a finding's audit", e))?;
    rows.iter()
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(|e| bad_json("audit entry", e)))
        .collect()
}

/// An account's seal threshold (the default unless set).
pub(super) async fn seal_threshold<C: GenericClient>(c: &C, account: &str) -> Result<Severity> {
    let row = c
        .query_opt(POSTGRES_RECORDS.seal_threshold.as_str(), &[&account])
        .await
        .map_err(|e| pg("read a seal threshold", e))?;
    match row {
        Some(r) => r.get::<_, &str>(0).parse(),
        None => Ok(SEAL_FAIL_SEVERITY),
    }
}

/// Sets an account's seal threshold.
pub(super) async fn set_seal_threshold(c: &Client, account: &str, t: Severity) -> Result<()> {
    c.execute(
        POSTGRES_RECORDS.set_seal_threshold.as_str(),
        &[&account, &t.as_str()],
    )
    .await
    .map_err(|e| pg("set a seal threshold", e))?;
    Ok(())
}

/// A page of an account's logs by (ScanDate, ScanlogId); logs that do not decode are skipped.
pub(super) async fn page(conn: &mut Conn, q: &LogPageQuery) -> Result<Vec<ScanLog>> {
    let (after_date, after_id) = match q.after {
        Some(a) => (a.scan_date, i64::try_from(a.log_id).unwrap_or(i64::MAX)),
        None => (q.from, 0),
    };
    let Conn {
        client, prepared, ..
    } = conn;
    let select = prepare(client, prepared, &POSTGRES_RECORDS.log_page).await?;
    let rows = client
        .query(
            &select,
            &[
                &q.account,
                &clock::to_text(&q.from),
                &clock::to_text(&q.to),
                &clock::to_text(&after_date),
                &after_id,
                &i64::from(q.limit),
            ],
        )
        .await
        .map_err(|e| pg("read scan logs", e))?;
    let mut logs = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.get(0);
        match serde_json::from_str::<ScanLog>(row.get::<_, &str>(1)) {
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
pub(super) async fn findings(c: &Client, q: &FindingQuery) -> Result<Page<Finding>> {
    let (offset, limit) = q.window()?;
    let (owner, asset) = (q.owner.as_deref(), q.asset.as_deref());
    let (status, severity) = (q.status.map(|s| s.as_str()), q.severity.map(|s| s.as_str()));
    let total: i64 = c
        .query_one(
            POSTGRES_RECORDS.count_findings.as_str(),
            &[&owner, &asset, &status, &severity],
        )
        .await
        .map_err(|e| pg("count findings", e))?
        .get(0);
    let (limit, offset) = (
        i64::try_from(limit).unwrap_or(i64::MAX),
        i64::try_from(offset).unwrap_or(i64::MAX),
    );
    let rows = c
        .query(
            POSTGRES_RECORDS.list_findings.as_str(),
            &[&owner, &asset, &status, &severity, &limit, &offset],
        )
        .await
        .map_err(|e| pg("list findings", e))?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.get(0);
        match serde_json::from_str::<Finding>(row.get::<_, &str>(1)) {
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
pub(super) async fn scan_deleted<C: GenericClient>(
    c: &C,
    owner: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    c.execute(
        POSTGRES_RECORDS.scan_deleted.as_str(),
        &[&owner, &name, &clock::to_text(&now)],
    )
    .await
    .map_err(|e| pg("mark scan logs deleted", e))?;
    Ok(())
}

/// Marks the logs and findings of a deleted asset (inside the caller's transaction).
pub(super) async fn asset_deleted<C: GenericClient>(
    c: &C,
    owner: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    for sql in [
        &POSTGRES_RECORDS.asset_logs_deleted,
        &POSTGRES_RECORDS.asset_findings_deleted,
    ] {
        c.execute(sql.as_str(), &[&owner, &name, &clock::to_text(&now)])
            .await
            .map_err(|e| pg("mark findings deleted", e))?;
    }
    Ok(())
}

/// Removes logs from before `before` and findings deleted before it.
pub(super) async fn prune(c: &mut Client, before: DateTime<Utc>) -> Result<Pruned> {
    let tx = c.transaction().await.map_err(|e| pg("prune", e))?;
    let at = clock::to_text(&before);
    let logs = tx
        .execute(POSTGRES_RECORDS.prune_logs.as_str(), &[&at])
        .await
        .map_err(|e| pg("prune scan logs", e))?;
    let findings = tx
        .execute(POSTGRES_RECORDS.prune_findings.as_str(), &[&at])
        .await
        .map_err(|e| pg("prune findings", e))?;
    tx.commit().await.map_err(|e| pg("prune", e))?;
    Ok(Pruned { logs, findings })
}

/// Builds the findings and logs of every run already in the history, in replay order (once,
/// in the migration that creates the tables).
pub(super) async fn backfill<C: GenericClient>(c: &C) -> Result<()> {
    let scans = super::scans::every(c).await?;
    let mut history = Vec::with_capacity(scans.len());
    for scan in scans {
        let runs = super::runs::list(c, &scan.id()?).await?;
        history.push((scan, runs));
    }
    let mut cache = Prepared::new();
    for (scan, run) in replay_order(&history) {
        super::recorder::record_one(c, &mut cache, run, Some(scan)).await?;
    }
    Ok(())
}
