//! Casibase's `WindowsPatch` row, the shape of a stored OS patch result's `patches`.

use serde::{Deserialize, Serialize};

use super::report::PatchReport;

/// One row of Casibase's patch table; keys some backends do not write are absent there.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PatchRow {
    /// Title.
    pub title: String,
    /// KB or advisory id.
    pub kb: String,
    /// Download size.
    pub size: String,
    /// Available / Held / Installed / Downloaded / a Windows install result.
    pub status: String,
    /// Description.
    pub description: String,
    /// Whether applying needs a reboot.
    pub reboot_required: bool,
    /// When installed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_on: Option<String>,
    /// Categories, comma separated.
    pub categories: String,
    /// Installed row.
    pub is_installed: bool,
    /// Already downloaded.
    pub is_downloaded: bool,
    /// Mandatory.
    pub is_mandatory: bool,
    /// Casibase's flag (RPM and Windows rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_select_on_web_sites: Option<bool>,
    /// Critical Updates classification (Windows pending rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_critical: Option<bool>,
    /// Security verdict (Windows pending rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_security: Option<bool>,
    /// MSRC severity (Windows pending rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msrc_severity: Option<String>,
    /// CVE ids (Windows pending rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cve_ids: Option<Vec<String>>,
}

/// Casibase's summary line for the rows.
pub fn summary(rows: &[PatchRow]) -> String {
    let available = rows.iter().filter(|r| !r.is_installed).count();
    if available > 0 {
        format!("{available} available patches found")
    } else if !rows.is_empty() {
        format!("{} patches installed", rows.len())
    } else {
        "No patches found".to_string()
    }
}

/// `12.3 MB` in Casibase's binary megabytes, or `N/A`.
pub(crate) fn size_text(bytes: Option<u64>) -> String {
    match bytes {
        Some(b) if b > 0 => format!("{:.1} MB", b as f64 / 1_048_576.0),
        _ => "N/A".to_string(),
    }
}

/// A backend's report with Casibase's rows of pending and of installed items.
#[derive(Debug, Clone, PartialEq)]
pub struct Scanned {
    /// The report.
    pub report: PatchReport,
    /// Rows of pending updates.
    pub available: Vec<PatchRow>,
    /// Rows of installed packages or updates.
    pub installed: Vec<PatchRow>,
}
