//! The claim loop: requeue expired leases, claim what this runner may run, execute it.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{LeasePolicy, RunnerIdentity, execute_claimed, may_claim};
use crate::clock;
use crate::error::Result;
use crate::model::{Asset, ProviderKind, RecordId, Scan, TargetMode};
use crate::providers::{Locality, Providers, RunContext};
use crate::store::{StateChange, Store};

/// Pending scans a worker examines per pass, at most.
const PENDING_WINDOW: u32 = 256;

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
}

impl WorkerConfig {
    /// Defaults for `identity`: 4 at once, 30 s leases, 3 attempts, 250 ms polls.
    pub fn new(identity: RunnerIdentity) -> Self {
        WorkerConfig {
            identity,
            concurrency: 4,
            lease: LeasePolicy::default(),
            max_attempts: 3,
            poll: Duration::from_millis(250),
        }
    }
}

/// A runner process's claim loop over a shared store.
pub struct Worker {
    store: Arc<dyn Store>,
    providers: Providers,
    config: WorkerConfig,
}

/// Where the provider of `kind` must run, whether or not it is installed here.
fn locality(providers: &Providers, kind: ProviderKind) -> Locality {
    providers.get(kind).map_or(
        match kind {
            ProviderKind::Nmap => Locality::AnyRunner,
            ProviderKind::OsPatch => Locality::OnTarget,
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
        }
    }

    /// Runs until `shutdown`; then cancels what it holds, which releases it back to the queue.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<()> {
        let mut tasks = JoinSet::new();
        let stop_running = CancellationToken::new();
        let mut last_chores: Option<std::time::Instant> = None;
        while !shutdown.is_cancelled() {
            // Heartbeat and lease recovery once per poll interval, not after every finished scan.
            if last_chores.is_none_or(|t| t.elapsed() >= self.config.poll) {
                self.chores().await?;
                last_chores = Some(std::time::Instant::now());
            }
            let free = self.config.concurrency.saturating_sub(tasks.len());
            self.tick(free, &mut tasks, &stop_running).await?;
            tokio::select! {
                () = self.store.wait_for_work(self.config.poll) => {}
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                () = shutdown.cancelled() => {}
            }
        }
        stop_running.cancel();
        while tasks.join_next().await.is_some() {}
        Ok(())
    }

    /// Heartbeats this runner and requeues (or fails) scans whose lease expired.
    async fn chores(&self) -> Result<()> {
        let now = clock::now();
        self.store.register_runner(&self.config.identity).await?;
        for id in self.store.expired_leases(now).await? {
            let expire = StateChange::Expire {
                now,
                max_attempts: self.config.max_attempts,
            };
            // Another runner may have recovered it first: that is fine.
            let _ = self.store.apply(&id, &expire).await;
        }
        Ok(())
    }

    /// One pass: claim up to `free` scans this runner may run, noting why others wait.
    async fn tick(
        &self,
        free: usize,
        tasks: &mut JoinSet<()>,
        stop: &CancellationToken,
    ) -> Result<()> {
        if free == 0 {
            return Ok(());
        }
        let now = clock::now();
        let horizon = chrono::Duration::from_std(self.config.lease.lease * 3).unwrap_or_default();
        // Read only when a scan is refused here.
        let mut live: Option<Vec<RunnerIdentity>> = None;
        let mut left = free;
        // A small window of the oldest first (cheap when work is plentiful), then the full
        // window when the small one was full and did not give this runner enough.
        let small = u32::try_from(free.saturating_mul(4).saturating_add(4))
            .unwrap_or(PENDING_WINDOW)
            .min(PENDING_WINDOW);
        for window in [small, PENDING_WINDOW] {
            let batch = self.store.pending_scans(window).await?;
            let full = batch.len() >= window as usize;
            for scan in batch {
                if left == 0 {
                    break;
                }
                let asset = self.asset_of(&scan).await;
                let kind = locality(&self.providers, scan.provider);
                match may_claim(&self.config.identity, &scan, asset.as_ref(), kind) {
                    Ok(()) => {
                        if self.claim_and_spawn(scan, tasks, stop).await {
                            left -= 1;
                        }
                    }
                    Err(reason) => {
                        if live.is_none() {
                            live = Some(self.store.live_runners(now - horizon).await?);
                        }
                        let someone = live
                            .iter()
                            .flatten()
                            .any(|r| may_claim(r, &scan, asset.as_ref(), kind).is_ok());
                        if !someone && scan.error_text != reason {
                            let id = RecordId::new(scan.owner.clone(), scan.name.clone())?;
                            self.store.note_pending(&id, &reason).await?;
                        }
                    }
                }
            }
            if left == 0 || !full || window == PENDING_WINDOW {
                break;
            }
        }
        Ok(())
    }

    async fn asset_of(&self, scan: &Scan) -> Option<Asset> {
        if scan.target_mode != TargetMode::Asset {
            return None;
        }
        let id = RecordId::new(scan.owner.clone(), scan.asset.clone()).ok()?;
        self.store.get_asset(&id).await.ok()
    }

    /// Claims `scan` (compare-and-set) and runs it in the background; false if another won.
    async fn claim_and_spawn(
        &self,
        scan: Scan,
        tasks: &mut JoinSet<()>,
        stop: &CancellationToken,
    ) -> bool {
        let Ok(id) = scan.id() else { return false };
        let token = uuid::Uuid::new_v4().to_string();
        let claim = StateChange::Claim {
            runner: self.config.identity.name.clone(),
            token: token.clone(),
            lease_until: self.config.lease.lease_until(),
        };
        let Ok(claimed) = self.store.apply(&id, &claim).await else {
            return false;
        };
        let store = Arc::clone(&self.store);
        let providers = self.providers.clone();
        let policy = self.config.lease;
        let mut ctx = RunContext::detached();
        ctx.cancel = stop.child_token();
        tasks.spawn(async move {
            // Failures are recorded on the scan itself; nothing more to report here.
            let _ = execute_claimed(store, &providers, claimed, token, policy, ctx).await;
        });
        true
    }
}
