//! SQLite schema migrations, tracked in a version table.

use rusqlite::{Connection, OptionalExtension};

/// Migrations in order; the version is the number applied so far.
const MIGRATIONS: &[&str] = &[
    r#"
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
    attempt INTEGER NOT NULL,
    timeout_seconds INTEGER NOT NULL,
    PRIMARY KEY (owner, name)
);
CREATE INDEX scans_by_state ON scans (state, updated_time);
CREATE INDEX scans_by_created ON scans (created_time);
CREATE INDEX scans_by_asset ON scans (owner, asset);
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
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (owner, scan, seq)
);
"#,
    r#"
CREATE INDEX scans_by_owner_created ON scans (owner, created_time, name);
"#,
    r#"
CREATE TABLE runners (
    name TEXT PRIMARY KEY,
    seen_time TEXT NOT NULL,
    body TEXT NOT NULL
);
"#,
    r#"
CREATE INDEX scans_pending_queue ON scans (updated_time, owner, name) WHERE state = 'Pending';
CREATE INDEX scans_running_leases ON scans (lease_until) WHERE state = 'Running';
"#,
    r#"
CREATE TABLE primary_users (
    account TEXT PRIMARY KEY,
    user_name TEXT NOT NULL
);
CREATE TABLE api_keys (
    account TEXT PRIMARY KEY,
    access_key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
"#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The schema version recorded in the database (0 for a new file), read without writing.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(0);
    }
    Ok(conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Brings the database up to [`SCHEMA_VERSION`]; refuses a newer database.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<(), String>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: i64 = tx
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Ok(Err(format!(
            "the database has schema version {current}, newer than this casiscan ({SCHEMA_VERSION})"
        )));
    }
    for sql in MIGRATIONS
        .iter()
        .skip(usize::try_from(current).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
    }
    tx.execute("DELETE FROM schema_version", [])?;
    tx.execute(
        "INSERT INTO schema_version (version) VALUES (?1)",
        [SCHEMA_VERSION],
    )?;
    tx.commit()?;
    Ok(Ok(()))
}
