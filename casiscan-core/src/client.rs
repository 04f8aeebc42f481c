//! Client: the one async entry point for scans, assets, runs and on-demand scans.

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::model::{
    Asset, IntoRecordId, MAX_TIMEOUT_SECONDS, Scan, ScanRun, ScanState, TargetMode,
};
use crate::model::{Page, ScanQuery};
use crate::providers::{ProviderOutput, Providers, RunContext, RunRequest};
use crate::runner::{self, LeasePolicy, RunnerIdentity, Worker, WorkerConfig};
use crate::store::{MemoryStore, StateChange, Store};

/// Where a client keeps its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// Nothing persisted (tests, one-off use).
    Memory,
    /// A SQLite file (or `:memory:`).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL server URL (feature `postgres`).
    Postgres(String),
}

impl std::str::FromStr for Database {
    type Err = Error;

    /// `memory:`, `sqlite:PATH`, `sqlite::memory:`, `postgres://…` or a plain file path.
    fn from_str(s: &str) -> Result<Self> {
        if s.is_empty() {
            return Err(Error::invalid("database", "the database location is empty"));
        }
        if s == "memory:" {
            return Ok(Database::Memory);
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Database::Postgres(s.to_string()));
        }
        let path = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"));
        if path.is_some_and(str::is_empty) {
            // SQLite would open a private temporary database for an empty name.
            return Err(Error::invalid(
                format!("database `{s}`"),
                "the SQLite path is empty (use `sqlite:PATH`, or `memory:` for a throwaway store)",
            ));
        }
        Ok(Database::Sqlite(path.unwrap_or(s).into()))
    }
}

/// The async entry point: records in a [`Store`], scans run by [`Providers`].
#[derive(Clone)]
pub struct Client {
    store: Arc<dyn Store>,
    providers: Providers,
    runner_name: String,
    lease: LeasePolicy,
    resolver: Arc<dyn crate::scope::Resolver>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("providers", &self.providers)
            .field("runner_name", &self.runner_name)
            .finish()
    }
}

impl Client {
    /// A client over `store` with `providers`, running as this machine's hostname.
    pub fn new(store: Arc<dyn Store>, providers: Providers) -> Self {
        Client {
            store,
            providers,
            runner_name: runner::local_hostname(),
            lease: LeasePolicy::default(),
            resolver: Arc::new(crate::scope::SystemResolver),
        }
    }

    /// Opens a client on `db` (see [`Database`]) with `providers`.
    pub async fn open(db: &str, providers: Providers) -> Result<Self> {
        let store: Arc<dyn Store> = match db.parse::<Database>()? {
            Database::Memory => Arc::new(MemoryStore::new()),
            #[cfg(feature = "sqlite")]
            Database::Sqlite(path) => Arc::new(crate::store::SqliteStore::open(path).await?),
            #[cfg(not(feature = "sqlite"))]
            Database::Sqlite(_) => {
                return Err(Error::invalid(
                    "database",
                    "this build has no SQLite support",
                ));
            }
            #[cfg(feature = "postgres")]
            Database::Postgres(url) => Arc::new(crate::store::PostgresStore::open(&url).await?),
            #[cfg(not(feature = "postgres"))]
            Database::Postgres(_) => {
                return Err(Error::invalid(
                    "database",
                    "this build has no PostgreSQL support (feature `postgres`)",
                ));
            }
        };
        Ok(Client::new(store, providers))
    }

    /// Uses `name` as the runner name recorded on scans this client runs.
    pub fn with_runner_name(mut self, name: impl Into<String>) -> Self {
        self.runner_name = name.into();
        self
    }

    /// Uses `policy` for leases of scans this client runs.
    pub fn with_lease_policy(mut self, policy: LeasePolicy) -> Self {
        self.lease = policy;
        self
    }

    /// Resolves hostnames with `resolver` for the scope check right before scans this client
    /// runs (the system's resolver by default).
    pub fn with_resolver(mut self, resolver: Arc<dyn crate::scope::Resolver>) -> Self {
        self.resolver = resolver;
        self
    }

