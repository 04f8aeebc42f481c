//! Scan-log export: field names and envelope, every error case, UTC day boundaries, formats.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use casiscan_core::export::{ExportError, export_logs, parse_export_query};
use casiscan_core::lifecycle::{
    Coverage, FindingMap, ScanOutcome, apply_outcome, nmap_observations,
};
use casiscan_core::model::{ProviderKind, ScanLog, ScanStatus};

fn result() -> Value {
    json!({"nmap": {
        "args": "nmap -sV --script ssl-heartbleed -p 22,443 10.0.0.5",
        "scaninfos": [{"protocol": "tcp", "services": "22,443"}],
        "hosts": [{"status": {"state": "up"}, "addresses": [{"addr": "10.0.0.5", "addrtype": "ipv4"}],
            "ports": [
                {"protocol": "tcp", "portid": 22, "state": {"state": "open"}, "service": {"name": "ssh"}},
                {"protocol": "tcp", "portid": 443, "state": {"state": "open"}, "service": {"name": "https"},
                 "scripts": [{"id": "ssl-heartbleed", "items": [{"kind": "table", "key": "CVE-2014-0160", "items": [
                    {"kind": "elem", "key": "title", "value": "Heartbleed"},
                    {"kind": "elem", "key": "state", "value": "VULNERABLE"},
                    {"kind": "table", "key": "ids", "items": [{"kind": "elem", "key": null, "value": "CVE:CVE-2014-0160"}]},
                    {"kind": "table", "key": "scores", "items": [{"kind": "elem", "key": "CVSSv2", "value": "5.0"},
                                                                  {"kind": "elem", "key": "CVSSv3", "value": "7.5"}]}]}]}]}]}]
    }})
}

fn log_at(n: u32, t: DateTime<Utc>, findings: &mut FindingMap) -> ScanLog {
    let o = nmap_observations(&serde_json::from_value(result()).expect("nmap result"));
    apply_outcome(
        findings,
        &ScanOutcome {
            run_id: format!("admin/s#{n}"),
            account: "admin".into(),
            scan_id: "admin/s".into(),
            asset: "db01".into(),
            target: "10.0.0.5".into(),
            provider: ProviderKind::Nmap,
            status: ScanStatus::Success,
            started_at: t,
            ended_at: t,
            detections: o.detections,
            negatives: o.negatives,
            coverage: Coverage::Nmap(o.coverage),
        },
    )
}

fn ts(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, s)
        .single()
        .expect("valid")
}

fn q(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn logs() -> Vec<ScanLog> {
    let mut f = FindingMap::new();
    vec![
        log_at(1, ts(2026, 1, 31, 23, 59, 59), &mut f),
        log_at(2, ts(2026, 2, 1, 0, 0, 0), &mut f),
        log_at(3, ts(2026, 2, 1, 23, 59, 59), &mut f),
        log_at(4, ts(2026, 2, 2, 0, 0, 0), &mut f),
    ]
}

fn data(body: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(body).expect("json");
    v["result"]["data"].as_array().cloned().expect("data array")
}

#[test]
fn seed_field_names_and_envelope() {
    let r = export_logs("admin", &logs(), &q(&[("date", "2026-02-01")]));
    assert_eq!(r.http_status, 200);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(v["status"], 200);
    assert_eq!(v["result"]["success"], "Scan logs fetched successfully.");
    let item = &v["result"]["data"][0];
    let mut keys: Vec<&str> = item
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "ApplicationName",
            "Vulnerabilities",
            "SealStatus",
            "ScanDate",
            "ScanStatus",
            "ScanlogId",
            "ServiceId",
            "ServicType",
            "TotalFoundVulnerabilities",
            "URL",
            "casiscan",
            "groups"
        ]
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
    let vuln = &item["Vulnerabilities"][0];
    let mut vk: Vec<&str> = vuln
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    vk.sort_unstable();
    assert_eq!(
        vk,
        [
            "CVSS_Score",
            "FoundDate",
            "FoundOn",
            "OpenStatus",
            "Severity",
            "Title",
            "UniqueAlertId"
        ]
    );
    assert_eq!(vuln["Severity"], "high");
    assert_eq!(vuln["CVSS_Score"], 7.5);
    assert_eq!(vuln["FoundOn"], "10.0.0.5:443/tcp");
    assert_eq!(vuln["FoundDate"], "2026-01-31T23:59:59Z");
    assert_eq!(item["ScanStatus"], "Scan Success");
    assert_eq!(item["SealStatus"], "FAIL");
    assert_eq!(
        item["TotalFoundVulnerabilities"], 1,
        "open ports are info, hidden by default"
    );
    assert_eq!(item["Vulnerabilities"].as_array().map(Vec::len), Some(1));
}

#[test]
fn day_boundaries_are_utc_and_inclusive() {
    let r = export_logs("admin", &logs(), &q(&[("date", "2026-02-01")]));
    let ids: Vec<Value> = data(&r.body)
        .iter()
        .map(|d| d["ScanlogId"].clone())
        .collect();
    assert_eq!(
        ids,
        [json!("admin/s#2"), json!("admin/s#3")],
        "00:00:00 and 23:59:59 in, next 00:00 out"
    );
    let r = export_logs(
        "admin",
        &logs(),
        &q(&[("fromDate", "2026-01-31"), ("toDate", "2026-02-02")]),
    );
    let dates: Vec<Value> = data(&r.body)
        .iter()
        .map(|d| d["ScanDate"].clone())
        .collect();
    assert_eq!(dates.len(), 4, "range across months");
    assert_eq!(dates[0], "2026-01-31T23:59:59Z");
    assert_eq!(dates[3], "2026-02-02T00:00:00Z");
}

