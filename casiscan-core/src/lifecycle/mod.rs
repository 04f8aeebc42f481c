//! Findings tracked across scans: New → Opened → Closed → Re-Opened.
//!
//! Only a complete scan that covered a finding closes it; a partial scan only adds detections and
//! a failed scan changes nothing. Persistence and the scan-log export are not built yet.

mod engine;
mod finding;
mod nmap_observe;

pub use engine::{Observation, ScanOutcome, ScanStatus, apply_scan};
pub use finding::{Detection, Finding, FindingKind, LifecycleState, Severity, fingerprint};
pub use nmap_observe::nmap_outcome;
