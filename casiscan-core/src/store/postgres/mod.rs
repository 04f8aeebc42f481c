//! PostgreSQL store for many runners on many machines (feature `postgres`).
//!
//! Layout (the same as the SQLite store's): `connection` (the pool and statement caches),
//! `schema`, `rows`, `notify` (LISTEN/NOTIFY), `transaction`, `scans`, `claim`, `finish`,
//! `runs`, `records` and `recorder` (findings and scan logs), `assets`, `runners`, `keys`; the
//! statements themselves are shared (`store::sql`).

mod assets;
mod claim;
mod connection;
mod finish;
mod keys;
mod notify;
mod recorder;
mod records;
mod rows;
mod runners;
mod runs;
mod scans;
mod schedules;
mod schema;
mod scope;
mod transaction;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::{Notify, OwnedMutexGuard};
use tokio_postgres::{Client, Config};

use super::batch::{Batch, answer_of};
use super::{Advance, StateChange, Store, TakenSchedule, check_same_id, scan_missing};
use crate::clock::{self, Clock};
use crate::error::{Error, Result};
use crate::model::{
    ApiKeyRecord, Asset, AuditEntry, Finding, FindingQuery, LogPageQuery, Page, Pruned, RecordId,
    RunnerIdentity, Scan, ScanLog, ScanQuery, ScanRun, Schedule, ScopePolicy, Severity,
};
use connection::{Conn, Pool, connect, label_of, pg};

