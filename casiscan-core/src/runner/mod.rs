//! Runners: identity and the execution of claimed scans.

mod execute;
mod identity;

pub use execute::{DEFAULT_LEASE, LeasePolicy, execute_claimed, resolve_target};
pub use identity::local_hostname;
