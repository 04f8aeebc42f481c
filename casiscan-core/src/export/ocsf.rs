//! OCSF 1.8.0 Vulnerability Finding (2002) / Detection Finding (2004) events, one per listed row.

use serde_json::{Value, json};

use super::shape::{listed, rfc3339};
use crate::model::{FindingKey, LifecycleState, Observation, ScanLog, Severity};

/// OCSF `severity_id` (1 Informational … 5 Critical).
pub fn severity_id(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

/// OCSF finding `activity_id`: New → 1 Create, Opened/Re-Opened → 2 Update, Closed → 3 Close.
pub fn activity_id(s: LifecycleState) -> u8 {
    match s {
        LifecycleState::New => 1,
        LifecycleState::Open | LifecycleState::Reopened => 2,
        LifecycleState::Closed => 3,
    }
}

fn vulnerability(o: &Observation) -> Option<Value> {
    let cvss = o
        .cvss
        .map(|c| vec![json!({"base_score": c.base_score, "version": c.version})]);
    match &o.key {
        FindingKey::NmapVulners { vuln_id, .. }
        | FindingKey::NmapNse {
            vuln_key: vuln_id, ..
        } if vuln_id.starts_with("CVE-") => {
            Some(json!({"title": o.title, "severity": o.severity.label(),
                "cve": {"uid": vuln_id, "cvss": cvss.unwrap_or_default()}}))
        }
        FindingKey::OsPatchAdvisory {
            advisory_id,
            source_package,
            ..
        } => Some(json!({
            "title": o.title, "severity": o.severity.label(),
            "advisory": {"uid": advisory_id, "title": o.title},
            "affected_packages": [{"name": source_package}], "is_fix_available": true})),
        _ => None,
    }
}

/// The finding's `UniqueAlertId` as an OCSF uid (its fingerprint when the log was not stored).
fn alert_uid(o: &Observation) -> String {
    o.alert_id
        .map_or_else(|| o.finding_id.clone(), |id| id.to_string())
}

/// The scanned host as an OCSF resource: asset id and display name, target, asset groups.
fn resource(log: &ScanLog) -> Value {
    let info = log.asset_info.as_ref();
    let mut r = json!({
        "uid": info.map_or(&log.asset, |a| &a.id),
        "name": info.map_or(&log.asset, |a| &a.display_name),
        "type": "host",
    });
    if let Some(obj) = r.as_object_mut() {
        let key = if log.target.parse::<std::net::IpAddr>().is_ok() {
            "ip"
        } else {
            "hostname"
        };
        obj.insert(key.into(), json!(log.target));
        if let Some(a) = info.filter(|a| !a.groups.is_empty()) {
            obj.insert("labels".into(), json!(a.groups));
        }
    }
    r
}

/// One OCSF event per listed row of `log`.
pub fn ocsf_events(log: &ScanLog, min: Severity) -> Vec<Value> {
    let time = log.ended_at.timestamp_millis();
    let log_uid = log
        .log_id
        .map_or_else(|| log.id.clone(), |id| id.to_string());
    listed(log, min)
        .into_iter()
        .map(|o| {
            let vuln = vulnerability(o);
            let class_uid: u32 = if vuln.is_some() { 2002 } else { 2004 };
            let activity = activity_id(o.open_status);
            let (status_id, status) = if o.open_status == LifecycleState::Closed {
                (4, "Resolved")
            } else if o.suppressed.is_some() {
                (3, "Suppressed")
            } else {
                (1, "New")
            };
            let mut ev = json!({
                "class_uid": class_uid,
                "category_uid": 2,
                "category_name": "Findings",
                "activity_id": activity,
                "type_uid": class_uid * 100 + u32::from(activity),
                "time": time,
                "severity_id": severity_id(o.severity),
                "severity": o.severity.label(),
                "status_id": status_id,
                "status": status,
                "metadata": {"version": "1.8.0",
                    "product": {"name": "casiscan", "vendor_name": "casiscan", "version": env!("CARGO_PKG_VERSION")},
                    "uid": format!("{log_uid}:{}", alert_uid(o)), "correlation_uid": log_uid, "log_name": "scan_log"},
                "finding_info": {"uid": alert_uid(o), "title": o.title,
                    "first_seen_time": o.first_found_at.timestamp_millis(),
                    "types": [format!("casiscan:{}", o.key.kind().as_str())]},
                "resources": [resource(log)],
                "unmapped": {"casiscan": {"open_status": o.open_status.label(), "provider": log.provider.as_str(),
                    "scan_status": log.status.label(), "seal_status": log.seal.as_str(), "changed": o.changed,
                    "found_on": o.found_on, "scan_date": rfc3339(log.ended_at)}},
            });
            if let (Some(v), Some(obj)) = (vuln, ev.as_object_mut()) {
                obj.insert("vulnerabilities".into(), json!([v]));
            }
            ev
        })
        .collect()
}
