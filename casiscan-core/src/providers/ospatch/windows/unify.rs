//! A Windows Update Agent report as the common [`PatchReport`], live or from recorded output.

use std::path::{Path, PathBuf};

use super::super::cache_file::{Limits, read_bytes};
use super::super::report::{
    Backend, InstalledPackage, PatchReport, PatchUpdate, Reboot, count, unknown,
};
use super::super::rows::Scanned;
use super::rows::{available_rows, installed_rows, result_text};
use super::wua::{WuaReport, kb_in, parse_wua_json};
use crate::error::{Error, Result};

/// The file a recorded-output directory holds.
pub const RECORDED_FILE: &str = "wua.json";

/// The recorded agent output at `root`: the file itself, or `wua.json` in the directory.
pub fn recorded(root: &Path) -> Option<PathBuf> {
    if root.is_file() {
        return Some(root.to_path_buf());
    }
    let inside = root.join(RECORDED_FILE);
    inside.is_file().then_some(inside)
}

/// Reads recorded agent output (the script's JSON) at `root`: report and Casibase's rows.
pub fn scan_recorded(root: &Path) -> Result<Scanned> {
    let Some(path) = recorded(root) else {
        return Err(Error::provider(
            "OS Patch",
            format!(
                "no recorded Windows Update output at {} (a file, or {RECORDED_FILE} in a \
                 directory); the live Windows Update backend runs only on Windows",
                root.display()
            ),
        ));
    };
    let bytes = read_bytes(&path, Limits::STATUS)?;
    Ok(scanned(parse_wua_json(
        &bytes,
        &path.display().to_string(),
    )?))
}

/// The report and rows of parsed agent output.
pub fn scanned(wua: WuaReport) -> Scanned {
    Scanned {
        available: available_rows(&wua),
        installed: installed_rows(&wua),
        report: patch_report(wua),
    }
}

/// The common report of parsed agent output; the security verdict is [`super::WuaUpdate::is_security`].
pub fn patch_report(r: WuaReport) -> PatchReport {
    let mut warnings = vec![
        unknown("os", "the Windows Update Agent output names no OS release"),
        unknown("support", "no support-phase table for Windows"),
        unknown(
            "arch",
            "the Windows Update Agent output names no architecture",
        ),
        unknown(
            "updates[].installedVersion",
            "Windows updates are not package versions",
        ),
        unknown(
            "updates[].held",
            "hidden updates are left out of the agent's search",
        ),
    ];
    if let Some(e) = &r.search_error {
        warnings.push(format!(
            "search-failed: the Windows Update search failed, no pending update is known: {e}"
        ));
    }
    let updates: Vec<PatchUpdate> = r
        .available
        .iter()
        .map(|u| {
            let kbs: Vec<String> = u
                .kb_article_ids
                .iter()
                .map(|k| format!("KB{}", k.trim_start_matches("KB")))
                .collect();
            PatchUpdate {
                name: kbs.first().cloned().unwrap_or_else(|| u.title.clone()),
                title: u.title.clone(),
                arch: None,
                installed_version: None,
                candidate_version: None,
                is_security: u.is_security(),
                severity: u.msrc_severity.clone().filter(|s| !s.is_empty()),
                advisories: kbs,
                cve_ids: u.cve_ids.clone(),
                held: None,
                reboot_required: Some(u.reboot_behavior != 0),
                download_size: u.max_download_size.and_then(|b| u64::try_from(b).ok()),
                suites: Vec::new(),
                candidate_priority: None,
                security_version: None,
                candidate_in_security_archive: None,
                phased_percentage: None,
                kb: u.kb(),
                categories: u.categories.iter().map(|c| c.name.clone()).collect(),
            }
        })
        .collect();
    let installed = installed(&r);
    let mut summary = count(installed.len(), &updates);
    summary.metadata_as_of = r.last_search_success_date.clone();
    if r.search_error.is_some() {
        summary.security_updates_count = None;
    }
    let reboot = Reboot {
        required: r.reboot_required,
        reasons: match r.reboot_required {
            Some(true) => vec!["the Windows Update Agent reports a pending reboot".into()],
            Some(false) => vec!["the Windows Update Agent reports no pending reboot".into()],
            None => vec!["the Windows Update Agent did not report its reboot state".into()],
        },
        packages: Vec::new(),
        running_kernel: None,
    };
    let recommendations = recommend(&updates, &reboot);
    PatchReport {
        backend: Backend::Windows,
        os: None,
        support: None,
        arch: None,
        sources: Vec::new(),
        installed,
        updates,
        reboot,
        summary,
        recommendations,
        warnings,
    }
}

/// Successful installs from the history, then hotfixes the history does not name.
fn installed(r: &WuaReport) -> Vec<InstalledPackage> {
    let mut out: Vec<InstalledPackage> = Vec::new();
    for h in r
        .history
        .iter()
        .filter(|h| h.operation == 1 && matches!(h.result_code, 2 | 3))
    {
        out.push(InstalledPackage {
            name: kb_in(&h.title).unwrap_or_else(|| h.title.clone()),
            version: None,
            arch: None,
            source_name: None,
            state: Some(result_text(h.result_code).into()),
            selection: None,
            installed_on: h.date.clone(),
        });
    }
    for f in &r.hotfixes {
        if out.iter().any(|p| p.name == f.hot_fix_id) {
            continue;
        }
        out.push(InstalledPackage {
            name: f.hot_fix_id.clone(),
            version: None,
            arch: None,
            source_name: None,
            state: Some("Installed".into()),
            selection: None,
            installed_on: f.installed_on.clone(),
        });
    }
    out
}

fn recommend(updates: &[PatchUpdate], reboot: &Reboot) -> Vec<String> {
    let mut out = Vec::new();
    let security: Vec<&str> = updates
        .iter()
        .filter(|u| u.is_security)
        .map(|u| u.kb.as_deref().unwrap_or(u.title.as_str()))
        .collect();
    if !security.is_empty() {
        out.push(format!(
            "install {} security updates through Windows Update: {}",
            security.len(),
            security.join(", ")
        ));
    }
    if reboot.required == Some(true) {
        out.push("reboot to finish installing updates".into());
    }
    out
}
