//! The statements of the findings and scan-log tables, written once with `$N` placeholders.

use std::sync::LazyLock;

use super::Dialect;

/// Every statement over findings and scan logs, rendered in one dialect.
#[derive(Debug)]
pub(crate) struct RecordStatements {
    /// Findings of one (account `$1`, asset `$2`, provider `$3`): alert id, body.
    pub scope_findings: String,
    /// A new finding; returns its alert id.
    pub insert_finding: String,
    /// Rewrites finding `$1` (state, severity, body) and clears its deletion mark.
    pub update_finding: String,
    /// A new scan log; returns its log id.
    pub insert_log: String,
    /// A page of logs: account `$1`, ScanDate in [`$2`, `$3`), after (`$4`, `$5`), `$6` rows.
    pub log_page: String,
    /// Marks the logs of scan (`$1`, `$2`) deleted at `$3`.
    pub scan_deleted: String,
    /// Marks the logs of asset (`$1`, `$2`) deleted at `$3`.
    pub asset_logs_deleted: String,
    /// Marks the findings of asset (`$1`, `$2`) deleted at `$3`.
    pub asset_findings_deleted: String,
    /// Findings not marked deleted, filtered by account `$1`, asset `$2`, state `$3` and
    /// severity `$4` (each ignored when NULL), by alert id, `$5` rows after skipping `$6`.
    pub list_findings: String,
    /// How many findings [`RecordStatements::list_findings`] matches (same `$1`…`$4`).
    pub count_findings: String,
    /// Finding `$1` of account `$2`: alert id, body.
    pub finding_by_id: String,
    /// Replaces the body of finding `$1` (nothing else).
    pub set_finding_body: String,
    /// Appends an audit entry: alert id, account, time, body.
    pub insert_audit: String,
    /// Audit entries of finding `$1` of account `$2`, oldest first: body.
    pub finding_audit: String,
    /// How many audit entries finding `$1` of account `$2` has.
    pub count_audit: String,
    /// Account `$1`'s seal threshold.
    pub seal_threshold: String,
    /// Sets account `$1`'s seal threshold to `$2`.
    pub set_seal_threshold: String,
    /// Removes logs whose ScanDate is before `$1`.
    pub prune_logs: String,
    /// Removes findings deleted before `$1`.
    pub prune_findings: String,
}

/// The record statements of the SQLite store.
#[cfg(feature = "sqlite")]
pub(crate) static SQLITE_RECORDS: LazyLock<RecordStatements> =
    LazyLock::new(|| RecordStatements::new(Dialect::Sqlite));

/// The record statements of the PostgreSQL store.
#[cfg(feature = "postgres")]
pub(crate) static POSTGRES_RECORDS: LazyLock<RecordStatements> =
    LazyLock::new(|| RecordStatements::new(Dialect::Postgres));

impl RecordStatements {
    fn new(d: Dialect) -> Self {
        let r = |sql: &str| d.render(sql);
        let filter = ["account", "asset", "state", "severity"]
            .iter()
            .enumerate()
            .map(|(i, col)| {
                let p = d.text_param(i + 1);
                format!("({p} IS NULL OR {col} = {p})")
            })
            .collect::<Vec<_>>()
            .join(" AND ")
            + " AND deleted_time IS NULL";
        RecordStatements {
            scope_findings: r(
                "SELECT alert_id, body FROM findings WHERE account = $1 AND asset = $2 \
                 AND provider = $3",
            ),
            insert_finding: r(
                "INSERT INTO findings (fingerprint, account, asset, provider, state, severity, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING alert_id",
            ),
            update_finding: r(
                "UPDATE findings SET state = $2, severity = $3, body = $4, deleted_time = NULL \
                 WHERE alert_id = $1",
            ),
            insert_log: r(
                "INSERT INTO scan_logs (account, scan_date, owner, scan, seq, asset, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING log_id",
            ),
            log_page: r(
                "SELECT log_id, body FROM scan_logs WHERE account = $1 AND scan_date >= $2 \
                 AND scan_date < $3 AND (scan_date, log_id) > ($4, $5) \
                 ORDER BY scan_date, log_id LIMIT $6",
            ),
            scan_deleted: r(
                "UPDATE scan_logs SET deleted_time = $3 WHERE owner = $1 AND scan = $2 \
                 AND deleted_time IS NULL",
            ),
            asset_logs_deleted: r(
                "UPDATE scan_logs SET deleted_time = $3 WHERE account = $1 AND asset = $2 \
                 AND deleted_time IS NULL",
            ),
            asset_findings_deleted: r(
                "UPDATE findings SET deleted_time = $3 WHERE account = $1 AND asset = $2 \
                 AND deleted_time IS NULL",
            ),
            list_findings: format!(
                "SELECT alert_id, body FROM findings WHERE {filter} ORDER BY alert_id \
                 LIMIT {} OFFSET {}",
                d.param(5),
                d.param(6)
            ),
            count_findings: format!("SELECT COUNT(*) FROM findings WHERE {filter}"),
            finding_by_id: r(
                "SELECT alert_id, body FROM findings WHERE alert_id = $1 AND account = $2",
            ),
            set_finding_body: r("UPDATE findings SET body = $2 WHERE alert_id = $1"),
            insert_audit: r(
                "INSERT INTO finding_audit (alert_id, account, at, body) VALUES ($1, $2, $3, $4)",
            ),
            finding_audit: r(
                "SELECT body FROM finding_audit WHERE alert_id = $1 AND account = $2 \
                 ORDER BY entry_id",
            ),
            count_audit: r(
                "SELECT COUNT(*) FROM finding_audit WHERE alert_id = $1 AND account = $2",
            ),
            seal_threshold: r("SELECT seal_threshold FROM account_settings WHERE account = $1"),
            set_seal_threshold: r(
                "INSERT INTO account_settings (account, seal_threshold) VALUES ($1, $2) \
                 ON CONFLICT (account) DO UPDATE SET seal_threshold = excluded.seal_threshold",
            ),
            prune_logs: r("DELETE FROM scan_logs WHERE scan_date < $1"),
            prune_findings: r(
                "DELETE FROM findings WHERE deleted_time IS NOT NULL AND deleted_time < $1",
            ),
        }
    }
}
