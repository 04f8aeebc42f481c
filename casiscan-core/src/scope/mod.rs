//! Scope enforcement: an account's [`crate::model::ScopePolicy`] checked against a scan's
//! target when it is added, updated or started, and again by the runner right before it
//! executes, on the addresses a hostname resolves to then.

mod check;
mod resolver;

pub use check::{check_before_run, check_target};
pub use resolver::{Resolver, StaticResolver, SystemResolver};
