//! The schedules table and its statements, written once for both SQL stores.

use std::sync::LazyLock;

use super::Dialect;

/// The schedules table: one row per scheduled scan; `fire_time` is NULL while disabled.
pub(crate) const SCHEDULES_TABLE: &str = "
CREATE TABLE scan_schedules (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    fire_time TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
";

/// The statements on the schedules table in one dialect.
pub(crate) struct ScheduleStatements {
    /// `(owner, name)` → `body`.
    pub get: String,
    /// Inserts or replaces `(owner, name, fire_time, body)` if the scan exists.
    pub upsert: String,
    /// Deletes the schedule of `(owner, name)`.
    pub delete: String,
    /// `owner, name, body` of enabled schedules due at `$1`, oldest fire time first, at most
    /// `$2` (PostgreSQL: rows another transaction holds are skipped).
    pub due: String,
    /// Moves `(owner, name)` from fire time `$3` to `$4` with body `$5` (compare-and-set).
    pub advance: String,
}

impl ScheduleStatements {
    fn new(d: Dialect) -> Self {
        let r = |sql: &str| d.render(sql);
        let lock = match d {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        ScheduleStatements {
            get: r("SELECT body FROM scan_schedules WHERE owner = $1 AND name = $2"),
            upsert: r("INSERT INTO scan_schedules (owner, name, fire_time, body) \
                 SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT) WHERE EXISTS \
                 (SELECT 1 FROM scans WHERE owner = $1 AND name = $2) \
                 ON CONFLICT (owner, name) DO UPDATE \
                 SET fire_time = EXCLUDED.fire_time, body = EXCLUDED.body"),
            delete: r("DELETE FROM scan_schedules WHERE owner = $1 AND name = $2"),
            due: format!(
                "SELECT owner, name, body FROM scan_schedules \
                 WHERE fire_time IS NOT NULL AND {} <= {} ORDER BY {}, owner, name LIMIT {}{lock}",
                d.bytewise("fire_time"),
                d.param(1),
                d.bytewise("fire_time"),
                d.param(2),
            ),
            advance: r("UPDATE scan_schedules SET fire_time = $4, body = $5 \
                 WHERE owner = $1 AND name = $2 AND fire_time = $3"),
        }
    }
}

/// The SQLite statements.
#[cfg(feature = "sqlite")]
pub(crate) static SQLITE_SCHEDULES: LazyLock<ScheduleStatements> =
    LazyLock::new(|| ScheduleStatements::new(Dialect::Sqlite));

/// The PostgreSQL statements.
#[cfg(feature = "postgres")]
pub(crate) static POSTGRES_SCHEDULES: LazyLock<ScheduleStatements> =
    LazyLock::new(|| ScheduleStatements::new(Dialect::Postgres));
