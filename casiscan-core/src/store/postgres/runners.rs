//! Live runners in PostgreSQL: each runner's identity and when it was last seen.

use tokio_postgres::Client;

use super::connection::pg;
use crate::error::Result;
use crate::model::RunnerIdentity;
use crate::store::bad_json;
use crate::store::sql::POSTGRES;

/// Records that `runner` was seen at `seen` (stored text).
pub(super) async fn register(c: &Client, runner: &RunnerIdentity, seen: &str) -> Result<()> {
    let body = serde_json::to_string(runner).map_err(|e| bad_json("runner", e))?;
    c.execute(&POSTGRES.register_runner, &[&runner.name, &seen, &body])
        .await
        .map(|_| ())
        .map_err(|e| pg("register a runner", e))
}

/// Runners seen at or after `since` (stored text).
pub(super) async fn live(c: &Client, since: &str) -> Result<Vec<RunnerIdentity>> {
    let rows = c
        .query(&POSTGRES.live_runners, &[&since])
        .await
        .map_err(|e| pg("list runners", e))?;
    rows.iter()
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(|e| bad_json("list runners", e)))
        .collect()
}
