//! RPM reboot state: the running kernel against the newest installed kernel package.

use std::cmp::Ordering;

use super::header::RpmPackage;
use super::vercmp::compare_evr;

const KERNEL_PACKAGES: [&str; 4] = ["kernel-core", "kernel", "kernel-rt", "kernel-uek"];

/// Why a reboot is (not) known to be needed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum KernelState {
    /// The running kernel is the newest installed kernel package.
    Current,
    /// A newer kernel package than the running one is installed.
    NewerInstalled {
        /// `uname -r` of the running kernel.
        running: String,
        /// `version-release.arch` of the newest installed kernel.
        newest: String,
    },
    /// The running kernel is not an installed package (container, custom kernel) or no kernel is installed.
    Unknown,
}

impl KernelState {
    /// `Some(true)` reboot needed, `Some(false)` not needed, `None` unknown.
    pub fn reboot_required(&self) -> Option<bool> {
        match self {
            KernelState::Current => Some(false),
            KernelState::NewerInstalled { .. } => Some(true),
            KernelState::Unknown => None,
        }
    }
}

/// Compares `running` (`uname -r`, e.g. `6.2-1.x86_64`) with the installed kernel packages.
pub fn kernel_state(installed: &[RpmPackage], running: &str) -> KernelState {
    let Some(family) = KERNEL_PACKAGES
        .iter()
        .find(|k| installed.iter().any(|p| p.name == **k))
    else {
        return KernelState::Unknown;
    };
    let kernels: Vec<&RpmPackage> = installed.iter().filter(|p| p.name == *family).collect();
    let release = |p: &RpmPackage| {
        format!(
            "{}-{}.{}",
            p.evr.version,
            p.evr.release.as_deref().unwrap_or(""),
            p.arch
        )
    };
    let Some(run) = kernels.iter().find(|p| release(p) == running) else {
        return KernelState::Unknown;
    };
    let newest = kernels
        .iter()
        .filter(|p| p.arch == run.arch)
        .max_by(|a, b| compare_evr(&a.evr, &b.evr))
        .unwrap_or(run);
    if compare_evr(&newest.evr, &run.evr) == Ordering::Greater {
        KernelState::NewerInstalled {
            running: running.to_string(),
            newest: release(newest),
        }
    } else {
        KernelState::Current
    }
}
