//! The claim loop: requeue expired leases, claim what this runner may run, execute it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::scratch::{prepare_scratch, scratch_path};
use super::{LeasePolicy, RunnerIdentity, execute_claimed_with, may_claim, telemetry};
use crate::error::Result;
use crate::model::{Asset, ProviderKind, RecordId, Scan, TargetMode};
use crate::providers::{Locality, Providers, RunContext};
use crate::scope::{Resolver, SystemResolver};
use crate::store::{StateChange, Store};

/// Pending scans a worker examines per pass, at most.
const PENDING_WINDOW: u32 = 256;

/// Longest wait between looks at the queue of an idle worker on a store that wakes it.
const MAX_IDLE_WAIT: Duration = Duration::from_secs(2);

/// How often a worker counts the queue for its queue-depth metric.
const QUEUE_DEPTH_EVERY: Duration = Duration::from_secs(5);

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Who this runner is.
    pub identity: RunnerIdentity,
    /// Scans run at once, at most.
    pub concurrency: usize,
    /// Lease length and heartbeat interval.
    pub lease: LeasePolicy,
    /// Claims of one start before an expired scan fails with "runner lost".
    pub max_attempts: u32,
    /// How often the store is polled for work.
    pub poll: Duration,
    /// How long a stopping worker lets its running scans finish before giving them back.
    pub grace: Duration,
    /// Where every run's private working directory is made; cleared when the worker starts
    /// (`None`: the system temp directory, never cleared).
    pub scratch_dir: Option<PathBuf>,
    /// Resolves hostname targets for the scope check right before each run.
    pub resolver: Arc<dyn Resolver>,
}

impl WorkerConfig {
    /// Defaults for `identity`: 4 at once, 30 s leases, 3 attempts, 250 ms polls, every owner,
    /// 10 s grace, scratch directory `casiscan-worker-<name>` in the system temp directory.
    pub fn new(identity: RunnerIdentity) -> Self {
        let scratch_dir = Some(scratch_path(&std::env::temp_dir(), &identity.name));
        WorkerConfig {
            identity,
            concurrency: 4,
            lease: LeasePolicy::default(),
            max_attempts: 3,
            poll: Duration::from_millis(250),
            grace: Duration::from_secs(10),
            scratch_dir,
            resolver: Arc::new(SystemResolver),
        }
    }

    /// True when this worker may claim scans of `owner` (see [`RunnerIdentity::owners`]).
    pub fn serves_owner(&self, owner: &str) -> bool {
        self.identity.serves_owner(owner)
    }
}

/// A runner process's claim loop over a shared store.
pub struct Worker {
    store: Arc<dyn Store>,
    providers: Providers,
    config: WorkerConfig,
    /// When each Pending scan seen in a pass was queued (its pickup time is measured from it).
    queued: Mutex<HashMap<RecordId, DateTime<Utc>>>,
    /// This process's place in the scratch directory, once `run` has prepared it.
    scratch: std::sync::OnceLock<PathBuf>,
}

/// Where the provider of `kind` must run, whether or not it is installed here.
fn locality(providers: &Providers, kind: Option<ProviderKind>) -> Locality {
    let Some(kind) = kind else {
        // A scan without a provider is never claimed (`may_claim` says why).
        return Locality::AnyRunner;
    };
    providers.get(kind).map_or(
        match kind {
            ProviderKind::Nmap => Locality::AnyRunner,
            ProviderKind::OsPatch | ProviderKind::PatchInstall => Locality::OnTarget,
        },
        |p| p.locality(),
    )
}

impl Worker {
    /// A worker over `store` running `providers`.
    pub fn new(store: Arc<dyn Store>, providers: Providers, config: WorkerConfig) -> Self {
        Worker {
            store,
            providers,
            config,
            queued: Mutex::new(HashMap::new()),
            scratch: std::sync::OnceLock::new(),
        }
    }

