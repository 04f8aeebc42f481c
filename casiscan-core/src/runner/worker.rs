//! The claim loop: requeue expired leases, claim what this runner may run, execute it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{LeasePolicy, RunnerIdentity, execute_claimed_with, may_claim};
use crate::error::Result;
use crate::model::{Asset, ProviderKind, RecordId, Scan, TargetMode};
use crate::providers::{Locality, Providers, RunContext};
use crate::scope::{Resolver, SystemResolver};
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
    /// Resolves hostname targets for the scope check right before each run.
    pub resolver: Arc<dyn Resolver>,
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
            resolver: Arc::new(SystemResolver),
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
        let mut last_chores: Option<tokio::time::Instant> = None;
        while !shutdown.is_cancelled() {
            // Heartbeat and lease recovery once per poll interval, not after every finished scan.
            if last_chores.is_none_or(|t| t.elapsed() >= self.config.poll) {
                self.chores().await?;
                last_chores = Some(tokio::time::Instant::now());
            }
            let free = self.config.concurrency.saturating_sub(tasks.len());
            if self.tick(free, &mut tasks, &stop_running).await? {
                // Lost races for scans still queued: look again before sleeping.
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                () = self.store.wait_for_work(self.config.poll) => {}
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {
                    // Collect every run that has finished, then claim for all freed slots at once.
                    while tasks.try_join_next().is_some() {}
                }
                () = shutdown.cancelled() => {}
            }
        }
        stop_running.cancel();
        while tasks.join_next().await.is_some() {}
        Ok(())
    }

    /// Heartbeats this runner and requeues (or fails) scans whose lease expired.
    async fn chores(&self) -> Result<()> {
        let now = self.store.clock().now();
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
        let mut batch = self.store.pending_scans(small).await?;
        if batch.len() >= small as usize && small < PENDING_WINDOW {
            let here = batch.iter().filter(|s| self.may_run_here(s)).count();
            if here < free {
                batch = self.store.pending_scans(PENDING_WINDOW).await?;
            }
        }
        let mut eligible = Vec::new();
        let mut refused = Vec::new();
        let mut assets = HashMap::new();
        for scan in batch {
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
            if !someone && scan.error_text != reason {
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

    /// Runs a scan this runner has claimed in the background.
    fn spawn(&self, scan: Scan, tasks: &mut JoinSet<()>, stop: &CancellationToken) {
        let Some(token) = scan.lease_token.clone() else {
            return;
        };
        let store = Arc::clone(&self.store);
        let providers = self.providers.clone();
        let policy = self.config.lease;
        let resolver = Arc::clone(&self.config.resolver);
        let mut ctx = RunContext::detached();
        ctx.cancel = stop.child_token();
        tasks.spawn(async move {
            // Failures are recorded on the scan itself; nothing more to report here.
            let _ =
                execute_claimed_with(store, &providers, scan, token, policy, ctx, &*resolver).await;
        });
    }
}
