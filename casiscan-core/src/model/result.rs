//! A scan's typed result: what a provider returns, what a run stores (as JSON text), what
//! lifecycle, diff and export read back.

use serde::Serialize;

use super::ProviderKind;
use crate::error::{Error, Result};
use crate::providers::nmap::CasibaseResult;
use crate::providers::ospatch::OsPatchResult;
use crate::providers::patch_install::PatchInstallResult;

/// The structured result of one run, one variant per provider.
///
/// It serialises to the stored JSON without a tag: Casibase's nmap result (with the full run
/// under `nmap`), or the OS patch `{patches, report}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ScanResult {
    /// An nmap run in Casibase's shape.
    Nmap(CasibaseResult),
    /// Casibase's patch rows and the OS patch report.
    OsPatch(OsPatchResult),
    /// What a remediation job installed, failed to install, or would install.
    PatchInstall(PatchInstallResult),
}

impl ScanResult {
    /// Which provider produced it.
    pub fn provider(&self) -> ProviderKind {
        match self {
            ScanResult::Nmap(_) => ProviderKind::Nmap,
            ScanResult::OsPatch(_) => ProviderKind::OsPatch,
            ScanResult::PatchInstall(_) => ProviderKind::PatchInstall,
        }
    }

    /// An empty result of `provider` (what a run that stored nothing readable observed).
    pub fn empty(provider: ProviderKind) -> ScanResult {
        match provider {
            ProviderKind::Nmap => ScanResult::Nmap(CasibaseResult::default()),
            ProviderKind::OsPatch => ScanResult::OsPatch(OsPatchResult::default()),
            ProviderKind::PatchInstall => ScanResult::PatchInstall(PatchInstallResult::empty()),
        }
    }

    /// The stored JSON text (the only place a result is serialised).
    pub fn to_stored(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| {
            Error::provider(
                self.provider().as_str(),
                format!("cannot encode the result: {e}"),
            )
        })
    }

    /// Reads a stored result of `provider` (the only place a result is parsed), including
    /// results stored by earlier versions.
    pub fn from_stored(provider: ProviderKind, text: &str) -> Result<ScanResult> {
        let parsed = match provider {
            ProviderKind::Nmap => serde_json::from_str(text).map(ScanResult::Nmap),
            ProviderKind::OsPatch => OsPatchResult::from_json(text).map(ScanResult::OsPatch),
            ProviderKind::PatchInstall => {
                PatchInstallResult::from_json(text).map(ScanResult::PatchInstall)
            }
        };
        parsed.map_err(|e| Error::Parse {
            message: format!("stored {provider} result: {e}"),
            line: Some(e.line() as u64),
            column: Some(e.column() as u64),
        })
    }

    /// The result text Casibase's renderers parse: the nmap result as stored (Casibase's keys,
    /// the full run under `nmap`), the OS patch rows as a JSON array (Casibase's OS Patch
    /// renderer reads an array of patches; the report is in [`ScanResult::report_text`]); an
    /// OS Patch Install result (no Casibase renderer) as stored.
    pub fn casibase_text(&self) -> Result<String> {
        match self {
            ScanResult::Nmap(_) | ScanResult::PatchInstall(_) => self.to_stored(),
            ScanResult::OsPatch(r) => serde_json::to_string(&r.patches).map_err(|e| {
                Error::provider(
                    self.provider().as_str(),
                    format!("cannot encode the patches: {e}"),
                )
            }),
        }
    }

    /// The OS patch report as JSON text (none for nmap or OS Patch Install, or when the result
    /// has none).
    pub fn report_text(&self) -> Option<String> {
        match self {
            ScanResult::OsPatch(r) => r
                .report
                .as_ref()
                .and_then(|report| serde_json::to_string(report).ok()),
            ScanResult::Nmap(_) | ScanResult::PatchInstall(_) => None,
        }
    }

    /// [`ScanResult::from_stored`], or an empty result when the text is empty or unreadable
    /// (a failed run, a result cut short).
    pub fn from_stored_or_empty(provider: ProviderKind, text: &str) -> ScanResult {
        ScanResult::from_stored(provider, text).unwrap_or_else(|_| ScanResult::empty(provider))
    }
}