    /// Runs until `shutdown`: then claims nothing more, lets running scans finish within the
    /// grace period, and gives what is still running back to the queue at once.
    ///
    /// Store errors in the loop are logged and retried at the next poll; only a scratch
    /// directory that cannot be prepared stops the worker before it claims anything.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<()> {
        let name = &self.config.identity.name;
        if let Some(dir) = &self.config.scratch_dir {
            let mine = prepare_scratch(dir)?;
            tracing::info!(runner = %name, dir = %mine.display(), "scratch directory ready (what stopped workers of this name left is gone)");
            // A second `run` of the same worker keeps the place the first one made.
            let _ = self.scratch.set(mine);
        }
        let mut tasks = JoinSet::new();
        let stop_running = CancellationToken::new();
        let mut last_chores: Option<tokio::time::Instant> = None;
        let mut last_depth: Option<tokio::time::Instant> = None;
        let mut idle_passes = 0u32;
        while !shutdown.is_cancelled() {
            // Heartbeat and lease recovery at their own pace, not after every finished scan.
            if last_chores.is_none_or(|t| t.elapsed() >= self.chore_interval()) {
                if let Err(e) = self.chores(&mut last_depth).await {
                    telemetry::loop_error();
                    tracing::error!(runner = %name, error = %e, "heartbeat or lease recovery failed; retrying at the next poll");
                }
                last_chores = Some(tokio::time::Instant::now());
            }
            let free = self.config.concurrency.saturating_sub(tasks.len());
            let running = tasks.len();
            let pass = self.tick(free, &mut tasks, &stop_running).await;
            idle_passes = if tasks.len() > running {
                0
            } else {
                idle_passes.saturating_add(1)
            };
            match pass {
                Ok(true) => {
                    // Lost races for scans still queued: look again before sleeping.
                    tokio::task::yield_now().await;
                    continue;
                }
                Ok(false) => {}
                Err(e) => {
                    telemetry::loop_error();
                    tracing::error!(runner = %name, error = %e, "claim pass failed; retrying at the next poll");
                }
            }
            let full = tasks.len() >= self.config.concurrency;
            tokio::select! {
                // Only a worker with a free slot waits for work (a woken one must be able to
                // take it); a full one waits for a run to end.
                () = self.store.wait_for_work(self.idle_wait(idle_passes)), if !full => {}
                () = tokio::time::sleep(self.config.poll), if full => {}
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {
                    // Collect every run that has finished, then claim for all freed slots at once.
                    while tasks.try_join_next().is_some() {}
                }
                () = shutdown.cancelled() => {}
            }
        }
        self.stop(tasks, stop_running).await;
        Ok(())
    }

    /// How often heartbeat and lease recovery run: every poll, but no more than once a second
    /// unless the heartbeat is shorter (many workers would otherwise keep the store busy).
    fn chore_interval(&self) -> Duration {
        self.config
            .poll
            .max(self.config.lease.heartbeat.min(Duration::from_secs(1)))
    }

    /// How long to wait for work after `idle` passes that claimed nothing: the poll interval,
    /// doubling while idle up to [`MAX_IDLE_WAIT`] where the store wakes workers when work is
    /// queued (on a polled store the queue is looked at every poll).
    fn idle_wait(&self, idle: u32) -> Duration {
        if !self.store.pushes_work() || idle <= 1 {
            return self.config.poll;
        }
        let cap = MAX_IDLE_WAIT
            .min(self.config.lease.heartbeat)
            .max(self.config.poll);
        self.config
            .poll
            .saturating_mul(1u32 << (idle - 1).min(8))
            .min(cap)
    }

    /// Lets running scans finish within the grace period, then cancels the rest, which gives
    /// them back to the queue (Pending) at once rather than at lease expiry.
    async fn stop(&self, mut tasks: JoinSet<()>, stop_running: CancellationToken) {
        let name = &self.config.identity.name;
        let grace = self.config.grace;
        tracing::info!(runner = %name, running = tasks.len(), grace_seconds = grace.as_secs_f64(), "stopping: no more claims");
        let drained =
            tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::info!(runner = %name, running = tasks.len(), "grace period over: giving running scans back to the queue");
            stop_running.cancel();
            while tasks.join_next().await.is_some() {}
        }
        tracing::info!(runner = %name, "stopped");
    }

    /// Heartbeats this runner, requeues (or fails) scans whose lease expired, and counts the
    /// queue every [`QUEUE_DEPTH_EVERY`].
    async fn chores(&self, last_depth: &mut Option<tokio::time::Instant>) -> Result<()> {
        let now = self.store.clock().now();
        self.store.register_runner(&self.config.identity).await?;
        for id in self.store.expired_leases(now).await? {
            let expire = StateChange::Expire {
                now,
                max_attempts: self.config.max_attempts,
            };
            match self.store.apply(&id, &expire).await {
                Ok(scan) => {
                    let failed = scan.state != crate::model::ScanState::Pending;
                    telemetry::requeued(failed);
                    tracing::info!(scan = %id, runner = %self.config.identity.name, lost_runner = %scan.runner, attempt = scan.attempt, state = %scan.state, "lease expired: {}", if failed { "failed after its last attempt" } else { "requeued" });
                }
                // Another runner recovered it first: that is fine.
                Err(e) => {
                    tracing::debug!(scan = %id, error = %e, "expired lease already recovered")
                }
            }
        }
        if last_depth.is_none_or(|t| t.elapsed() >= QUEUE_DEPTH_EVERY) {
            telemetry::queue_depth(self.store.queue_depth().await?);
            *last_depth = Some(tokio::time::Instant::now());
        }
        Ok(())
    }

    /// One pass: claims up to `free` scans this runner may run, noting why others wait.
    ///
    /// Returns true when claims were lost to other runners, so more work may be waiting now.
    async fn tick(
        &self,
        free: usize,
        tasks: &mut JoinSet<()>,
        stop: &CancellationToken,
    ) -> Result<bool> {
        if free == 0 {
            return Ok(false);
        }
        // The full pass below (queue read, assets, refusal notes) runs only when the queue's
        // head gave nothing: it is the costly one under load.
        let taken = self.claim_from_queue(free, tasks, stop).await?;
        if taken > 0 {
            return Ok(false);
        }
        // A window a few times the free slots keeps each pass cheap while work is plentiful;
        // the full window is read only when the small one was full yet gave too little.
        let small = u32::try_from(free.saturating_mul(4).saturating_add(4))
            .unwrap_or(PENDING_WINDOW)
            .min(PENDING_WINDOW);
        let owners = &self.config.identity.owners;
        let mut batch = self.store.pending_scans_of(owners, small).await?;
        if batch.len() >= small as usize && small < PENDING_WINDOW {
            let here = batch.iter().filter(|s| self.may_run_here(s)).count();
            if here < free {
                batch = self.store.pending_scans_of(owners, PENDING_WINDOW).await?;
            }
        }
        let mut eligible = Vec::new();
        let mut refused = Vec::new();
        let mut assets = HashMap::new();
        for scan in batch {
            if !self.config.serves_owner(&scan.owner) {
                continue;
            }
            self.remember_queued(&scan);
            let asset = self.asset_of(&scan, &mut assets).await;
            let kind = locality(&self.providers, scan.provider);
            match may_claim(&self.config.identity, &scan, asset.as_ref(), kind) {
                Ok(()) => eligible.push(scan.id()?),
                Err(reason) => refused.push((scan, asset, kind, reason)),
            }
        }
        self.note_refused(refused).await?;
        let wanted = eligible.len().min(free);
        let claimed = self
            .store
            .claim_many(
                &eligible,
                &self.config.identity.name,
                self.config.lease.lease_until_at(self.store.clock().now()),
                free,
            )
            .await?;
        let lost = claimed.len() < wanted;
        for scan in claimed {
            self.spawn(scan, tasks, stop);
        }
        Ok(lost)
    }

    /// Claims straight from the queue's head where the store can (one statement, no prior
    /// read); returns how many scans it started. Asset-mode scans are left to the full pass,
    /// which reads their assets, and nothing behind them is taken here.
    async fn claim_from_queue(
        &self,
        free: usize,
        tasks: &mut JoinSet<()>,
        stop: &CancellationToken,
    ) -> Result<usize> {
        let decide = |scan: &Scan| {
            if !self.config.serves_owner(&scan.owner) {
                return Some(false);
            }
            self.remember_queued(scan);
            (scan.target_mode != TargetMode::Asset).then(|| {
                let kind = locality(&self.providers, scan.provider);
                may_claim(&self.config.identity, scan, None, kind).is_ok()
            })
        };
        // Locking more rows than it can take would only make other runners skip them.
        let window = free.saturating_add(2);
        let claimed = self
            .store
            .claim_queued(
                &self.config.identity.name,
                self.config.lease.lease_until_at(self.store.clock().now()),
                free,
                window,
                &decide,
            )
            .await?
            .unwrap_or_default();
        let taken = claimed.len();
        for scan in claimed {
            self.spawn(scan, tasks, stop);
        }
        Ok(taken)
    }

    /// A cheap first look: could this runner take `scan`, ignoring its asset?
    fn may_run_here(&self, scan: &Scan) -> bool {
        if !self.config.serves_owner(&scan.owner) {
            return false;
        }
        scan.target_mode == TargetMode::Asset
            || may_claim(
                &self.config.identity,
                scan,
                None,
                locality(&self.providers, scan.provider),
            )
            .is_ok()
    }

    /// Records on each refused scan why it waits, when no live runner can take it either.
    async fn note_refused(
        &self,
        refused: Vec<(Scan, Option<Asset>, Locality, String)>,
    ) -> Result<()> {
        if refused.is_empty() {
            return Ok(());
        }
        let horizon = chrono::Duration::from_std(self.config.lease.lease * 3).unwrap_or_default();
        let live = self
            .store
            .live_runners(self.store.clock().now() - horizon)
            .await?;
        for (scan, asset, kind, reason) in refused {
            let someone = live
                .iter()
                .any(|r| may_claim(r, &scan, asset.as_ref(), kind).is_ok());
            tracing::debug!(scan = %format!("{}/{}", scan.owner, scan.name), runner = %self.config.identity.name, %reason, "not for this runner");
            if !someone && scan.error_text != reason {
                telemetry::refused();
                tracing::info!(scan = %format!("{}/{}", scan.owner, scan.name), runner = %self.config.identity.name, %reason, "waits: no live runner can take it");
                self.store.note_pending(&scan.id()?, &reason).await?;
            }
        }
        Ok(())
    }

    /// The asset an Asset-mode scan targets, read once per pass.
    async fn asset_of(
        &self,
        scan: &Scan,
        seen: &mut HashMap<RecordId, Option<Asset>>,
    ) -> Option<Asset> {
        if scan.target_mode != TargetMode::Asset {
            return None;
        }
        let id = RecordId::new(scan.owner.clone(), scan.asset.clone()).ok()?;
        if let Some(found) = seen.get(&id) {
            return found.clone();
        }
        let found = self.store.get_asset(&id).await.ok();
        seen.insert(id, found.clone());
        found
    }

    /// Notes when a Pending scan entered the queue, to time its pickup once claimed.
    fn remember_queued(&self, scan: &Scan) {
        if let (Ok(mut queued), Ok(id)) = (self.queued.lock(), scan.id()) {
            if queued.len() > 4 * PENDING_WINDOW as usize {
                queued.clear();
            }
            queued.insert(id, scan.updated_time);
        }
    }

    /// Runs a scan this runner has claimed in the background.
    fn spawn(&self, scan: Scan, tasks: &mut JoinSet<()>, stop: &CancellationToken) {
        let Some(token) = scan.lease_token.clone() else {
            return;
        };
        let id = format!("{}/{}", scan.owner, scan.name);
        let queued_at = scan
            .id()
            .ok()
            .and_then(|k| self.queued.lock().ok().and_then(|mut q| q.remove(&k)));
        let claimed_at = scan.started_time.unwrap_or(scan.updated_time);
        let pickup = queued_at
            .and_then(|q| (claimed_at - q).to_std().ok())
            .unwrap_or_default();
        telemetry::claimed(pickup);
        tracing::info!(scan = %id, runner = %self.config.identity.name, attempt = scan.attempt, provider = %scan.provider.map_or("", ProviderKind::as_str), target = %scan.target, pickup_ms = pickup.as_millis(), "claimed");
        let store = Arc::clone(&self.store);
        let providers = self.providers.clone();
        let policy = self.config.lease;
        let resolver = Arc::clone(&self.config.resolver);
        let mut ctx = RunContext::detached();
        ctx.cancel = stop.child_token();
        ctx.scratch_dir = self.scratch.get().cloned();
        tasks.spawn(async move {
            // Failures are recorded on the scan itself; nothing more to report here.
            let _ =
                execute_claimed_with(store, &providers, scan, token, policy, ctx, &*resolver).await;
        });
    }
}
