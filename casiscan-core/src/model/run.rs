//! ScanRun: one execution of a scan, kept as history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ProviderKind, Scan, ScanState};

/// The runner name of a run imported from an existing result rather than executed (not a
/// host name: it cannot name a real runner).
pub const IMPORT_RUNNER: &str = "(import)";

/// The record of one execution of a scan; runs are appended, never overwritten.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanRun {
    /// Owner of the scan.
    pub owner: String,
    /// Name of the scan.
    pub scan: String,
    /// Sequence number of the run within the scan, from 1; assigned by the store.
    #[serde(default)]
    pub seq: u64,
    /// Which claim of the scan this was.
    pub attempt: u32,
    /// The runner that executed it.
    pub runner: String,
    /// The target actually scanned.
    pub target: String,
    /// The provider's arguments.
    pub command: String,
    /// How the run ended (Completed, Failed or Canceled).
    pub state: ScanState,
    /// When the run started.
    pub started_time: Option<DateTime<Utc>>,
    /// When the run finished.
    pub finished_time: Option<DateTime<Utc>>,
    /// Why the run failed.
    pub error_text: String,
    /// The tool's own text output.
    pub raw_result: String,
    /// Structured result as JSON text.
    pub result: String,
    /// One-line summary.
    pub result_summary: String,
    /// The scan's provider when it ran (`None` in older records: the scan's current one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderKind>,
    /// The scan's asset when it ran (`None` in older records: the scan's current one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// The scan's timeout when it ran, seconds (`None` in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// Set when this record is a scheduled slot that queued nothing (the scan still ran, or
    /// slots were missed): no run happened, and `state` is the scan's state at the slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<super::SkippedSlot>,
    /// True when the run was imported from an existing result (`casiscan import-nmap`), not
    /// executed by a runner.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
}

impl ScanRun {
    /// The history record of `scan` as it stands when it has just finished; the store sets `seq`.
    pub fn of_finished(scan: &Scan) -> ScanRun {
        ScanRun {
            owner: scan.owner.clone(),
            scan: scan.name.clone(),
            seq: 0,
            attempt: scan.attempt,
            runner: scan.runner.clone(),
            target: scan.target.clone(),
            command: scan.command.clone(),
            state: scan.state,
            started_time: scan.started_time,
            finished_time: scan.finished_time,
            error_text: scan.error_text.clone(),
            raw_result: scan.raw_result.clone(),
            result: scan.result.clone(),
            result_summary: scan.result_summary.clone(),
            provider: scan.provider,
            asset: Some(scan.asset.clone()),
            timeout_seconds: Some(scan.timeout_seconds),
            skipped: None,
            imported: scan.runner == IMPORT_RUNNER,
        }
    }

    /// The run's typed result (empty when it stored none or it does not decode).
    pub fn typed_result(&self) -> super::ScanResult {
        super::ScanResult::from_stored_or_empty(self.provider.unwrap_or_default(), &self.result)
    }

    /// The full nmap run this run kept, if it is an nmap run that kept one.
    pub fn nmap_run(&self) -> Option<crate::providers::nmap::NmapRun> {
        match self.typed_result() {
            super::ScanResult::Nmap(r) => r.nmap,
            _ => None,
        }
    }

    /// The history record of a scheduled slot of `scan` that queued nothing.
    pub fn of_skipped_slot(scan: &Scan, skipped: super::SkippedSlot) -> ScanRun {
        ScanRun {
            owner: scan.owner.clone(),
            scan: scan.name.clone(),
            seq: 0,
            attempt: scan.attempt,
            runner: String::new(),
            target: scan.target.clone(),
            command: scan.command.clone(),
            state: scan.state,
            started_time: None,
            finished_time: None,
            error_text: skipped.message.clone(),
            raw_result: String::new(),
            result: String::new(),
            result_summary: String::new(),
            provider: scan.provider,
            asset: Some(scan.asset.clone()),
            timeout_seconds: Some(scan.timeout_seconds),
            skipped: Some(skipped),
            imported: false,
        }
    }
}
