//! Findings tracked across scans, their identity keys, lifecycle states and per-scan observations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::provider_kind::ProviderKind;
use super::severity::{Cvss, Severity, SeveritySource};

/// What sort of thing a finding is; part of its identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// An open port found by nmap.
    NmapPort,
    /// A vulnerability reported by an NSE vuln script (`vulns` library).
    NmapNse,
    /// A CVE row reported by the `vulners` script.
    NmapVulners,
    /// A missing security update (advisory) for a package.
    OsPatchAdvisory,
}

impl FindingKind {
    /// Stable snake_case name, hashed into the identity.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::NmapPort => "nmap_port",
            FindingKind::NmapNse => "nmap_nse",
            FindingKind::NmapVulners => "nmap_vulners",
            FindingKind::OsPatchAdvisory => "os_patch_advisory",
        }
    }
}

/// Lifecycle state of a finding: New → Open → Closed → Reopened → Open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LifecycleState {
    /// First detection ever.
    New,
    /// Detected again while New, Open or Reopened.
    Open,
    /// Absent from a covering complete scan, or explicitly not vulnerable.
    Closed,
    /// Detected again after being closed.
    Reopened,
}

impl LifecycleState {
    /// The seed's export label (`New`, `Opened`, `Closed`, `Re-Opened`).
    pub fn label(self) -> &'static str {
        match self {
            LifecycleState::New => "New",
            LifecycleState::Open => "Opened",
            LifecycleState::Closed => "Closed",
            LifecycleState::Reopened => "Re-Opened",
        }
    }

    /// Stable lower-case name (`new`, `open`, `closed`, `reopened`), as stored and queried.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleState::New => "new",
            LifecycleState::Open => "open",
            LifecycleState::Closed => "closed",
            LifecycleState::Reopened => "reopened",
        }
    }

    /// True for every state except `Closed`.
    pub fn is_active(self) -> bool {
        self != LifecycleState::Closed
    }
}

impl std::str::FromStr for LifecycleState {
    type Err = crate::error::Error;

    /// A stored name (`new`, …) or an export label (`Opened`, `Re-Opened`, …), any case.
    fn from_str(s: &str) -> crate::error::Result<Self> {
        [
            LifecycleState::New,
            LifecycleState::Open,
            LifecycleState::Closed,
            LifecycleState::Reopened,
        ]
        .into_iter()
        .find(|st| st.as_str().eq_ignore_ascii_case(s) || st.label().eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            crate::error::Error::invalid(
                "status",
                format!("`{s}` is not one of new, open, closed, reopened"),
            )
        })
    }
}

/// The canonical identity fields of a finding (volatile data is never part of it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FindingKey {
    /// An open port: host, protocol, port.
    NmapPort {
        /// Normalised host (IP or hostname).
        host: String,
        /// `tcp`, `udp`, `sctp`, `ip`.
        protocol: String,
        /// Port number.
        port: u16,
    },
    /// An NSE vulnerability on a port (or on the host when `port` is `None`).
    NmapNse {
        /// Normalised host.
        host: String,
        /// Protocol, empty for host scripts.
        protocol: String,
        /// Port, `None` for host scripts.
        port: Option<u16>,
        /// Lower-case script id.
        script_id: String,
        /// CVE id, else first other id, else normalised title.
        vuln_key: String,
    },
    /// A `vulners` CVE row on a port.
    NmapVulners {
        /// Normalised host.
        host: String,
        /// Protocol.
        protocol: String,
        /// Port number.
        port: u16,
        /// Upper-case vulnerability id.
        vuln_id: String,
    },
    /// A missing security update: advisory for a source package.
    OsPatchAdvisory {
        /// Package ecosystem (e.g. `deb`, `rpm`, `windows`, or `os` when unknown).
        ecosystem: String,
        /// Upper-case advisory id, or `PKG-UPDATE:<package>`.
        advisory_id: String,
        /// Source (or binary) package name, byte-exact.
        source_package: String,
    },
}

impl FindingKey {
    /// The kind of finding this key identifies.
    pub fn kind(&self) -> FindingKind {
        match self {
            FindingKey::NmapPort { .. } => FindingKind::NmapPort,
            FindingKey::NmapNse { .. } => FindingKind::NmapNse,
            FindingKey::NmapVulners { .. } => FindingKind::NmapVulners,
            FindingKey::OsPatchAdvisory { .. } => FindingKind::OsPatchAdvisory,
        }
    }

