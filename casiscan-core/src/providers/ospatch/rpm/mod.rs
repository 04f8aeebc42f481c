//! RPM backend: rpmvercmp, rpmdb header blobs, dnf repodata (primary + updateinfo) and the update report.

mod dnf_config;
mod header;
mod reboot;
mod repodata;
mod repomd;
mod report;
#[cfg(feature = "sqlite")]
mod rows;
#[cfg(feature = "sqlite")]
mod rpmdb;
#[cfg(feature = "sqlite")]
mod scan;
#[cfg(feature = "sqlite")]
mod unify;
mod vercmp;

pub use dnf_config::{
    DnfConfig, LockCondition, LockEntry, LockKey, RepoConfig, VersionLock, read_dnf_config,
};
pub use header::{Header, RpmPackage, parse_header};
pub use reboot::{KernelState, kernel_state};
pub use repodata::{Advisory, AdvisoryPackage, RepoPackage, parse_primary, parse_updateinfo};
pub use repomd::{Repo, read_repo};
pub use report::{RpmUpdate, rpm_updates};
#[cfg(feature = "sqlite")]
pub use rows::{rpm_available_rows, rpm_installed_rows, rpm_summary};
#[cfg(feature = "sqlite")]
pub use rpmdb::read_rpmdb;
#[cfg(feature = "sqlite")]
pub use scan::{RpmScan, scan_rpm};
#[cfg(feature = "sqlite")]
pub use unify::{patch_report, scan};
pub use vercmp::{Evr, compare_evr, rpmvercmp};