    /// The store behind this client.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The providers this client can run.
    pub fn providers(&self) -> &Providers {
        &self.providers
    }

    /// Validates and adds a new scan in state Created; returns it as stored.
    ///
    /// OS Patch Install jobs are refused here: only [`Client::install_patch`] makes them, from
    /// a checked scan result.
    pub async fn add_scan(&self, scan: &Scan) -> Result<Scan> {
        refuse_remediation(scan)?;
        scan.check_text_fields()?;
        self.insert_scan(scan).await
    }

    /// [`Client::add_scan`] of any provider kind.
    pub(crate) async fn insert_scan(&self, scan: &Scan) -> Result<Scan> {
        let mut scan = scan.clone();
        scan.id()?;
        self.validate_config(&scan)?;
        scan.state = ScanState::Created;
        scan.reset_results();
        // The server's clock, never the client's: a client cannot backdate or reorder scans.
        let now = self.store.clock().now();
        scan.created_time = now;
        scan.updated_time = now;
        scan.schedule = self.planned_schedule(&scan)?;
        self.check_scope(&scan).await?;
        self.store.add_scan(&scan).await?;
        self.store_new_schedule(&scan.id()?, scan.schedule.as_ref())
            .await?;
        Ok(scan)
    }

    /// The scan with id `owner/name`, with its schedule.
    pub async fn get_scan(&self, id: impl IntoRecordId) -> Result<Scan> {
        let scan = self.store.get_scan(&id.into_record_id()?).await?;
        self.with_schedule(scan).await
    }

    /// Lists scans with Casibase's query semantics, each with its schedule.
    pub async fn list_scans(&self, query: &ScanQuery) -> Result<Page<Scan>> {
        let page = self.store.list_scans(query).await?;
        self.page_with_schedules(page).await
    }

    /// Replaces the configuration of a scan that is not Pending or Running (its schedule is
    /// changed only by [`Client::set_scan_schedule`]).
    pub async fn update_scan(&self, id: impl IntoRecordId, config: &Scan) -> Result<Scan> {
        let id = id.into_record_id()?;
        refuse_remediation(config)?;
        config.check_text_fields()?;
        self.validate_config(config)?;
        self.check_scope(config).await?;
        self.check_keeps_a_provider(&id, config).await?;
        let scan = self.store.update_scan(&id, config).await?;
        self.with_schedule(scan).await
    }

    /// Casibase's update-scan: applies `scan`'s configuration to the scan `id`, renames it when
    /// `scan`'s name differs, and with `clear` resets its results through the state machine
    /// (the edit page's Clear). While the scan is Pending or Running this is refused with
    /// `Conflict` and nothing changes.
    pub async fn save_scan(&self, id: impl IntoRecordId, scan: &Scan, clear: bool) -> Result<Scan> {
        let id = id.into_record_id()?;
        let to = scan.id()?;
        refuse_remediation(scan)?;
        scan.check_text_fields()?;
        self.validate_config(scan)?;
        self.check_scope(scan).await?;
        let current = self.store.get_scan(&id).await?;
        current.check_renamable(&to)?;
        self.check_keeps_a_provider(&id, scan).await?;
        if to != id {
            self.store.rename_scan(&id, &to).await?;
            tracing::info!(scan = %id, to = %to, "scan renamed");
        }
        let mut saved = self.store.update_scan(&to, scan).await?;
        if clear && !saved.asks_for_clear() {
            saved = self.store.apply(&to, &StateChange::Clear).await?;
        }
        self.with_schedule(saved).await
    }

    /// Refuses to remove the provider of a scheduled scan (its schedule could never start it).
    async fn check_keeps_a_provider(
        &self,
        id: &crate::model::RecordId,
        config: &Scan,
    ) -> Result<()> {
        if config.provider.is_none() && self.store.get_schedule(id).await?.is_some() {
            return Err(Error::invalid(
                format!("scan {id}"),
                "it has a schedule, so it needs a provider: remove the schedule first",
            ));
        }
        Ok(())
    }

