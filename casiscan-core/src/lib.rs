//! casiscan-core: the scan-management core of casiscan.
//!
//! - [`model`]: scans, assets, runs, states and the transition table.
//! - [`store`]: the [`store::Store`] trait with in-memory and SQLite backends.
//! - [`providers`]: the [`providers::Provider`] trait and its implementations.
//! - [`schedule`]: the scheduler loop that queues scans at their scheduled slots.
//! - [`Client`]: the one async entry point the command line and the bindings call.
//!
//! ```
//! use casiscan_core::{Client, ErrorKind, model::{Scan, ScanState}, providers::Providers};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let client = Client::open("memory:", Providers::new()).await?;
//! let mut scan = Scan::new("admin", "web");
//! scan.target = "127.0.0.1".into();
//! client.add_scan(&scan).await?;
//! assert_eq!(client.start_scan("admin/web").await?.state, ScanState::Pending);
//! assert_eq!(client.clear_scan("admin/web").await.unwrap_err().kind(), ErrorKind::Conflict);
//! scan.target = "-oN /etc/passwd".into();
//! assert_eq!(client.add_scan(&scan).await.unwrap_err().kind(), ErrorKind::InvalidInput);
//! # Ok::<(), casiscan_core::Error>(())
//! # }).unwrap();
//! ```

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
pub mod schedule;
pub mod scope;
pub mod store;

mod client;
mod client_patch;
mod client_schedules;
mod client_scope;
mod log_pages;

/// Internal decoders the fuzz targets (`fuzz/`) reach (with `http`, the REST server's
/// request-header readers too); not a stable API.
#[cfg(feature = "fuzzing")]
pub mod fuzzing {
    #[cfg(feature = "http")]
    pub use crate::http::fuzzing::{
        Caller, access_key_subject, bearer_token, is_cross_origin, presents_credentials, reader,
        writer,
    };
    pub use crate::log_pages::{open_position, seal_position};
    pub use crate::providers::ospatch::fuzzing::{
        Offer, Pin, PinTarget, candidate, default_release, os_release, pretty_name, prioritise,
        read_pins, support_status,
    };
}

pub use client::{Client, Database};
pub use error::{Error, ErrorKind, Result};
pub use log_pages::{MAX_LIBRARY_PAGE_SIZE, ScanLogPage, ScanLogPages};
