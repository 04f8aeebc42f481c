//! Remediation: installs updates a finished OS patch scan found, as a job of its own
//! ([`ProviderKind::PatchInstall`](crate::model::ProviderKind::PatchInstall)) on the scanned host.
//!
//! Backends: Debian/Ubuntu (`apt-get install --only-upgrade` of exact versions, simulated first),
//! RPM (`dnf upgrade` of exact versions or `--advisory`), Windows (the Windows Update Agent
//! through PowerShell; tested on recorded output only). Every planned version is checked again
//! against the host's caches right before installing; a held dpkg lock refuses the job.

pub mod apt;
mod child;
pub mod dnf;
mod lock;
mod provider;
mod request;
mod result;
pub mod windows;

pub use lock::{HeldLock, held_dpkg_lock};
pub use provider::PatchInstallProvider;
pub use request::{MAX_SELECTED_UPDATES, PatchInstallRequest, PatchSelection, PlannedUpdate, plan};
pub use result::{AppliedUpdate, FailedUpdate, PatchInstallResult};
