//! `casiscan worker`: a runner claiming scans from a shared database.

use std::process::ExitCode;
use std::time::Duration;

use casiscan_core::runner::{LeasePolicy, RunnerIdentity, Worker, WorkerConfig, scratch_path};
use casiscan_core::schedule::SchedulerConfig;
use casiscan_core::{Client, Error, Result};
use tokio_util::sync::CancellationToken;

/// Options of the worker subcommand.
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    /// Runner name (default: the hostname).
    #[arg(long)]
    pub name: Option<String>,
    /// Hostname to match OS patch targets against (default: this machine's).
    #[arg(long)]
    pub hostname: Option<String>,
    /// Public (NAT) IP of this machine; repeat for several.
    #[arg(long = "public-ip")]
    pub public_ips: Vec<String>,
    /// Interface IPs to claim as this machine's, replacing the detected ones; repeat for several.
    #[arg(long = "ip")]
    pub ips: Vec<String>,
    /// Scans run at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Lease length in seconds (heartbeats every third of it).
    #[arg(long, default_value_t = 30)]
    pub lease_seconds: u64,
    /// Claims of one start before a scan whose runner died fails with "runner lost".
    #[arg(long, default_value_t = 3)]
    pub max_attempts: u32,
    /// On SIGTERM or Ctrl-C, seconds running scans may take to finish before they are given
    /// back to the queue (at once, not at lease expiry).
    #[arg(long, default_value_t = 10)]
    pub grace_seconds: u64,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9464).
    #[arg(long)]
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Directory in which the worker keeps its scratch directory `casiscan-worker-<name>`
    /// (default: the system temp directory); emptied when a worker of this name starts.
    #[arg(long)]
    pub scratch_base: Option<std::path::PathBuf>,
    /// Do not run the scheduler loop in this process (it queues scheduled scans).
    #[arg(long)]
    pub no_scheduler: bool,
}

/// A running scheduler loop and the token that stops it.
pub type SchedulerTask = Option<(CancellationToken, tokio::task::JoinHandle<()>)>;

/// Starts the scheduler loop over the client's store unless `off`.
pub fn scheduler(client: &Client, off: bool) -> SchedulerTask {
    if off {
        return None;
    }
    let stop = CancellationToken::new();
    let scheduler = client.scheduler(SchedulerConfig::default());
    let token = stop.clone();
    let task = tokio::spawn(async move {
        if let Err(e) = scheduler.run(token).await {
            eprintln!("casiscan: scheduler stopped: {e}");
        }
    });
    Some((stop, task))
}

/// Stops a scheduler loop started by [`scheduler`] and waits for it.
pub async fn stop_scheduler(task: SchedulerTask) {
    if let Some((stop, task)) = task {
        stop.cancel();
        let _ = task.await;
    }
}

fn parse_ips(values: &[String]) -> Result<Vec<std::net::IpAddr>> {
    values
        .iter()
        .map(|v| {
            v.parse()
                .map_err(|_| Error::invalid(format!("IP `{v}`"), "not an IP address"))
        })
        .collect()
}

/// Runs the worker until Ctrl-C or SIGTERM, then releases what it holds; `owner` (when given)
/// restricts it to that owner's scans.
pub async fn run(client: &Client, args: WorkerArgs, owner: Option<String>) -> Result<ExitCode> {
    if let Some(listen) = args.metrics_listen {
        crate::metrics_export::serve_on(listen)?;
    }
    let mut identity = RunnerIdentity::detect(client.providers()).await;
    if let Some(h) = args.hostname {
        identity.hostname = h;
    }
    identity.name = args.name.unwrap_or_else(|| identity.hostname.clone());
    identity.public_ips = parse_ips(&args.public_ips)?;
    if !args.ips.is_empty() {
        identity.ips = parse_ips(&args.ips)?;
    }
    let lease = Duration::from_secs(args.lease_seconds.max(1));
    let mut config = WorkerConfig::new(identity);
    config.concurrency = args.concurrency.max(1);
    config.max_attempts = args.max_attempts.max(1);
    config.lease = LeasePolicy {
        lease,
        heartbeat: lease / 3,
    };
    config.grace = Duration::from_secs(args.grace_seconds);
    config.identity.owners = owner.into_iter().collect();
    if let Some(base) = &args.scratch_base {
        config.scratch_dir = Some(scratch_path(base, &config.identity.name));
    }
    // The handlers are installed before the worker says it is ready: a SIGTERM sent as soon as
    // it is seen ready stops it gracefully.
    let stops = stop_signals();
    tracing::info!(
        runner = %config.identity.name,
        hostname = %config.identity.hostname,
        ips = ?config.identity.ips,
        public_ips = ?config.identity.public_ips,
        providers = ?config.identity.providers,
        owners = ?config.identity.owners,
        concurrency = config.concurrency,
        "worker ready"
    );
    let shutdown = CancellationToken::new();
    let signal = shutdown.clone();
    tokio::spawn(async move {
        let [mut term, mut int] = stops;
        tokio::select! {
            Some(()) = next_signal(&mut term) => {}
            Some(()) = next_signal(&mut int) => {}
            // Neither handler could be installed: only the process's end stops the worker.
            else => return,
        }
        signal.cancel();
    });
    let scheduler = scheduler(client, args.no_scheduler);
    let worked = Worker::new(client.store().clone(), client.providers().clone(), config)
        .run(shutdown)
        .await;
    stop_scheduler(scheduler).await;
    worked?;
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM's and SIGINT's streams (`None` where one cannot be installed).
fn stop_signals() -> [Option<tokio::signal::unix::Signal>; 2] {
    use tokio::signal::unix::{SignalKind, signal};
    [SignalKind::terminate(), SignalKind::interrupt()].map(|kind| signal(kind).ok())
}

/// The next delivery of `stream`, or `None` (at once) when it is not installed.
async fn next_signal(stream: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match stream.as_mut() {
        Some(s) => s.recv().await,
        None => None,
    }
}
