//! The scheduler: a loop any process may run (every `casiscan worker` and `casiscan serve` does
//! by default) that queues scans whose scheduled slot has come, each slot exactly once across
//! every loop sharing the store.

mod jitter;
mod scheduler;

pub use jitter::random_jitter;
pub use scheduler::{Scheduler, SchedulerConfig, SlotOutcome};
