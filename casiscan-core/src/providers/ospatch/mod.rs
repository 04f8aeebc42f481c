//! The OS patch provider: installed packages and pending updates from each platform's local caches.
//!
//! This branch carries the RPM backend (`rpm`) and the Windows Update Agent backend (`windows`).

pub mod rpm;
pub mod windows;
pub mod windows_command;
pub mod windows_rows;
