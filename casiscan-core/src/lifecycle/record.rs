//! Turns a finished [`ScanRun`] into a [`ScanOutcome`]: export status, detections and coverage.

use chrono::{TimeDelta, Utc};

use super::nmap::nmap_observations;
use super::ospatch::ospatch_detections;
use super::outcome::{Coverage, NmapCoverage, ScanOutcome};
use crate::model::{ProviderKind, ScanResult, ScanRun, ScanState, ScanStatus};

/// Export status of a run: completed within `timeout_seconds` → Success, past it → Time Over,
/// an incomplete result (cut short, or a host that hit `--host-timeout`) or a canceled or
/// failed run that still observed something → Partial, anything else → Error.
pub fn scan_status(run: &ScanRun, result: &ScanResult, timeout_seconds: u64) -> ScanStatus {
    let has_results = observed_something(result);
    let incomplete = match result {
        ScanResult::Nmap(r) => {
            r.truncated.is_some()
                || r.nmap.as_ref().is_some_and(|n| {
                    n.incomplete || n.hosts.iter().any(|h| h.extra().timedout == Some(true))
                })
        }
        ScanResult::OsPatch(_) | ScanResult::PatchInstall(_) => false,
    };
    match run.state {
        ScanState::Completed if incomplete => ScanStatus::Partial,
        ScanState::Completed => {
            let over = match (run.started_time, run.finished_time) {
                (Some(s), Some(f)) => {
                    f - s > TimeDelta::seconds(i64::try_from(timeout_seconds).unwrap_or(i64::MAX))
                }
                _ => false,
            };
            if over {
                ScanStatus::SuccessTimeOver
            } else {
                ScanStatus::Success
            }
        }
        ScanState::Canceled | ScanState::Failed if has_results => ScanStatus::Partial,
        _ => ScanStatus::Error,
    }
}

/// Whether a result holds any observation: a host up (nmap), or an OS patch report or rows.
fn observed_something(result: &ScanResult) -> bool {
    match result {
        ScanResult::Nmap(r) => {
            r.hosts.iter().any(|h| h.status == "up")
                || r.nmap.as_ref().is_some_and(|n| {
                    n.hosts
                        .iter()
                        .any(|h| h.status.as_ref().and_then(|s| s.state.as_deref()) == Some("up"))
                })
        }
        ScanResult::OsPatch(r) => r.report.is_some() || !r.patches.is_empty(),
        ScanResult::PatchInstall(r) => !r.installed.is_empty() || !r.would_install.is_empty(),
    }
}

/// Builds the lifecycle input of a finished run; `asset` is the asset name or, without one, the target.
pub fn outcome_from_run(
    run: &ScanRun,
    provider: ProviderKind,
    asset: &str,
    timeout_seconds: u64,
) -> ScanOutcome {
    let result = ScanResult::from_stored_or_empty(provider, &run.result);
    let status = scan_status(run, &result, timeout_seconds);
    let ended_at = run.finished_time.unwrap_or_else(Utc::now);
    let (detections, negatives, coverage) = match &result {
        ScanResult::Nmap(r) => {
            let o = nmap_observations(r);
            (o.detections, o.negatives, Coverage::Nmap(o.coverage))
        }
        ScanResult::OsPatch(r) => (
            r.report
                .as_ref()
                .map(ospatch_detections)
                .unwrap_or_default(),
            Vec::new(),
            Coverage::OsPatch {
                // Only a report that knows its security updates proves the others are fixed.
                inventory_complete: status.is_authoritative()
                    && r.report
                        .as_ref()
                        .is_some_and(|rep| rep.summary.security_updates_count.is_some()),
            },
        ),
        // A remediation detects nothing; the follow-up OS patch scan tells what is fixed.
        ScanResult::PatchInstall(_) => (
            Vec::new(),
            Vec::new(),
            Coverage::OsPatch {
                inventory_complete: false,
            },
        ),
    };
    let coverage = if status == ScanStatus::Error {
        Coverage::Nmap(NmapCoverage::default())
    } else {
        coverage
    };
    ScanOutcome {
        run_id: format!("{}/{}#{}", run.owner, run.scan, run.seq),
        account: run.owner.clone(),
        scan_id: format!("{}/{}", run.owner, run.scan),
        asset: asset.to_owned(),
        target: run.target.clone(),
        provider,
        status,
        started_at: run.started_time.unwrap_or(ended_at),
        ended_at,
        detections,
        negatives,
        coverage,
    }
}
