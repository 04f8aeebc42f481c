//! Observations from an OS patch run's typed report: missing security updates per advisory,
//! whichever backend (Debian, RPM, Windows Update) made the security verdict.

use super::fingerprint::normalize_id;
use super::outcome::Detection;
use crate::model::{FindingKey, Severity, SeveritySource};
use crate::providers::ospatch::{PatchReport, PatchUpdate};

/// One detection per (advisory, package) of every security update of an OS patch report.
///
/// Updates without advisories use `PKG-UPDATE:<name>`; non-security updates (bug fixes, update
/// rollups) are not findings.
pub fn ospatch_detections(report: &PatchReport) -> Vec<Detection> {
    let ecosystem = report.backend.ecosystem();
    let mut out = Vec::new();
    for u in report.security_updates() {
        let pkg = &u.name;
        let ids: Vec<String> = if u.advisories.is_empty() {
            vec![format!("PKG-UPDATE:{pkg}")]
        } else {
            u.advisories.iter().map(|a| normalize_id(a)).collect()
        };
        let (severity, source) = patch_severity(u);
        let installed = u.installed_version.as_deref().unwrap_or_default();
        let found_on = format!(
            "pkg:{ecosystem}/{}@{installed}?arch={}",
            u.name,
            u.arch.as_deref().unwrap_or_default()
        );
        for advisory_id in ids {
            out.push(Detection {
                key: FindingKey::OsPatchAdvisory {
                    ecosystem: ecosystem.to_owned(),
                    advisory_id: advisory_id.clone(),
                    source_package: pkg.clone(),
                },
                title: format!("{advisory_id}: security update for {pkg} missing"),
                severity,
                severity_source: source,
                cvss: None,
                found_on: found_on.clone(),
                evidence: serde_json::json!({
                    "installedVersion": installed,
                    "candidateVersion": u.candidate_version.as_deref().unwrap_or(&u.title),
                    "cveIds": u.cve_ids,
                }),
            });
        }
    }
    out
}

/// Pending updates as `name arch` → candidate (Windows: KB → title), for run diffs.
pub fn pending_updates(report: &PatchReport) -> impl Iterator<Item = (String, &str)> {
    report.updates.iter().map(|u: &PatchUpdate| {
        (
            format!("{} {}", u.name, u.arch.as_deref().unwrap_or_default())
                .trim()
                .to_owned(),
            u.candidate_version.as_deref().unwrap_or(&u.title),
        )
    })
}

/// The vendor's rating, else medium.
fn patch_severity(u: &PatchUpdate) -> (Severity, SeveritySource) {
    match u.severity.as_deref().and_then(Severity::from_vendor_rating) {
        Some(sev) => (sev, SeveritySource::Vendor),
        None => (Severity::Medium, SeveritySource::Default),
    }
}
