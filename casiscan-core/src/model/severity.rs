//! Finding severity (FIRST CVSS qualitative scale) and CVSS scores.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Severity of a finding, ordered from `Info` (lowest) to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational (an open port alone, CVSS 0.0).
    Info,
    /// CVSS 0.1–3.9.
    Low,
    /// CVSS 4.0–6.9.
    Medium,
    /// CVSS 7.0–8.9.
    High,
    /// CVSS 9.0–10.0.
    Critical,
}

impl Severity {
    /// Lower-case name (`info`, `low`, `medium`, `high`, `critical`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Capitalised label used in the scan-log export (`Info`, …, `Critical`).
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "Info",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }

    /// The FIRST qualitative band of a CVSS base score (0.0 info … 9.0+ critical).
    pub fn from_cvss(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        }
    }

    /// Maps a vendor rating (Red Hat/MSRC, Ubuntu priority, Debian urgency, NSE risk factor).
    pub fn from_vendor_rating(rating: &str) -> Option<Severity> {
        match rating.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "important" | "high" => Some(Severity::High),
            "moderate" | "medium" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            "negligible" | "unimportant" | "none" | "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = Error;

    /// Accepts the lower-case names and the capitalised labels.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "informational" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(Error::invalid(
                format!("severity `{}`", s.escape_debug()),
                "expected info, low, medium, high or critical",
            )),
        }
    }
}

/// Which CVSS version a score was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CvssVersion {
    /// The tool gave an unlabelled "CVSS" score.
    #[serde(rename = "unknown")]
    Unknown,
    /// CVSS v2.0.
    #[serde(rename = "2.0")]
    V2,
    /// CVSS v3.0.
    #[serde(rename = "3.0")]
    V30,
    /// CVSS v3.1.
    #[serde(rename = "3.1")]
    V31,
    /// CVSS v4.0.
    #[serde(rename = "4.0")]
    V4,
}

impl CvssVersion {
    /// Version from a score key such as `CVSS`, `CVSSv2`, `cvssv3.1`, `CVSSv4`.
    pub fn from_key(key: &str) -> CvssVersion {
        let k = key.to_ascii_lowercase().replace(['_', ' ', ':'], "");
        let v = k.trim_start_matches("cvss").trim_start_matches('v');
        match v {
            "2" | "2.0" => CvssVersion::V2,
            "3" | "3.0" => CvssVersion::V30,
            "3.1" => CvssVersion::V31,
            "4" | "4.0" => CvssVersion::V4,
            _ => CvssVersion::Unknown,
        }
    }

    /// Preference when several scores exist: v4 > v3.1 > v3.0 > unknown > v2.
    pub fn preference(self) -> u8 {
        match self {
            CvssVersion::V4 => 5,
            CvssVersion::V31 => 4,
            CvssVersion::V30 => 3,
            CvssVersion::Unknown => 2,
            CvssVersion::V2 => 1,
        }
    }
}

/// A CVSS base score (rounded to one decimal) and its version.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// Base score 0.0–10.0, one decimal.
    pub base_score: f64,
    /// Version the score was given in.
    pub version: CvssVersion,
}

impl Cvss {
    /// A score clamped to 0.0–10.0 and rounded to one decimal; `None` if not a finite number.
    pub fn new(score: f64, version: CvssVersion) -> Option<Cvss> {
        if !score.is_finite() || !(0.0..=10.0).contains(&score) {
            return None;
        }
        Some(Cvss {
            base_score: (score * 10.0).round() / 10.0,
            version,
        })
    }

    /// The preferred score among several (newest version first, then highest score).
    pub fn best(scores: impl IntoIterator<Item = Cvss>) -> Option<Cvss> {
        scores.into_iter().max_by(|a, b| {
            a.version
                .preference()
                .cmp(&b.version.preference())
                .then(a.base_score.total_cmp(&b.base_score))
        })
    }
}

/// Where a finding's severity came from (kept for auditability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeveritySource {
    /// A CVSS base score.
    Cvss,
    /// The vendor's own rating (advisory severity).
    Vendor,
    /// An NSE `risk_factor`.
    RiskFactor,
    /// The NSE vulnerability state (VULNERABLE, Exploitable, …).
    NseState,
    /// The default for the finding kind (open port = info, patch = medium).
    Default,
}
