//! Findings: identity, lifecycle state, severity.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What kind of check found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FindingKind {
    /// An open port.
    NmapPort,
    /// An NSE vulnerability script result.
    NmapNse,
    /// A missing OS security update.
    OsPatchAdvisory,
}

/// Where a finding is in its life; serialised with the seed's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LifecycleState {
    /// First detection.
    #[serde(rename = "New")]
    New,
    /// Detected again.
    #[serde(rename = "Opened")]
    Opened,
    /// Absent from a scan that covered it, or reported not vulnerable.
    #[serde(rename = "Closed")]
    Closed,
    /// Detected again after being closed.
    #[serde(rename = "Re-Opened")]
    ReOpened,
}

/// Ordered severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational (an open port alone).
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// FIRST's qualitative scale for a CVSS base score.
    pub fn from_cvss(score: f64) -> Self {
        match score {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 0.0 => Severity::Low,
            _ => Severity::Info,
        }
    }
}

/// One detection in one scan, before lifecycle evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detection {
    /// Kind of check.
    pub kind: FindingKind,
    /// Identity fields after owner/asset/provider/kind, already normalised.
    pub key: Vec<String>,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// CVSS base score, when known.
    pub cvss: Option<f64>,
    /// Where it was found (`ip:port/proto`, `ip`, a package URL).
    pub found_on: String,
    /// Volatile details (banner, versions); a change marks the finding changed, not new.
    pub detail: String,
}

/// A tracked finding of one (owner, asset or target, provider).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// 32 lowercase hex digits: the seed's `UniqueAlertId`.
    pub id: String,
    /// Kind of check.
    pub kind: FindingKind,
    /// Identity fields.
    pub key: Vec<String>,
    /// Current state.
    pub state: LifecycleState,
    /// Latest title.
    pub title: String,
    /// Latest severity.
    pub severity: Severity,
    /// Latest CVSS.
    pub cvss: Option<f64>,
    /// Latest place.
    pub found_on: String,
    /// Latest volatile details.
    pub detail: String,
    /// Times it was reopened.
    pub reopen_count: u32,
}

/// The stable identity hash of a finding (SHA-256 over length-prefixed fields).
pub fn fingerprint(scope: &[&str], kind: FindingKind, key: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(b"casiscan-finding-v1\0");
    let kind_name = format!("{kind:?}");
    for field in scope
        .iter()
        .copied()
        .chain([kind_name.as_str()])
        .chain(key.iter().map(String::as_str))
    {
        h.update(u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
