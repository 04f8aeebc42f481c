//! A Debian/Ubuntu report as the common [`PatchReport`].

use std::path::Path;

use super::super::report::{
    Backend, InstalledPackage, PatchReport, PatchSource, PatchUpdate, Summary, unknown,
};
use super::super::rows::Scanned;
use super::report::{DebianReport, debian_report};
use super::rows::{available_rows, installed_rows};
use crate::error::Result;

/// Reads the dpkg and apt files under `root`: the common report and Casibase's rows.
pub fn scan(root: &Path) -> Result<Scanned> {
    let native = debian_report(root)?;
    Ok(Scanned {
        available: available_rows(&native),
        installed: installed_rows(&native),
        report: patch_report(native),
    })
}

/// The common report of a Debian/Ubuntu report; its security verdicts are kept as they are.
pub fn patch_report(r: DebianReport) -> PatchReport {
    let mut warnings = r.warnings;
    if !r.updates.is_empty() {
        warnings.push(unknown(
            "updates[].severity",
            "apt lists carry no severity, advisory or CVE id",
        ));
        warnings.push(unknown(
            "updates[].rebootRequired",
            "apt lists do not say which updates need a reboot",
        ));
    }
    let updates: Vec<PatchUpdate> = r
        .updates
        .into_iter()
        .map(|u| PatchUpdate {
            is_security: u.is_security,
            advisories: u.advisories,
            cve_ids: u.cve_ids,
            held: Some(u.held),
            download_size: u.download_size,
            suites: u.suites,
            candidate_priority: Some(u.candidate_priority),
            security_version: u.security_version,
            candidate_in_security_archive: Some(u.candidate_in_security_archive),
            phased_percentage: u.phased_percentage,
            ..PatchUpdate::package(u.name, u.arch, u.installed_version, u.candidate_version)
        })
        .collect();
    let s = r.summary;
    PatchReport {
        backend: Backend::Debian,
        os: r.os,
        support: r.support,
        arch: Some(r.arch),
        sources: r
            .sources
            .into_iter()
            .map(|s| PatchSource {
                id: s.id,
                suite: Some(s.suite),
                is_security: Some(s.is_security),
                priority: Some(s.priority),
                release_date: s.release_date.map(|t| t.to_rfc3339()),
                valid_until: s.valid_until.map(|t| t.to_rfc3339()),
            })
            .collect(),
        installed: r
            .installed
            .into_iter()
            .map(|p| InstalledPackage {
                name: p.name,
                version: Some(p.version),
                arch: Some(p.arch),
                source_name: Some(p.source_name),
                state: Some(p.state),
                selection: Some(p.selection),
                installed_on: None,
            })
            .collect(),
        updates,
        reboot: r.reboot,
        summary: Summary {
            installed_count: s.installed_count,
            updates_count: s.updates_count,
            security_updates_count: Some(s.security_updates_count),
            security_candidate_count: Some(s.security_candidate_count),
            held_count: Some(s.held_count),
            metadata_as_of: s.metadata_as_of,
            metadata_expired: Some(s.metadata_expired),
        },
        recommendations: r.recommendations,
        warnings,
    }
}
