//! The OS patch report: one model, the same keys for Debian/Ubuntu, RPM and Windows.
//!
//! A key a backend cannot know is `null` and a warning says why (`unknown: <key>: <reason>`);
//! keys that belong to one backend only (apt's suites, a Windows update's KB) are `null` or
//! empty on the others.

use serde::{Deserialize, Serialize};

use super::support::SupportStatus;
use crate::error::{Error, Result};

/// Which package database a report was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// dpkg status and apt's lists (Debian, Ubuntu).
    #[serde(alias = "dpkg-apt")]
    Debian,
    /// The rpmdb and dnf's cached repodata (Fedora, RHEL, Rocky, Alma …).
    Rpm,
    /// The Windows Update Agent, through PowerShell (or its recorded output).
    Windows,
}

impl Backend {
    /// Every backend, in detection order.
    pub const ALL: [Backend; 3] = [Backend::Debian, Backend::Rpm, Backend::Windows];

    /// The stable name: `debian`, `rpm`, `windows`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Debian => "debian",
            Backend::Rpm => "rpm",
            Backend::Windows => "windows",
        }
    }

    /// The package-URL type of its packages: `deb`, `rpm`, `windows`.
    pub fn ecosystem(self) -> &'static str {
        match self {
            Backend::Debian => "deb",
            Backend::Rpm => "rpm",
            Backend::Windows => "windows",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Backend {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "debian" | "deb" | "dpkg" | "apt" | "ubuntu" => Ok(Backend::Debian),
            "rpm" | "dnf" => Ok(Backend::Rpm),
            "windows" | "wua" => Ok(Backend::Windows),
            other => Err(Error::invalid(
                format!("OS patch backend `{}`", other.escape_debug()),
                "expected `debian`, `rpm` or `windows`",
            )),
        }
    }
}

/// A package source: an apt list, a dnf repository cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchSource {
    /// Identifier (apt: `origin/suite/component`; dnf: the cache directory).
    pub id: String,
    /// Suite (apt only).
    pub suite: Option<String>,
    /// A security archive (apt only; dnf marks security per advisory).
    pub is_security: Option<bool>,
    /// apt pin priority.
    pub priority: Option<i32>,
    /// Release `Date` (apt only), RFC 3339.
    pub release_date: Option<String>,
    /// Release `Valid-Until` (apt only), RFC 3339.
    pub valid_until: Option<String>,
}

/// One installed package (Windows: one installed update or hotfix).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstalledPackage {
    /// Package name (Windows: the KB, else the update title).
    pub name: String,
    /// Installed version (`null` on Windows).
    pub version: Option<String>,
    /// Architecture (`null` on Windows).
    pub arch: Option<String>,
    /// Source package (dpkg `Source`, the RPM's source RPM).
    pub source_name: Option<String>,
    /// State (dpkg state, `installed`, a Windows install result).
    pub state: Option<String>,
    /// dpkg selection (`install`, `hold` …; Debian only).
    pub selection: Option<String>,
    /// When it was installed, RFC 3339 (RPM, Windows).
    pub installed_on: Option<String>,
}

/// One pending update, with its security verdict made by its backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchUpdate {
    /// Package name (Windows: the KB, else the update title).
    pub name: String,
    /// One line for people: `name installed → candidate`, or the Windows update title.
    pub title: String,
    /// Installed package's architecture (`null` on Windows).
    pub arch: Option<String>,
    /// Installed version (`null` on Windows).
    pub installed_version: Option<String>,
    /// Version the update installs (`null` on Windows).
    pub candidate_version: Option<String>,
    /// The backend's security verdict (Debian: a security-archive version in (installed,
    /// candidate]; RPM: a security advisory in that range; Windows: the Security Updates
    /// classification or an MSRC rating).
    pub is_security: bool,
    /// Vendor severity (RPM advisory, MSRC rating); `null` when none was given.
    pub severity: Option<String>,
    /// Advisory ids (RHSA/ALSA/FEDORA …; Windows: the KB).
    pub advisories: Vec<String>,
    /// CVE ids.
    pub cve_ids: Vec<String>,
    /// Kept back (apt-mark hold, dnf versionlock); `null` when the backend cannot know.
    pub held: Option<bool>,
    /// Installing it needs (or may need) a reboot; `null` when the backend cannot know.
    pub reboot_required: Option<bool>,
    /// Download size in bytes.
    pub download_size: Option<u64>,
    /// apt suites offering the candidate (Debian only).
    pub suites: Vec<String>,
    /// apt priority of the candidate (Debian only).
    pub candidate_priority: Option<i32>,
    /// The lowest security-archive version in (installed, candidate] (Debian only).
    pub security_version: Option<String>,
    /// The candidate itself is in a security archive (Debian only).
    pub candidate_in_security_archive: Option<bool>,
    /// Ubuntu phased-update percentage (Debian only).
    pub phased_percentage: Option<u32>,
    /// `KB…` (Windows only).
    pub kb: Option<String>,
    /// Update classifications (Windows only).
    pub categories: Vec<String>,
}

