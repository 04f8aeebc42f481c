//! Casibase's `WindowsPatch` row shape built from a parsed Windows Update Agent report.

use super::super::rows::{PatchRow, size_text};
use super::wua::{CRITICAL_UPDATES_CATEGORY, WuaReport, kb_in};

/// Rows for pending updates (`available`), Casibase field names.
pub fn available_rows(r: &WuaReport) -> Vec<PatchRow> {
    r.available
        .iter()
        .map(|u| {
            let mut cats: Vec<String> = u.categories.iter().map(|c| c.name.clone()).collect();
            if u.is_security() && !cats.iter().any(|c| c == "Security Updates") {
                cats.push("Security Updates".to_string());
            }
            let critical = u
                .categories
                .iter()
                .any(|c| c.id.eq_ignore_ascii_case(CRITICAL_UPDATES_CATEGORY));
            PatchRow {
                title: u.title.clone(),
                kb: u.kb().unwrap_or_default(),
                size: size_text(u.max_download_size.and_then(|b| u64::try_from(b).ok())),
                status: if u.is_downloaded {
                    "Downloaded"
                } else {
                    "Available"
                }
                .into(),
                description: u.description.clone().unwrap_or_default(),
                reboot_required: u.reboot_behavior != 0,
                installed_on: None,
                categories: cats.join(", "),
                is_installed: false,
                is_downloaded: u.is_downloaded,
                is_mandatory: u.is_mandatory,
                auto_select_on_web_sites: Some(false),
                is_critical: Some(critical),
                is_security: Some(u.is_security()),
                msrc_severity: u.msrc_severity.clone().filter(|s| !s.is_empty()),
                cve_ids: Some(u.cve_ids.clone()),
            }
        })
        .collect()
}

/// A WUA history result code as text.
pub(super) fn result_text(code: i64) -> &'static str {
    match code {
        2 => "Succeeded",
        3 => "Succeeded With Errors",
        4 => "Failed",
        5 => "Aborted",
        1 => "In Progress",
        _ => "Not Started",
    }
}

/// Rows for installed updates (`installed`): successful WUA installs plus CBS hotfixes not seen in history.
pub fn installed_rows(r: &WuaReport) -> Vec<PatchRow> {
    let mut rows = Vec::new();
    let mut seen_kbs = Vec::new();
    for h in r.history.iter().filter(|h| h.operation == 1) {
        let kb = kb_in(&h.title);
        if let Some(k) = &kb {
            seen_kbs.push(k.clone());
        }
        rows.push(PatchRow {
            title: h.title.clone(),
            kb: kb.unwrap_or_default(),
            size: "N/A".into(),
            status: result_text(h.result_code).into(),
            installed_on: h.date.clone(),
            is_installed: matches!(h.result_code, 2 | 3),
            is_downloaded: true,
            auto_select_on_web_sites: Some(false),
            ..PatchRow::default()
        });
    }
    for f in &r.hotfixes {
        if seen_kbs.contains(&f.hot_fix_id) {
            continue;
        }
        rows.push(PatchRow {
            title: f.hot_fix_id.clone(),
            kb: f.hot_fix_id.clone(),
            size: "N/A".into(),
            status: "Installed".into(),
            description: f.description.clone().unwrap_or_default(),
            installed_on: f.installed_on.clone(),
            categories: f.description.clone().unwrap_or_default(),
            is_installed: true,
            is_downloaded: true,
            auto_select_on_web_sites: Some(false),
            ..PatchRow::default()
        });
    }
    rows
}
