//! Casibase's `WindowsPatch` row shape and the report summary for an RPM scan.

use serde_json::{Value, json};

use super::super::rows::{PatchRow, size_text};
use super::scan::RpmScan;

/// One row per pending update (`available`).
pub fn rpm_available_rows(scan: &RpmScan) -> Vec<PatchRow> {
    scan.updates
        .iter()
        .map(|u| {
            let mut cats = Vec::new();
            if u.is_security {
                cats.push("Security Updates".to_string());
            }
            if let Some(s) = &u.severity {
                cats.push(s.clone());
            }
            PatchRow {
                title: format!(
                    "{}.{} {} → {}",
                    u.name, u.arch, u.installed_version, u.candidate_version
                ),
                kb: u.advisories.first().cloned().unwrap_or_default(),
                size: size_text(u.download_size),
                status: if u.held { "Held" } else { "Available" }.into(),
                description: u.cve_ids.join(", "),
                reboot_required: u.reboot_suggested,
                categories: cats.join(", "),
                auto_select_on_web_sites: Some(false),
                ..PatchRow::default()
            }
        })
        .collect()
}

/// One row per installed package (`installed`).
pub fn rpm_installed_rows(scan: &RpmScan) -> Vec<PatchRow> {
    scan.installed
        .iter()
        .map(|p| PatchRow {
            title: format!("{}-{}.{}", p.name, p.evr, p.arch),
            size: size_text(p.size.map(u64::from)),
            status: "Installed".into(),
            description: p.source_rpm.clone().unwrap_or_default(),
            installed_on: installed_on(p.install_time),
            is_installed: true,
            is_downloaded: true,
            auto_select_on_web_sites: Some(false),
            ..PatchRow::default()
        })
        .collect()
}

/// An rpmdb install time as RFC 3339.
pub(super) fn installed_on(time: Option<u32>) -> Option<String> {
    time.and_then(|t| chrono::DateTime::from_timestamp(i64::from(t), 0))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// `{installedCount, updatesCount, securityUpdatesCount}`; the security count is null when unknown.
pub fn rpm_summary(scan: &RpmScan) -> Value {
    let security = scan.updates.iter().filter(|u| u.is_security).count();
    json!({
        "installedCount": scan.installed.len(),
        "updatesCount": scan.updates.len(),
        "securityUpdatesCount": if scan.security_known { Some(security) } else { None },
    })
}
