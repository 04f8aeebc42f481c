//! The Debian/Ubuntu report: installed set, updates with apt's candidate, security updates by
//! the version-range rule, reboot state and recommendations.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::super::cache_file::{Limits, read_bytes, read_optional_text};
use super::super::report::Reboot;
use super::super::support::{SupportStatus, os_release, pretty_name, support_status};
use super::apt_lists::{Offer, Source, read_lists};
use super::debversion::compare;
use super::dpkg_status::{InstalledPackage, native_arch, parse_status};
use super::policy::{candidate, default_release, prioritise, read_pins};
use crate::error::{Error, Result};

/// One available update.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DebianUpdate {
    /// Package name.
    pub name: String,
    /// Installed version's architecture.
    pub arch: String,
    /// Installed version.
    pub installed_version: String,
    /// apt's candidate.
    pub candidate_version: String,
    /// Suites offering the candidate.
    pub suites: Vec<String>,
    /// Priority of the candidate.
    pub candidate_priority: i32,
    /// Some security-archive version lies in (installed, candidate].
    pub is_security: bool,
    /// The candidate itself is in a security archive.
    pub candidate_in_security_archive: bool,
    /// The lowest security version in that range.
    pub security_version: Option<String>,
    /// Advisory ids (none are available offline on Debian/Ubuntu).
    pub advisories: Vec<String>,
    /// CVE ids (none are available offline on Debian/Ubuntu).
    pub cve_ids: Vec<String>,
    /// Held with `apt-mark hold`: apt-get upgrade keeps it back.
    pub held: bool,
    /// Ubuntu phased-update percentage of the candidate.
    pub phased_percentage: Option<u32>,
    /// Download size of the candidate in bytes.
    pub download_size: Option<u64>,
}

/// Counts for the one-line summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DebianSummary {
    /// Installed packages.
    pub installed_count: usize,
    /// Available updates.
    pub updates_count: usize,
    /// Security updates (version-range rule).
    pub security_updates_count: usize,
    /// Updates whose candidate is in a security archive.
    pub security_candidate_count: usize,
    /// Held updates.
    pub held_count: usize,
    /// Newest Release `Date` of the lists.
    pub metadata_as_of: Option<String>,
    /// Some list is past its `Valid-Until` (apt would refuse it).
    pub metadata_expired: bool,
}

/// The whole Debian/Ubuntu report, before it becomes a [`super::super::PatchReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DebianReport {
    /// `PRETTY_NAME` from os-release.
    pub os: Option<String>,
    /// Support phase of the release (from distro-info), when known.
    pub support: Option<SupportStatus>,
    /// Native architecture.
    pub arch: String,
    /// Package sources with their priorities.
    pub sources: Vec<Source>,
    /// Installed packages.
    pub installed: Vec<InstalledPackage>,
    /// Available updates, sorted by name.
    pub updates: Vec<DebianUpdate>,
    /// Reboot state.
    pub reboot: Reboot,
    /// Counts.
    pub summary: DebianSummary,
    /// What to do next.
    pub recommendations: Vec<String>,
    /// Files that could not be read or records that were ignored.
    pub warnings: Vec<String>,
}

/// Builds the report from the dpkg and apt files under `root`.
pub fn debian_report(root: &Path) -> Result<DebianReport> {
    debian_report_at(root, Utc::now())
}