    /// Deletes a scan; a Running scan only with `force`, which cancels it first.
    pub async fn delete_scan(&self, id: impl IntoRecordId, force: bool) -> Result<()> {
        let id = id.into_record_id()?;
        if force {
            match self.store.apply(&id, &StateChange::Cancel).await {
                Ok(_) => {}
                Err(e) if e.kind() == crate::ErrorKind::Conflict => {}
                Err(e) => return Err(e),
            }
        }
        self.store.delete_scan(&id, force).await?;
        self.store.set_schedule(&id, None).await
    }

    /// Queues a scan for a runner (clears results, keeps config).
    pub async fn start_scan(&self, id: impl IntoRecordId) -> Result<Scan> {
        let id = id.into_record_id()?;
        let scan = self.store.get_scan(&id).await?;
        self.validate_config(&scan)?;
        self.check_scope(&scan).await?;
        self.store.apply(&id, &StateChange::Start).await
    }

    /// Cancels a Pending or Running scan; its runner kills the process group.
    pub async fn cancel_scan(&self, id: impl IntoRecordId) -> Result<Scan> {
        self.store
            .apply(&id.into_record_id()?, &StateChange::Cancel)
            .await
    }

    /// Resets a finished scan to Created: results, runner, error and progress cleared.
    pub async fn clear_scan(&self, id: impl IntoRecordId) -> Result<Scan> {
        self.store
            .apply(&id.into_record_id()?, &StateChange::Clear)
            .await
    }

    /// The runs of a scan, oldest first.
    pub async fn list_runs(&self, id: impl IntoRecordId) -> Result<Vec<ScanRun>> {
        self.store.list_runs(&id.into_record_id()?).await
    }

    /// What changed between two runs of a scan (by `seq`; default: the last two), like ndiff.
    pub async fn diff_runs(
        &self,
        id: impl IntoRecordId,
        from: Option<u64>,
        to: Option<u64>,
    ) -> Result<crate::lifecycle::RunDiff> {
        let (older, newer) = self.run_pair(id, from, to).await?;
        Ok(crate::lifecycle::diff_results(
            &older.typed_result(),
            &newer.typed_result(),
        ))
    }

    /// The two runs of a scan to compare (by `seq`; default: the last two), older first, each
    /// with its provider set; scheduled slots that ran nothing are not runs.
    pub async fn run_pair(
        &self,
        id: impl IntoRecordId,
        from: Option<u64>,
        to: Option<u64>,
    ) -> Result<(ScanRun, ScanRun)> {
        let id = id.into_record_id()?;
        let mut runs = self.list_runs(&id).await?;
        runs.retain(|r| r.skipped.is_none());
        let last = runs.last().map_or(0, |r| r.seq);
        let to = to.unwrap_or(last);
        let from = match from {
            Some(f) => f,
            None => runs
                .iter()
                .map(|r| r.seq)
                .filter(|&s| s < to)
                .max()
                .ok_or_else(|| Error::invalid(format!("scan {id}"), "needs two runs to compare"))?,
        };
        // Runs recorded before runs kept their provider read as the scan's.
        if runs.iter().any(|r| r.provider.is_none()) {
            let provider = self.store.get_scan(&id).await?.provider.unwrap_or_default();
            for run in &mut runs {
                run.provider.get_or_insert(provider);
            }
        }
        let take = |seq: u64| -> Result<ScanRun> {
            runs.iter()
                .find(|r| r.seq == seq)
                .cloned()
                .ok_or_else(|| Error::not_found(format!("run {seq} of scan {id}")))
        };
        Ok((take(from)?, take(to)?))
    }

