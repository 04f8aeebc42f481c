//! `OsPatchProvider`: the Provider trait over the local package caches.

use std::path::PathBuf;

use async_trait::async_trait;

use super::detect::{detect, scan};
use super::report::Backend;
use super::rows::{Scanned, summary};
use super::stored::OsPatchResult;
use super::windows::{self, WuaCommand, run_wua};
use crate::error::{Error, Result};
use crate::model::{ProviderKind, ScanResult};
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

impl Scanned {
    /// Casibase's rows for `verb` (pending first) with the report: the stored result.
    pub fn into_result(self, verb: Verb) -> OsPatchResult {
        let mut patches = Vec::new();
        if verb != Verb::Installed {
            patches.extend(self.available);
        }
        if verb != Verb::Available {
            patches.extend(self.installed);
        }
        OsPatchResult {
            patches,
            report: Some(self.report),
        }
    }
}

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
    /// Reads the caches under `root` (`/` for this machine; or recorded Windows Update output).
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

    /// The backend for this root, or an error naming what was looked for.
    pub fn backend(&self) -> Result<Backend> {
        detect(&self.root, self.windows.is_some())
    }

    /// Reads the report of this root's backend, honouring the request's timeout and cancel.
    async fn scanned(&self, request: &RunRequest, ctx: &RunContext) -> Result<Scanned> {
        let backend = self.backend()?;
        let live = match (&self.windows, backend) {
            (Some(command), Backend::Windows) if windows::recorded(&self.root).is_none() => {
                Some(command)
            }
            _ => None,
        };
        if let Some(command) = live {
            let wua = run_wua(command, request.timeout, &ctx.cancel).await?;
            return Ok(windows::scanned(wua));
        }
        let root = self.root.clone();
        let work = tokio::task::spawn_blocking(move || scan(&root, Some(backend)));
        tokio::select! {
            r = work => r.map_err(|e| Error::provider("OS Patch", format!("the report task failed: {e}")))?,
            () = ctx.cancel.cancelled() => Err(Error::Canceled("the OS patch scan was canceled".into())),
            () = tokio::time::sleep(request.timeout) => Err(Error::provider("OS Patch", "timed out")),
        }
    }
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
        let result = self.scanned(&request, &ctx).await?.into_result(verb);
        let summary = summary(&result.patches);
        let raw_text = serde_json::to_string_pretty(&result.patches)
            .map_err(|e| Error::provider("OS Patch", format!("cannot encode the rows: {e}")))?;
        Ok(ProviderOutput {
            raw_text,
            result: ScanResult::OsPatch(result),
            summary,
        })
    }
}