    /// The provider that reports this kind.
    pub fn provider(&self) -> ProviderKind {
        match self {
            FindingKey::OsPatchAdvisory { .. } => ProviderKind::OsPatch,
            _ => ProviderKind::Nmap,
        }
    }

    /// Kind-specific identity fields in hashing order (already normalised).
    pub fn fields(&self) -> Vec<String> {
        match self {
            FindingKey::NmapPort {
                host,
                protocol,
                port,
            } => vec![host.clone(), protocol.clone(), port.to_string()],
            FindingKey::NmapNse {
                host,
                protocol,
                port,
                script_id,
                vuln_key,
            } => vec![
                host.clone(),
                protocol.clone(),
                port.map_or_else(|| "host".to_owned(), |p| p.to_string()),
                script_id.clone(),
                vuln_key.clone(),
            ],
            FindingKey::NmapVulners {
                host,
                protocol,
                port,
                vuln_id,
            } => vec![
                host.clone(),
                protocol.clone(),
                port.to_string(),
                vuln_id.clone(),
            ],
            FindingKey::OsPatchAdvisory {
                ecosystem,
                advisory_id,
                source_package,
            } => vec![
                ecosystem.clone(),
                advisory_id.clone(),
                source_package.clone(),
            ],
        }
    }
}

/// One finding per (account, asset, identity key), with its latest attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Fingerprint: first 16 bytes of the identity hash, lower-case hex.
    pub id: String,
    /// `UniqueAlertId`: the integer the store assigned when it first recorded the finding
    /// (never reused); `None` until stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_id: Option<u64>,
    /// Account (scan owner).
    pub account: String,
    /// Asset name, or the target when the scan has no asset.
    pub asset: String,
    /// Provider that reports it.
    pub provider: ProviderKind,
    /// Identity fields.
    pub key: FindingKey,
    /// Current lifecycle state.
    pub state: LifecycleState,
    /// Latest title.
    pub title: String,
    /// Latest severity.
    pub severity: Severity,
    /// Where the severity came from.
    pub severity_source: SeveritySource,
    /// Latest CVSS base score.
    pub cvss: Option<Cvss>,
    /// Latest location (`ip:port/proto`, `ip`, or a package URL).
    pub found_on: String,
    /// First detection time.
    pub first_found_at: DateTime<Utc>,
    /// Latest detection time.
    pub last_found_at: DateTime<Utc>,
    /// When it was closed; cleared on reopen.
    pub closed_at: Option<DateTime<Utc>>,
    /// How often it was reopened.
    pub reopen_count: u32,
    /// Run that last changed or confirmed it.
    pub last_run_id: String,
    /// Hex SHA-256 of the volatile attributes at the latest detection.
    pub detail_hash: String,
    /// A user's triage, while it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<super::Disposition>,
}

/// What one completed run said about one finding; the rows of a scan log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    /// The finding's fingerprint.
    pub finding_id: String,
    /// The finding's store-assigned `UniqueAlertId`; `None` for a log that was not stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_id: Option<u64>,
    /// Identity fields.
    pub key: FindingKey,
    /// State after applying this run (the exported `OpenStatus`).
    pub open_status: LifecycleState,
    /// False only for rows that this run closed.
    pub detected: bool,
    /// Volatile attributes (banner, version, severity, output) differ from the last detection.
    pub changed: bool,
    /// Title at this run.
    pub title: String,
    /// Severity at this run.
    pub severity: Severity,
    /// CVSS at this run.
    pub cvss: Option<Cvss>,
    /// Location at this run.
    pub found_on: String,
    /// First detection of the finding (the export's `FoundDate`).
    pub first_found_at: DateTime<Utc>,
    /// Tool evidence (service/banner, script output, package versions).
    pub evidence: serde_json::Value,
    /// The disposition that kept this row out of the totals and the seal, if one held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<super::DispositionKind>,
}

impl Observation {
    /// True when the row counts toward `TotalFoundVulnerabilities` and `SealStatus`: active
    /// (New, Opened, Re-Opened) and not suppressed by a disposition.
    pub fn counts(&self) -> bool {
        self.open_status.is_active() && self.suppressed.is_none()
    }
}
