//! Executes one claimed scan: runs its provider, renews the lease, records the outcome.

use std::sync::Arc;
use std::time::Duration;

use super::telemetry;
use crate::clock;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Asset, ProviderKind, RecordId, Scan, Target, TargetMode};
use crate::providers::patch_install::PatchInstallRequest;
use crate::providers::{ProviderOutput, Providers, RunContext, RunRequest};
use crate::scope::{Resolver, SystemResolver, check_before_run};
use crate::store::{StateChange, Store};
use chrono::Utc;

/// How long a claim lasts without a heartbeat.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// Lease settings for executing a claimed scan.
#[derive(Debug, Clone, Copy)]
pub struct LeasePolicy {
    /// How long each claim or heartbeat extends the lease.
    pub lease: Duration,
    /// How often the heartbeat runs (a third of the lease by default).
    pub heartbeat: Duration,
}

impl Default for LeasePolicy {
    fn default() -> Self {
        LeasePolicy {
            lease: DEFAULT_LEASE,
            heartbeat: DEFAULT_LEASE / 3,
        }
    }
}

impl LeasePolicy {
    /// The lease end for a claim or heartbeat made now (system clock).
    pub fn lease_until(&self) -> chrono::DateTime<Utc> {
        self.lease_until_at(clock::now())
    }

    /// The lease end for a claim or heartbeat made at `now`.
    pub fn lease_until_at(&self, now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
        let lease = chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(30));
        now + lease
    }
}

/// Resolves the target of a scan: Asset mode reads the asset, Manual mode validates the text.
pub async fn resolve_target(store: &dyn Store, scan: &Scan) -> Result<Target> {
    match scan.target_mode {
        TargetMode::ManualInput => scan.target.parse(),
        TargetMode::Asset => asset_of(store, scan).await?.scan_target(),
    }
}

async fn asset_of(store: &dyn Store, scan: &Scan) -> Result<Asset> {
    if scan.asset.is_empty() {
        return Err(Error::invalid(
            format!("scan {}/{}", scan.owner, scan.name),
            "Asset mode needs an asset name",
        ));
    }
    store
        .get_asset(&RecordId::new(scan.owner.clone(), scan.asset.clone())?)
        .await
}

/// Runs a scan claimed with `token`, then completes or fails it and appends a run.
///
/// `ctx` receives progress; canceling it kills the provider's process (the scan then fails).
pub async fn execute_claimed(
    store: Arc<dyn Store>,
    providers: &Providers,
    scan: Scan,
    token: String,
    policy: LeasePolicy,
    ctx: RunContext,
) -> Result<Scan> {
    execute_claimed_with(store, providers, scan, token, policy, ctx, &SystemResolver).await
}

