//! A scan's column values, independent of the driver that binds them.

use chrono::{DateTime, Utc};

use crate::clock;
use crate::model::{ProviderKind, Scan};

/// Column list in the order [`scan_values`] gives and the stores' row readers expect.
pub(crate) const SCAN_COLUMNS: &str = "owner, name, created_time, updated_time, display_name, \
    target_mode, target, asset, provider, command, state, runner, error_text, raw_result, \
    result, result_summary, started_time, finished_time, progress, lease_until, lease_token, \
    attempt, timeout_seconds";

/// Number of columns in [`SCAN_COLUMNS`].
pub(crate) const SCAN_COLUMN_COUNT: usize = 23;

/// One bound value; each store converts it to its driver's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SqlValue {
    /// A `TEXT NOT NULL` value.
    Text(String),
    /// A nullable `TEXT` value.
    MaybeText(Option<String>),
    /// An integer.
    Int(i64),
}

fn time(t: Option<&DateTime<Utc>>) -> SqlValue {
    SqlValue::MaybeText(t.map(clock::to_text))
}

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_string())
}

/// The scan's values for an INSERT or a full-row UPDATE, in [`SCAN_COLUMNS`] order.
pub(crate) fn scan_values(scan: &Scan) -> Vec<SqlValue> {
    vec![
        text(&scan.owner),
        text(&scan.name),
        SqlValue::Text(clock::to_text(&scan.created_time)),
        SqlValue::Text(clock::to_text(&scan.updated_time)),
        text(&scan.display_name),
        text(scan.target_mode.as_str()),
        text(&scan.target),
        text(&scan.asset),
        text(scan.provider.map_or("", ProviderKind::as_str)),
        text(&scan.command),
        text(scan.state.as_str()),
        text(&scan.runner),
        text(&scan.error_text),
        text(&scan.raw_result),
        text(&scan.result),
        text(&scan.result_summary),
        time(scan.started_time.as_ref()),
        time(scan.finished_time.as_ref()),
        SqlValue::Text(serde_json::to_string(&scan.progress).unwrap_or_else(|_| "{}".into())),
        time(scan.lease_until.as_ref()),
        SqlValue::MaybeText(scan.lease_token.clone()),
        SqlValue::Int(i64::from(scan.attempt)),
        SqlValue::Int(i64::try_from(scan.timeout_seconds).unwrap_or(i64::MAX)),
    ]
}

/// The values of the compare-and-set statement that writes `next` over `prev`: `next`'s
/// columns, then `prev`'s owner, name, state and lease token.
pub(crate) fn cas_values(prev: &Scan, next: &Scan) -> Vec<SqlValue> {
    let mut values = scan_values(next);
    values.push(text(&prev.owner));
    values.push(text(&prev.name));
    values.push(text(prev.state.as_str()));
    values.push(SqlValue::MaybeText(prev.lease_token.clone()));
    values
}
