//! The tables both SQL stores create, written once; each store adds its own indexes.

/// The scans table; `integer` is the dialect's 64-bit integer type.
pub(crate) fn scans_table(integer: &str) -> String {
    format!(
        "
CREATE TABLE scans (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created_time TEXT NOT NULL,
    updated_time TEXT NOT NULL,
    display_name TEXT NOT NULL,
    target_mode TEXT NOT NULL,
    target TEXT NOT NULL,
    asset TEXT NOT NULL,
    provider TEXT NOT NULL,
    command TEXT NOT NULL,
    state TEXT NOT NULL,
    runner TEXT NOT NULL,
    error_text TEXT NOT NULL,
    raw_result TEXT NOT NULL,
    result TEXT NOT NULL,
    result_summary TEXT NOT NULL,
    started_time TEXT,
    finished_time TEXT,
    progress TEXT NOT NULL,
    lease_until TEXT,
    lease_token TEXT,
    attempt {integer} NOT NULL,
    timeout_seconds {integer} NOT NULL,
    PRIMARY KEY (owner, name)
);
"
    )
}

/// The assets and scan runs tables; `integer` is the dialect's 64-bit integer type.
pub(crate) fn assets_and_runs_tables(integer: &str) -> String {
    format!(
        "
CREATE TABLE assets (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created_time TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
CREATE TABLE scan_runs (
    owner TEXT NOT NULL,
    scan TEXT NOT NULL,
    seq {integer} NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (owner, scan, seq)
);
"
    )
}

/// The runners table.
pub(crate) const RUNNERS_TABLE: &str = "
CREATE TABLE runners (
    name TEXT PRIMARY KEY,
    seen_time TEXT NOT NULL,
    body TEXT NOT NULL
);
";

/// The primary users and API keys tables.
pub(crate) const KEY_TABLES: &str = "
CREATE TABLE primary_users (
    account TEXT PRIMARY KEY,
    user_name TEXT NOT NULL
);
CREATE TABLE api_keys (
    account TEXT PRIMARY KEY,
    access_key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
";

/// The findings and scan-log tables with their indexes (ids from a sequence, never reused):
/// `serial` is the dialect's auto-numbered primary key, `text` its byte-wise ordered text type.
pub(crate) fn record_tables(serial: &str, text: &str) -> String {
    format!(
        "
CREATE TABLE findings (
    alert_id {serial},
    fingerprint TEXT NOT NULL UNIQUE,
    account TEXT NOT NULL,
    asset TEXT NOT NULL,
    provider TEXT NOT NULL,
    state TEXT NOT NULL,
    severity TEXT NOT NULL,
    deleted_time {text},
    body TEXT NOT NULL
);
CREATE INDEX findings_by_scope ON findings (account, asset, provider);
CREATE TABLE scan_logs (
    log_id {serial},
    account TEXT NOT NULL,
    scan_date {text} NOT NULL,
    owner TEXT NOT NULL,
    scan TEXT NOT NULL,
    seq BIGINT NOT NULL,
    asset TEXT NOT NULL,
    deleted_time {text},
    body TEXT NOT NULL
);
CREATE INDEX scan_logs_export ON scan_logs (account, scan_date, log_id);
CREATE INDEX scan_logs_by_scan ON scan_logs (owner, scan);
CREATE INDEX scan_logs_by_asset ON scan_logs (account, asset);
CREATE INDEX scan_logs_by_date ON scan_logs (scan_date);
"
    )
}

/// The append-only audit of finding dispositions and the per-account settings (the seal
/// threshold); `serial` is the dialect's auto-numbered primary key.
pub(crate) fn disposition_tables(serial: &str) -> String {
    format!(
        "
CREATE TABLE finding_audit (
    entry_id {serial},
    alert_id BIGINT NOT NULL,
    account TEXT NOT NULL,
    at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX finding_audit_by_finding ON finding_audit (alert_id, entry_id);
CREATE TABLE account_settings (
    account TEXT PRIMARY KEY,
    seal_threshold TEXT NOT NULL
);
CREATE INDEX findings_by_state ON findings (account, state, severity);
"
    )
}
