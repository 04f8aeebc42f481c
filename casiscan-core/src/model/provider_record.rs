//! Provider records in Casibase's shape: the scan providers a Casibase web UI lists and names.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ProviderKind;

/// Casibase's provider category of every scan provider.
pub const SCAN_CATEGORY: &str = "Scan";

/// A provider as Casibase's `/api/get-providers` answers it (only the fields a scan page reads
/// carry meaning; the others are empty so the UI's forms render).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderRecord {
    /// The account the record is listed for.
    pub owner: String,
    /// The kind's Casibase spelling (`Nmap`, `OS Patch`): what a stored scan's `provider` holds,
    /// so the web UI finds the record of a scan by name (`provider_nmap` and
    /// `provider_os_patch` are accepted as aliases wherever a provider is named).
    pub name: String,
    /// When this server started listing it.
    pub created_time: DateTime<Utc>,
    /// `Nmap` or `OS Patch`.
    pub display_name: String,
    /// Always `Scan`.
    pub category: &'static str,
    /// The provider kind, Casibase's spelling.
    #[serde(rename = "type")]
    pub kind: ProviderKind,
    /// Empty: casiscan providers have no sub-type.
    pub sub_type: String,
    /// The default target shown by the UI's test widget.
    pub network: String,
    /// The default command shown by the UI's test widget.
    pub text: String,
    /// Empty: nothing to configure.
    pub config_text: String,
    /// False: runners are casiscan workers, not a remote Casibase agent.
    pub is_remote: bool,
    /// `Active`.
    pub state: &'static str,
}

impl ProviderRecord {
    /// The record name of `kind`: its Casibase spelling, as a scan's `provider` holds it.
    pub fn name_of(kind: ProviderKind) -> String {
        kind.as_str().to_string()
    }

    /// The record's alias: `provider_` and the kind in lower case with `_` for spaces.
    pub fn alias_of(kind: ProviderKind) -> String {
        format!(
            "provider_{}",
            kind.as_str().to_ascii_lowercase().replace(' ', "_")
        )
    }

    /// The default record of `kind` listed for `owner`.
    pub fn default_for(owner: &str, kind: ProviderKind, since: DateTime<Utc>) -> Self {
        let (network, text) = match kind {
            ProviderKind::Nmap => ("127.0.0.1", "-sn"),
            ProviderKind::OsPatch => ("127.0.0.1", "available"),
            ProviderKind::PatchInstall => ("127.0.0.1", ""),
        };
        ProviderRecord {
            owner: owner.to_string(),
            name: Self::name_of(kind),
            created_time: since,
            display_name: kind.as_str().to_string(),
            category: SCAN_CATEGORY,
            kind,
            sub_type: String::new(),
            network: network.to_string(),
            text: text.to_string(),
            config_text: String::new(),
            is_remote: false,
            state: "Active",
        }
    }

    /// One default record per scan provider kind, for `owner`.
    pub fn defaults(owner: &str, since: DateTime<Utc>) -> Vec<Self> {
        ProviderKind::SCANS
            .iter()
            .map(|kind| Self::default_for(owner, *kind, since))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_record_whose_name_resolves_to_it() {
        let records = ProviderRecord::defaults("acme", chrono::Utc::now());
        assert_eq!(records.len(), ProviderKind::SCANS.len());
        for r in records {
            assert_eq!(r.name.parse::<ProviderKind>().unwrap(), r.kind);
            let json = serde_json::to_value(&r).unwrap();
            assert_eq!(json["category"], "Scan");
            assert_eq!(json["type"], r.kind.as_str());
            assert_eq!(json["owner"], "acme");
        }
        assert_eq!(ProviderRecord::name_of(ProviderKind::OsPatch), "OS Patch");
        for kind in ProviderKind::ALL {
            let alias = ProviderRecord::alias_of(kind);
            assert_eq!(alias.parse::<ProviderKind>().unwrap(), kind, "{alias}");
        }
        assert_eq!(
            ProviderRecord::alias_of(ProviderKind::OsPatch),
            "provider_os_patch"
        );
        assert!("provider_nessus".parse::<ProviderKind>().is_err());
    }
}
