//! Casibase's `WindowsPatch` row shape built from a parsed Windows Update Agent report.

use serde_json::{Value, json};

use super::windows::{CRITICAL_UPDATES_CATEGORY, WuaReport};

fn size_text(bytes: Option<i64>) -> String {
    match bytes {
        Some(b) if b > 0 => format!("{:.1} MB", b as f64 / 1_048_576.0),
        _ => "N/A".to_string(),
    }
}

/// Rows for pending updates (`available`), Casibase field names.
pub fn available_rows(r: &WuaReport) -> Vec<Value> {
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
            json!({
                "title": u.title,
                "kb": u.kb().unwrap_or_default(),
                "size": size_text(u.max_download_size),
                "status": if u.is_downloaded { "Downloaded" } else { "Available" },
                "description": u.description.clone().unwrap_or_default(),
                "rebootRequired": u.reboot_behavior != 0,
                "categories": cats.join(", "),
                "isInstalled": false,
                "isDownloaded": u.is_downloaded,
                "isMandatory": u.is_mandatory,
                "isCritical": critical,
                "autoSelectOnWebSites": false,
                "isSecurity": u.is_security(),
                "msrcSeverity": u.msrc_severity.clone().filter(|s| !s.is_empty()),
                "cveIds": u.cve_ids,
            })
        })
        .collect()
}

/// Rows for installed updates (`installed`): successful WUA installs plus CBS hotfixes not seen in history.
pub fn installed_rows(r: &WuaReport) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut seen_kbs = Vec::new();
    for h in r.history.iter().filter(|h| h.operation == 1) {
        let kb = kb_of(&h.title);
        if let Some(k) = &kb {
            seen_kbs.push(k.clone());
        }
        let status = match h.result_code {
            2 => "Succeeded",
            3 => "Succeeded With Errors",
            4 => "Failed",
            5 => "Aborted",
            1 => "In Progress",
            _ => "Not Started",
        };
        rows.push(json!({
            "title": h.title, "kb": kb.unwrap_or_default(), "size": "N/A", "status": status,
            "description": "", "rebootRequired": false, "installedOn": h.date,
            "categories": "", "isInstalled": matches!(h.result_code, 2 | 3),
            "isDownloaded": true, "isMandatory": false, "autoSelectOnWebSites": false,
        }));
    }
    for f in &r.hotfixes {
        if seen_kbs.contains(&f.hot_fix_id) {
            continue;
        }
        rows.push(json!({
            "title": f.hot_fix_id, "kb": f.hot_fix_id, "size": "N/A", "status": "Installed",
            "description": f.description.clone().unwrap_or_default(), "rebootRequired": false,
            "installedOn": f.installed_on, "categories": f.description.clone().unwrap_or_default(),
            "isInstalled": true, "isDownloaded": true, "isMandatory": false,
            "autoSelectOnWebSites": false,
        }));
    }
    rows
}

fn kb_of(title: &str) -> Option<String> {
    let at = title.find("KB")?;
    let digits: String = title[at + 2..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then(|| format!("KB{digits}"))
}
