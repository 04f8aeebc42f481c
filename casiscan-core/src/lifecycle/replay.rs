//! Rebuilds findings and scan logs from stored run history, deterministically.

use super::apply::{FindingMap, apply_outcome};
use super::record::outcome_from_run;
use crate::model::{ProviderKind, Scan};
use crate::model::{ScanLog, ScanRun, ScanState};

/// Applies every finished run of `history` in completion order; returns findings and one log per run.
///
/// Runs are replayed by (finishedTime, owner, scan, seq), so the same history always yields the
/// same findings, ids and logs. Runs without a finish time (still active) are skipped.
pub fn replay(history: &[(Scan, Vec<ScanRun>)]) -> (FindingMap, Vec<ScanLog>) {
    let runs = replay_order(history);
    let mut findings = FindingMap::new();
    let mut logs = Vec::with_capacity(runs.len());
    for (scan, run) in runs {
        // A run keeps the configuration it ran with; older records fall back to the scan's.
        let asset = run.asset.as_deref().unwrap_or(&scan.asset);
        let asset = if asset.is_empty() {
            run.target.as_str()
        } else {
            asset
        };
        let provider: ProviderKind = run.provider.or(scan.provider).unwrap_or_default();
        let timeout = run.timeout_seconds.unwrap_or(scan.timeout_seconds);
        let outcome = outcome_from_run(run, provider, asset, timeout);
        logs.push(apply_outcome(&mut findings, &outcome));
    }
    (findings, logs)
}

/// The finished runs of `history` in the order [`replay`] applies them (also the order a store
/// records existing history in when it first builds its findings and logs).
pub fn replay_order(history: &[(Scan, Vec<ScanRun>)]) -> Vec<(&Scan, &ScanRun)> {
    let mut runs: Vec<(&Scan, &ScanRun)> = history
        .iter()
        .flat_map(|(scan, runs)| runs.iter().map(move |r| (scan, r)))
        .filter(|(_, r)| r.finished_time.is_some() && r.state != ScanState::Pending)
        .collect();
    runs.sort_by(|(_, a), (_, b)| {
        (a.finished_time, &a.owner, &a.scan, a.seq).cmp(&(
            b.finished_time,
            &b.owner,
            &b.scan,
            b.seq,
        ))
    });
    runs
}
