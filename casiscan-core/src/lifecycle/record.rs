//! Turns a finished [`ScanRun`] into a [`ScanOutcome`]: export status, detections and coverage.

use chrono::{TimeDelta, Utc};
use serde_json::Value;

use super::nmap::nmap_observations;
use super::ospatch::ospatch_detections;
use super::outcome::{Coverage, NmapCoverage, ScanOutcome};
use crate::model::{ProviderKind, ScanRun, ScanState, ScanStatus};

/// Export status of a run: completed within `timeout_seconds` → Success, past it → Time Over,
/// an incomplete result (cut short, or a host that hit `--host-timeout`) or a canceled or
/// failed run that still observed something → Partial, anything else → Error.
pub fn scan_status(run: &ScanRun, result: &Value, timeout_seconds: u64) -> ScanStatus {
    let has_results = observed_something(result);
    let flag = |v: Option<&Value>| v.and_then(Value::as_bool).unwrap_or(false);
    let nmap_hosts = || {
        result
            .get("nmap")
            .and_then(|n| n.get("hosts"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    };
    let incomplete = flag(result.get("nmap").and_then(|n| n.get("incomplete")))
        || flag(result.get("incomplete"))
        || nmap_hosts().any(|h| flag(h.get("timedout")));
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
fn observed_something(result: &Value) -> bool {
    let non_empty = |v: Option<&Value>| v.and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    let up = |h: &Value| {
        let status = h.get("status");
        status.and_then(Value::as_str) == Some("up")
            || status.and_then(|s| s.get("state")).and_then(Value::as_str) == Some("up")
    };
    let hosts_up = |v: Option<&Value>| {
        v.and_then(Value::as_array)
            .is_some_and(|hosts| hosts.iter().any(up))
    };
    hosts_up(result.get("hosts"))
        || hosts_up(result.get("nmap").and_then(|n| n.get("hosts")))
        || result.get("report").is_some_and(|r| r.is_object())
        || non_empty(result.get("patches"))
        || non_empty(result.get("updates"))
}

/// Builds the lifecycle input of a finished run; `asset` is the asset name or, without one, the target.
pub fn outcome_from_run(
    run: &ScanRun,
    provider: ProviderKind,
    asset: &str,
    timeout_seconds: u64,
) -> ScanOutcome {
    let result: Value = serde_json::from_str(&run.result).unwrap_or(Value::Null);
    let status = scan_status(run, &result, timeout_seconds);
    let ended_at = run.finished_time.unwrap_or_else(Utc::now);
    let (detections, negatives, coverage) = match provider {
        ProviderKind::Nmap => {
            let o = nmap_observations(&result);
            (o.detections, o.negatives, Coverage::Nmap(o.coverage))
        }
        ProviderKind::OsPatch => (
            ospatch_detections(&result),
            Vec::new(),
            Coverage::OsPatch {
                inventory_complete: status.is_authoritative(),
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
