//! Casibase's `WindowsPatch` row shape and the report summary for an RPM scan.

use serde_json::{Value, json};

use super::scan::RpmScan;

fn size_text(bytes: Option<u64>) -> String {
    match bytes {
        Some(b) if b > 0 => format!("{:.1} MB", b as f64 / 1_048_576.0),
        _ => "N/A".to_string(),
    }
}

/// One row per pending update (`available`).
pub fn rpm_available_rows(scan: &RpmScan) -> Vec<Value> {
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
            json!({
                "title": format!("{}.{} {} → {}", u.name, u.arch, u.installed_version, u.candidate_version),
                "kb": u.advisories.first().cloned().unwrap_or_default(),
                "size": size_text(u.download_size),
                "status": if u.held { "Held" } else { "Available" },
                "description": if u.cve_ids.is_empty() { String::new() } else { u.cve_ids.join(", ") },
                "rebootRequired": u.reboot_suggested,
                "categories": cats.join(", "),
                "isInstalled": false,
                "isDownloaded": false,
                "isMandatory": false,
                "autoSelectOnWebSites": false,
            })
        })
        .collect()
}

/// One row per installed package (`installed`).
pub fn rpm_installed_rows(scan: &RpmScan) -> Vec<Value> {
    scan.installed
        .iter()
        .map(|p| {
            let installed_on = p
                .install_time
                .and_then(|t| chrono::DateTime::from_timestamp(i64::from(t), 0))
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            json!({
                "title": format!("{}-{}.{}", p.name, p.evr, p.arch),
                "kb": "",
                "size": size_text(p.size.map(u64::from)),
                "status": "Installed",
                "description": p.source_rpm.clone().unwrap_or_default(),
                "rebootRequired": false,
                "installedOn": installed_on,
                "categories": "",
                "isInstalled": true,
                "isDownloaded": true,
                "isMandatory": false,
                "autoSelectOnWebSites": false,
            })
        })
        .collect()
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
