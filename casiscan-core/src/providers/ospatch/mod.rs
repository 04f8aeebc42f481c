//! The OS patch provider: installed packages, available and security updates from local caches.
//!
//! Backends: Debian/Ubuntu (dpkg + apt lists), RPM (rpmdb + dnf caches) and Windows (the
//! Windows Update Agent through PowerShell; tested on recorded output only).

mod apt_lists;
pub mod cache_file;
mod deb822;
mod debversion;
mod decompress;
mod dpkg_status;
mod glob;
mod list_stream;
mod policy;
mod provider;
mod report;
pub mod rpm;
mod support;
pub mod windows;
pub mod windows_command;
pub mod windows_rows;
pub mod windows_run;
mod xz_size;

pub use apt_lists::{MAX_OFFERS, Source};
pub use debversion::compare as compare_debian_versions;
pub use dpkg_status::InstalledPackage;
pub use provider::{Backend, OsPatchProvider, PatchRow, Verb, rows, summary};
pub use report::{OsPatchReport, Reboot, Summary, Update, debian_report, debian_report_at};
pub use support::{SupportPhase, SupportStatus};
