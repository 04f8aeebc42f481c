//! casiscan-core: the scan-management core of casiscan.
//!
//! - [`model`]: scans, assets, runs, states and the transition table.
//! - [`store`]: the [`store::Store`] trait with in-memory and SQLite backends.
//! - [`providers`]: the [`providers::Provider`] trait and its implementations.
//! - [`Client`]: the one async entry point the command line and the bindings call.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod clock;
pub mod error;
pub mod export;
#[cfg(feature = "http")]
pub mod http;
pub mod keys;
pub mod lifecycle;
pub mod model;
pub mod providers;
pub mod runner;
pub mod store;

mod client;

pub use client::{Client, Database};
pub use error::{Error, ErrorKind, Result};
