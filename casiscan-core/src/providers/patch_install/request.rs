//! What a remediation job installs: the updates chosen from a finished OS patch scan's result.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::providers::ospatch::{Backend, PatchReport, PatchUpdate};

/// Which updates of a scan's result to install, as a caller asks for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct PatchSelection {
    /// Every update the scan's backend called a security update.
    pub all_security: bool,
    /// Package names (`name` or `name:arch`), KB ids or advisory ids from the scan's result.
    pub updates: Vec<String>,
    /// Shows what would be installed without changing the host.
    pub dry_run: bool,
}

/// One update a job installs: exactly this package at exactly this version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedUpdate {
    /// Package name (Windows: the KB).
    pub name: String,
    /// Architecture of the installed package (`null` on Windows).
    pub arch: Option<String>,
    /// Installed version when the scan ran (`null` on Windows).
    pub installed_version: Option<String>,
    /// The candidate version the scan reported, the only one installed (`null` on Windows).
    pub version: Option<String>,
    /// The advisory the caller named this update by (dnf `--advisory`), if any.
    #[serde(default)]
    pub advisory: Option<String>,
    /// A security update by its backend's verdict.
    #[serde(default)]
    pub is_security: bool,
}

/// A remediation job's parameters, stored as the job's command (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchInstallRequest {
    /// The finished OS patch scan the updates come from, `owner/name`.
    pub source_scan: String,
    /// The package manager of the scanned host.
    pub backend: Backend,
    /// What to install.
    pub updates: Vec<PlannedUpdate>,
    /// Simulate only (apt `-s`, dnf `--assumeno`, Windows: search only).
    #[serde(default)]
    pub dry_run: bool,
}

/// Characters a package name, architecture, version or advisory id may hold: nothing that
/// could be read as an option or a pattern by the package manager.
fn safe_token(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.len() <= 256
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_' | ':' | '~'))
}

fn check_token(what: &str, value: &str) -> Result<()> {
    if safe_token(value) {
        Ok(())
    } else {
        Err(Error::invalid(
            format!("{what} `{}`", value.escape_debug()),
            "expected letters, digits and . + - _ : ~ only, not starting with `-`",
        ))
    }
}

impl PatchInstallRequest {
    /// Parses and checks a job's command.
    pub fn from_command(command: &str) -> Result<Self> {
        let request: PatchInstallRequest = serde_json::from_str(command).map_err(|e| {
            Error::invalid(
                "OS Patch Install command",
                format!("expected the JSON of an install-patch request: {e}"),
            )
        })?;
        request.check()?;
        Ok(request)
    }

    /// The command text stored for this request.
    pub fn to_command(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| {
            Error::provider(
                "OS Patch Install",
                format!("cannot encode the request: {e}"),
            )
        })
    }

    /// Refuses an empty list and any token the package manager could misread.
    pub fn check(&self) -> Result<()> {
        if self.updates.is_empty() {
            return Err(Error::invalid(
                "OS Patch Install command",
                "it names no update to install",
            ));
        }
        for u in &self.updates {
            check_token("package", &u.name)?;
            for (what, v) in [
                ("architecture", &u.arch),
                ("version", &u.version),
                ("installed version", &u.installed_version),
                ("advisory", &u.advisory),
            ] {
                if let Some(v) = v {
                    check_token(what, v)?;
                }
            }
            if self.backend != Backend::Windows && u.version.is_none() {
                return Err(Error::invalid(
                    format!("update `{}`", u.name),
                    "no candidate version: only a reported version is ever installed",
                ));
            }
        }
        Ok(())
    }
}

/// Whether `update` is the one `wanted` names (name, `name:arch`, KB id with or without `KB`,
/// or advisory id).
fn names(update: &PatchUpdate, wanted: &str) -> bool {
    let arch_name = update.arch.as_ref().map(|a| format!("{}:{a}", update.name));
    update.name == wanted
        || arch_name.as_deref() == Some(wanted)
        || update.kb.as_deref().is_some_and(|kb| {
            kb.eq_ignore_ascii_case(wanted)
                || (kb.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("KB"))
                    && kb.get(2..) == Some(wanted))
        })
        || update
            .advisories
            .iter()
            .any(|a| a.eq_ignore_ascii_case(wanted))
}

fn planned(update: &PatchUpdate, advisory: Option<&str>) -> PlannedUpdate {
    PlannedUpdate {
        name: update.kb.clone().unwrap_or_else(|| update.name.clone()),
        arch: update.arch.clone(),
        installed_version: update.installed_version.clone(),
        version: update.candidate_version.clone(),
        advisory: advisory.map(str::to_owned),
        is_security: update.is_security,
    }
}

/// Most update names one install-patch request may give (each is looked up in the result).
pub const MAX_SELECTED_UPDATES: usize = 4096;

/// The updates `selection` names in `report` (the source scan `source`'s result): every name
/// must be a pending, unheld update of it; nothing else is ever planned.
pub fn plan(
    source: &str,
    report: &PatchReport,
    selection: &PatchSelection,
) -> Result<Vec<PlannedUpdate>> {
    if selection.updates.len() > MAX_SELECTED_UPDATES {
        return Err(Error::invalid(
            "install-patch request",
            format!(
                "{} updates named, more than the {MAX_SELECTED_UPDATES} one request may name",
                selection.updates.len()
            ),
        ));
    }
    let chosen: Vec<PlannedUpdate> = match (selection.all_security, selection.updates.is_empty()) {
        (true, false) => {
            return Err(Error::invalid(
                "install-patch request",
                "give either allSecurity or a list of updates, not both",
            ));
        }
        (false, true) => {
            return Err(Error::invalid(
                "install-patch request",
                "name the updates to install, or ask for allSecurity",
            ));
        }
        (true, true) => {
            let all: Vec<_> = report
                .security_updates()
                .filter(|u| u.held != Some(true))
                .map(|u| planned(u, None))
                .collect();
            if all.is_empty() {
                return Err(Error::invalid(
                    "install-patch request",
                    format!("scan {source} found no security update to install"),
                ));
            }
            all
        }
        (false, false) => named(source, report, &selection.updates)?,
    };
    let mut seen = std::collections::HashSet::new();
    let unique = chosen
        .into_iter()
        .filter(|u| seen.insert((u.name.clone(), u.arch.clone())))
        .collect();
    Ok(unique)
}

fn named(source: &str, report: &PatchReport, wanted: &[String]) -> Result<Vec<PlannedUpdate>> {
    let mut out = Vec::new();
    for w in wanted {
        let w = w.trim();
        check_token("update", w)?;
        let hits: Vec<&PatchUpdate> = report.updates.iter().filter(|u| names(u, w)).collect();
        if hits.is_empty() {
            return Err(Error::invalid(
                format!("update `{w}`"),
                format!(
                    "not a pending update in the result of scan {source} ({} updates there)",
                    report.updates.len()
                ),
            ));
        }
        if let Some(held) = hits.iter().find(|u| u.held == Some(true)) {
            return Err(Error::invalid(
                format!("update `{w}`"),
                format!("package {} is held; release the hold first", held.name),
            ));
        }
        let advisory = hits
            .iter()
            .any(|u| u.name != w && u.advisories.iter().any(|a| a.eq_ignore_ascii_case(w)))
            .then_some(w);
        out.extend(hits.into_iter().map(|u| planned(u, advisory)));
    }
    Ok(out)
}
