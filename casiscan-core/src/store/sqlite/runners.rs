//! Live runners in SQLite: each runner's identity and when it was last seen.

use rusqlite::{Connection, params};

use super::error::sql;
use crate::error::Result;
use crate::model::RunnerIdentity;
use crate::store::bad_json;
use crate::store::sql::SQLITE;

/// Records that `runner` was seen at `seen` (stored text).
pub(super) fn register(conn: &Connection, runner: &RunnerIdentity, seen: &str) -> Result<()> {
    let body = serde_json::to_string(runner).map_err(|e| bad_json("runner", e))?;
    conn.execute(&SQLITE.register_runner, params![runner.name, seen, body])
        .map(|_| ())
        .map_err(sql)
}

/// Runners seen at or after `since` (stored text).
pub(super) fn live(conn: &Connection, since: &str) -> Result<Vec<RunnerIdentity>> {
    let mut stmt = conn.prepare_cached(&SQLITE.live_runners).map_err(sql)?;
    let bodies = stmt
        .query_map([since], |r| r.get::<_, String>(0))
        .map_err(sql)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(sql)?;
    bodies
        .iter()
        .map(|b| serde_json::from_str(b).map_err(|e| bad_json("runner", e)))
        .collect()
}
