//! The seed's scan-log JSON shape, its envelope, and JSON lines.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::error::ExportError;
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

/// One `data[]` item with the seed's field names (`ServicType` as the seed spells it).
///
/// `ScanlogId` and `UniqueAlertId` are the store's integers; a log that was never stored (built
/// in memory) shows its run id and its findings' fingerprints instead.
pub fn scan_log_json(log: &ScanLog, min: Severity) -> Value {
    let rows = listed(log, min);
    let vulns: Vec<Value> = rows
        .iter()
        .map(|o| {
            json!({
                "UniqueAlertId": o.alert_id.map_or_else(|| json!(o.finding_id), |id| json!(id)),
                "Title": o.title,
                "Severity": o.severity.as_str(),
                "CVSS_Score": o.cvss.map(|c| c.base_score),
                "OpenStatus": o.open_status.label(),
                "FoundOn": o.found_on,
                "FoundDate": rfc3339(o.first_found_at),
            })
        })
        .collect();
    let total = rows.iter().filter(|o| o.counts()).count();
    let info = log.asset_info.as_ref();
    json!({
        "ScanlogId": log.log_id.map_or_else(|| json!(log.id), |id| json!(id)),
        "ServicType": "VA",
        "ServiceId": info.map_or(&log.asset, |a| &a.id),
        "URL": log.target,
        "ApplicationName": info.map_or(&log.asset, |a| &a.display_name),
        "SealStatus": log.seal.as_str(),
        "TotalFoundVulnerabilities": total,
        "ScanStatus": log.status.label(),
        "ScanDate": rfc3339(log.ended_at),
        "groups": info.map_or(&[][..], |a| a.groups.as_slice()),
        "Vulnerabilities": vulns,
        "casiscan": {
            "schema": "casiscan.scanlog.v1",
            "provider": log.provider.as_str(),
            "scanId": log.scan_id,
            "account": log.account,
            "startedAt": rfc3339(log.started_at),
            "endedAt": rfc3339(log.ended_at),
        },
    })
}

/// Success envelope `{status: 200, result: {success, data}}`.
pub fn success_envelope(data: Vec<Value>) -> Value {
    json!({"status": 200, "result": {"success": "Scan logs fetched successfully.", "data": data}})
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
