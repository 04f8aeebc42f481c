//! Runners: identity, matching, the claim loop, and the execution of claimed scans.

mod execute;
mod identity;
mod matching;
mod scratch;
pub mod telemetry;
mod worker;

pub use crate::model::RunnerIdentity;
pub use execute::{
    DEFAULT_LEASE, LeasePolicy, execute_claimed, execute_claimed_with, resolve_target,
};
pub use identity::{interface_ips, local_hostname};
pub use matching::may_claim;
pub use scratch::{prepare_scratch, scratch_path};
pub use worker::{Worker, WorkerConfig};
