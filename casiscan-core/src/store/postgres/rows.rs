//! Mapping between PostgreSQL rows and [`Scan`] values.

use chrono::{DateTime, Utc};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::clock;
use crate::error::{Error, Result};
use crate::model::Scan;

/// Column list in the order [`scan_params`] and [`scan_from_row`] use.
pub const SCAN_COLUMNS: &str = "owner, name, created_time, updated_time, display_name, \
    target_mode, target, asset, provider, command, state, runner, error_text, raw_result, \
    result, result_summary, started_time, finished_time, progress, lease_until, lease_token, \
    attempt, timeout_seconds";

/// Number of columns in [`SCAN_COLUMNS`].
pub const SCAN_COLUMN_COUNT: usize = 23;

/// An owned parameter for a statement.
pub type Param = Box<dyn ToSql + Sync + Send>;

fn time(t: Option<&DateTime<Utc>>) -> Param {
    Box::new(t.map(clock::to_text))
}

/// The scan's values in [`SCAN_COLUMNS`] order.
pub fn scan_params(scan: &Scan) -> Vec<Param> {
    vec![
        Box::new(scan.owner.clone()),
        Box::new(scan.name.clone()),
        time(Some(&scan.created_time)),
        time(Some(&scan.updated_time)),
        Box::new(scan.display_name.clone()),
        Box::new(scan.target_mode.as_str().to_string()),
        Box::new(scan.target.clone()),
        Box::new(scan.asset.clone()),
        Box::new(scan.provider.as_str().to_string()),
        Box::new(scan.command.clone()),
        Box::new(scan.state.as_str().to_string()),
        Box::new(scan.runner.clone()),
        Box::new(scan.error_text.clone()),
        Box::new(scan.raw_result.clone()),
        Box::new(scan.result.clone()),
        Box::new(scan.result_summary.clone()),
        time(scan.started_time.as_ref()),
        time(scan.finished_time.as_ref()),
        Box::new(serde_json::to_string(&scan.progress).unwrap_or_else(|_| "{}".into())),
        time(scan.lease_until.as_ref()),
        Box::new(scan.lease_token.clone()),
        Box::new(i64::from(scan.attempt)),
        Box::new(i64::try_from(scan.timeout_seconds).unwrap_or(i64::MAX)),
    ]
}

/// Borrowed parameters for tokio-postgres.
pub fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

fn bad(column: &str, message: impl std::fmt::Display) -> Error {
    Error::Storage {
        message: format!("stored scan column {column} is invalid: {message}"),
        source: None,
    }
}

fn pg(e: tokio_postgres::Error) -> Error {
    Error::storage("cannot read a scan row", e)
}

fn time_at(row: &Row, idx: usize, column: &str) -> Result<Option<DateTime<Utc>>> {
    let text: Option<String> = row.try_get(idx).map_err(pg)?;
    text.map(|s| {
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| bad(column, e))
    })
    .transpose()
}

fn text(row: &Row, idx: usize) -> Result<String> {
    row.try_get(idx).map_err(pg)
}

fn parsed<T: std::str::FromStr>(row: &Row, idx: usize, column: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    text(row, idx)?.parse().map_err(|e| bad(column, e))
}

/// Reads a scan from a row selected with [`SCAN_COLUMNS`].
pub fn scan_from_row(row: &Row) -> Result<Scan> {
    let required = |idx, column| time_at(row, idx, column)?.ok_or_else(|| bad(column, "missing"));
    let mode = text(row, 5)?;
    Ok(Scan {
        owner: text(row, 0)?,
        name: text(row, 1)?,
        created_time: required(2, "created_time")?,
        updated_time: required(3, "updated_time")?,
        display_name: text(row, 4)?,
        target_mode: serde_json::from_value(serde_json::Value::String(mode))
            .map_err(|e| bad("target_mode", e))?,
        target: text(row, 6)?,
        asset: text(row, 7)?,
        provider: parsed(row, 8, "provider")?,
        command: text(row, 9)?,
        state: parsed(row, 10, "state")?,
        runner: text(row, 11)?,
        error_text: text(row, 12)?,
        raw_result: text(row, 13)?,
        result: text(row, 14)?,
        result_summary: text(row, 15)?,
        started_time: time_at(row, 16, "started_time")?,
        finished_time: time_at(row, 17, "finished_time")?,
        progress: serde_json::from_str(&text(row, 18)?).map_err(|e| bad("progress", e))?,
        lease_until: time_at(row, 19, "lease_until")?,
        lease_token: row.try_get(20).map_err(pg)?,
        attempt: u32::try_from(row.try_get::<_, i64>(21).map_err(pg)?).unwrap_or(0),
        timeout_seconds: u64::try_from(row.try_get::<_, i64>(22).map_err(pg)?).unwrap_or(0),
    })
}
