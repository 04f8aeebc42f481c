//! PostgreSQL schema migrations, tracked in a version table.

use std::sync::LazyLock;

use tokio_postgres::Client;

use super::connection::pg;
use crate::error::{Error, Result};
use crate::store::sql::schema;

/// The version that created the findings and scan-log tables.
const RECORDS_VERSION: i64 = 4;

/// Migrations in order; the version is the number applied so far.
pub static MIGRATIONS: LazyLock<[String; 8]> = LazyLock::new(|| {
    [
        format!(
            "{}
CREATE INDEX scans_by_state ON scans (state, updated_time);
CREATE INDEX scans_by_owner_created ON scans (owner, created_time, name);
{}{}",
            schema::scans_table("BIGINT"),
            schema::assets_and_runs_tables("BIGINT"),
            schema::RUNNERS_TABLE
        ),
        r#"
CREATE INDEX scans_pending_queue ON scans
    (updated_time COLLATE "C", owner COLLATE "C", name COLLATE "C") WHERE state = 'Pending';
CREATE INDEX scans_running_leases ON scans (lease_until COLLATE "C") WHERE state = 'Running';
"#
        .to_string(),
        schema::KEY_TABLES.to_string(),
        schema::record_tables(
            "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            "TEXT COLLATE \"C\"",
        ),
        format!(
            "{}CREATE INDEX scan_schedules_due ON scan_schedules (fire_time COLLATE \"C\") \
             WHERE fire_time IS NOT NULL;",
            crate::store::sql::schedules::SCHEDULES_TABLE
        ),
        crate::store::sql::scope::SCOPE_TABLE.to_string(),
        schema::disposition_tables("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        super::notify::WAITERS_TABLE.to_string(),
    ]
});

/// The statements that bring a database from `current` to the latest version.
fn pending(current: i64) -> impl Iterator<Item = &'static str> {
    MIGRATIONS
        .iter()
        .map(String::as_str)
        .skip(usize::try_from(current).unwrap_or(0))
}

/// Brings the database up to the latest version (one migrating store at a time, by an advisory
/// lock); refuses a newer database.
pub async fn migrate(c: &mut Client, label: &str) -> Result<()> {
    let tx = c.transaction().await.map_err(|e| pg("migrate", e))?;
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(7207240001); \
         CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
    )
    .await
    .map_err(|e| pg("migrate", e))?;
    let current: i64 = tx
        .query_opt("SELECT version FROM schema_version", &[])
        .await
        .map_err(|e| pg("migrate", e))?
        .map_or(0, |r| r.get(0));
    let latest = MIGRATIONS.len() as i64;
    if current > latest {
        return Err(Error::Storage {
            message: format!(
                "{label}: schema version {current} is newer than this casiscan ({latest})"
            ),
            source: None,
        });
    }
    for sql in pending(current) {
        tx.batch_execute(sql).await.map_err(|e| pg("migrate", e))?;
    }
    if current < RECORDS_VERSION {
        // The tables are new: build them once from the history already stored.
        super::records::backfill(&tx).await?;
    }
    tx.execute("DELETE FROM schema_version", &[])
        .await
        .map_err(|e| pg("migrate", e))?;
    tx.execute(
        "INSERT INTO schema_version (version) VALUES ($1)",
        &[&latest],
    )
    .await
    .map_err(|e| pg("migrate", e))?;
    tx.commit().await.map_err(|e| pg("migrate", e))
}
