//! casiscan's C ABI: opaque handles, `casiscan_status` results, a per-thread last-error message.
//!
//! Every function returns a status, writes outputs only on success, checks every pointer and
//! never lets a panic cross into C. Strings returned to C are freed with `casiscan_string_free`.

mod boundary;
mod client;
mod logs;
mod misc;
mod nmap;
mod policies;
mod status;

pub use client::*;
pub use logs::*;
pub use misc::*;
pub use nmap::*;
pub use policies::*;
pub use status::casiscan_status;
