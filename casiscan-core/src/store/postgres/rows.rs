//! Mapping between PostgreSQL rows and [`Scan`] values.

use chrono::{DateTime, Utc};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::super::sql::SqlValue;
use crate::error::{Error, Result};
use crate::model::{ProviderKind, Scan};

/// An owned parameter for a statement.
pub type Param = Box<dyn ToSql + Sync + Send>;

/// The driver's parameters of shared [`SqlValue`]s.
pub fn params(shared: Vec<SqlValue>) -> Vec<Param> {
    shared
        .into_iter()
        .map(|v| -> Param {
            match v {
                SqlValue::Text(t) => Box::new(t),
                SqlValue::MaybeText(t) => Box::new(t),
                SqlValue::Int(n) => Box::new(n),
            }
        })
        .collect()
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

/// Reads a scan from a row selected with the shared scan columns.
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
        provider: ProviderKind::parse_optional(&text(row, 8)?).map_err(|e| bad("provider", e))?,
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
        schedule: None,
    })
}

/// `owner/name` of a row whose first two columns are the owner and the name.
pub fn row_id(row: &Row) -> String {
    let text = |idx: usize| {
        row.try_get::<_, Option<&str>>(idx)
            .ok()
            .flatten()
            .unwrap_or("?")
            .to_owned()
    };
    format!("{}/{}", text(0), text(1))
}
