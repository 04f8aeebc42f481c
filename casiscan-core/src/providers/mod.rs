//! Scan providers behind one async trait: nmap, OS patch, and OS patch install (remediation).

use std::sync::Arc;
use std::time::Duration;

pub mod nmap;
pub mod ospatch;
pub mod patch_install;

use async_trait::async_trait;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::error::Result;
use crate::model::{Progress, ProviderKind, ScanResult, Target};

/// Where a provider must run relative to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locality {
    /// Any runner where the tool is available (nmap scans over the network).
    AnyRunner,
    /// Only the runner that is the target itself (OS patch reads local caches).
    OnTarget,
}

/// What a provider is asked to do.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The account the scan belongs to (the operator's per-account policy applies).
    pub owner: String,
    /// The resolved, validated target.
    pub target: Target,
    /// Provider arguments (nmap options, or an OS patch verb).
    pub command: String,
    /// Wall-clock limit for the run.
    pub timeout: Duration,
}

/// Channels through which a running provider reports progress and learns of cancellation.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// Latest progress; the runner's heartbeat publishes it.
    pub progress: Arc<watch::Sender<Progress>>,
    /// Latest partial raw output; the runner's heartbeat publishes it.
    pub partial_raw: Arc<watch::Sender<String>>,
    /// Canceled when the user cancels the scan or the runner shuts down.
    pub cancel: CancellationToken,
    /// Where a provider makes its private working directories (the system temp directory if
    /// `None`); a worker gives each run a place under its own directory, which it clears on start.
    pub scratch_dir: Option<std::path::PathBuf>,
    /// Called with each host of an nmap scan as soon as nmap reports it done (on the parser's
    /// thread), before the run ends.
    pub on_host: Option<HostCallback>,
}

/// A function called with each host of a running nmap scan as nmap reports it.
#[derive(Clone)]
pub struct HostCallback(pub Arc<dyn Fn(&nmap::Host) + Send + Sync>);

impl std::fmt::Debug for HostCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostCallback")
    }
}

impl RunContext {
    /// This context, calling `f` with each host of an nmap scan as nmap reports it.
    pub fn with_host_callback(mut self, f: impl Fn(&nmap::Host) + Send + Sync + 'static) -> Self {
        self.on_host = Some(HostCallback(Arc::new(f)));
        self
    }

    /// A context nobody listens to, with a fresh cancellation token.
    pub fn detached() -> Self {
        RunContext {
            progress: Arc::new(watch::channel(Progress::default()).0),
            partial_raw: Arc::new(watch::channel(String::new()).0),
            cancel: CancellationToken::new(),
            scratch_dir: None,
            on_host: None,
        }
    }
}

/// What a finished provider run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderOutput {
    /// The tool's own text output (Casibase's `rawResult`).
    pub raw_text: String,
    /// Structured result (Casibase's `result`; serialised once, where the run is stored).
    pub result: ScanResult,
    /// One line, e.g. "11 ports found".
    pub summary: String,
}

/// A scan provider: runs one kind of scan against one target.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Which provider this is.
    fn kind(&self) -> ProviderKind;

    /// Where it must run.
    fn locality(&self) -> Locality;

    /// Whether the tool it needs is present on this machine.
    async fn available(&self) -> bool;

    /// Checks a command without running anything; the same check `run` makes.
    fn validate_command(&self, command: &str) -> Result<()>;

    /// Checks a scan for `owner` against the operator's policy; the same check `run` makes.
    ///
    /// `target` is `None` when it is not known yet (Asset mode before resolution).
    fn check_scan(&self, owner: &str, target: Option<&Target>, command: &str) -> Result<()> {
        let _ = (owner, target);
        self.validate_command(command)
    }

    /// Runs the scan; honours `request.timeout` and `ctx.cancel`, killing any child process group.
    async fn run(&self, request: RunRequest, ctx: RunContext) -> Result<ProviderOutput>;
}

/// The providers available to a client or runner, one per kind.
#[derive(Clone, Default)]
pub struct Providers {
    entries: Vec<Arc<dyn Provider>>,
}

impl Providers {
    /// An empty set.
    pub fn new() -> Self {
        Providers::default()
    }

    /// Adds (or replaces) the provider of its kind.
    pub fn with(mut self, provider: Arc<dyn Provider>) -> Self {
        self.entries.retain(|p| p.kind() != provider.kind());
        self.entries.push(provider);
        self
    }

    /// The provider of `kind`, if configured.
    pub fn get(&self, kind: ProviderKind) -> Option<Arc<dyn Provider>> {
        self.entries.iter().find(|p| p.kind() == kind).cloned()
    }

    /// Every configured provider.
    pub fn all(&self) -> &[Arc<dyn Provider>] {
        &self.entries
    }
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|p| p.kind()))
            .finish()
    }
}

/// Every provider built into casiscan, ready to run on this machine.
pub fn defaults() -> Providers {
    Providers::new()
        .with(Arc::new(nmap::NmapProvider::new()))
        .with(Arc::new(ospatch::OsPatchProvider::default()))
        .with(Arc::new(patch_install::PatchInstallProvider::default()))
}