impl PatchUpdate {
    /// An update of package `name` from `installed` to `candidate`, titled
    /// `name installed → candidate`, with every verdict and detail unknown or empty.
    pub fn package(name: String, arch: String, installed: String, candidate: String) -> Self {
        PatchUpdate {
            title: format!("{name} {installed} → {candidate}"),
            name,
            arch: Some(arch),
            installed_version: Some(installed),
            candidate_version: Some(candidate),
            is_security: false,
            severity: None,
            advisories: Vec::new(),
            cve_ids: Vec::new(),
            held: None,
            reboot_required: None,
            download_size: None,
            suites: Vec::new(),
            candidate_priority: None,
            security_version: None,
            candidate_in_security_archive: None,
            phased_percentage: None,
            kb: None,
            categories: Vec::new(),
        }
    }
}

/// Whether a reboot is needed; `required: null` means unknown, never a guess.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reboot {
    /// True, false or unknown.
    pub required: Option<bool>,
    /// Why.
    pub reasons: Vec<String>,
    /// Packages asking for it (`run/reboot-required.pkgs`).
    pub packages: Vec<String>,
    /// The running kernel release, when known.
    pub running_kernel: Option<String>,
}

/// Counts of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Installed packages.
    pub installed_count: usize,
    /// Pending updates.
    pub updates_count: usize,
    /// Security updates; `null` when security cannot be told (RPM without updateinfo).
    pub security_updates_count: Option<usize>,
    /// Updates whose candidate is in a security archive (Debian only).
    pub security_candidate_count: Option<usize>,
    /// Held updates; `null` when the backend cannot know.
    pub held_count: Option<usize>,
    /// Age of the update metadata (apt: newest Release `Date`; Windows: last successful search).
    pub metadata_as_of: Option<String>,
    /// Some metadata is past its `Valid-Until` (Debian only).
    pub metadata_expired: Option<bool>,
}

/// The OS patch report of one machine or root, whichever backend read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchReport {
    /// Which backend produced it.
    pub backend: Backend,
    /// `PRETTY_NAME` from os-release.
    pub os: Option<String>,
    /// Support phase of the release (distro-info), when known.
    pub support: Option<SupportStatus>,
    /// Native architecture.
    pub arch: Option<String>,
    /// Package sources that were read.
    pub sources: Vec<PatchSource>,
    /// Installed packages (Windows: installed updates and hotfixes).
    pub installed: Vec<InstalledPackage>,
    /// Pending updates.
    pub updates: Vec<PatchUpdate>,
    /// Reboot state.
    pub reboot: Reboot,
    /// Counts.
    pub summary: Summary,
    /// What to do next.
    pub recommendations: Vec<String>,
    /// Files that could not be read, records that were ignored, keys that are unknown and why.
    pub warnings: Vec<String>,
}

impl PatchReport {
    /// The updates its backend calls security updates.
    pub fn security_updates(&self) -> impl Iterator<Item = &PatchUpdate> {
        self.updates.iter().filter(|u| u.is_security)
    }
}

/// The warning that says why `key` is `null`.
pub(crate) fn unknown(key: &str, reason: &str) -> String {
    format!("unknown: {key}: {reason}")
}

/// Summary counts that every backend computes the same way from its updates.
pub(crate) fn count(installed: usize, updates: &[PatchUpdate]) -> Summary {
    let held = updates
        .iter()
        .map(|u| u.held)
        .collect::<Option<Vec<bool>>>();
    Summary {
        installed_count: installed,
        updates_count: updates.len(),
        security_updates_count: Some(updates.iter().filter(|u| u.is_security).count()),
        security_candidate_count: None,
        held_count: held.map(|h| h.into_iter().filter(|&h| h).count()),
        metadata_as_of: None,
        metadata_expired: None,
    }
}
