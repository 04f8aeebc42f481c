//! Observations from an OS patch run's structured `result`: missing security updates per advisory.

use serde_json::Value;

use super::fingerprint::normalize_id;
use super::outcome::Detection;
use crate::model::{Cvss, CvssVersion, FindingKey, Severity, SeveritySource};

/// One detection per (advisory, package) of every security update in `result.updates[]`.
///
/// Updates without advisories use `PKG-UPDATE:<name>`; non-security updates are not findings.
pub fn ospatch_detections(result: &Value) -> Vec<Detection> {
    let ecosystem = ["ecosystem", "distro", "os", "manager"]
        .iter()
        .find_map(|k| result.get(*k).and_then(Value::as_str))
        .unwrap_or("os")
        .to_ascii_lowercase();
    let mut out = Vec::new();
    for u in result
        .get("updates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = u.get("name").and_then(Value::as_str) else {
            continue;
        };
        let advisories = strings(u.get("advisories"));
        let is_security = u
            .get("isSecurity")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if !is_security && advisories.is_empty() {
            continue;
        }
        let pkg = u.get("sourceName").and_then(Value::as_str).unwrap_or(name);
        let ids: Vec<String> = if advisories.is_empty() {
            vec![format!("PKG-UPDATE:{pkg}")]
        } else {
            advisories.iter().map(|a| normalize_id(a)).collect()
        };
        let (severity, source, cvss) = patch_severity(u);
        let arch = u.get("arch").and_then(Value::as_str).unwrap_or_default();
        let installed = u
            .get("installedVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for advisory_id in ids {
            out.push(Detection {
                key: FindingKey::OsPatchAdvisory {
                    ecosystem: ecosystem.clone(),
                    advisory_id: advisory_id.clone(),
                    source_package: pkg.to_owned(),
                },
                title: format!("{advisory_id}: security update for {pkg} missing"),
                severity,
                severity_source: source,
                cvss,
                found_on: format!("pkg:{ecosystem}/{name}@{installed}?arch={arch}"),
                evidence: serde_json::json!({
                    "installedVersion": installed,
                    "candidateVersion": u.get("candidateVersion"),
                    "cveIds": u.get("cveIds"),
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
fn patch_severity(u: &Value) -> (Severity, SeveritySource, Option<Cvss>) {
    let cvss = ["cvss", "cvssScore"]
        .iter()
        .find_map(|k| u.get(*k).and_then(Value::as_f64))
        .and_then(|c| Cvss::new(c, CvssVersion::Unknown));
    let vendor = ["severity", "priority", "urgency"]
        .iter()
        .find_map(|k| u.get(*k).and_then(Value::as_str))
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
