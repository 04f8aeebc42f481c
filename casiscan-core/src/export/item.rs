//! One exported scan log (a `data[]` item) as a typed view of the stored log, serialised
//! straight to JSON text: a page of 1 000 logs builds no intermediate JSON tree.
//!
//! Fields are declared in byte order of their names, the order `serde_json::Value` (a sorted
//! map) writes them, so the text is the same whichever way a log is exported.

use serde::Serialize;

use super::shape::{listed, rfc3339};
use crate::model::{Observation, ScanLog, Severity};

/// An id as the store assigned it, or the text that stands for it in a log never stored.
#[derive(Serialize)]
#[serde(untagged)]
enum IdOrText<'a> {
    /// The store's integer.
    Id(u64),
    /// The run id or finding fingerprint of an unstored log.
    Text(&'a str),
}

impl<'a> IdOrText<'a> {
    fn of(id: Option<u64>, text: &'a str) -> Self {
        id.map_or(IdOrText::Text(text), IdOrText::Id)
    }
}

/// One `Vulnerabilities[]` row.
#[derive(Serialize)]
struct Vulnerability<'a> {
    #[serde(rename = "CVSS_Score")]
    cvss_score: Option<f64>,
    #[serde(rename = "FoundDate")]
    found_date: String,
    #[serde(rename = "FoundOn")]
    found_on: &'a str,
    #[serde(rename = "OpenStatus")]
    open_status: &'static str,
    #[serde(rename = "Severity")]
    severity: &'static str,
    #[serde(rename = "Title")]
    title: &'a str,
    #[serde(rename = "UniqueAlertId")]
    unique_alert_id: IdOrText<'a>,
}

impl<'a> Vulnerability<'a> {
    fn of(o: &'a Observation) -> Self {
        Vulnerability {
            cvss_score: o.cvss.map(|c| c.base_score),
            found_date: rfc3339(o.first_found_at),
            found_on: &o.found_on,
            open_status: o.open_status.label(),
            severity: o.severity.as_str(),
            title: &o.title,
            unique_alert_id: IdOrText::of(o.alert_id, &o.finding_id),
        }
    }
}

/// The `casiscan` block of an item (fields the seed does not have).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Extension<'a> {
    account: &'a str,
    ended_at: String,
    provider: &'static str,
    scan_id: &'a str,
    schema: &'static str,
    started_at: String,
}

/// One `data[]` item with the seed's field names (`ServicType` as the seed spells it).
#[derive(Serialize)]
pub struct ScanLogItem<'a> {
    #[serde(rename = "ApplicationName")]
    application_name: &'a str,
    #[serde(rename = "ScanDate")]
    scan_date: String,
    #[serde(rename = "ScanStatus")]
    scan_status: &'static str,
    #[serde(rename = "ScanlogId")]
    scanlog_id: IdOrText<'a>,
    #[serde(rename = "SealStatus")]
    seal_status: &'static str,
    #[serde(rename = "ServicType")]
    servic_type: &'static str,
    #[serde(rename = "ServiceId")]
    service_id: &'a str,
    #[serde(rename = "TotalFoundVulnerabilities")]
    total_found_vulnerabilities: usize,
    #[serde(rename = "URL")]
    url: &'a str,
    #[serde(rename = "Vulnerabilities")]
    vulnerabilities: Vec<Vulnerability<'a>>,
    casiscan: Extension<'a>,
    groups: &'a [String],
}

