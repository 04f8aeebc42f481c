//! An RPM scan as the common [`PatchReport`].

use std::path::Path;

use chrono::Utc;

use super::super::report::{
    Backend, InstalledPackage, PatchReport, PatchSource, PatchUpdate, Reboot, count, unknown,
};
use super::super::rows::Scanned;
use super::super::support::{os_release, pretty_name, support_status};
use super::reboot::kernel_state;
use super::rows::{installed_on, rpm_available_rows, rpm_installed_rows};
use super::scan::{RpmScan, scan_rpm};
use crate::error::Result;

/// Reads the rpmdb and dnf caches under `root`: the common report and Casibase's rows.
pub fn scan(root: &Path) -> Result<Scanned> {
    let native = scan_rpm(root)?;
    let mut warnings = Vec::new();
    let os = os_release(root, &mut warnings);
    let support = os
        .as_deref()
        .and_then(|os| support_status(root, os, Utc::now().date_naive(), &mut warnings));
    let running = (root == Path::new("/"))
        .then(|| std::fs::read_to_string("/proc/sys/kernel/osrelease").ok())
        .flatten()
        .map(|s| s.trim().to_string());
    let reboot = reboot(&native, running);
    let available = rpm_available_rows(&native);
    let installed = rpm_installed_rows(&native);
    let mut report = patch_report(native, reboot);
    report.os = os.as_deref().and_then(pretty_name);
    if report.os.is_none() {
        warnings.push(unknown("os", "no readable etc/os-release with PRETTY_NAME"));
    }
    if support.is_none() {
        warnings.push(unknown(
            "support",
            "no distro-info support table for this release",
        ));
    }
    report.support = support;
    report.warnings.append(&mut warnings);
    Ok(Scanned {
        report,
        available,
        installed,
    })
}

fn reboot(scan: &RpmScan, running: Option<String>) -> Reboot {
    let Some(running) = running else {
        return Reboot {
            reasons: vec!["the running kernel of this root is unknown".into()],
            ..Reboot::default()
        };
    };
    let state = kernel_state(&scan.installed, &running);
    let reason = match state.reboot_required() {
        Some(true) => format!("a newer kernel than {running} is installed"),
        Some(false) => format!("the running kernel {running} is the newest installed"),
        None => format!("the running kernel {running} is not from an installed package"),
    };
    Reboot {
        required: state.reboot_required(),
        reasons: vec![reason],
        packages: Vec::new(),
        running_kernel: Some(running),
    }
}

/// The common report of an RPM scan (no os-release or support: [`scan`] adds them).
pub fn patch_report(r: RpmScan, reboot: Reboot) -> PatchReport {
    let mut warnings = r.warnings;
    warnings.push(unknown("arch", "the rpmdb names no native architecture"));
    warnings.push(unknown(
        "summary.metadataAsOf",
        "dnf caches are not dated by casiscan",
    ));
    let updates: Vec<PatchUpdate> = r
        .updates
        .into_iter()
        .map(|u| PatchUpdate {
            // Both architectures of a multilib package can be pending: the title tells them apart.
            title: format!(
                "{}.{} {} → {}",
                u.name, u.arch, u.installed_version, u.candidate_version
            ),
            is_security: u.is_security,
            severity: u.severity,
            advisories: u.advisories,
            cve_ids: u.cve_ids,
            held: Some(u.held),
            reboot_required: Some(u.reboot_suggested),
            download_size: u.download_size,
            ..PatchUpdate::package(u.name, u.arch, u.installed_version, u.candidate_version)
        })
        .collect();
    let mut summary = count(r.installed.len(), &updates);
    if !r.security_known {
        summary.security_updates_count = None;
        warnings.push(unknown(
            "summary.securityUpdatesCount",
            "some repository has no updateinfo: security updates cannot all be told",
        ));
    }
    let recommendations = recommend(&updates, &reboot);
    PatchReport {
        backend: Backend::Rpm,
        os: None,
        support: None,
        arch: None,
        sources: r
            .repos
            .into_iter()
            .map(|id| PatchSource {
                id,
                suite: None,
                is_security: None,
                priority: None,
                release_date: None,
                valid_until: None,
            })
            .collect(),
        installed: r
            .installed
            .into_iter()
            .map(|p| InstalledPackage {
                version: Some(p.evr.to_string()),
                installed_on: installed_on(p.install_time),
                name: p.name,
                arch: Some(p.arch),
                source_name: p.source_rpm,
                state: Some("installed".into()),
                selection: None,
            })
            .collect(),
        updates,
        reboot,
        summary,
        recommendations,
        warnings,
    }
}

fn recommend(updates: &[PatchUpdate], reboot: &Reboot) -> Vec<String> {
    let mut out = Vec::new();
    let security: Vec<&str> = updates
        .iter()
        .filter(|u| u.is_security && u.held != Some(true))
        .map(|u| u.name.as_str())
        .collect();
    if !security.is_empty() {
        out.push(format!(
            "apply {} security updates: dnf upgrade --security {}",
            security.len(),
            security.join(" ")
        ));
    }
    for u in updates
        .iter()
        .filter(|u| u.is_security && u.held == Some(true))
    {
        out.push(format!(
            "{} is version-locked but has a security update to {}",
            u.name,
            u.candidate_version.as_deref().unwrap_or("?")
        ));
    }
    if reboot.required == Some(true) {
        out.push("reboot to run the newest installed kernel".into());
    }
    out
}
