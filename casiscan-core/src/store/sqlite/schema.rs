//! SQLite schema migrations, tracked in a version table.

use std::sync::LazyLock;

use rusqlite::{Connection, OptionalExtension};

use crate::store::sql::schema;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 9;

/// The version that created the findings and scan-log tables.
const RECORDS_VERSION: i64 = 6;

/// Migrations in order; the version is the number applied so far.
static MIGRATIONS: LazyLock<[String; SCHEMA_VERSION as usize]> = LazyLock::new(|| {
    [
        format!(
            "{}
CREATE INDEX scans_by_state ON scans (state, updated_time);
CREATE INDEX scans_by_created ON scans (created_time);
CREATE INDEX scans_by_asset ON scans (owner, asset);
{}",
            schema::scans_table("INTEGER"),
            schema::assets_and_runs_tables("INTEGER")
        ),
        "CREATE INDEX scans_by_owner_created ON scans (owner, created_time, name);".to_string(),
        schema::RUNNERS_TABLE.to_string(),
        "
CREATE INDEX scans_pending_queue ON scans (updated_time, owner, name) WHERE state = 'Pending';
CREATE INDEX scans_running_leases ON scans (lease_until) WHERE state = 'Running';
"
        .to_string(),
        schema::KEY_TABLES.to_string(),
        schema::record_tables("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
        format!(
            "{}CREATE INDEX scan_schedules_due ON scan_schedules (fire_time) \
             WHERE fire_time IS NOT NULL;",
            crate::store::sql::schedules::SCHEDULES_TABLE
        ),
        crate::store::sql::scope::SCOPE_TABLE.to_string(),
        schema::disposition_tables("INTEGER PRIMARY KEY AUTOINCREMENT"),
    ]
});

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
    if current < RECORDS_VERSION {
        // The tables are new: build them once from the history already stored.
        if let Err(e) = super::records::backfill(&tx) {
            return Ok(Err(format!(
                "cannot build findings and scan logs from the stored runs: {e}"
            )));
        }
    }
    tx.execute("DELETE FROM schema_version", [])?;
    tx.execute(
        "INSERT INTO schema_version (version) VALUES (?1)",
        [SCHEMA_VERSION],
    )?;
    tx.commit()?;
    Ok(Ok(()))
}