/// A store on a PostgreSQL server, shared by every runner of a fleet.
pub struct PostgresStore {
    pool: Pool,
    finishing: Batch<(RecordId, StateChange), Scan>,
    work: Arc<Notify>,
    waiter: notify::Waiter,
    _listener: Client,
    label: String,
    clock: Clock,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("server", &self.label)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and migrates the schema.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_in_schema(url, None).await
    }

    /// Like [`PostgresStore::open`], inside schema `schema` (created if needed); for isolation.
    pub async fn open_in_schema(url: &str, schema: Option<&str>) -> Result<Self> {
        let mut config: Config = url
            .parse()
            .map_err(|e| Error::invalid("database URL", format!("not a PostgreSQL URL: {e}")))?;
        let label = label_of(&config);
        if let Some(schema) = schema {
            if !schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(Error::invalid("schema", "letters, digits and `_` only"));
            }
            let boot = connect(&config, &label).await?;
            boot.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await
                .map_err(|e| pg("create the schema", e))?;
            config.options(format!("-c search_path={schema}"));
        }
        let pool = Pool::open(&config, &label).await?;
        let work = Arc::new(Notify::new());
        let waiter = notify::Waiter::new();
        let listener = notify::listen(&config, &label, Arc::clone(&work), &waiter).await?;
        let store = PostgresStore {
            pool,
            finishing: Batch::default(),
            work,
            waiter,
            _listener: listener,
            label,
            clock: Clock::system(),
        };
        schema::migrate(&mut store.client().await.client, &store.label).await?;
        Ok(store)
    }

    /// This store reading "now" from `clock` (for tests with manual time).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    async fn client(&self) -> OwnedMutexGuard<Conn> {
        self.pool.get().await
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn add_scan(&self, scan: &Scan) -> Result<()> {
        scan.id()?;
        scans::add(&self.client().await.client, scan).await
    }

    async fn get_scan(&self, id: &RecordId) -> Result<Scan> {
        let mut c = self.client().await;
        let Conn {
            client, prepared, ..
        } = &mut *c;
        scans::read_scan(client, prepared, id, "")
            .await?
            .ok_or_else(|| scan_missing(id))
    }

    async fn update_scan(&self, id: &RecordId, config: &Scan) -> Result<Scan> {
        check_same_id(id, &config.id()?, "scan")?;
        let now = self.clock.now();
        let mut c = self.client().await;
        scans::change(
            &mut c,
            id,
            false,
            "update a scan",
            |_, _| None,
            |prev| prev.edited(config, now),
        )
        .await
    }

    async fn rename_scan(&self, id: &RecordId, to: &RecordId) -> Result<Scan> {
        scans::rename(&mut *self.client().await, id, to, self.clock.now()).await
    }

    async fn delete_scan(&self, id: &RecordId, force: bool) -> Result<()> {
        scans::delete(&mut *self.client().await, id, force, self.clock.now()).await
    }

    async fn list_scans(&self, query: &ScanQuery) -> Result<Page<Scan>> {
        scans::list(&self.client().await.client, query).await
    }

    async fn apply(&self, id: &RecordId, change: &StateChange) -> Result<Scan> {
        let now = self.clock.now();
        scans::apply(&mut *self.client().await, id, change, now).await
    }

    async fn claim_many(
        &self,
        ids: &[RecordId],
        runner: &str,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Scan>> {
        let claim = claim::Claim {
            runner,
            lease_until,
            limit,
            now: self.clock.now(),
        };
        claim::claim_many(&mut self.client().await, ids, &claim).await
    }

    async fn claim_queued(
        &self,
        runner: &str,
        lease_until: DateTime<Utc>,
        limit: usize,
        window: usize,
        decide: &(dyn for<'s> Fn(&'s Scan) -> Option<bool> + Sync),
    ) -> Result<Option<Vec<Scan>>> {
        let claim = claim::Claim {
            runner,
            lease_until,
            limit,
            now: self.clock.now(),
        };
        claim::claim_queued(&mut self.client().await, window, &claim, decide)
            .await
            .map(Some)
    }

    async fn finish(&self, id: &RecordId, change: &StateChange) -> Result<Scan> {
        let answer = self.finishing.push((id.clone(), change.clone()));
        {
            // Requests queued while this one waited for a connection go in the same batch.
            let mut c = self.client().await;
            finish::finish_batch(&mut c, self.finishing.take(), self.clock.now()).await;
        }
        answer_of(answer).await
    }

    async fn pending_scans(&self, limit: u32) -> Result<Vec<Scan>> {
        scans::pending(&mut *self.client().await, limit).await
    }

    async fn pending_scans_of(&self, owners: &[String], limit: u32) -> Result<Vec<Scan>> {
        if owners.is_empty() {
            return self.pending_scans(limit).await;
        }
        scans::pending_of(&self.client().await.client, owners, limit).await
    }

    async fn queue_depth(&self) -> Result<u64> {
        scans::queue_depth(&self.client().await.client).await
    }

    async fn expired_leases(&self, now: DateTime<Utc>) -> Result<Vec<RecordId>> {
        scans::expired_leases(&self.client().await.client, &clock::to_text(&now)).await
    }

    async fn note_pending(&self, id: &RecordId, reason: &str) -> Result<()> {
        scans::note_pending(&self.client().await.client, id, reason).await
    }

    async fn register_runner(&self, runner: &RunnerIdentity) -> Result<()> {
        let seen = clock::to_text(&self.clock.now());
        runners::register(&self.client().await.client, runner, &seen).await
    }

    async fn live_runners(&self, since: DateTime<Utc>) -> Result<Vec<RunnerIdentity>> {
        runners::live(&self.client().await.client, &clock::to_text(&since)).await
    }

    async fn add_asset(&self, asset: &Asset) -> Result<()> {
        assets::add(&self.client().await.client, &asset.id()?, asset).await
    }

    async fn get_asset(&self, id: &RecordId) -> Result<Asset> {
        assets::read(&self.client().await.client, id).await
    }

    async fn assets_named(&self, owner: &str, names: &[String]) -> Result<Vec<Asset>> {
        assets::read_named(&mut *self.client().await, owner, names).await
    }

    async fn update_asset(&self, id: &RecordId, asset: &Asset) -> Result<Asset> {
        check_same_id(id, &asset.id()?, "asset")?;
        let prev = self.get_asset(id).await?;
        let next = prev.replaced_by(asset, self.clock.now());
        assets::update(&self.client().await.client, id, &next).await?;
        Ok(next)
    }

    async fn delete_asset(&self, id: &RecordId) -> Result<()> {
        assets::delete(&mut self.client().await.client, id, self.clock.now()).await
    }

    async fn list_assets(&self, owner: Option<&str>) -> Result<Vec<Asset>> {
        assets::list(&self.client().await.client, owner).await
    }

    async fn append_run(&self, run: &ScanRun) -> Result<ScanRun> {
        let id = RecordId::new(run.owner.clone(), run.scan.clone())?;
        runs::append(&mut *self.client().await, &id, run.clone()).await
    }

    async fn scan_logs_page(&self, query: &LogPageQuery) -> Result<Vec<ScanLog>> {
        records::page(&mut *self.client().await, query).await
    }

    async fn list_findings(&self, query: &FindingQuery) -> Result<Page<Finding>> {
        records::findings(&self.client().await.client, query).await
    }

    async fn get_finding(&self, account: &str, alert_id: u64) -> Result<Finding> {
        records::finding(&self.client().await.client, account, alert_id).await
    }

    async fn set_disposition(&self, entry: &AuditEntry) -> Result<Finding> {
        records::set_disposition(&mut self.client().await.client, entry).await
    }

    async fn finding_audit(&self, account: &str, alert_id: u64) -> Result<Vec<AuditEntry>> {
        records::audit(&self.client().await.client, account, alert_id).await
    }

    async fn set_seal_threshold(&self, account: &str, threshold: Severity) -> Result<()> {
        records::set_seal_threshold(&self.client().await.client, account, threshold).await
    }

    async fn seal_threshold(&self, account: &str) -> Result<Severity> {
        records::seal_threshold(&self.client().await.client, account).await
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<Pruned> {
        records::prune(&mut self.client().await.client, before).await
    }

    async fn wait_for_work(&self, timeout: std::time::Duration) {
        // Recorded as waiting: a scan any runner may run wakes the longest-waiting one only.
        let waiting = self.waiter.start(&self.client().await.client).await;
        let _ = tokio::time::timeout(timeout, self.work.notified()).await;
        if waiting {
            self.waiter.stop(&self.client().await.client).await;
        }
    }

    fn pushes_work(&self) -> bool {
        true
    }

    async fn list_runs(&self, scan: &RecordId) -> Result<Vec<ScanRun>> {
        runs::list(&self.client().await.client, scan).await
    }

    async fn set_primary_user(&self, account: &str, user: &str) -> Result<()> {
        keys::set_primary_user(&self.client().await.client, account, user).await
    }

    async fn primary_user(&self, account: &str) -> Result<Option<String>> {
        keys::primary_user(&self.client().await.client, account).await
    }

    async fn add_api_key(&self, key: &ApiKeyRecord) -> Result<()> {
        keys::add_api_key(&self.client().await.client, key).await
    }

    async fn api_key(&self, account: &str) -> Result<Option<ApiKeyRecord>> {
        keys::api_key_where(&self.client().await.client, false, account).await
    }

    async fn api_key_by_access_key(&self, access_key: &str) -> Result<Option<ApiKeyRecord>> {
        keys::api_key_where(&self.client().await.client, true, access_key).await
    }

    async fn delete_api_key(&self, account: &str) -> Result<bool> {
        keys::delete_api_key(&self.client().await.client, account).await
    }

    fn clock(&self) -> Clock {
        self.clock.clone()
    }
    async fn get_schedule(&self, id: &RecordId) -> Result<Option<Schedule>> {
        schedules::get(&self.client().await.client, id).await
    }

    async fn set_schedule(&self, id: &RecordId, schedule: Option<&Schedule>) -> Result<()> {
        schedules::set(&self.client().await.client, id, schedule).await
    }

    async fn take_due_schedules(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        advance: Advance<'_>,
    ) -> Result<Vec<TakenSchedule>> {
        schedules::take_due(&mut self.client().await.client, now, limit, advance).await
    }
    async fn get_scope_policy(&self, account: &str) -> Result<Option<ScopePolicy>> {
        let mut conn = self.client().await;
        let Conn {
            client, prepared, ..
        } = &mut *conn;
        scope::get(client, prepared, account).await
    }

    async fn set_scope_policy(&self, account: &str, policy: Option<&ScopePolicy>) -> Result<()> {
        scope::set(&self.client().await.client, account, policy).await
    }
}
