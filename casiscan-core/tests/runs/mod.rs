//! Completed runs for tests that record history without running a scanner.

use casiscan_core::model::{ScanRun, ScanState};
use chrono::{DateTime, Utc};

/// A completed run of `owner/scan` on `target` by runner `r`, started and finished at `at`, with
/// `result` as its stored JSON; the fields a test cares about are set over it.
pub fn completed(
    owner: &str,
    scan: &str,
    target: &str,
    at: Option<DateTime<Utc>>,
    result: String,
) -> ScanRun {
    ScanRun {
        owner: owner.into(),
        scan: scan.into(),
        seq: 0,
        attempt: 1,
        runner: "r".into(),
        target: target.into(),
        command: String::new(),
        state: ScanState::Completed,
        started_time: at,
        finished_time: at,
        error_text: String::new(),
        raw_result: String::new(),
        result,
        result_summary: String::new(),
        provider: None,
        asset: None,
        timeout_seconds: None,
        skipped: None,
        imported: false,
    }
}
