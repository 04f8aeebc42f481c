//! `OsPatchProvider`: the Provider trait over the local package caches.

use std::path::PathBuf;

use async_trait::async_trait;
use serde::Serialize;

use super::cache_file::present;
use super::report::{OsPatchReport, debian_report};
use super::windows_rows::{available_rows, installed_rows};
use super::windows_run::{WuaCommand, run_wua};
use crate::error::{Error, Result};
use crate::model::ProviderKind;
use crate::providers::{Locality, Provider, ProviderOutput, RunContext, RunRequest};

/// What an OS patch scan lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Available updates (the default).
    Available,
    /// Installed packages.
    Installed,
    /// Both.
    All,
}

impl std::str::FromStr for Verb {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "available" => Ok(Verb::Available),
            "installed" => Ok(Verb::Installed),
            "all" => Ok(Verb::All),
            other => Err(Error::invalid(
                format!("OS patch command `{}`", other.escape_debug()),
                "expected `available`, `installed` or `all`",
            )),
        }
    }
}

/// Casibase's patch row, for its renderer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchRow {
    /// Title.
    pub title: String,
    /// KB or advisory id.
    pub kb: String,
    /// Download size.
    pub size: String,
    /// Available / Held / Installed.
    pub status: String,
    /// Description.
    pub description: String,
    /// Whether applying needs a reboot.
    pub reboot_required: bool,
    /// When installed.
    pub installed_on: String,
    /// Categories.
    pub categories: String,
    /// Installed row.
    pub is_installed: bool,
    /// Already downloaded.
    pub is_downloaded: bool,
    /// Mandatory.
    pub is_mandatory: bool,
}

/// Casibase rows for `verb`.
pub fn rows(report: &OsPatchReport, verb: Verb) -> Vec<PatchRow> {
    let mut out = Vec::new();
    if verb != Verb::Installed {
        out.extend(report.updates.iter().map(|u| {
            PatchRow {
                title: format!(
                    "{} {} → {}",
                    u.name, u.installed_version, u.candidate_version
                ),
                kb: String::new(),
                size: u
                    .download_size
                    .map_or("N/A".into(), |b| format!("{:.2} MB", b as f64 / 1e6)),
                status: if u.held { "Held" } else { "Available" }.into(),
                description: format!("{} ({}) from {}", u.name, u.arch, u.suites.join(",")),
                reboot_required: u.name.starts_with("linux-image"),
                installed_on: String::new(),
                categories: if u.is_security {
                    "Security Updates"
                } else {
                    "Updates"
                }
                .into(),
                is_installed: false,
                is_downloaded: false,
                is_mandatory: false,
            }
        }));
    }
    if verb != Verb::Available {
        out.extend(report.installed.iter().map(|p| PatchRow {
            title: format!("{} {}", p.name, p.version),
            kb: String::new(),
            size: "N/A".into(),
            status: "Installed".into(),
            description: format!("{} ({}), dpkg state {}", p.name, p.arch, p.state),
            reboot_required: false,
            installed_on: String::new(),
            categories: String::new(),
            is_installed: true,
            is_downloaded: true,
            is_mandatory: false,
        }));
    }
    out
}

/// Casibase's summary line for the rows.
pub fn summary(rows: &[PatchRow]) -> String {
    let available = rows.iter().filter(|r| !r.is_installed).count();
    if available > 0 {
        format!("{available} available patches found")
    } else if !rows.is_empty() {
        format!("{} patches installed", rows.len())
    } else {
        "No patches found".to_string()
    }
}

/// Which package database a scan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// dpkg status and apt's lists.
    Debian,
    /// The rpmdb and dnf's cached repodata.
    Rpm,
    /// The Windows Update Agent, through PowerShell.
    Windows,
}

/// rpmdb locations, newest layout first.
const RPMDB_PATHS: [&str; 2] = [
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "var/lib/rpm/rpmdb.sqlite",
];

/// Reads the local machine's (or a mounted root's) package caches.
#[derive(Debug, Clone)]
pub struct OsPatchProvider {
    root: PathBuf,
    windows: Option<WuaCommand>,
}

impl Default for OsPatchProvider {
    fn default() -> Self {
        OsPatchProvider {
            root: PathBuf::from("/"),
            windows: cfg!(windows).then(WuaCommand::default),
        }
    }
}

