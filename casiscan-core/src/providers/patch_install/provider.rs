//! `PatchInstallProvider`: installs the updates a remediation job names, on the scanned host.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::apt::{self, APT_ENV, AptConfig, SimOp};
use super::child::{self, ChildOutput};
use super::dnf;
use super::lock::{apt_lock_message, held_dpkg_lock};
use super::request::{PatchInstallRequest, PlannedUpdate};
use super::result::{AppliedUpdate, FailedUpdate, PatchInstallResult};
use super::windows::{parse_install_output, powershell_argv};
use crate::error::{Error, Result};
use crate::model::{ProviderKind, ScanResult};
use crate::providers::ospatch::windows::WuaCommand;
use crate::providers::ospatch::{Backend, PatchReport, detect, report};
use crate::providers::{Locality, Provider, ProviderOutput, RunContext, RunRequest};

const NAME: &str = "OS Patch Install";

fn failure(message: impl Into<String>) -> Error {
    Error::provider(NAME, message)
}

/// Installs updates with the host's package manager; reads `root`'s caches to check them.
#[derive(Debug, Clone)]
pub struct PatchInstallProvider {
    root: PathBuf,
    apt: AptConfig,
    dnf: String,
    windows_replay: Option<WuaCommand>,
}

impl Default for PatchInstallProvider {
    fn default() -> Self {
        PatchInstallProvider {
            root: PathBuf::from("/"),
            apt: AptConfig::default(),
            dnf: dnf::DNF.to_string(),
            windows_replay: None,
        }
    }
}

/// Whether `program` can be started: a path to a file, or a name found on `PATH`.
fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// Time left before `deadline`, at least one second.
fn left(deadline: Instant) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_secs(1))
}