#[test]
fn every_error_case() {
    let cases: &[(&[(&str, &str)], ExportError)] = &[
        (&[], ExportError::MissingDate),
        (
            &[("date", "2026-02-01"), ("fromDate", "2026-02-01")],
            ExportError::ConflictingDateParams,
        ),
        (&[("fromDate", "2026-02-01")], ExportError::IncompleteRange),
        (&[("toDate", "2026-02-01")], ExportError::IncompleteRange),
        (&[("date", "2023-02-29")], ExportError::InvalidDateFormat),
        (&[("date", "2024-2-1")], ExportError::InvalidDateFormat),
        (
            &[("date", "2024-02-01T00:00")],
            ExportError::InvalidDateFormat,
        ),
        (
            &[("fromDate", "2026-02-02"), ("toDate", "2026-02-01")],
            ExportError::RangeInverted,
        ),
        (
            &[("fromDate", "2026-01-01"), ("toDate", "2026-02-01")],
            ExportError::RangeTooLong,
        ),
        (
            &[("date", "2026-02-01"), ("format", "xml")],
            ExportError::InvalidParameter("format"),
        ),
        (&[("date", "2025-01-01")], ExportError::NoLogsFound),
    ];
    for (params, want) in cases {
        let r = export_logs("admin", &logs(), &q(params));
        assert_eq!(r.http_status, want.http_status(), "{params:?}");
        let v: Value = serde_json::from_str(&r.body).expect("json");
        assert_eq!(v["status"], want.http_status());
        assert_eq!(v["result"]["code"], want.code(), "{params:?}");
        assert_eq!(v["result"]["error"], want.to_string());
        assert_eq!(v["result"]["data"], json!([]));
        assert!(v["result"].get("success").is_none());
    }
    assert!(parse_export_query(&q(&[("date", "2024-02-29")])).is_ok());
    assert!(
        parse_export_query(&q(&[("fromDate", "2026-01-01"), ("toDate", "2026-01-31")])).is_ok(),
        "31 days ok"
    );
    let other = export_logs("someone-else", &logs(), &q(&[("date", "2026-02-01")]));
    assert_eq!(other.http_status, 404, "logs never cross accounts");
}

#[test]
fn jsonl_and_ocsf() {
    let json = export_logs("admin", &logs(), &q(&[("date", "2026-02-01")]));
    let lines = export_logs(
        "admin",
        &logs(),
        &q(&[("date", "2026-02-01"), ("format", "jsonl")]),
    );
    assert_eq!(lines.content_type, "application/x-ndjson");
    let first: Value =
        serde_json::from_str(lines.body.lines().next().expect("line")).expect("json");
    assert_eq!(first, data(&json.body)[0]);
    let ocsf = export_logs(
        "admin",
        &logs(),
        &q(&[
            ("date", "2026-02-01"),
            ("format", "ocsf"),
            ("minSeverity", "info"),
        ]),
    );
    let events: Vec<Value> = ocsf
        .body
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(events.len(), 6, "3 rows per log, 2 logs");
    for e in &events {
        let class = e["class_uid"].as_u64().expect("class");
        assert_eq!(
            e["type_uid"].as_u64(),
            Some(class * 100 + e["activity_id"].as_u64().expect("activity"))
        );
        for k in [
            "activity_id",
            "category_uid",
            "severity_id",
            "time",
            "metadata",
            "finding_info",
        ] {
            assert!(e.get(k).is_some(), "{k}");
        }
        if class == 2002 {
            let v = &e["vulnerabilities"][0];
            let n = ["advisory", "cve", "cwe"]
                .iter()
                .filter(|k| v.get(**k).is_some())
                .count();
            assert_eq!(n, 1, "just_one of advisory/cve/cwe");
            assert_eq!(e["severity_id"], 4);
        } else {
            assert_eq!(class, 2004);
            assert_eq!(e["severity_id"], 1);
        }
    }
}

#[test]
fn without_paging_1000_logs_are_answered_and_one_more_is_result_too_large() {
    assert_eq!(casiscan_core::export::COMPAT_MAX_LOGS, 1000);
    let mut f = FindingMap::new();
    let day: Vec<ScanLog> = (0..1001)
        .map(|n| {
            log_at(
                n,
                ts(2026, 2, 1, 12, 0, 0) + chrono::TimeDelta::seconds(i64::from(n)),
                &mut f,
            )
        })
        .collect();
    let r = export_logs("admin", &day[..1000], &q(&[("date", "2026-02-01")]));
    assert_eq!(r.http_status, 200, "{}", r.body);
    assert_eq!(data(&r.body).len(), 1000);
    let r = export_logs("admin", &day, &q(&[("date", "2026-02-01")]));
    assert_eq!(r.http_status, 400, "{}", r.body);
    assert!(
        r.body.contains(ExportError::ResultTooLarge.code()),
        "{}",
        r.body
    );
}
