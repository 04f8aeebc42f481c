//! Scan logs: one immutable record per completed run, with its status, seal and observations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::finding::Observation;
use super::provider_kind::ProviderKind;
use super::severity::Severity;

/// Export status of a run (the seed's `ScanStatus` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScanStatus {
    /// Completed within its time budget: authoritative.
    #[serde(rename = "Scan Success")]
    Success,
    /// Completed but past its time budget: still authoritative.
    #[serde(rename = "Scan Success Time Over")]
    SuccessTimeOver,
    /// Some results, incomplete coverage: detections only, never closes.
    #[serde(rename = "Partial Scan")]
    Partial,
    /// Failed: changes nothing.
    #[serde(rename = "Scan Error")]
    Error,
}

impl ScanStatus {
    /// The seed's label.
    pub fn label(self) -> &'static str {
        match self {
            ScanStatus::Success => "Scan Success",
            ScanStatus::SuccessTimeOver => "Scan Success Time Over",
            ScanStatus::Partial => "Partial Scan",
            ScanStatus::Error => "Scan Error",
        }
    }

    /// True when absence of a finding in this run is evidence (complete scans only).
    pub fn is_authoritative(self) -> bool {
        matches!(self, ScanStatus::Success | ScanStatus::SuccessTimeOver)
    }
}

/// PASS/FAIL seal of a scan log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SealStatus {
    /// Authoritative run without any active finding of high severity or above.
    Pass,
    /// Anything else.
    Fail,
}

impl SealStatus {
    /// PASS iff the run is authoritative and no counting observation (active, not suppressed by
    /// a disposition) has `severity >= threshold`.
    pub fn evaluate(status: ScanStatus, observations: &[Observation], threshold: Severity) -> Self {
        let blocking = observations
            .iter()
            .any(|o| o.counts() && o.severity >= threshold);
        if status.is_authoritative() && !blocking {
            SealStatus::Pass
        } else {
            SealStatus::Fail
        }
    }

    /// `PASS` or `FAIL`.
    pub fn as_str(self) -> &'static str {
        match self {
            SealStatus::Pass => "PASS",
            SealStatus::Fail => "FAIL",
        }
    }
}

/// The record of one run applied to the findings of (account, asset, provider).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanLog {
    /// The run the log records (`owner/scan#seq`).
    pub id: String,
    /// `ScanlogId`: the integer the store assigned when it recorded the log (never reused);
    /// `None` for a log that was not stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_id: Option<u64>,
    /// Account (scan owner).
    pub account: String,
    /// Scan id `owner/name`.
    pub scan_id: String,
    /// Asset name, or the target.
    pub asset: String,
    /// Scanned target as typed or resolved.
    pub target: String,
    /// Provider of the run.
    pub provider: ProviderKind,
    /// Export status.
    pub status: ScanStatus,
    /// Seal computed from status and observations.
    pub seal: SealStatus,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// When the run completed (the export's `ScanDate`).
    pub ended_at: DateTime<Utc>,
    /// Observations, ordered by finding id.
    pub observations: Vec<Observation>,
    /// The asset as the export names it (id, display name, groups), when the asset exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_info: Option<AssetInfo>,
}

/// What the export says about a log's asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetInfo {
    /// The asset's id (its provider id, else `owner/name`): the export's `ServiceId`.
    pub id: String,
    /// Its display name (else its name): the export's `ApplicationName`.
    pub display_name: String,
    /// Its tags, sorted: the export's `groups`.
    pub groups: Vec<String>,
}

impl AssetInfo {
    /// The export's view of `asset`; `tag` may hold several tags separated by `,` or `;`.
    pub fn of(asset: &super::Asset) -> Self {
        let mut groups: Vec<String> = asset
            .tag
            .split([',', ';'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        groups.sort();
        groups.dedup();
        let pick = |a: &str, b: String| if a.is_empty() { b } else { a.to_owned() };
        Self {
            id: pick(&asset.id, format!("{}/{}", asset.owner, asset.name)),
            display_name: pick(&asset.display_name, asset.name.clone()),
            groups,
        }
    }
}

impl ScanLog {
    /// Number of observations that count: active (New, Opened, Re-Opened), not suppressed.
    pub fn total_found(&self) -> usize {
        self.observations.iter().filter(|o| o.counts()).count()
    }
}
