//! `NmapProvider`: the Provider trait over the real nmap.

use std::path::PathBuf;

use async_trait::async_trait;

use super::bounded::{ResultLimits, read_bounded_with};
use super::casibase::casibase_result_bounded;
use super::options::{NmapCommand, NmapPolicy, ScriptDb, validate};
use super::reader::HostReader;
use super::run::{RunSettings, XmlStream, find_nmap, run_nmap};
use super::sandbox::{Confinement, RunAs};
use crate::error::{Error, Result};
use crate::model::{ProviderKind, ScanResult, Target};
use crate::providers::{HostCallback, Locality, Provider, ProviderOutput, RunContext, RunRequest};

/// Runs the real `nmap` found on PATH (or at a configured path).
#[derive(Debug, Clone)]
pub struct NmapProvider {
    binary: Option<PathBuf>,
    policy: std::sync::Arc<NmapPolicy>,
    confine: bool,
    run_as: Option<RunAs>,
    limits: ResultLimits,
    version: std::sync::Arc<tokio::sync::OnceCell<Option<String>>>,
}

impl Default for NmapProvider {
    fn default() -> Self {
        NmapProvider {
            binary: None,
            policy: Default::default(),
            confine: true,
            run_as: None,
            limits: ResultLimits::default(),
            version: Default::default(),
        }
    }
}

impl NmapProvider {
    /// Uses `nmap` from PATH.
    pub fn new() -> Self {
        NmapProvider::default()
    }

    /// Uses the nmap binary at `path`.
    pub fn with_binary(path: impl Into<PathBuf>) -> Self {
        NmapProvider {
            binary: Some(path.into()),
            ..NmapProvider::default()
        }
    }

    /// Applies the operator's per-account policy (risky scripts, wide targets).
    pub fn with_policy(mut self, policy: NmapPolicy) -> Self {
        self.policy = std::sync::Arc::new(policy);
        self
    }

    /// Runs nmap without Landlock file confinement (only for a wrapper that needs more access,
    /// such as `ip netns exec`; the option check still applies).
    pub fn unconfined(mut self) -> Self {
        self.confine = false;
        self
    }

    /// Sets the caps on what a scan stores (hosts and bytes of the structured result, bytes of
    /// the raw normal output); [`ResultLimits::default`] otherwise.
    pub fn with_limits(mut self, limits: ResultLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The caps on what a scan stores.
    pub fn limits(&self) -> &ResultLimits {
        &self.limits
    }

    /// Runs nmap as the unprivileged account `user` (defence in depth where Landlock is missing;
    /// raw-socket scans then need nmap's file capabilities or fall back to connect scans).
    pub fn run_as_user(mut self, user: &str) -> Result<Self> {
        self.run_as = Some(RunAs::user(user)?);
        Ok(self)
    }

    /// The per-account policy in force.
    pub fn policy(&self) -> &NmapPolicy {
        &self.policy
    }

    /// Parses `command` and checks it and `target` for `owner`.
    fn checked(&self, owner: &str, target: Option<&Target>, command: &str) -> Result<NmapCommand> {
        let command = NmapCommand::parse(command)?;
        let scripts = ScriptDb::for_nmap(self.binary().ok().as_deref());
        let scripts = scripts.as_deref().map_err(String::as_str);
        self.policy.check_command(owner, &command, scripts)?;
        if let Some(target) = target {
            self.policy.check_target(owner, target)?;
        }
        Ok(command)
    }

    /// nmap's version line, from `nmap --version` run once and cached; `None` if it cannot run.
    pub async fn version(&self) -> Option<String> {
        self.version
            .get_or_init(|| async {
                let binary = self.binary().ok()?;
                let out = tokio::process::Command::new(binary)
                    .arg("--version")
                    .stdin(std::process::Stdio::null())
                    .kill_on_drop(true)
                    .output()
                    .await
                    .ok()?;
                let text = String::from_utf8_lossy(&out.stdout);
                out.status
                    .success()
                    .then(|| text.lines().next().unwrap_or("").trim().to_string())
            })
            .await
            .clone()
    }

    fn binary(&self) -> Result<PathBuf> {
        self.binary
            .clone()
            .or_else(find_nmap)
            .ok_or_else(|| Error::provider("Nmap", "nmap is not installed or not on PATH"))
    }
}

#[async_trait]
impl Provider for NmapProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Nmap
    }

    fn locality(&self) -> Locality {
        Locality::AnyRunner
    }

    async fn available(&self) -> bool {
        self.version().await.is_some()
    }

    fn validate_command(&self, command: &str) -> Result<()> {
        validate(command)
    }

    fn check_scan(&self, owner: &str, target: Option<&Target>, command: &str) -> Result<()> {
        self.checked(owner, target, command).map(|_| ())
    }

    async fn run(&self, request: RunRequest, ctx: RunContext) -> Result<ProviderOutput> {
        let target = &request.target;
        let command = self.checked(&request.owner, Some(target), &request.command)?;
        let binary = self.binary()?;
        let settings = RunSettings {
            binary: &binary,
            confine: self.confine,
            run_as: self.run_as,
            timeout: request.timeout,
            max_raw_bytes: self.limits.max_raw_bytes,
        };
        let limits = self.limits;
        let on_host = ctx.on_host.clone();
        let out = run_nmap(&settings, &command, target, &ctx, move |xml| {
            stored_result(xml, &limits, on_host.as_ref())
        })
        .await?;
        let (result, summary) = out.parsed;
        let mut raw_text = out.normal;
        if !matches!(out.confinement, Confinement::Full | Confinement::Disabled) {
            raw_text.push_str(&format!(
                "\n# casiscan: nmap's file access was not fully confined (Landlock: {:?})\n",
                out.confinement
            ));
        }
        Ok(ProviderOutput {
            raw_text,
            summary,
            result,
        })
    }
}

/// Reads nmap's XML host by host as it arrives, keeping what `limits` allow, and builds the
/// stored result and its summary (on the parser's blocking thread).
fn stored_result(
    xml: XmlStream,
    limits: &ResultLimits,
    on_host: Option<&HostCallback>,
) -> Result<(ScanResult, String)> {
    let tell = |h: &super::model::Host| {
        if let Some(f) = on_host {
            (f.0)(h);
        }
    };
    result_of(HostReader::new(xml)?, limits, |_| None, tell)
}

/// Reads a run host by host within `limits` and builds the stored result and its summary; an
/// error nmap itself reported is a Provider error. `locate` places a parse error's offset.
pub(crate) fn result_of<R: std::io::BufRead>(
    reader: HostReader<R>,
    limits: &ResultLimits,
    locate: impl Fn(u64) -> Option<(u64, u64)>,
    on_host: impl FnMut(&super::model::Host),
) -> Result<(ScanResult, String)> {
    let bounded = read_bounded_with(reader, limits, locate, on_host)?;
    if let Some(msg) = bounded
        .run
        .runstats
        .as_ref()
        .and_then(|r| r.finished.as_ref())
        .filter(|f| f.exit.as_deref() == Some("error"))
        .and_then(|f| f.errormsg.clone())
    {
        return Err(Error::provider(
            "Nmap",
            format!("nmap reported an error: {msg}"),
        ));
    }
    let summary = bounded.summary();
    Ok((ScanResult::Nmap(casibase_result_bounded(bounded)), summary))
}