impl PatchInstallProvider {
    /// Checks updates against the package caches under `root` (`/` for this machine).
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        PatchInstallProvider {
            root: root.into(),
            ..PatchInstallProvider::default()
        }
    }

    /// Starts apt-get as `config` says (its program and `-o` settings).
    pub fn with_apt(mut self, config: AptConfig) -> Self {
        self.apt = config;
        self
    }

    /// Starts `program` for the RPM backend instead of `dnf`.
    pub fn with_dnf(mut self, program: impl Into<String>) -> Self {
        self.dnf = program.into();
        self
    }

    /// Runs `command` instead of PowerShell for the Windows backend, e.g. to replay a recorded
    /// install output (with a root holding recorded scan output).
    pub fn with_windows_replay(mut self, command: WuaCommand) -> Self {
        self.windows_replay = Some(command);
        self
    }

    async fn run_windows(
        &self,
        request: &PatchInstallRequest,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<(PatchInstallResult, String)> {
        let before = self.local_report(Backend::Windows, cancel).await?;
        check_candidates(&before, request)?;
        let (argv, shown) = match &self.windows_replay {
            Some(c) => {
                let argv: Vec<String> = std::iter::once(c.program.clone())
                    .chain(c.args.iter().cloned())
                    .collect();
                (argv.clone(), argv)
            }
            None => {
                let argv = powershell_argv(request)?;
                let mut shown = argv[..argv.len() - 1].to_vec();
                shown.push("<the install script, base64>".into());
                (argv, shown)
            }
        };
        // A real installation is not cut by a cancel, as for apt and dnf.
        let cancelable = request.dry_run.then_some(cancel);
        let out = child::run(&argv, &[], left(deadline), cancelable).await?;
        let raw = transcript(&shown, &out);
        if !out.status.success() {
            return Err(failure(format!(
                "PowerShell exited with {}: {}",
                out.status,
                last_lines(&out.stderr, 5)
            )));
        }
        Ok((
            parse_install_output(request, out.stdout.as_bytes(), shown)?,
            raw,
        ))
    }

    /// The OS patch report of the root now (what the candidate check and the outcome read).
    async fn local_report(
        &self,
        backend: Backend,
        cancel: &CancellationToken,
    ) -> Result<PatchReport> {
        let root = self.root.clone();
        let work = tokio::task::spawn_blocking(move || report(&root, Some(backend)));
        tokio::select! {
            r = work => r.map_err(|e| failure(format!("the report task failed: {e}")))?,
            () = cancel.cancelled() => Err(Error::Canceled("the OS patch install was canceled".into())),
        }
    }

    /// Refuses the job unless this host uses the request's package manager.
    fn check_backend(&self, request: &PatchInstallRequest) -> Result<()> {
        let here = detect(&self.root, cfg!(windows) || self.windows_replay.is_some())?;
        if here != request.backend {
            return Err(failure(format!(
                "the updates are for the {} backend but this host uses {here}; nothing was installed",
                request.backend
            )));
        }
        Ok(())
    }

    async fn run_debian(
        &self,
        request: &PatchInstallRequest,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<(PatchInstallResult, String)> {
        refuse_if_locked(&self.root)?;
        let before = self.local_report(Backend::Debian, cancel).await?;
        check_candidates(&before, request)?;
        let native = before.arch.as_deref();
        let sim_argv = apt::argv(&self.apt, request, native, true);
        let sim = child::run(&sim_argv, &APT_ENV, left(deadline), Some(cancel)).await?;
        let mut raw = transcript(&sim_argv, &sim);
        if !sim.status.success() {
            return Err(apt_refusal("apt-get -s", &sim));
        }
        let would = check_simulation(request, &sim.stdout)?;
        if request.dry_run {
            let result = PatchInstallResult {
                source_scan: request.source_scan.clone(),
                backend: Backend::Debian,
                dry_run: true,
                installed: Vec::new(),
                would_install: would,
                failed: Vec::new(),
                reboot_required: before.reboot.required,
                command: sim_argv,
            };
            return Ok((result, raw));
        }
        refuse_if_locked(&self.root)?;
        let argv = apt::argv(&self.apt, request, native, false);
        // Not cancelable: dpkg is never cut in the middle of an upgrade (the timeout still holds).
        let out = child::run(&argv, &APT_ENV, left(deadline), None).await?;
        raw.push_str(&transcript(&argv, &out));
        if !out.status.success()
            && let Some(line) = apt_lock_message(&out.stderr)
        {
            return Err(Error::Conflict(format!(
                "the package manager is locked: {line}; nothing was installed"
            )));
        }
        let after = self
            .local_report(Backend::Debian, &CancellationToken::new())
            .await?;
        let reason = (!out.status.success()).then(|| apt::errors(&out.stderr));
        Ok((outcome(request, &before, &after, argv, reason), raw))
    }

    async fn run_rpm(
        &self,
        request: &PatchInstallRequest,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<(PatchInstallResult, String)> {
        let before = self.local_report(Backend::Rpm, cancel).await?;
        check_candidates(&before, request)?;
        let argv = dnf::argv(&self.dnf, request, request.dry_run);
        if request.dry_run {
            // `--assumeno` answers no to the transaction: dnf prints it and exits 1.
            let out = child::run(&argv, &[], left(deadline), Some(cancel)).await?;
            let raw = transcript(&argv, &out);
            let result = PatchInstallResult {
                source_scan: request.source_scan.clone(),
                backend: Backend::Rpm,
                dry_run: true,
                installed: Vec::new(),
                would_install: request.updates.iter().map(applied).collect(),
                failed: Vec::new(),
                reboot_required: before.reboot.required,
                command: argv,
            };
            return Ok((result, raw));
        }
        let out = child::run(&argv, &[], left(deadline), None).await?;
        let raw = transcript(&argv, &out);
        let after = self
            .local_report(Backend::Rpm, &CancellationToken::new())
            .await?;
        let reason = (!out.status.success()).then(|| last_lines(&out.stderr, 3));
        Ok((outcome(request, &before, &after, argv, reason), raw))
    }
}

/// A held dpkg lock refuses the job before anything runs.
fn refuse_if_locked(root: &Path) -> Result<()> {
    match held_dpkg_lock(root) {
        Some(lock) => Err(Error::Conflict(format!(
            "the package manager is locked: {lock}; nothing was installed"
        ))),
        None => Ok(()),
    }
}

/// The error of a refused simulation: the lock, or apt's own error lines.
fn apt_refusal(what: &str, out: &ChildOutput) -> Error {
    if let Some(line) = apt_lock_message(&out.stderr) {
        return Error::Conflict(format!(
            "the package manager is locked: {line}; nothing was installed"
        ));
    }
    failure(format!(
        "{what} refused the updates ({}): {}; nothing was installed",
        out.status,
        apt::errors(&out.stderr)
    ))
}

/// Each planned version must still be this host's candidate, or nothing is installed.
fn check_candidates(now: &PatchReport, request: &PatchInstallRequest) -> Result<()> {
    for u in &request.updates {
        let live = now
            .updates
            .iter()
            .find(|l| l.name == u.name && (u.arch.is_none() || l.arch == u.arch));
        let version = u.version.as_deref().unwrap_or("?");
        match live {
            None => {
                let installed = installed_version(now, u).unwrap_or_else(|| "none".into());
                return Err(Error::invalid(
                    format!("update {} {version}", u.name),
                    format!(
                        "no longer pending on this host (installed: {installed}); scan again; nothing was installed"
                    ),
                ));
            }
            Some(l) if l.candidate_version != u.version => {
                return Err(Error::invalid(
                    format!("update {} {version}", u.name),
                    format!(
                        "{version} is no longer the candidate (now {}); scan again; nothing was installed",
                        l.candidate_version.as_deref().unwrap_or("none")
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The simulation must change exactly the planned packages (no removal, nothing else).
fn check_simulation(request: &PatchInstallRequest, stdout: &str) -> Result<Vec<AppliedUpdate>> {
    let actions = apt::parse_simulation(stdout);
    let mut would = Vec::new();
    for a in &actions {
        let planned = request
            .updates
            .iter()
            .find(|u| u.name == a.name && (a.arch.is_none() || a.arch == u.arch));
        match (a.op, planned) {
            (SimOp::Install, Some(u)) if a.to == u.version => would.push(AppliedUpdate {
                name: a.name.clone(),
                arch: u.arch.clone(),
                from_version: a.from.clone(),
                to_version: a.to.clone(),
            }),
            (SimOp::Remove, _) => {
                return Err(failure(format!(
                    "apt would remove {}; refusing: only the named upgrades are ever made; nothing was installed",
                    a.name
                )));
            }
            _ => {
                return Err(failure(format!(
                    "apt would also install {} {}; refusing: only the named packages at their reported versions are installed; nothing was installed",
                    a.name,
                    a.to.as_deref().unwrap_or("?")
                )));
            }
        }
    }
    Ok(would)
}

fn installed_version(report: &PatchReport, u: &PlannedUpdate) -> Option<String> {
    report
        .installed
        .iter()
        .find(|p| p.name == u.name && (u.arch.is_none() || p.arch == u.arch))
        .and_then(|p| p.version.clone())
}

fn applied(u: &PlannedUpdate) -> AppliedUpdate {
    AppliedUpdate {
        name: u.name.clone(),
        arch: u.arch.clone(),
        from_version: u.installed_version.clone(),
        to_version: u.version.clone(),
    }
}

/// Installed or failed, per planned update, from the package database after the run.
fn outcome(
    request: &PatchInstallRequest,
    before: &PatchReport,
    after: &PatchReport,
    command: Vec<String>,
    tool_error: Option<String>,
) -> PatchInstallResult {
    let mut installed = Vec::new();
    let mut failed = Vec::new();
    for u in &request.updates {
        let now = installed_version(after, u);
        if now.is_some() && now == u.version {
            installed.push(AppliedUpdate {
                from_version: installed_version(before, u),
                ..applied(u)
            });
        } else {
            let still = now.unwrap_or_else(|| "not installed".into());
            failed.push(FailedUpdate {
                name: u.name.clone(),
                version: u.version.clone(),
                reason: match &tool_error {
                    Some(e) if !e.is_empty() => format!("still {still}: {e}"),
                    _ => format!("still {still} after the package manager finished"),
                },
            });
        }
    }
    PatchInstallResult {
        source_scan: request.source_scan.clone(),
        backend: request.backend,
        dry_run: false,
        installed,
        would_install: Vec::new(),
        failed,
        reboot_required: after.reboot.required,
        command,
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

/// The command and what it wrote, for the job's raw output.
fn transcript(argv: &[String], out: &ChildOutput) -> String {
    format!(
        "$ {}\n{}{}[{}]\n",
        argv.join(" "),
        out.stdout,
        out.stderr,
        out.status
    )
}

#[async_trait]
impl Provider for PatchInstallProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::PatchInstall
    }

    fn locality(&self) -> Locality {
        Locality::OnTarget
    }

    async fn available(&self) -> bool {
        match detect(&self.root, cfg!(windows)) {
            Ok(Backend::Debian) => on_path(&self.apt.program),
            Ok(Backend::Rpm) => on_path(&self.dnf),
            Ok(Backend::Windows) => cfg!(windows) || self.windows_replay.is_some(),
            Err(_) => false,
        }
    }

    fn validate_command(&self, command: &str) -> Result<()> {
        PatchInstallRequest::from_command(command).map(|_| ())
    }

    async fn run(&self, request: RunRequest, ctx: RunContext) -> Result<ProviderOutput> {
        let job = PatchInstallRequest::from_command(&request.command)?;
        let deadline = Instant::now() + request.timeout;
        self.check_backend(&job)?;
        let (result, raw_text) = match job.backend {
            Backend::Debian => self.run_debian(&job, deadline, &ctx.cancel).await?,
            Backend::Rpm => self.run_rpm(&job, deadline, &ctx.cancel).await?,
            Backend::Windows => self.run_windows(&job, deadline, &ctx.cancel).await?,
        };
        Ok(ProviderOutput {
            raw_text,
            summary: result.summary(),
            result: ScanResult::PatchInstall(result),
        })
    }
}
