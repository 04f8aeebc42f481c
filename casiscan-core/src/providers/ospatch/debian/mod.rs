//! Debian/Ubuntu backend: dpkg status, apt lists and pins, the version-range security rule.

pub(super) mod apt_lists;
mod deb822;
pub(super) mod debversion;
pub(super) mod dpkg_status;
mod list_stream;
pub(super) mod policy;
mod report;
mod rows;
mod unify;

pub use apt_lists::{MAX_OFFERS, Source};
pub use debversion::compare as compare_debian_versions;
pub use dpkg_status::InstalledPackage as DpkgPackage;
pub use report::{DebianReport, DebianSummary, DebianUpdate, debian_report, debian_report_at};
pub use rows::{available_rows, installed_rows};
pub use unify::{patch_report, scan};
