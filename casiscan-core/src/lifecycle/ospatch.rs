//! Observations from an OS patch run's structured `result`: missing security updates per advisory,
//! read from the report of whichever backend ran (Debian, RPM, Windows Update).

use serde_json::Value;

use super::fingerprint::normalize_id;
use super::outcome::Detection;
use crate::model::{Cvss, CvssVersion, FindingKey, Severity, SeveritySource};
use crate::providers::ospatch::windows::SECURITY_UPDATES_CATEGORY;

/// One pending update, whichever backend reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingUpdate {
    /// Package ecosystem: `deb`, `rpm`, `windows`, or what a generic result names.
    pub ecosystem: String,
    /// Package name (a Windows update: its KB, else its title).
    pub name: String,
    /// Source package the advisory is about (falls back to the name).
    pub source_package: String,
    /// Architecture, when known.
    pub arch: String,
    /// Installed version, when known.
    pub installed: String,
    /// Candidate version (a Windows update: its title).
    pub candidate: String,
    /// The backend calls it a security update.
    pub is_security: bool,
    /// Advisory ids (DSA/RHSA/KB …).
    pub advisories: Vec<String>,
    /// CVE ids.
    pub cve_ids: Vec<String>,
    /// The vendor's rating (`Important`, MSRC `Critical` …).
    pub vendor_severity: Option<String>,
    /// A CVSS base score given with the update.
    pub cvss: Option<f64>,
}

/// The pending updates of an OS patch result: `report.updates` (Debian, RPM),
/// `report.available` (Windows Update) or a generic top-level `updates` list.
pub fn pending_updates(result: &Value) -> Vec<PendingUpdate> {
    let report = result.get("report").unwrap_or(&Value::Null);
    if let Some(list) = report.get("available").and_then(Value::as_array) {
        return list.iter().filter_map(windows_update).collect();
    }
    let (list, ecosystem) = match report.get("updates").and_then(Value::as_array) {
        Some(list) => (list.as_slice(), report_ecosystem(report)),
        None => (
            result
                .get("updates")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice),
            named_ecosystem(result),
        ),
    };
    list.iter()
        .filter_map(|u| package_update(u, &ecosystem))
        .collect()
}

fn report_ecosystem(report: &Value) -> String {
    match report.get("backend").and_then(Value::as_str) {
        Some("dpkg-apt") => "deb".into(),
        Some(other) => other.to_ascii_lowercase(),
        None if report.get("repos").is_some() => "rpm".into(),
        None => named_ecosystem(report),
    }
}

fn named_ecosystem(result: &Value) -> String {
    ["ecosystem", "distro", "os", "manager"]
        .iter()
        .find_map(|k| result.get(*k).and_then(Value::as_str))
        .unwrap_or("os")
        .to_ascii_lowercase()
}

fn text(u: &Value, key: &str) -> String {
    u.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn package_update(u: &Value, ecosystem: &str) -> Option<PendingUpdate> {
    let name = u.get("name").and_then(Value::as_str)?.to_owned();
    let source = u
        .get("sourceName")
        .and_then(Value::as_str)
        .unwrap_or(&name)
        .to_owned();
    Some(PendingUpdate {
        ecosystem: ecosystem.to_owned(),
        source_package: source,
        arch: text(u, "arch"),
        installed: text(u, "installedVersion"),
        candidate: text(u, "candidateVersion"),
        is_security: u
            .get("isSecurity")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        advisories: strings(u.get("advisories")),
        cve_ids: strings(u.get("cveIds")),
        vendor_severity: ["severity", "priority", "urgency"]
            .iter()
            .find_map(|k| u.get(*k).and_then(Value::as_str))
            .map(str::to_owned),
        cvss: ["cvss", "cvssScore"]
            .iter()
            .find_map(|k| u.get(*k).and_then(Value::as_f64)),
        name,
    })
}

/// A Windows Update Agent entry (`WuaUpdate` as the report serialises it).
fn windows_update(u: &Value) -> Option<PendingUpdate> {
    let title = u.get("title").and_then(Value::as_str)?.to_owned();
    let kbs: Vec<String> = strings(u.get("kbArticleIds"))
        .iter()
        .map(|k| format!("KB{}", k.trim_start_matches("KB")))
        .collect();
    let severity = u
        .get("msrcSeverity")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let security_category = u
        .get("categories")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("id").and_then(Value::as_str))
        .any(|id| id.eq_ignore_ascii_case(SECURITY_UPDATES_CATEGORY));
    let name = kbs.first().cloned().unwrap_or_else(|| title.clone());
    Some(PendingUpdate {
        ecosystem: "windows".into(),
        source_package: name.clone(),
        name,
        arch: String::new(),
        installed: String::new(),
        candidate: title,
        is_security: security_category || severity.is_some(),
        advisories: kbs,
        cve_ids: strings(u.get("cveIds")),
        vendor_severity: severity,
        cvss: None,
    })
}

/// One detection per (advisory, package) of every security update of an OS patch result.
///
/// Updates without advisories use `PKG-UPDATE:<name>`; non-security updates (bug fixes, update
/// rollups) are not findings.
pub fn ospatch_detections(result: &Value) -> Vec<Detection> {
    let mut out = Vec::new();
    for u in pending_updates(result) {
        if !u.is_security {
            continue;
        }
        let pkg = &u.source_package;
        let ids: Vec<String> = if u.advisories.is_empty() {
            vec![format!("PKG-UPDATE:{pkg}")]
        } else {
            u.advisories.iter().map(|a| normalize_id(a)).collect()
        };
        let (severity, source, cvss) = patch_severity(&u);
        let found_on = format!(
            "pkg:{}/{}@{}?arch={}",
            u.ecosystem, u.name, u.installed, u.arch
        );
        for advisory_id in ids {
            out.push(Detection {
                key: FindingKey::OsPatchAdvisory {
                    ecosystem: u.ecosystem.clone(),
                    advisory_id: advisory_id.clone(),
                    source_package: pkg.clone(),
                },
                title: format!("{advisory_id}: security update for {pkg} missing"),
                severity,
                severity_source: source,
                cvss,
                found_on: found_on.clone(),
                evidence: serde_json::json!({
                    "installedVersion": u.installed,
                    "candidateVersion": u.candidate,
                    "cveIds": u.cve_ids,
                }),
            });
        }
    }
    out
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().or_else(|| x.get("id").and_then(Value::as_str)))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Vendor rating first, then the best CVSS, else medium.
fn patch_severity(u: &PendingUpdate) -> (Severity, SeveritySource, Option<Cvss>) {
    let cvss = u.cvss.and_then(|c| Cvss::new(c, CvssVersion::Unknown));
    let vendor = u
        .vendor_severity
        .as_deref()
        .and_then(Severity::from_vendor_rating);
    match (vendor, cvss) {
        (Some(sev), c) => (sev, SeveritySource::Vendor, c),
        (None, Some(c)) => (
            Severity::from_cvss(c.base_score),
            SeveritySource::Cvss,
            Some(c),
        ),
        (None, None) => (Severity::Medium, SeveritySource::Default, None),
    }
}
