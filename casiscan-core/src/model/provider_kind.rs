//! The kinds of scan provider casiscan knows.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// A scan provider type; serialised with Casibase's provider type names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ProviderKind {
    /// The real `nmap` port scanner.
    #[default]
    Nmap,
    /// Installed packages and missing (security) updates from local caches.
    OsPatch,
    /// Installs updates an OS patch scan found (a remediation job, made by install-patch).
    PatchInstall,
}

impl ProviderKind {
    /// Every provider kind.
    pub const ALL: [ProviderKind; 3] = [
        ProviderKind::Nmap,
        ProviderKind::OsPatch,
        ProviderKind::PatchInstall,
    ];

    /// The kinds a user scans with (Casibase's scan providers); remediation jobs are made by
    /// install-patch only.
    pub const SCANS: [ProviderKind; 2] = [ProviderKind::Nmap, ProviderKind::OsPatch];

    /// Casibase's name for the provider type.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Nmap => "Nmap",
            ProviderKind::OsPatch => "OS Patch",
            ProviderKind::PatchInstall => "OS Patch Install",
        }
    }
}

impl ProviderKind {
    /// Parses a provider name where an empty one means none (a scan's `provider`).
    pub fn parse_optional(s: &str) -> Result<Option<ProviderKind>> {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            s.parse().map(Some)
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = Error;

    /// Accepts Casibase's names, the lower-case spellings `nmap`, `os-patch`, `ospatch`, and the
    /// names of the provider records casiscan lists (`provider_nmap`, `provider_os_patch`).
    fn from_str(s: &str) -> Result<Self> {
        let spelled = s.to_ascii_lowercase().replace(['_', ' '], "-");
        match spelled.strip_prefix("provider-").unwrap_or(&spelled) {
            "nmap" => Ok(ProviderKind::Nmap),
            "os-patch" | "ospatch" => Ok(ProviderKind::OsPatch),
            "os-patch-install" | "patch-install" | "install-patch" => {
                Ok(ProviderKind::PatchInstall)
            }
            _ => Err(Error::invalid(
                format!("provider `{}`", s.escape_debug()),
                "unknown provider; expected \"Nmap\", \"OS Patch\" or \"OS Patch Install\"",
            )),
        }
    }
}

impl Serialize for ProviderKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProviderKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
