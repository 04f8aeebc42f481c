//! `report(root, backend)`: the one entry point, with the backend detected or chosen.

use std::path::Path;
use std::time::Duration;

use super::cache_file::present;
use super::report::{Backend, PatchReport};
use super::rows::Scanned;
use super::windows::{self, WuaCommand, run_wua};
use crate::error::{Error, Result};

/// rpmdb locations, newest layout first.
pub(super) const RPMDB_PATHS: [&str; 2] = [
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "var/lib/rpm/rpmdb.sqlite",
];

/// How long a live Windows Update search may take outside the provider.
const LIVE_WINDOWS_TIMEOUT: Duration = Duration::from_secs(600);

/// The backend of `root`: dpkg status, else an rpmdb, else recorded Windows Update output
/// (a file, or `wua.json` in the directory), else the live agent when `live_windows`.
pub fn detect(root: &Path, live_windows: bool) -> Result<Backend> {
    if present(&root.join("var/lib/dpkg/status")) {
        return Ok(Backend::Debian);
    }
    if RPMDB_PATHS.iter().any(|p| present(&root.join(p))) {
        return Ok(Backend::Rpm);
    }
    if live_windows || windows::recorded(root).is_some() {
        return Ok(Backend::Windows);
    }
    Err(Error::provider(
        "OS Patch",
        format!(
            "no package database under {}: looked for var/lib/dpkg/status, {}, {} and recorded \
             Windows Update output ({}) (the live Windows Update backend runs only on Windows)",
            root.display(),
            RPMDB_PATHS[0],
            RPMDB_PATHS[1],
            windows::RECORDED_FILE
        ),
    ))
}

/// The OS patch report of `root` (`/` for this machine, a mounted root, or a recorded Windows
/// Update output file or directory), from `backend` or the detected one.
///
/// Blocking: it reads files (and on Windows may run PowerShell); call it off async workers.
pub fn report(root: &Path, backend: Option<Backend>) -> Result<PatchReport> {
    scan(root, backend).map(|s| s.report)
}

/// [`report`] with Casibase's rows, as the provider stores them.
pub fn scan(root: &Path, backend: Option<Backend>) -> Result<Scanned> {
    let backend = match backend {
        Some(b) => b,
        None => detect(root, cfg!(windows))?,
    };
    match backend {
        Backend::Debian => super::debian::scan(root),
        Backend::Rpm => rpm(root),
        Backend::Windows if windows::recorded(root).is_none() && cfg!(windows) => live_windows(),
        Backend::Windows => windows::scan_recorded(root),
    }
}

#[cfg(feature = "sqlite")]
fn rpm(root: &Path) -> Result<Scanned> {
    super::rpm::scan(root)
}

#[cfg(not(feature = "sqlite"))]
fn rpm(_root: &Path) -> Result<Scanned> {
    Err(Error::provider(
        "OS Patch",
        "the RPM backend needs casiscan-core's `sqlite` feature (rpmdb.sqlite)",
    ))
}

/// Runs the agent's script through PowerShell on a private runtime (not inside an async task).
fn live_windows() -> Result<Scanned> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::provider("OS Patch", format!("cannot start a runtime: {e}")))?;
    let cancel = tokio_util::sync::CancellationToken::new();
    let wua = runtime.block_on(run_wua(
        &WuaCommand::default(),
        LIVE_WINDOWS_TIMEOUT,
        &cancel,
    ))?;
    Ok(windows::scanned(wua))
}