impl<'a> ScanLogItem<'a> {
    /// The item for `log`, listing its observations of severity `min` and above.
    ///
    /// `ScanlogId` and `UniqueAlertId` are the store's integers; a log that was never stored
    /// (built in memory) shows its run id and its findings' fingerprints instead.
    pub fn of(log: &'a ScanLog, min: Severity) -> Self {
        let rows = listed(log, min);
        let info = log.asset_info.as_ref();
        ScanLogItem {
            application_name: info.map_or(&log.asset, |a| &a.display_name),
            scan_date: rfc3339(log.ended_at),
            scan_status: log.status.label(),
            scanlog_id: IdOrText::of(log.log_id, &log.id),
            seal_status: log.seal.as_str(),
            servic_type: "VA",
            service_id: info.map_or(&log.asset, |a| &a.id),
            total_found_vulnerabilities: rows.iter().filter(|o| o.counts()).count(),
            url: &log.target,
            vulnerabilities: rows.into_iter().map(Vulnerability::of).collect(),
            casiscan: Extension {
                account: &log.account,
                ended_at: rfc3339(log.ended_at),
                provider: log.provider.as_str(),
                scan_id: &log.scan_id,
                schema: "casiscan.scanlog.v1",
                started_at: rfc3339(log.started_at),
            },
            groups: info.map_or(&[][..], |a| a.groups.as_slice()),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::{Value, json};

    use super::*;
    use crate::export::shape::success_envelope;
    use crate::export::{CursorKey, ExportQuery, page_response};
    use crate::model::AssetInfo;

    /// A stored log with a scored and an unscored observation, one closed, one without a store id.
    fn log(stored: bool, asset: bool) -> ScanLog {
        let obs = |id: &str, alert: Option<u64>, status: &str, sev: &str, cvss: Value| {
            json!({"findingId": id, "alertId": alert, "key": {"kind": "nmap_port", "host": "10.0.0.1",
                   "protocol": "tcp", "port": 22}, "openStatus": status, "detected": true,
                   "changed": false, "title": format!("finding \"{id}\"\n"), "severity": sev,
                   "cvss": cvss, "foundOn": "10.0.0.1:22/tcp",
                   "firstFoundAt": "2026-01-01T00:00:08.640Z", "evidence": {"service": "ssh"}})
        };
        let mut v = json!({"id": "fleet/a1#3", "account": "fleet", "scanId": "fleet/a1",
        "asset": "a1", "target": "10.0.0.1", "provider": "Nmap", "status": "Scan Success",
        "seal": "FAIL", "startedAt": "2026-01-01T00:00:01Z", "endedAt": "2026-01-01T00:00:08.640Z",
        "observations": [
            obs("aa", Some(7), "Open", "high", json!({"base_score": 7.5, "version": "3.1"})),
            obs("bb", None, "Closed", "info", Value::Null),
            obs("cc", Some(9), "New", "low", Value::Null),
        ]});
        if stored {
            v["logId"] = json!(41);
        }
        let mut log: ScanLog = serde_json::from_value(v).expect("a scan log");
        if asset {
            log.asset_info = Some(AssetInfo {
                id: "fleet/a1".into(),
                display_name: "Web \u{e9}\u{1F600}".into(),
                groups: vec!["prod".into(), "web".into()],
            });
        }
        log
    }

    /// The item as the export wrote it before the typed view: a JSON tree (the reference).
    fn reference(log: &ScanLog, min: Severity) -> Value {
        let rows = listed(log, min);
        let info = log.asset_info.as_ref();
        json!({
            "ScanlogId": log.log_id.map_or_else(|| json!(log.id), |id| json!(id)),
            "ServicType": "VA",
            "ServiceId": info.map_or(&log.asset, |a| &a.id),
            "URL": log.target,
            "ApplicationName": info.map_or(&log.asset, |a| &a.display_name),
            "SealStatus": log.seal.as_str(),
            "TotalFoundVulnerabilities": rows.iter().filter(|o| o.counts()).count(),
            "ScanStatus": log.status.label(),
            "ScanDate": rfc3339(log.ended_at),
            "groups": info.map_or(&[][..], |a| a.groups.as_slice()),
            "Vulnerabilities": rows.iter().map(|o| json!({
                "UniqueAlertId": o.alert_id.map_or_else(|| json!(o.finding_id), |id| json!(id)),
                "Title": o.title, "Severity": o.severity.as_str(),
                "CVSS_Score": o.cvss.map(|c| c.base_score), "OpenStatus": o.open_status.label(),
                "FoundOn": o.found_on, "FoundDate": rfc3339(o.first_found_at),
            })).collect::<Vec<_>>(),
            "casiscan": {"schema": "casiscan.scanlog.v1", "provider": log.provider.as_str(),
                "scanId": log.scan_id, "account": log.account,
                "startedAt": rfc3339(log.started_at), "endedAt": rfc3339(log.ended_at)},
        })
    }

    #[test]
    fn an_item_is_written_byte_for_byte_as_the_json_tree_was() {
        for (stored, asset, min) in [
            (true, true, Severity::Info),
            (false, false, Severity::Info),
            (true, false, Severity::Low),
            (false, true, Severity::Critical),
        ] {
            let log = log(stored, asset);
            let text = serde_json::to_string(&ScanLogItem::of(&log, min)).expect("text");
            assert_eq!(
                text,
                reference(&log, min).to_string(),
                "{stored} {asset} {min:?}"
            );
        }
    }

    #[test]
    fn a_page_is_written_byte_for_byte_as_the_envelope_was() {
        let key = CursorKey::from_secret("k");
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 1, 2, 0, 0, 0)
            .single()
            .expect("now");
        let params = [
            ("date", "2026-01-01"),
            ("pageSize", "2"),
            ("minSeverity", "info"),
        ];
        let query: ExportQuery = crate::export::parse_export_query(
            &params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
        .expect("query");
        let logs = vec![log(true, true), log(true, false), log(false, true)];
        let answer = page_response(&key, "fleet", &query, logs.clone(), now);
        let v: Value = serde_json::from_str(&answer.body).expect("json");
        let cursor = v["casiscan"]["nextCursor"].clone();
        assert!(cursor.is_string(), "{}", answer.body);
        let items = logs[..2]
            .iter()
            .map(|l| reference(l, query.min_severity))
            .collect();
        let mut expected = success_envelope(items);
        expected["casiscan"] = json!({ "nextCursor": cursor });
        assert_eq!(answer.body, expected.to_string());
        // The last page has no cursor.
        let answer = page_response(&key, "fleet", &query, logs[..1].to_vec(), now);
        let items = vec![reference(&logs[0], query.min_severity)];
        assert_eq!(answer.body, success_envelope(items).to_string());
    }
}
