//! The installed set from `var/lib/dpkg/status`.

use serde::Serialize;

use super::deb822::stanzas;

/// An installed package as dpkg records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstalledPackage {
    /// Package name (lower case).
    pub name: String,
    /// Architecture as recorded (`all` kept).
    pub arch: String,
    /// Installed version.
    pub version: String,
    /// Source package name.
    pub source_name: String,
    /// dpkg state (`installed`, `unpacked`, `half-configured`, …).
    pub state: String,
    /// dpkg selection (`install`, `hold`, `deinstall`, `purge`).
    pub selection: String,
}

impl InstalledPackage {
    /// True when `apt-mark hold` was applied.
    pub fn held(&self) -> bool {
        self.selection == "hold"
    }
}

/// Every stanza whose state counts as installed for apt (all but not-installed, config-files).
pub fn parse_status(text: &str) -> Result<Vec<InstalledPackage>, String> {
    let mut out = Vec::new();
    for (n, s) in stanzas(text).enumerate() {
        let (Some(name), Some(status)) = (s.get("Package"), s.get("Status")) else {
            return Err(format!("stanza {} has no Package or Status field", n + 1));
        };
        let words: Vec<&str> = status.split_whitespace().collect();
        let [selection, _flag, state] = words[..] else {
            return Err(format!("package {name}: malformed Status `{status}`"));
        };
        if matches!(state, "not-installed" | "config-files") {
            continue;
        }
        let Some(version) = s.get("Version") else {
            return Err(format!("package {name}: no Version"));
        };
        out.push(InstalledPackage {
            name: name.to_ascii_lowercase(),
            arch: s.get("Architecture").unwrap_or("all").to_string(),
            version: version.to_string(),
            source_name: s
                .get("Source")
                .and_then(|v| v.split_whitespace().next())
                .unwrap_or(name)
                .to_string(),
            state: state.to_string(),
            selection: selection.to_string(),
        });
    }
    Ok(out)
}

/// The native architecture: dpkg's own, else the build's.
pub fn native_arch(installed: &[InstalledPackage]) -> String {
    installed
        .iter()
        .find(|p| p.name == "dpkg")
        .map(|p| p.arch.clone())
        .unwrap_or_else(|| {
            match std::env::consts::ARCH {
                "x86_64" => "amd64",
                "aarch64" => "arm64",
                "x86" => "i386",
                other => other,
            }
            .to_string()
        })
}
