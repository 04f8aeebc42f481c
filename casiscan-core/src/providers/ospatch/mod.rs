//! The OS patch provider: installed packages, available and security updates from local caches.
//!
//! Backends: Debian/Ubuntu (dpkg + apt lists, [`debian`]), RPM (rpmdb + dnf caches, [`rpm`]) and
//! Windows (the Windows Update Agent through PowerShell, [`windows`]; tested on recorded output
//! only). Each produces the one [`PatchReport`] through [`report`].

pub mod cache_file;
pub mod debian;
mod decompress;
mod detect;
mod glob;
mod provider;
mod report;
pub mod rows;
pub mod rpm;
mod stored;
mod support;
pub mod windows;
mod xz_size;

pub use debian::{MAX_OFFERS, Source, compare_debian_versions};
pub use detect::{detect, report, scan};
pub use provider::{OsPatchProvider, Verb};
pub use report::{
    Backend, InstalledPackage, PatchReport, PatchSource, PatchUpdate, Reboot, Summary,
};
pub use rows::{PatchRow, Scanned, summary};
pub use stored::OsPatchResult;
pub use support::{SupportPhase, SupportStatus};

/// The private configuration readers [`crate::fuzzing`] hands to the fuzz targets.
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzzing {
    pub use super::debian::apt_lists::Offer;
    pub use super::debian::policy::{
        Pin, PinTarget, candidate, default_release, prioritise, read_pins,
    };
    pub use super::support::{os_release, pretty_name, support_status};
}