/// Builds the report as it stands at `now` (support phase, expired and stale lists).
pub fn debian_report_at(root: &Path, now: DateTime<Utc>) -> Result<DebianReport> {
    let status_path = root.join("var/lib/dpkg/status");
    let bytes = read_bytes(&status_path, Limits::STATUS)?;
    let mut warnings = Vec::new();
    let installed =
        parse_status(&bytes, &status_path, &mut warnings).map_err(|m| Error::Parse {
            message: format!("{}: {m}", status_path.display()),
            line: None,
            column: None,
        })?;
    drop(bytes);
    if installed.is_empty() {
        let mut message = format!("{}: no installed package", status_path.display());
        for w in &warnings {
            message.push_str("; ");
            message.push_str(w);
        }
        return Err(Error::parse(message));
    }
    let arch = native_arch(&installed);
    let names: std::collections::HashSet<String> =
        installed.iter().map(|p| p.name.clone()).collect();
    let mut lists = read_lists(&root.join("var/lib/apt/lists"), &|n| names.contains(n));
    warnings.append(&mut lists.warnings);
    if lists.sources.is_empty() {
        warnings.push(
            "no readable apt package list: run `apt-get update`; no update can be reported".into(),
        );
    }
    let pins = read_pins(root, &mut warnings);
    let default = default_release(root, &mut warnings);
    prioritise(&mut lists.sources, &pins, default.as_deref());
    let updates = updates(&installed, &lists.offers, &lists.sources, &pins, &arch);
    let reboot = reboot(root, &installed, &mut warnings);
    let summary = DebianSummary {
        installed_count: installed.len(),
        updates_count: updates.len(),
        security_updates_count: updates.iter().filter(|u| u.is_security).count(),
        security_candidate_count: updates
            .iter()
            .filter(|u| u.candidate_in_security_archive)
            .count(),
        held_count: updates.iter().filter(|u| u.held).count(),
        metadata_as_of: newest_release(&lists.sources).map(|t| t.to_rfc3339()),
        metadata_expired: expired(&lists.sources, now).next().is_some(),
    };
    let os = os_release(root, &mut warnings);
    let support = os
        .as_deref()
        .and_then(|os| support_status(root, os, now.date_naive(), &mut warnings));
    let mut recommendations = recommend(&updates, &lists.sources, &reboot);
    recommendations.extend(freshness(&lists.sources, now));
    recommendations.extend(support.as_ref().and_then(SupportStatus::recommendation));
    Ok(DebianReport {
        os: os.as_deref().and_then(pretty_name),
        support,
        arch,
        sources: lists.sources,
        installed,
        updates,
        reboot,
        summary,
        recommendations,
        warnings,
    })
}

fn key_arch<'a>(arch: &'a str, native: &'a str) -> &'a str {
    if arch == "all" { native } else { arch }
}

fn updates(
    installed: &[InstalledPackage],
    offers: &[Offer],
    sources: &[Source],
    pins: &[super::policy::Pin],
    native: &str,
) -> Vec<DebianUpdate> {
    let mut by_key: HashMap<(&str, &str), Vec<&Offer>> = HashMap::new();
    for o in offers {
        by_key
            .entry((o.name.as_str(), key_arch(&o.arch, native)))
            .or_default()
            .push(o);
    }
    let mut out = Vec::new();
    for pkg in installed {
        let Some(offered) = by_key.get(&(pkg.name.as_str(), key_arch(&pkg.arch, native))) else {
            continue;
        };
        let Some((cand, prio)) = candidate(&pkg.name, offered, sources, pins, Some(&pkg.version))
        else {
            continue;
        };
        if compare(&cand, &pkg.version) != Ordering::Greater {
            continue;
        }
        let of_cand: Vec<&&Offer> = offered.iter().filter(|o| o.version == cand).collect();
        let mut suites: Vec<String> = of_cand
            .iter()
            .map(|o| sources[o.source].suite.clone())
            .collect();
        suites.dedup();
        let security_version = offered
            .iter()
            .filter(|o| sources[o.source].is_security)
            .filter(|o| {
                compare(&o.version, &pkg.version) == Ordering::Greater
                    && compare(&o.version, &cand) != Ordering::Greater
            })
            .map(|o| o.version.clone())
            .min_by(|a, b| compare(a, b));
        out.push(DebianUpdate {
            name: pkg.name.clone(),
            arch: pkg.arch.clone(),
            installed_version: pkg.version.clone(),
            is_security: security_version.is_some(),
            candidate_in_security_archive: of_cand.iter().any(|o| sources[o.source].is_security),
            security_version,
            suites,
            candidate_priority: prio,
            advisories: Vec::new(),
            cve_ids: Vec::new(),
            held: pkg.held(),
            phased_percentage: of_cand.iter().find_map(|o| o.phased),
            download_size: of_cand.iter().find_map(|o| o.size),
            candidate_version: cand,
        });
    }
    out.sort_by(|a, b| (a.name.as_str(), a.arch.as_str()).cmp(&(b.name.as_str(), b.arch.as_str())));
    out
}