    /// Stores the nmap XML `xml` (an existing `-oX` file) as a finished run of the Nmap scan
    /// `id`, as a run executed here would be stored (state, typed result, raw form, findings,
    /// scan log), marked imported; returns the scan.
    ///
    /// Nothing is stored when the XML is malformed or breaks nmap.dtd (`Parse`), when nmap
    /// reported the run as failed or the scan is not an Nmap scan (`InvalidInput`), or when
    /// the scan is Pending or Running (`Conflict`).
    pub async fn import_nmap_run(&self, id: impl IntoRecordId, xml: Vec<u8>) -> Result<Scan> {
        let id = id.into_record_id()?;
        let scan = self.store.get_scan(&id).await?;
        match scan.provider {
            Some(crate::model::ProviderKind::Nmap) => {}
            Some(other) => {
                return Err(Error::invalid(
                    format!("scan {id}"),
                    format!("is a {other} scan; only an Nmap scan takes an nmap result"),
                ));
            }
            None => {
                return Err(Error::invalid(
                    format!("scan {id}"),
                    "has no provider; only an Nmap scan takes an nmap result (set its provider to Nmap first)",
                ));
            }
        }
        crate::model::next_state(scan.state, crate::model::Transition::Import).map_err(
            |e| match e {
                Error::Conflict(m) => Error::conflict(format!("scan {id}: {m}")),
                other => other,
            },
        )?;
        let out = tokio::task::spawn_blocking(move || {
            crate::providers::nmap::imported_output(&xml, &Default::default())
        })
        .await
        .map_err(|e| Error::provider("Nmap", format!("the import stopped: {e}")))??;
        let change = StateChange::Import {
            raw_result: out.raw_text,
            result: out.result.to_stored()?,
            summary: out.summary,
        };
        self.store.finish(&id, &change).await
    }

    /// One page of an account's stored scan logs (see [`Store::scan_logs_page`]), each log
    /// with its asset as the export names it.
    pub async fn scan_logs_page(
        &self,
        query: &crate::model::LogPageQuery,
    ) -> Result<Vec<crate::model::ScanLog>> {
        crate::log_pages::page_with_assets(self.store.as_ref(), query).await
    }

    /// Every stored scan log of `account` with ScanDate in `window` (`[from, to)`), read
    /// `page_size` at a time, optionally resuming after `after`.
    pub fn scan_log_pages(
        &self,
        account: &str,
        window: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
        page_size: u32,
        after: Option<crate::model::LogPosition>,
    ) -> crate::ScanLogPages {
        crate::ScanLogPages::new(Arc::clone(&self.store), account, window, page_size, after)
    }

    /// A page of stored findings (see [`Store::list_findings`]).
    pub async fn list_findings(
        &self,
        query: &crate::model::FindingQuery,
    ) -> Result<Page<crate::model::Finding>> {
        self.store.list_findings(query).await
    }

