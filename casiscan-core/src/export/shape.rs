//! The seed's scan-log JSON shape, its envelope, and JSON lines.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::error::ExportError;
use super::item::ScanLogItem;
use crate::model::{LifecycleState, Observation, ScanLog, Severity};

/// RFC 3339 UTC with `Z`, second precision.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Observations listed in a log: severity ≥ `min`, active rows first, then severity desc, then id.
pub fn listed(log: &ScanLog, min: Severity) -> Vec<&Observation> {
    let mut rows: Vec<&Observation> = log
        .observations
        .iter()
        .filter(|o| o.severity >= min)
        .collect();
    rows.sort_by(|a, b| {
        let closed = |o: &Observation| o.open_status == LifecycleState::Closed;
        closed(a)
            .cmp(&closed(b))
            .then(b.severity.cmp(&a.severity))
            .then(a.finding_id.cmp(&b.finding_id))
    });
    rows
}

/// One `data[]` item with the seed's field names as a JSON value (see [`ScanLogItem`], which
/// pages serialise directly).
pub fn scan_log_json(log: &ScanLog, min: Severity) -> Value {
    // The item holds only strings, numbers and sequences: it always serialises.
    serde_json::to_value(ScanLogItem::of(log, min)).unwrap_or(Value::Null)
}

/// The envelope's success text.
pub(crate) const SUCCESS: &str = "Scan logs fetched successfully.";

/// Success envelope `{status: 200, result: {success, data}}`.
pub fn success_envelope(data: Vec<Value>) -> Value {
    json!({"status": 200, "result": {"success": SUCCESS, "data": data}})
}

/// Error envelope `{status, result: {error, code, data: []}}`.
pub fn error_envelope(e: ExportError) -> Value {
    json!({"status": e.http_status(), "result": {"error": e.to_string(), "code": e.code(), "data": []}})
}

/// JSON lines: one `data[]` item per line.
pub fn json_lines(items: &[Value]) -> String {
    let mut out = String::new();
    for item in items {
        out.push_str(&item.to_string());
        out.push('\n');
    }
    out
}