fn reboot(root: &Path, installed: &[InstalledPackage], warnings: &mut Vec<String>) -> Reboot {
    let flag = root.join("run/reboot-required");
    let packages: Vec<String> = read_optional_text(
        &root.join("run/reboot-required.pkgs"),
        Limits::CONFIG,
        warnings,
    )
    .map(|t| {
        t.lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect()
    })
    .unwrap_or_default();
    let running = if root == Path::new("/") {
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|s| s.trim().to_string())
    } else {
        None
    };
    if flag.exists() {
        return Reboot {
            required: Some(true),
            reasons: vec![format!("{} exists", flag.display())],
            packages,
            running_kernel: running,
        };
    }
    let kernels: Vec<&InstalledPackage> = installed
        .iter()
        .filter(|p| p.name.starts_with("linux-image-") && p.state == "installed")
        .collect();
    let (required, reasons) = match &running {
        Some(r) if kernels.iter().any(|k| k.name == format!("linux-image-{r}")) => {
            let newest = kernels
                .iter()
                .filter_map(|k| k.name.strip_prefix("linux-image-"))
                .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
                .max_by(|a, b| compare(a, b));
            match newest {
                Some(n) if compare(n, r) == Ordering::Greater => (
                    Some(true),
                    vec![format!("kernel {n} is installed but {r} is running")],
                ),
                _ => (
                    Some(false),
                    vec![format!("the running kernel {r} is the newest installed")],
                ),
            }
        }
        Some(r) => (
            None,
            vec![format!(
                "the running kernel {r} is not from an installed package"
            )],
        ),
        None => (
            None,
            vec!["the running kernel of this root is unknown".to_string()],
        ),
    };
    Reboot {
        required,
        reasons,
        packages,
        running_kernel: running,
    }
}

fn recommend(updates: &[DebianUpdate], sources: &[Source], reboot: &Reboot) -> Vec<String> {
    let mut out = Vec::new();
    let security: Vec<&str> = updates
        .iter()
        .filter(|u| u.is_security && !u.held)
        .map(|u| u.name.as_str())
        .collect();
    if !security.is_empty() {
        out.push(format!(
            "apply {} security updates: apt-get install --only-upgrade {}",
            security.len(),
            security.join(" ")
        ));
    }
    for u in updates.iter().filter(|u| u.is_security && u.held) {
        out.push(format!(
            "{} is held but has a security update to {}",
            u.name, u.candidate_version
        ));
    }
    if !sources.is_empty() && !sources.iter().any(|s| s.is_security) {
        out.push("no security archive is configured: security updates cannot be identified".into());
    }
    if reboot.required == Some(true) {
        out.push("reboot to finish applying updates".into());
    }
    out
}

/// Lists older than this are worth refreshing (security suites publish daily).
const STALE_AFTER_DAYS: i64 = 7;

fn newest_release(sources: &[Source]) -> Option<DateTime<Utc>> {
    sources.iter().filter_map(|s| s.release_date).max()
}

fn expired(sources: &[Source], now: DateTime<Utc>) -> impl Iterator<Item = &Source> {
    sources
        .iter()
        .filter(move |s| s.valid_until.is_some_and(|t| t < now))
}

/// Recommendations about expired or old package lists.
fn freshness(sources: &[Source], now: DateTime<Utc>) -> Vec<String> {
    let expired: Vec<&str> = expired(sources, now).map(|s| s.id.as_str()).collect();
    if !expired.is_empty() {
        return vec![format!(
            "refresh the package lists (apt-get update): past their Valid-Until: {}",
            expired.join(", ")
        )];
    }
    match newest_release(sources) {
        Some(t) if (now - t).num_days() > STALE_AFTER_DAYS => vec![format!(
            "refresh the package lists (apt-get update): the newest is from {}, {} days ago",
            t.date_naive(),
            (now - t).num_days()
        )],
        _ => Vec::new(),
    }
}
