//! What runners count and time, through the `metrics` facade (a no-op until the program installs
//! a recorder, e.g. the Prometheus exporter of `casiscan worker --metrics-listen`).

use std::time::Duration;

use crate::model::ScanState;

/// Scans claimed by this process.
pub const CLAIMS: &str = "casiscan_claims_total";
/// Runs ended, by final `state` (Completed, Failed, Canceled, Pending when given back).
pub const FINISHES: &str = "casiscan_finishes_total";
/// Expired leases recovered, by `outcome` (requeued, failed).
pub const REQUEUES: &str = "casiscan_requeues_total";
/// Scans this runner may not take, noted with the reason no live runner can take them.
pub const REFUSALS: &str = "casiscan_refusals_total";
/// Heartbeats that could not be stored (the run goes on; the next beat retries).
pub const HEARTBEAT_FAILURES: &str = "casiscan_heartbeat_failures_total";
/// Runs stopped because their lease was taken or the scan was canceled or deleted.
pub const LEASES_LOST: &str = "casiscan_leases_lost_total";
/// Pending scans in the store, as last counted by this process.
pub const QUEUE_DEPTH: &str = "casiscan_queue_depth";
/// Seconds from queueing to claim.
pub const PICKUP_SECONDS: &str = "casiscan_pickup_seconds";
/// Seconds a run took, claim to finish.
pub const SCAN_SECONDS: &str = "casiscan_scan_duration_seconds";
/// Store errors met by the claim loop (it keeps going).
pub const LOOP_ERRORS: &str = "casiscan_worker_errors_total";

/// Counts a claim and how long the scan waited in the queue.
pub fn claimed(pickup: Duration) {
    metrics::counter!(CLAIMS).increment(1);
    metrics::histogram!(PICKUP_SECONDS).record(pickup.as_secs_f64());
}

/// Counts a finished run by its state and records its duration.
pub fn finished(state: ScanState, took: Duration) {
    metrics::counter!(FINISHES, "state" => state.as_str()).increment(1);
    metrics::histogram!(SCAN_SECONDS).record(took.as_secs_f64());
}

/// Counts an expired lease recovered by this process.
pub fn requeued(failed: bool) {
    let outcome = if failed { "failed" } else { "requeued" };
    metrics::counter!(REQUEUES, "outcome" => outcome).increment(1);
}

/// Counts a refusal noted on a waiting scan.
pub fn refused() {
    metrics::counter!(REFUSALS).increment(1);
}

/// Counts a heartbeat that could not be stored.
pub fn heartbeat_failed() {
    metrics::counter!(HEARTBEAT_FAILURES).increment(1);
}

/// Counts a run stopped because its lease was lost.
pub fn lease_lost() {
    metrics::counter!(LEASES_LOST).increment(1);
}

/// Records the queue depth just counted.
pub fn queue_depth(depth: u64) {
    // Precision loss above 2^53 pending scans is irrelevant for a gauge.
    #[allow(clippy::cast_precision_loss)]
    metrics::gauge!(QUEUE_DEPTH).set(depth as f64);
}

/// Counts a store error met by the claim loop.
pub fn loop_error() {
    metrics::counter!(LOOP_ERRORS).increment(1);
}
