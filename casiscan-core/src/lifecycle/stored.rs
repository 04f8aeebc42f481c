//! The lifecycle step a store runs when a run finishes: one run applied to the stored findings
//! of its (account, asset, provider), giving the log and the finding rows to write.

use std::collections::HashMap;

use super::apply::{FindingMap, apply_outcome};
use super::record::outcome_from_run;
use crate::model::{
    AuditAction, AuditEntry, DEFAULT_TIMEOUT_SECONDS, Finding, LifecycleState, ProviderKind, Scan,
    ScanLog, ScanRun, SealStatus, Severity,
};

/// The findings one run may change: those of one (account, asset, provider).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FindingScope {
    /// Account (scan owner).
    pub account: String,
    /// Asset name, or the target when the scan has no asset.
    pub asset: String,
    /// Provider.
    pub provider: ProviderKind,
}

impl FindingScope {
    /// The scope of `run`; what older run records lack is read from `scan`'s configuration.
    pub fn of(run: &ScanRun, scan: Option<&Scan>) -> Self {
        let asset = run
            .asset
            .clone()
            .or_else(|| scan.map(|s| s.asset.clone()))
            .unwrap_or_default();
        FindingScope {
            account: run.owner.clone(),
            asset: if asset.is_empty() {
                run.target.clone()
            } else {
                asset
            },
            provider: run
                .provider
                .or_else(|| scan.and_then(|s| s.provider))
                .unwrap_or_default(),
        }
    }

    /// One text naming the scope, for per-scope locks.
    pub fn lock_key(&self) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}",
            self.account,
            self.asset,
            self.provider.as_str()
        )
    }
}

/// What recording one finished run writes: its log, the findings it created or changed, and
/// the audit entries of dispositions it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The scope the run applied to.
    pub scope: FindingScope,
    /// The run's scan log (ids not yet assigned).
    pub log: ScanLog,
    /// Findings created (no `alert_id` yet) or changed by the run.
    pub changed: Vec<Finding>,
    /// Dispositions the run ended: a finding re-opened with other evidence.
    pub lapsed: Vec<AuditEntry>,
}

/// Applies finished `run` to `stored`, the current findings of its scope, once; the log's seal
/// fails on a counting row at or above `seal_threshold` (the account's setting).
///
/// A disposition that holds at the run's end keeps its rows out of the totals and the seal; a
/// finding that re-opens with evidence other than its disposition's loses the disposition.
pub fn record_run(
    run: &ScanRun,
    scan: Option<&Scan>,
    stored: FindingMap,
    seal_threshold: Severity,
) -> RunRecord {
    let scope = FindingScope::of(run, scan);
    let timeout = run
        .timeout_seconds
        .or_else(|| scan.map(|s| s.timeout_seconds))
        .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    let outcome = outcome_from_run(run, scope.provider, &scope.asset, timeout);
    let mut findings = stored.clone();
    let mut log = apply_outcome(&mut findings, &outcome);
    let mut lapsed = Vec::new();
    for o in &mut log.observations {
        let Some(f) = findings.get_mut(&o.finding_id) else {
            continue;
        };
        let Some(d) = &f.disposition else { continue };
        if o.open_status == LifecycleState::Reopened && f.detail_hash != d.evidence {
            if let Some(alert_id) = f.alert_id {
                lapsed.push(AuditEntry {
                    alert_id,
                    account: f.account.clone(),
                    action: AuditAction::Lapsed,
                    user: "casiscan".into(),
                    at: outcome.ended_at,
                    disposition: None,
                });
            }
            f.disposition = None;
        } else if d.holds_at(outcome.ended_at) {
            o.suppressed = Some(d.kind);
        }
    }
    log.seal = SealStatus::evaluate(log.status, &log.observations, seal_threshold);
    let changed = findings
        .into_values()
        .filter(|f| stored.get(&f.id) != Some(f))
        .collect();
    RunRecord {
        scope,
        log,
        changed,
        lapsed,
    }
}

impl RunRecord {
    /// Writes the store-assigned `UniqueAlertId`s (by fingerprint) into the log's rows.
    pub fn set_alert_ids(&mut self, ids: &HashMap<String, u64>) {
        for o in &mut self.log.observations {
            if o.alert_id.is_none() {
                o.alert_id = ids.get(&o.finding_id).copied();
            }
        }
    }
}
