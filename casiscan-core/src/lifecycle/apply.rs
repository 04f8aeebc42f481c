//! Applies one run's outcome to the findings of its (account, asset, provider) and builds its scan log.

use std::collections::{BTreeMap, BTreeSet};

use super::fingerprint::{sha256_hex, unique_alert_id};
use super::outcome::{Detection, ScanOutcome};
use super::transition::{Evidence, next_lifecycle};
use crate::model::{
    Finding, LifecycleState, Observation, ScanLog, ScanStatus, SealStatus, Severity,
};

/// Findings keyed by `UniqueAlertId`.
pub type FindingMap = BTreeMap<String, Finding>;

/// Severity at or above which an active finding fails the seal (the note's default: high).
pub const SEAL_FAIL_SEVERITY: Severity = Severity::High;

/// Applies `outcome` to `findings` (mutated in place) and returns the run's scan log.
///
/// Error runs change nothing; partial runs apply detections and explicit negatives but never
/// close by absence; only authoritative runs that covered a finding close it.
pub fn apply_outcome(findings: &mut FindingMap, outcome: &ScanOutcome) -> ScanLog {
    let mut observations = Vec::new();
    if outcome.status != ScanStatus::Error {
        let detections = dedup(outcome);
        let negatives: BTreeSet<String> = outcome
            .negatives
            .iter()
            .map(|k| unique_alert_id(&outcome.account, &outcome.asset, k))
            .collect();
        for (id, det) in &detections {
            observations.push(detect(findings, outcome, id, det));
        }
        for f in findings.values_mut() {
            if f.account != outcome.account
                || f.asset != outcome.asset
                || f.provider != outcome.provider
                || detections.contains_key(&f.id)
            {
                continue;
            }
            let evidence = if negatives.contains(&f.id) {
                Evidence::Negative
            } else if outcome.covers(&f.key) {
                Evidence::AbsentCovered
            } else {
                Evidence::AbsentUncovered
            };
            if let Some(LifecycleState::Closed) = next_lifecycle(Some(f.state), evidence) {
                f.state = LifecycleState::Closed;
                f.closed_at = Some(outcome.ended_at);
                f.last_run_id = outcome.run_id.clone();
                observations.push(observation(f, false, false, serde_json::Value::Null));
            }
        }
    }
    observations.sort_by(|a, b| a.finding_id.cmp(&b.finding_id));
    ScanLog {
        id: outcome.run_id.clone(),
        log_id: None,
        account: outcome.account.clone(),
        scan_id: outcome.scan_id.clone(),
        asset: outcome.asset.clone(),
        target: outcome.target.clone(),
        provider: outcome.provider,
        status: outcome.status,
        seal: SealStatus::evaluate(outcome.status, &observations, SEAL_FAIL_SEVERITY),
        started_at: outcome.started_at,
        ended_at: outcome.ended_at,
        observations,
        asset_info: None,
    }
}

/// Groups detections by identity; the highest severity wins within a group.
fn dedup(outcome: &ScanOutcome) -> BTreeMap<String, &Detection> {
    let mut out: BTreeMap<String, &Detection> = BTreeMap::new();
    for d in &outcome.detections {
        let id = unique_alert_id(&outcome.account, &outcome.asset, &d.key);
        match out.get(&id) {
            Some(prev) if prev.severity >= d.severity => {}
            _ => {
                out.insert(id, d);
            }
        }
    }
    out
}

fn detail_hash(d: &Detection) -> String {
    let detail = serde_json::json!({
        "title": d.title, "severity": d.severity, "cvss": d.cvss, "evidence": d.evidence,
    });
    sha256_hex(detail.to_string().as_bytes())
}

fn detect(findings: &mut FindingMap, o: &ScanOutcome, id: &str, d: &Detection) -> Observation {
    let hash = detail_hash(d);
    let current = findings.get(id).map(|f| f.state);
    let next = next_lifecycle(current, Evidence::Detected).unwrap_or(LifecycleState::Open);
    let f = findings.entry(id.to_owned()).or_insert_with(|| Finding {
        id: id.to_owned(),
        alert_id: None,
        account: o.account.clone(),
        asset: o.asset.clone(),
        provider: o.provider,
        key: d.key.clone(),
        state: LifecycleState::New,
        title: d.title.clone(),
        severity: d.severity,
        severity_source: d.severity_source,
        cvss: d.cvss,
        found_on: d.found_on.clone(),
        first_found_at: o.ended_at,
        last_found_at: o.ended_at,
        closed_at: None,
        reopen_count: 0,
        last_run_id: o.run_id.clone(),
        detail_hash: hash.clone(),
        disposition: None,
    });
    let changed = current.is_some() && f.detail_hash != hash;
    if next == LifecycleState::Reopened {
        f.reopen_count += 1;
        f.closed_at = None;
    }
    f.state = next;
    f.title = d.title.clone();
    f.severity = d.severity;
    f.severity_source = d.severity_source;
    f.cvss = d.cvss;
    f.found_on = d.found_on.clone();
    f.last_found_at = o.ended_at;
    f.last_run_id = o.run_id.clone();
    f.detail_hash = hash;
    observation(f, true, changed, d.evidence.clone())
}

fn observation(
    f: &Finding,
    detected: bool,
    changed: bool,
    evidence: serde_json::Value,
) -> Observation {
    Observation {
        finding_id: f.id.clone(),
        alert_id: f.alert_id,
        key: f.key.clone(),
        open_status: f.state,
        detected,
        changed,
        title: f.title.clone(),
        severity: f.severity,
        cvss: f.cvss,
        found_on: f.found_on.clone(),
        first_found_at: f.first_found_at,
        evidence,
        suppressed: None,
    }
}