    /// Marks finding `alert_id` of `account` as `kind` (False Positive, Accepted Risk) for
    /// `reason`, decided by `user` now, until `expires` (or until it re-opens with other
    /// evidence); the change is audited. `NotFound` for another account's finding.
    pub async fn set_disposition(
        &self,
        account: &str,
        alert_id: u64,
        kind: crate::model::DispositionKind,
        reason: &str,
        user: &str,
        expires: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<crate::model::Finding> {
        let at = self.store.clock().now();
        let disposition = crate::model::Disposition {
            kind,
            reason: reason.trim().to_owned(),
            user: user.to_owned(),
            at,
            expires,
            evidence: String::new(),
        };
        disposition.validate()?;
        self.store
            .set_disposition(&crate::model::AuditEntry {
                alert_id,
                account: account.to_owned(),
                action: crate::model::AuditAction::Set,
                user: user.to_owned(),
                at,
                disposition: Some(disposition),
            })
            .await
    }

    /// Clears the disposition of finding `alert_id` of `account` (by `user`); audited.
    pub async fn clear_disposition(
        &self,
        account: &str,
        alert_id: u64,
        user: &str,
    ) -> Result<crate::model::Finding> {
        if user.trim().is_empty() {
            return Err(Error::invalid("user", "required"));
        }
        self.store
            .set_disposition(&crate::model::AuditEntry {
                alert_id,
                account: account.to_owned(),
                action: crate::model::AuditAction::Cleared,
                user: user.to_owned(),
                at: self.store.clock().now(),
                disposition: None,
            })
            .await
    }

    /// The disposition audit of finding `alert_id` of `account`, oldest first.
    pub async fn finding_audit(
        &self,
        account: &str,
        alert_id: u64,
    ) -> Result<Vec<crate::model::AuditEntry>> {
        self.store.get_finding(account, alert_id).await?;
        self.store.finding_audit(account, alert_id).await
    }

    /// Sets the severity at or above which a counting finding fails `account`'s SealStatus.
    pub async fn set_seal_threshold(
        &self,
        account: &str,
        threshold: crate::model::Severity,
    ) -> Result<()> {
        self.store.set_seal_threshold(account, threshold).await
    }

    /// `account`'s SealStatus threshold (high unless set).
    pub async fn seal_threshold(&self, account: &str) -> Result<crate::model::Severity> {
        self.store.seal_threshold(account).await
    }

    /// One page of `account`'s stored scan logs with ScanDate on UTC days `from` to `to`
    /// (inclusive, `YYYY-MM-DD`), from `cursor` (a previous page's `next_cursor`; `None` for
    /// the first page), `page_size` logs (1 to [`crate::MAX_LIBRARY_PAGE_SIZE`]).
    ///
    /// A cursor that is malformed or belongs to another account or range is `InvalidInput`.
    pub async fn scan_logs_by_day(
        &self,
        account: &str,
        from: &str,
        to: &str,
        cursor: Option<&str>,
        page_size: u32,
    ) -> Result<crate::ScanLogPage> {
        let day = |s: &str| {
            crate::export::parse_day(s)
                .map_err(|_| Error::invalid(format!("date `{s}`"), "expected YYYY-MM-DD"))
        };
        let (from, to) = (day(from)?, day(to)?);
        if from > to {
            return Err(Error::invalid("date range", "from is after to"));
        }
        let start = from.and_time(chrono::NaiveTime::MIN).and_utc();
        let end = to.and_time(chrono::NaiveTime::MIN).and_utc() + chrono::TimeDelta::days(1);
        crate::log_pages::library_page(
            self.store.as_ref(),
            account,
            (start, end),
            cursor,
            page_size,
        )
        .await
    }

    /// Removes scan logs older than `retention` and findings deleted before then.
    pub async fn prune(&self, retention: crate::model::Retention) -> Result<crate::model::Pruned> {
        let cutoff = retention.cutoff(self.store.clock().now());
        self.store.prune(cutoff).await
    }

    /// Starts a scan and runs it in this process as this client's runner; returns the result.
    ///
    /// `ctx` receives live progress; canceling it stops the run.
    pub async fn run_scan(&self, id: impl IntoRecordId, ctx: RunContext) -> Result<Scan> {
        let record = id.into_record_id()?;
        self.start_scan(&record).await?;
        let token = uuid::Uuid::new_v4().to_string();
        let claim = StateChange::Claim {
            runner: self.runner_name.clone(),
            token: token.clone(),
            lease_until: self.lease.lease_until_at(self.store.clock().now()),
        };
        let claimed = self.store.apply(&record, &claim).await?;
        runner::execute_claimed_with(
            Arc::clone(&self.store),
            &self.providers,
            claimed,
            token,
            self.lease,
            ctx,
            self.resolver.as_ref(),
        )
        .await
    }

    /// Runs a scan on demand, here and now, and returns its output without storing a record.
    ///
    /// OS Patch Install jobs are refused (`InvalidInput`): only [`Client::install_patch`] makes
    /// them, from a checked scan result.
    pub async fn run_now(&self, scan: &Scan, ctx: RunContext) -> Result<ProviderOutput> {
        refuse_remediation(scan)?;
        scan.check_text_fields()?;
        self.validate_config(scan)?;
        let target = runner::resolve_target(self.store.as_ref(), scan).await?;
        crate::scope::check_target(self.store.as_ref(), &scan.owner, &target).await?;
        crate::scope::check_before_run(
            self.store.as_ref(),
            self.resolver.as_ref(),
            &scan.owner,
            &target,
        )
        .await?;
        let kind = scan.provider_kind()?;
        let provider = self
            .providers
            .get(kind)
            .ok_or_else(|| Error::provider(kind.as_str(), "this provider is not available here"))?;
        let request = RunRequest {
            owner: scan.owner.clone(),
            target,
            command: scan.command.clone(),
            timeout: Duration::from_secs(scan.timeout_seconds.max(1)),
        };
        provider.run(request, ctx).await
    }

    /// Validates and adds an asset.
    pub async fn add_asset(&self, asset: &Asset) -> Result<Asset> {
        asset.validate()?;
        // The server's clock, never the client's (as for scans).
        let mut asset = asset.clone();
        let now = self.store.clock().now();
        asset.created_time = now;
        asset.updated_time = now;
        self.store.add_asset(&asset).await?;
        Ok(asset)
    }

    /// The asset with id `owner/name`.
    pub async fn get_asset(&self, id: impl IntoRecordId) -> Result<Asset> {
        self.store.get_asset(&id.into_record_id()?).await
    }

    /// Replaces an asset.
    pub async fn update_asset(&self, id: impl IntoRecordId, asset: &Asset) -> Result<Asset> {
        asset.validate()?;
        self.store.update_asset(&id.into_record_id()?, asset).await
    }

    /// Deletes an asset.
    pub async fn delete_asset(&self, id: impl IntoRecordId) -> Result<()> {
        self.store.delete_asset(&id.into_record_id()?).await
    }

    /// Assets of `owner`, or of every owner.
    pub async fn list_assets(&self, owner: Option<&str>) -> Result<Vec<Asset>> {
        self.store.list_assets(owner).await
    }

    /// This machine's runner identity for this client's providers, named as this client's runner.
    pub async fn runner_identity(&self) -> RunnerIdentity {
        let mut identity = RunnerIdentity::detect(&self.providers).await;
        identity.name.clone_from(&self.runner_name);
        identity
    }

    /// A worker (claim loop) over this client's store, running this client's providers.
    pub fn worker(&self, config: WorkerConfig) -> Worker {
        Worker::new(Arc::clone(&self.store), self.providers.clone(), config)
    }

    /// Checks target, asset and command of a scan configuration.
    fn validate_config(&self, scan: &Scan) -> Result<()> {
        let mut target = None;
        match scan.target_mode {
            TargetMode::ManualInput => {
                target = Some(scan.target.parse::<crate::model::Target>()?);
            }
            TargetMode::Asset if scan.asset.is_empty() => {
                return Err(Error::invalid(
                    format!("scan {}/{}", scan.owner, scan.name),
                    "Asset mode needs an asset name",
                ));
            }
            TargetMode::Asset => {}
        }
        if scan.timeout_seconds == 0 {
            return Err(Error::invalid("timeoutSeconds", "must be at least 1"));
        }
        if scan.timeout_seconds > MAX_TIMEOUT_SECONDS {
            return Err(Error::invalid(
                "timeoutSeconds",
                format!(
                    "{} is above the maximum of {MAX_TIMEOUT_SECONDS} ({} days)",
                    scan.timeout_seconds,
                    MAX_TIMEOUT_SECONDS / 86_400
                ),
            ));
        }
        if let Some(provider) = scan.provider.and_then(|kind| self.providers.get(kind)) {
            provider.check_scan(&scan.owner, target.as_ref(), &scan.command)?;
        }
        Ok(())
    }
}

/// Refuses a hand-made OS Patch Install job (its updates must come from a checked scan result).
fn refuse_remediation(scan: &Scan) -> Result<()> {
    if scan.provider == Some(crate::model::ProviderKind::PatchInstall) {
        return Err(Error::invalid(
            format!("scan {}/{}", scan.owner, scan.name),
            "OS Patch Install jobs are made by install-patch from a finished OS Patch scan, not added or edited",
        ));
    }
    Ok(())
}
