//! Mapping between scan rows and [`Scan`] values.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Row, ToSql};

use super::super::sql::SqlValue;
use crate::model::{ProviderKind, Scan};

/// The driver's values of shared [`SqlValue`]s.
pub fn values(shared: Vec<SqlValue>) -> Vec<Value> {
    shared
        .into_iter()
        .map(|v| match v {
            SqlValue::Text(t) => Value::Text(t),
            SqlValue::MaybeText(t) => t.map_or(Value::Null, Value::Text),
            SqlValue::Int(n) => Value::Integer(n),
        })
        .collect()
}

/// Borrowed parameters for rusqlite from owned values.
pub fn as_params(values: &[Value]) -> Vec<&dyn ToSql> {
    values.iter().map(|v| v as &dyn ToSql).collect()
}

fn bad_column(idx: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        idx,
        rusqlite::types::Type::Text,
        Box::new(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            message,
        )),
    )
}

fn time_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let Some(s) = row.get::<_, Option<String>>(idx)? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&s)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|e| bad_column(idx, format!("bad timestamp `{s}`: {e}")))
}

fn required_time(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    time_at(row, idx)?.ok_or_else(|| bad_column(idx, "missing timestamp".into()))
}

fn parsed<T: std::str::FromStr>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    let s: String = row.get(idx)?;
    s.parse()
        .map_err(|e: T::Err| bad_column(idx, e.to_string()))
}

fn optional_provider(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<ProviderKind>> {
    let s: String = row.get(idx)?;
    ProviderKind::parse_optional(&s).map_err(|e| bad_column(idx, e.to_string()))
}

fn target_mode(row: &Row<'_>, idx: usize) -> rusqlite::Result<crate::model::TargetMode> {
    let s: String = row.get(idx)?;
    serde_json::from_value(serde_json::Value::String(s)).map_err(|e| bad_column(idx, e.to_string()))
}

/// Reads a scan from a row selected with the shared scan columns.
pub fn scan_from_row(row: &Row<'_>) -> rusqlite::Result<Scan> {
    let progress: String = row.get(18)?;
    Ok(Scan {
        owner: row.get(0)?,
        name: row.get(1)?,
        created_time: required_time(row, 2)?,
        updated_time: required_time(row, 3)?,
        display_name: row.get(4)?,
        target_mode: target_mode(row, 5)?,
        target: row.get(6)?,
        asset: row.get(7)?,
        provider: optional_provider(row, 8)?,
        command: row.get(9)?,
        state: parsed(row, 10)?,
        runner: row.get(11)?,
        error_text: row.get(12)?,
        raw_result: row.get(13)?,
        result: row.get(14)?,
        result_summary: row.get(15)?,
        started_time: time_at(row, 16)?,
        finished_time: time_at(row, 17)?,
        progress: serde_json::from_str(&progress).map_err(|e| bad_column(18, e.to_string()))?,
        lease_until: time_at(row, 19)?,
        lease_token: row.get(20)?,
        attempt: u32::try_from(row.get::<_, i64>(21)?).unwrap_or(0),
        timeout_seconds: u64::try_from(row.get::<_, i64>(22)?).unwrap_or(0),
        schedule: None,
    })
}

/// `owner/name` of a row whose first two columns are the owner and the name, however stored.
pub fn row_id(row: &Row<'_>) -> String {
    let text = |idx: usize| match row.get_ref(idx) {
        Ok(rusqlite::types::ValueRef::Text(t)) => String::from_utf8_lossy(t).into_owned(),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("<{e}>"),
    };
    format!("{}/{}", text(0), text(1))
}
