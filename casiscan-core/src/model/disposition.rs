//! Triage of a finding (False Positive, Accepted Risk): who decided it, why, until when, and
//! the audit entry every change leaves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a user decided about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DispositionKind {
    /// Not a real finding.
    #[serde(rename = "False Positive")]
    FalsePositive,
    /// Real, and accepted as it is.
    #[serde(rename = "Accepted Risk")]
    AcceptedRisk,
}

impl DispositionKind {
    /// The label (`False Positive`, `Accepted Risk`).
    pub fn label(self) -> &'static str {
        match self {
            DispositionKind::FalsePositive => "False Positive",
            DispositionKind::AcceptedRisk => "Accepted Risk",
        }
    }
}

impl std::str::FromStr for DispositionKind {
    type Err = Error;

    /// The label, or `false_positive` / `accepted_risk`, any case.
    fn from_str(s: &str) -> Result<Self> {
        let norm = s.trim().to_ascii_lowercase().replace(['_', '-'], " ");
        match norm.as_str() {
            "false positive" => Ok(DispositionKind::FalsePositive),
            "accepted risk" => Ok(DispositionKind::AcceptedRisk),
            _ => Err(Error::invalid(
                "disposition",
                format!("`{s}` is not False Positive or Accepted Risk"),
            )),
        }
    }
}

/// A finding's triage: it no longer counts toward `TotalFoundVulnerabilities` and `SealStatus`
/// until `expires`, or until the finding re-opens with evidence other than `evidence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Disposition {
    /// False Positive or Accepted Risk.
    pub kind: DispositionKind,
    /// Why (required).
    pub reason: String,
    /// Who decided.
    pub user: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Until when it holds (`None`: until the finding re-opens with other evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    /// The finding's detail hash when it was decided.
    pub evidence: String,
}

impl Disposition {
    /// Longest reason kept.
    pub const MAX_REASON_CHARS: usize = 2000;

    /// Most audit entries a user's changes leave on one finding; past it a set or clear is
    /// refused (the audit is append-only, so its answer and storage stay bounded).
    pub const MAX_AUDIT_ENTRIES: usize = 10_000;

    /// Refuses an empty or over-long reason or user, and an expiry not after `at`.
    pub fn validate(&self) -> Result<()> {
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > Self::MAX_REASON_CHARS {
            return Err(Error::invalid(
                "reason",
                format!("required, at most {} characters", Self::MAX_REASON_CHARS),
            ));
        }
        if self.user.trim().is_empty() || self.user.chars().count() > 256 {
            return Err(Error::invalid("user", "required, at most 256 characters"));
        }
        if self.expires.is_some_and(|e| e <= self.at) {
            return Err(Error::invalid("expires", "must be after now"));
        }
        Ok(())
    }

    /// True when it holds at `at`.
    pub fn holds_at(&self, at: DateTime<Utc>) -> bool {
        self.expires.is_none_or(|e| at < e)
    }
}

/// A disposition as a user asks for it (the body of `set-finding-disposition`); `kind` is read
/// by [`DispositionKind`]'s `FromStr`, the rest is checked when it is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DispositionRequest {
    /// The kind as text (`False Positive`, `accepted_risk`, ...).
    pub kind: String,
    /// Why.
    pub reason: String,
    /// Who decides.
    pub user: String,
    /// Until when it holds.
    #[serde(default)]
    pub expires: Option<DateTime<Utc>>,
}

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A user set (or replaced) the disposition.
    Set,
    /// A user cleared it.
    Cleared,
    /// The finding re-opened with other evidence, which ended the disposition.
    Lapsed,
}

/// One change of a finding's disposition, kept forever (append-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// The finding's `UniqueAlertId`.
    pub alert_id: u64,
    /// The finding's account: a change naming another account changes nothing.
    pub account: String,
    /// What happened.
    pub action: AuditAction,
    /// Who did it (`casiscan` for a lapse).
    pub user: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The disposition after the change (`None` when cleared or lapsed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<Disposition>,
}

impl AuditEntry {
    /// Refuses (`Conflict`) a change of a finding whose audit already holds `held` entries, at
    /// or past [`Disposition::MAX_AUDIT_ENTRIES`]; stores call it in the change's transaction.
    pub fn check_room(&self, held: u64) -> Result<()> {
        let max = Disposition::MAX_AUDIT_ENTRIES;
        if held < max as u64 {
            return Ok(());
        }
        Err(Error::conflict(format!(
            "finding {} has {held} audit entries, the most kept ({max}): its disposition can no \
             longer change",
            self.alert_id
        )))
    }

    /// Applies this change to `finding` (its disposition's evidence becomes the finding's
    /// current detail hash) and returns the entry as it is kept; `NotFound` when the finding is
    /// not this entry's (another account's, or another id).
    pub fn apply_to(&self, finding: &mut super::Finding) -> Result<AuditEntry> {
        if finding.account != self.account || finding.alert_id != Some(self.alert_id) {
            return Err(Error::not_found(format!("finding {}", self.alert_id)));
        }
        let mut kept = self.clone();
        if let Some(d) = &mut kept.disposition {
            d.evidence.clone_from(&finding.detail_hash);
            d.validate()?;
        }
        finding.disposition.clone_from(&kept.disposition);
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(reason: usize, user: usize) -> Disposition {
        Disposition {
            kind: DispositionKind::AcceptedRisk,
            reason: "r".repeat(reason),
            user: "u".repeat(user),
            at: DateTime::<Utc>::UNIX_EPOCH,
            expires: None,
            evidence: String::new(),
        }
    }

    #[test]
    fn reason_and_user_at_their_limits_are_kept_and_one_character_more_is_refused() {
        assert_eq!(Disposition::MAX_REASON_CHARS, 2000);
        assert!(with(2000, 256).validate().is_ok());
        let reason = with(2001, 1).validate().expect_err("reason past the limit");
        assert!(
            reason.to_string().contains("at most 2000 characters"),
            "{reason}"
        );
        let user = with(1, 257).validate().expect_err("user past the limit");
        assert!(
            user.to_string().contains("at most 256 characters"),
            "{user}"
        );
        // Characters, not bytes: 2000 two-byte characters are within the limit.
        let mut wide = with(0, 1);
        wide.reason = "é".repeat(2000);
        assert!(wide.validate().is_ok());
    }
}