impl OsPatchProvider {
    /// Reads the caches under `root` (`/` for this machine).
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        OsPatchProvider {
            root: root.into(),
            ..OsPatchProvider::default()
        }
    }

    /// Uses `command` for the Windows Update backend (on Windows the default is PowerShell;
    /// elsewhere there is none unless set here, e.g. to replay recorded output).
    pub fn with_windows_command(mut self, command: WuaCommand) -> Self {
        self.windows = Some(command);
        self
    }

    /// A dpkg status of any kind is there (what is not a regular file is reported when read).
    fn is_debian(&self) -> bool {
        present(&self.root.join("var/lib/dpkg/status"))
    }

    /// The backend for this root, or an error naming what was looked for.
    pub fn backend(&self) -> Result<Backend> {
        if self.is_debian() {
            return Ok(Backend::Debian);
        }
        if RPMDB_PATHS.iter().any(|p| present(&self.root.join(p))) {
            return Ok(Backend::Rpm);
        }
        if self.windows.is_some() {
            return Ok(Backend::Windows);
        }
        Err(Error::provider(
            "OS Patch",
            format!(
                "no package database under {}: looked for var/lib/dpkg/status, {} and {} \
                 (the Windows Update backend runs only on Windows)",
                self.root.display(),
                RPMDB_PATHS[0],
                RPMDB_PATHS[1]
            ),
        ))
    }

    /// The Windows backend: the Windows Update Agent's report through PowerShell.
    async fn run_windows(
        &self,
        command: &WuaCommand,
        verb: Verb,
        request: RunRequest,
        ctx: RunContext,
    ) -> Result<ProviderOutput> {
        let report = run_wua(command, request.timeout, &ctx.cancel).await?;
        let mut rows = Vec::new();
        if verb != Verb::Installed {
            rows.extend(available_rows(&report));
        }
        if verb != Verb::Available {
            rows.extend(installed_rows(&report));
        }
        json_output(rows, serde_json::to_value(&report))
    }

    /// The RPM backend: rpmdb plus dnf's cached repodata.
    async fn run_rpm(
        &self,
        verb: Verb,
        request: RunRequest,
        ctx: RunContext,
    ) -> Result<ProviderOutput> {
        let root = self.root.clone();
        let work = tokio::task::spawn_blocking(move || super::rpm::scan_rpm(&root));
        let scan = tokio::select! {
            r = work => r.map_err(|e| Error::provider("OS Patch", format!("the report task failed: {e}")))??,
            () = ctx.cancel.cancelled() => return Err(Error::Canceled("the OS patch scan was canceled".into())),
            () = tokio::time::sleep(request.timeout) => return Err(Error::provider("OS Patch", "timed out")),
        };
        let mut rows = Vec::new();
        if verb != Verb::Installed {
            rows.extend(super::rpm::rpm_available_rows(&scan));
        }
        if verb != Verb::Available {
            rows.extend(super::rpm::rpm_installed_rows(&scan));
        }
        json_output(rows, serde_json::to_value(&scan))
    }
}

/// Output of a backend whose rows are JSON objects in Casibase's shape, with its full report.
fn json_output(
    rows: Vec<serde_json::Value>,
    report: serde_json::Result<serde_json::Value>,
) -> Result<ProviderOutput> {
    let encode = |e: serde_json::Error| {
        Error::provider("OS Patch", format!("cannot encode the report: {e}"))
    };
    let available = rows.iter().filter(|r| r["isInstalled"] == false).count();
    let summary = if available > 0 {
        format!("{available} available patches found")
    } else if !rows.is_empty() {
        format!("{} patches installed", rows.len())
    } else {
        "No patches found".to_string()
    };
    let raw_text = serde_json::to_string_pretty(&rows).map_err(encode)?;
    let result = serde_json::json!({ "patches": rows, "report": report.map_err(encode)? });
    Ok(ProviderOutput {
        raw_text,
        result,
        summary,
    })
}

#[async_trait]
impl Provider for OsPatchProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::OsPatch
    }

    fn locality(&self) -> Locality {
        Locality::OnTarget
    }

    async fn available(&self) -> bool {
        self.backend().is_ok()
    }

    fn validate_command(&self, command: &str) -> Result<()> {
        command.parse::<Verb>().map(|_| ())
    }

    async fn run(&self, request: RunRequest, ctx: RunContext) -> Result<ProviderOutput> {
        let verb: Verb = request.command.parse()?;
        match (self.backend()?, &self.windows) {
            (Backend::Rpm, _) => return self.run_rpm(verb, request, ctx).await,
            (Backend::Windows, Some(command)) => {
                return self.run_windows(command, verb, request, ctx).await;
            }
            _ => {}
        }
        let root = self.root.clone();
        let work = tokio::task::spawn_blocking(move || debian_report(&root));
        let report = tokio::select! {
            r = work => r.map_err(|e| Error::provider("OS Patch", format!("the report task failed: {e}")))??,
            () = ctx.cancel.cancelled() => return Err(Error::Canceled("the OS patch scan was canceled".into())),
            () = tokio::time::sleep(request.timeout) => return Err(Error::provider("OS Patch", "timed out")),
        };
        let rows = rows(&report, verb);
        let summary = summary(&rows);
        let raw_text = serde_json::to_string_pretty(&rows)
            .map_err(|e| Error::provider("OS Patch", format!("cannot encode the rows: {e}")))?;
        let result = serde_json::json!({ "patches": rows, "report": report });
        Ok(ProviderOutput {
            raw_text,
            result,
            summary,
        })
    }
}
