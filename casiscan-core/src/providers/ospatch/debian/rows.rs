//! Casibase rows of a Debian/Ubuntu report.

use super::super::rows::PatchRow;
use super::report::DebianReport;

/// One row per available update.
pub fn available_rows(report: &DebianReport) -> Vec<PatchRow> {
    report
        .updates
        .iter()
        .map(|u| PatchRow {
            title: format!(
                "{} {} → {}",
                u.name, u.installed_version, u.candidate_version
            ),
            size: u
                .download_size
                .map_or("N/A".into(), |b| format!("{:.2} MB", b as f64 / 1e6)),
            status: if u.held { "Held" } else { "Available" }.into(),
            description: format!("{} ({}) from {}", u.name, u.arch, u.suites.join(",")),
            reboot_required: u.name.starts_with("linux-image"),
            installed_on: Some(String::new()),
            categories: if u.is_security {
                "Security Updates"
            } else {
                "Updates"
            }
            .into(),
            ..PatchRow::default()
        })
        .collect()
}

/// One row per installed package.
pub fn installed_rows(report: &DebianReport) -> Vec<PatchRow> {
    report
        .installed
        .iter()
        .map(|p| PatchRow {
            title: format!("{} {}", p.name, p.version),
            size: "N/A".into(),
            status: "Installed".into(),
            description: format!("{} ({}), dpkg state {}", p.name, p.arch, p.state),
            installed_on: Some(String::new()),
            is_installed: true,
            is_downloaded: true,
            ..PatchRow::default()
        })
        .collect()
}