/// [`execute_claimed`] with the scope check resolving hostnames through `resolver`: right
/// before the provider runs, the target (a hostname: each address it resolves to now) must be
/// in the owner's scope, or the scan fails naming the address.
pub async fn execute_claimed_with(
    store: Arc<dyn Store>,
    providers: &Providers,
    scan: Scan,
    token: String,
    policy: LeasePolicy,
    ctx: RunContext,
    resolver: &dyn Resolver,
) -> Result<Scan> {
    let id = scan.id()?;
    let began = std::time::Instant::now();
    let cancel = ctx.cancel.clone();
    let heartbeat = tokio::spawn(heartbeat_loop(
        Arc::clone(&store),
        id.clone(),
        token.clone(),
        policy,
        ctx.clone(),
    ));
    let target = resolve_target(store.as_ref(), &scan).await;
    let outcome = match target {
        Ok(target) => {
            match check_before_run(store.as_ref(), resolver, &scan.owner, &target).await {
                Ok(()) => run_provider(providers, &scan, &target, ctx.clone()).await,
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    heartbeat.abort();
    let partial = ctx.partial_raw.borrow().clone();
    let change = finishing_change(&token, outcome, partial);
    let finished = match store.finish(&id, &change).await {
        Ok(done) => Ok(done),
        // Canceled or deleted meanwhile: the user's decision stands.
        Err(e) if cancel.is_cancelled() || e.kind() == ErrorKind::NotFound => {
            store.get_scan(&id).await.or(Err(e))
        }
        Err(e) => Err(e),
    };
    report_finish(&id, &scan.runner, &finished, began.elapsed());
    if finished.is_ok() {
        queue_follow_up_scan(store.as_ref(), &scan).await;
    }
    finished
}

/// After an OS Patch Install job (not a dry run), queues its source OS patch scan again so the
/// host's pending updates are read afresh; a source already queued or running is left alone.
async fn queue_follow_up_scan(store: &dyn Store, job: &Scan) {
    if job.provider != Some(ProviderKind::PatchInstall) {
        return;
    }
    let Ok(request) = PatchInstallRequest::from_command(&job.command) else {
        return;
    };
    if request.dry_run {
        return;
    }
    let source = match request.source_scan.parse::<RecordId>() {
        Ok(id) if id.owner == job.owner => id,
        _ => return,
    };
    match store.apply(&source, &StateChange::Start).await {
        Ok(_) => {
            tracing::info!(scan = %source, job = %format!("{}/{}", job.owner, job.name), "follow-up OS patch scan queued")
        }
        Err(e) => tracing::warn!(scan = %source, error = %e, "follow-up OS patch scan not queued"),
    }
}

/// Logs and counts how a run ended.
fn report_finish(id: &RecordId, runner: &str, finished: &Result<Scan>, took: Duration) {
    match finished {
        Ok(done) => {
            telemetry::finished(done.state, took);
            if done.error_text.is_empty() {
                tracing::info!(scan = %id, %runner, attempt = done.attempt, state = %done.state, took_ms = took.as_millis(), "finished");
            } else {
                tracing::info!(scan = %id, %runner, attempt = done.attempt, state = %done.state, took_ms = took.as_millis(), error = %done.error_text, "finished");
            }
        }
        Err(e) => {
            tracing::error!(scan = %id, %runner, error = %e, "the run's end could not be recorded; the lease will expire and the scan be requeued");
        }
    }
}

async fn run_provider(
    providers: &Providers,
    scan: &Scan,
    target: &Target,
    ctx: RunContext,
) -> Result<ProviderOutput> {
    let kind = scan.provider_kind()?;
    let provider = providers.get(kind).ok_or_else(|| {
        Error::provider(
            kind.as_str(),
            "this provider is not available on this runner",
        )
    })?;
    let request = RunRequest {
        owner: scan.owner.clone(),
        target: target.clone(),
        command: scan.command.clone(),
        timeout: Duration::from_secs(scan.timeout_seconds.max(1)),
    };
    provider.run(request, ctx).await
}

fn finishing_change(token: &str, outcome: Result<ProviderOutput>, partial: String) -> StateChange {
    match outcome {
        // Stopped by this runner (shutdown) or by a user cancel: give the scan back; a user's
        // cancel has already moved it to Canceled, so the release then loses and changes nothing.
        Err(Error::Canceled(_)) => StateChange::Release {
            token: token.to_string(),
        },
        // The one place a result becomes the stored JSON text.
        Ok(out) => match out.result.to_stored() {
            Ok(result) => StateChange::Complete {
                token: token.to_string(),
                raw_result: out.raw_text,
                result,
                summary: out.summary,
            },
            Err(e) => StateChange::Fail {
                token: token.to_string(),
                error: format!("Error: {e}"),
                raw_result: out.raw_text,
            },
        },
        Err(e) => StateChange::Fail {
            token: token.to_string(),
            error: format!("Error: {e}"),
            raw_result: partial,
        },
    }
}

/// Renews the lease and publishes progress; cancels the run if the scan was canceled or taken.
async fn heartbeat_loop(
    store: Arc<dyn Store>,
    id: RecordId,
    token: String,
    policy: LeasePolicy,
    ctx: RunContext,
) {
    let mut tick = tokio::time::interval(policy.heartbeat);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = ctx.cancel.cancelled() => return,
        }
        let change = StateChange::Heartbeat {
            token: token.clone(),
            lease_until: policy.lease_until_at(store.clock().now()),
            progress: ctx.progress.borrow().clone(),
            partial_raw: Some(ctx.partial_raw.borrow().clone()),
        };
        match store.apply(&id, &change).await {
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::Conflict | ErrorKind::NotFound) => {
                telemetry::lease_lost();
                tracing::warn!(scan = %id, error = %e, "lease lost (canceled, deleted or taken over): stopping the run");
                ctx.cancel.cancel();
                return;
            }
            // A transient storage error: keep running, the next beat retries.
            Err(e) => {
                telemetry::heartbeat_failed();
                tracing::warn!(scan = %id, error = %e, "heartbeat not stored; retrying at the next beat");
            }
        }
    }
}
