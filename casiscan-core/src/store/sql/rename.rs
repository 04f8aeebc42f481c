//! Renaming a scan in both SQL stores: its row, runs, schedule and logs follow the new name.

use std::sync::LazyLock;

use super::Dialect;

/// The statements of a rename, run in this order in one transaction. The first (the scan row)
/// takes `$1` owner, `$2` old name, `$3` new name, `$4` the updated time; the others take the
/// first three.
#[derive(Debug)]
pub(crate) struct RenameStatements {
    /// Re-keys the scan row and sets its updated time.
    pub scan: String,
    /// Re-keys the scan's runs, the name in each run's body too.
    pub runs: String,
    /// Re-keys the scan's schedule.
    pub schedule: String,
    /// Points the scan's logs at the new name (their bodies keep the name they were written
    /// under: a log records what ran).
    pub logs: String,
}

impl RenameStatements {
    fn new(d: Dialect) -> Self {
        let r = |sql: &str| d.render(sql);
        let run_body = match d {
            Dialect::Sqlite => "json_set(body, '$.scan', ?3)",
            Dialect::Postgres => "jsonb_set(body::jsonb, '{scan}', to_jsonb($3::text))::text",
        };
        RenameStatements {
            scan: r("UPDATE scans SET name = $3, updated_time = $4 WHERE owner = $1 AND name = $2"),
            runs: format!(
                "UPDATE scan_runs SET scan = {}, body = {run_body} WHERE owner = {} AND scan = {}",
                d.param(3),
                d.param(1),
                d.param(2)
            ),
            schedule: r("UPDATE scan_schedules SET name = $3 WHERE owner = $1 AND name = $2"),
            logs: r("UPDATE scan_logs SET scan = $3 WHERE owner = $1 AND scan = $2"),
        }
    }

    /// The statements that take only owner, old and new name.
    pub fn followers(&self) -> [&str; 3] {
        [&self.runs, &self.schedule, &self.logs]
    }
}

/// The rename statements of the SQLite store.
#[cfg(feature = "sqlite")]
pub(crate) static SQLITE_RENAME: LazyLock<RenameStatements> =
    LazyLock::new(|| RenameStatements::new(Dialect::Sqlite));

/// The rename statements of the PostgreSQL store.
#[cfg(feature = "postgres")]
pub(crate) static POSTGRES_RENAME: LazyLock<RenameStatements> =
    LazyLock::new(|| RenameStatements::new(Dialect::Postgres));
