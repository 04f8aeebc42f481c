//! The lifecycle transition table, applied once per scan to the findings of one scope.

use std::collections::HashSet;

use serde::Serialize;

use super::finding::{Detection, Finding, LifecycleState, fingerprint};

/// How a scan ended, for the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ScanStatus {
    /// Finished: may close findings it covered.
    #[serde(rename = "Scan Success")]
    Success,
    /// Finished past its time budget: may close findings it covered.
    #[serde(rename = "Scan Success Time Over")]
    SuccessTimeOver,
    /// Some results: detections count, nothing closes.
    #[serde(rename = "Partial Scan")]
    Partial,
    /// Failed: changes nothing.
    #[serde(rename = "Scan Error")]
    Error,
}

impl ScanStatus {
    /// Only a complete scan may close a finding.
    pub fn authoritative(self) -> bool {
        matches!(self, ScanStatus::Success | ScanStatus::SuccessTimeOver)
    }
}

/// One scan's input to the lifecycle.
pub struct ScanOutcome {
    /// How it ended.
    pub status: ScanStatus,
    /// What it found.
    pub detections: Vec<Detection>,
    /// Keys reported explicitly not vulnerable.
    pub negatives: Vec<Vec<String>>,
    /// Whether absence of a finding's key is evidence it is gone.
    pub covers: Box<dyn Fn(&Finding) -> bool + Send + Sync>,
}

impl std::fmt::Debug for ScanOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOutcome")
            .field("status", &self.status)
            .field("detections", &self.detections)
            .field("negatives", &self.negatives)
            .finish_non_exhaustive()
    }
}

/// A finding as a scan left it: what the scan log exports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    /// The finding after this scan.
    pub finding: Finding,
    /// False only for findings this scan closed.
    pub detected: bool,
    /// The volatile details changed since the last detection.
    pub changed: bool,
}

/// Applies one scan to the findings of `scope` (owner, asset or target, provider).
pub fn apply_scan(
    scope: &[&str],
    findings: &mut Vec<Finding>,
    outcome: &ScanOutcome,
) -> Vec<Observation> {
    if outcome.status == ScanStatus::Error {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for d in &outcome.detections {
        let id = fingerprint(scope, d.kind, &d.key);
        if !seen.insert(id.clone()) {
            continue;
        }
        match findings.iter_mut().find(|f| f.id == id) {
            Some(f) => {
                let changed = f.detail != d.detail;
                f.state = match f.state {
                    LifecycleState::Closed => {
                        f.reopen_count += 1;
                        LifecycleState::ReOpened
                    }
                    _ => LifecycleState::Opened,
                };
                refresh(f, d);
                out.push(Observation {
                    finding: f.clone(),
                    detected: true,
                    changed,
                });
            }
            None => {
                let f = Finding {
                    id,
                    kind: d.kind,
                    key: d.key.clone(),
                    state: LifecycleState::New,
                    title: d.title.clone(),
                    severity: d.severity,
                    cvss: d.cvss,
                    found_on: d.found_on.clone(),
                    detail: d.detail.clone(),
                    reopen_count: 0,
                };
                out.push(Observation {
                    finding: f.clone(),
                    detected: true,
                    changed: false,
                });
                findings.push(f);
            }
        }
    }
    for f in findings
        .iter_mut()
        .filter(|f| !seen.contains(&f.id) && f.state != LifecycleState::Closed)
    {
        let negative = outcome.negatives.contains(&f.key);
        if negative || (outcome.status.authoritative() && (outcome.covers)(f)) {
            f.state = LifecycleState::Closed;
            out.push(Observation {
                finding: f.clone(),
                detected: false,
                changed: false,
            });
        }
    }
    out
}

fn refresh(f: &mut Finding, d: &Detection) {
    f.title.clone_from(&d.title);
    f.severity = d.severity;
    f.cvss = d.cvss;
    f.found_on.clone_from(&d.found_on);
    f.detail.clone_from(&d.detail);
}
