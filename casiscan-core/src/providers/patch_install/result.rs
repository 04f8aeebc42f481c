//! A remediation job's typed result: what was (or would be) installed, what failed and why.

use serde::{Deserialize, Serialize};

use crate::providers::ospatch::Backend;

/// One package the job changed, or would change in a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedUpdate {
    /// Package name (Windows: the KB).
    pub name: String,
    /// Architecture, when known.
    pub arch: Option<String>,
    /// Version before (`null` when unknown or on Windows).
    pub from_version: Option<String>,
    /// Version after (`null` on Windows).
    pub to_version: Option<String>,
}

/// One planned update that was not installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedUpdate {
    /// Package name (Windows: the KB).
    pub name: String,
    /// The version that was to be installed.
    pub version: Option<String>,
    /// Why it was not installed.
    pub reason: String,
}

/// What an OS Patch Install job stores as its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchInstallResult {
    /// The OS patch scan the updates came from, `owner/name`.
    pub source_scan: String,
    /// The package manager used.
    pub backend: Backend,
    /// Only simulated: nothing on the host changed.
    pub dry_run: bool,
    /// Installed packages (empty in a dry run).
    pub installed: Vec<AppliedUpdate>,
    /// What a dry run would install (empty after a real install).
    pub would_install: Vec<AppliedUpdate>,
    /// Planned updates that were not installed, each with its reason.
    pub failed: Vec<FailedUpdate>,
    /// The host needs a reboot now; `null` when the backend cannot know.
    pub reboot_required: Option<bool>,
    /// The package manager command that ran (argv).
    pub command: Vec<String>,
}

impl PatchInstallResult {
    /// A result of nothing (what a run that stored nothing readable observed).
    pub fn empty() -> Self {
        PatchInstallResult {
            source_scan: String::new(),
            backend: Backend::Debian,
            dry_run: false,
            installed: Vec::new(),
            would_install: Vec::new(),
            failed: Vec::new(),
            reboot_required: None,
            command: Vec::new(),
        }
    }

    /// Parses a stored result.
    pub fn from_json(text: &str) -> serde_json::Result<Self> {
        serde_json::from_str(text)
    }

    /// One line: `2 installed, 1 failed, reboot required`.
    pub fn summary(&self) -> String {
        let mut s = if self.dry_run {
            format!("dry run: {} would be installed", self.would_install.len())
        } else {
            format!("{} installed", self.installed.len())
        };
        if !self.failed.is_empty() {
            s.push_str(&format!(", {} failed", self.failed.len()));
        }
        if self.reboot_required == Some(true) {
            s.push_str(", reboot required");
        }
        s
    }
}
