//! The stored result of an OS patch scan, `{"patches": [...], "report": {...}}`, and the reading
//! of results stored by earlier versions (whose `report` was the backend's own shape).

use serde::{Deserialize, Serialize};

use super::report::{Backend, PatchReport, PatchUpdate, count, unknown};
use super::rows::PatchRow;
use super::windows::{WuaReport, patch_report as windows_report};

/// Casibase's rows plus the report: what an OS patch scan stores as its result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OsPatchResult {
    /// Casibase's patch rows (pending updates, installed items, or both).
    #[serde(default)]
    pub patches: Vec<PatchRow>,
    /// The report; `None` only in a result that has none.
    #[serde(default)]
    pub report: Option<PatchReport>,
}

impl OsPatchResult {
    /// Parses a stored result, of this version or an earlier one.
    pub fn from_json(text: &str) -> serde_json::Result<OsPatchResult> {
        match serde_json::from_str::<OsPatchResult>(text) {
            Ok(r) => Ok(r),
            Err(e) => serde_json::from_str::<Legacy>(text)
                .map(Legacy::upgrade)
                .map_err(|_| e),
        }
    }
}

/// A result stored before the common report.
#[derive(Deserialize)]
struct Legacy {
    #[serde(default)]
    patches: Vec<PatchRow>,
    #[serde(default)]
    report: Option<LegacyReport>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LegacyReport {
    /// Debian (`backend: "dpkg-apt"`) or RPM (`repos`, no backend).
    Packages(LegacyPackages),
    /// The Windows Update Agent's own report.
    Windows(WuaReport),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacyPackages {
    #[serde(default)]
    backend: Option<String>,
    #[serde(default)]
    repos: Option<Vec<String>>,
    updates: Vec<LegacyUpdate>,
    #[serde(default)]
    installed: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacyUpdate {
    name: String,
    #[serde(default)]
    arch: String,
    #[serde(default)]
    installed_version: String,
    #[serde(default)]
    candidate_version: String,
    #[serde(default)]
    is_security: bool,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    advisories: Vec<String>,
    #[serde(default)]
    cve_ids: Vec<String>,
    #[serde(default)]
    held: Option<bool>,
    #[serde(default)]
    download_size: Option<u64>,
}

impl Legacy {
    fn upgrade(self) -> OsPatchResult {
        let report = self.report.map(|r| match r {
            LegacyReport::Windows(w) => windows_report(w),
            LegacyReport::Packages(p) => packages(p),
        });
        OsPatchResult {
            patches: self.patches,
            report,
        }
    }
}

fn packages(p: LegacyPackages) -> PatchReport {
    let backend = match (p.backend.as_deref(), &p.repos) {
        (Some("dpkg-apt"), _) | (None, None) => Backend::Debian,
        _ => Backend::Rpm,
    };
    let updates: Vec<PatchUpdate> = p
        .updates
        .into_iter()
        .map(|u| PatchUpdate {
            is_security: u.is_security,
            severity: u.severity,
            advisories: u.advisories,
            cve_ids: u.cve_ids,
            held: u.held,
            download_size: u.download_size,
            ..PatchUpdate::package(u.name, u.arch, u.installed_version, u.candidate_version)
        })
        .collect();
    let mut warnings = p.warnings;
    warnings.push(unknown(
        "installed",
        "stored by an earlier casiscan: only the updates were carried over",
    ));
    PatchReport {
        backend,
        os: None,
        support: None,
        arch: None,
        sources: Vec::new(),
        summary: count(p.installed.len(), &updates),
        installed: Vec::new(),
        updates,
        reboot: Default::default(),
        recommendations: Vec::new(),
        warnings,
    }
}
