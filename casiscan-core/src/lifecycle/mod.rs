//! Findings across scans: identity hash, New → Opened → Closed → Re-Opened lifecycle, run diffs.
//!
//! A completed run becomes a [`ScanOutcome`] ([`outcome_from_run`]), which [`apply_outcome`]
//! applies to the findings of its (account, asset, provider), producing an immutable
//! [`crate::model::ScanLog`]. Only authoritative runs that covered a finding close it.

mod apply;
mod diff;
mod fingerprint;
mod nmap;
mod ospatch;
mod outcome;
mod record;
mod replay;
mod stored;
mod transition;

pub use apply::{FindingMap, SEAL_FAIL_SEVERITY, apply_outcome};
pub use diff::{PortChange, PortRef, RunDiff, diff_results};
pub use fingerprint::{
    fingerprint, hex, normalize_host, normalize_id, normalize_title, sha256_hex, unique_alert_id,
};
pub use nmap::{NmapObservations, nmap_observations, parse_ranges, selected_scripts};
pub use ospatch::{ospatch_detections, pending_updates};
pub use outcome::{Coverage, Detection, HostCoverage, NmapCoverage, ScanOutcome};
pub use record::{outcome_from_run, scan_status};
pub use replay::{replay, replay_order};
pub use stored::{FindingScope, RunRecord, record_run};
pub use transition::{Evidence, next_lifecycle};
