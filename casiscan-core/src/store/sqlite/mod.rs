//! SQLite store: one file (or `:memory:`), WAL, schema migrations.
//!
//! Layout (the same as the PostgreSQL store's): `connection` (the thread that owns the
//! connection), `open`, `schema`, `rows`, `error`, `notify`, `scans`, `claim`, `finish`, `runs`,
//! `assets`, `runners`, `keys`; the statements themselves are shared (`store::sql`).

mod assets;
mod claim;
mod connection;
mod error;
mod finish;
mod keys;
mod notify;
mod open;
mod records;
mod rows;
mod runners;
mod runs;
mod scans;
mod schedules;
mod schema;
mod scope;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use tokio::sync::Notify;

use super::batch::{Batch, answer_of};
use super::{Advance, StateChange, Store, TakenSchedule, check_same_id};
use crate::clock::{self, Clock};
use crate::error::{Error, Result};
use crate::model::{
    ApiKeyRecord, Asset, AuditEntry, Finding, FindingQuery, LogPageQuery, Page, Pruned, RecordId,
    RunnerIdentity, Scan, ScanLog, ScanQuery, ScanRun, Schedule, ScopePolicy, Severity,
};
use connection::ConnectionThread;
use keys::KeyColumn;
use open::{Access, open_file, open_memory, open_read_only};

/// How long a writer waits for another process's lock before reporting "locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The embedded default store: a SQLite database file.
#[derive(Clone)]
pub struct SqliteStore {
    /// The thread that owns the connection; the last clone dropped closes it.
    conn: Arc<ConnectionThread>,
    finishing: Batch<(RecordId, StateChange), Scan>,
    work: Arc<Notify>,
    label: Arc<str>,
    read_only: bool,
    clock: Clock,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, or an in-memory one for `:memory:`.
    ///
    /// Nothing is written when the schema is current. A file this process cannot write (or one
    /// in a directory where SQLite cannot create its WAL files) is opened read-only: reads work
    /// and every write fails with [`Error::ReadOnly`].
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path.as_ref(), Access::ReadWrite).await
    }

    /// Opens an existing database without ever writing to it (`SQLITE_OPEN_READONLY`); its
    /// schema must be current. Every write fails with [`Error::ReadOnly`].
    pub async fn open_read_only(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path.as_ref(), Access::ReadOnly).await
    }

    /// This store reading "now" from `clock` (for tests with manual time).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// True when this store was opened read-only (asked for, or the file is not writable).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    async fn open_with(path: &Path, access: Access) -> Result<Self> {
        if path.as_os_str().is_empty() {
            // SQLite would open a private temporary database for an empty name.
            return Err(Error::invalid("SQLite path", "the path is empty"));
        }
        let path: PathBuf = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path, access))
            .await
            .map_err(|e| Error::storage("the open task failed", e))?
    }

    fn open_blocking(path: &Path, access: Access) -> Result<Self> {
        let label: Arc<str> = path.display().to_string().into();
        let (conn, read_only) = if path.as_os_str() == ":memory:" {
            (open_memory(&label)?, false)
        } else {
            match access {
                Access::ReadOnly => (open_read_only(path, &label)?, true),
                Access::ReadWrite => open_file(path, &label)?,
            }
        };
        Ok(SqliteStore {
            conn: Arc::new(ConnectionThread::start(conn, &label)?),
            finishing: Batch::default(),
            work: notify::work_signal(path),
            label,
            read_only,
            clock: Clock::system(),
        })
    }

    /// Runs `f` on the connection's thread, in arrival order, mapping SQLite errors.
    async fn run<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let label = Arc::clone(&self.label);
        let context = format!("cannot {what} {label}");
        self.conn
            .call(context, move |conn| {
                f(conn).map_err(|e| error::relabel(e, &label, what))
            })
            .await
    }

    /// Wakes this process's waiting workers when `scan` was just queued.
    fn announce(&self, scan: &Scan) {
        notify::announce(&self.work, scan);
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.label)
            .finish()
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn clock(&self) -> Clock {
        self.clock.clone()
    }

    async fn add_scan(&self, scan: &Scan) -> Result<()> {
        scan.id()?;
        let scan = scan.clone();
        self.run("add a scan to", move |conn| scans::add(conn, &scan))
            .await
    }

    async fn get_scan(&self, id: &RecordId) -> Result<Scan> {
        let id = id.clone();
        self.run("read a scan from", move |conn| scans::read_scan(conn, &id))
            .await
    }

    async fn update_scan(&self, id: &RecordId, config: &Scan) -> Result<Scan> {
        check_same_id(id, &config.id()?, "scan")?;
        let (id, config, now) = (id.clone(), config.clone(), self.clock.now());
        self.run("update a scan in", move |conn| {
            scans::change(conn, &id, |prev| prev.edited(&config, now))
        })
        .await
        .inspect(|next| self.announce(next))
    }

    async fn rename_scan(&self, id: &RecordId, to: &RecordId) -> Result<Scan> {
        let (id, to, now) = (id.clone(), to.clone(), self.clock.now());
        self.run("rename a scan in", move |conn| {
            scans::rename(conn, &id, &to, now)
        })
        .await
    }

    async fn delete_scan(&self, id: &RecordId, force: bool) -> Result<()> {
        let (id, now) = (id.clone(), self.clock.now());
        self.run("delete a scan from", move |conn| {
            scans::delete(conn, &id, force, now)
        })
        .await
    }

    async fn list_scans(&self, query: &ScanQuery) -> Result<Page<Scan>> {
        let query = query.clone();
        self.run("list scans in", move |conn| scans::list(conn, &query))
            .await
    }

    async fn apply(&self, id: &RecordId, change: &StateChange) -> Result<Scan> {
        let (id, change, now) = (id.clone(), change.clone(), self.clock.now());
        self.run("change a scan's state in", move |conn| {
            scans::apply(conn, &id, &change, now)
        })
        .await
        .inspect(|next| self.announce(next))
    }

    async fn claim_many(
        &self,
        ids: &[RecordId],
        runner: &str,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Scan>> {
        let ids = ids.to_vec();
        let claim = claim::Claim {
            runner: runner.to_string(),
            lease_until,
            limit,
            now: self.clock.now(),
        };
        self.run("claim scans in", move |conn| {
            claim::claim_many(conn, &ids, &claim)
        })
        .await
    }

    async fn finish(&self, id: &RecordId, change: &StateChange) -> Result<Scan> {
        let answer = self.finishing.push((id.clone(), change.clone()));
        let queue = self.finishing.clone();
        let label = Arc::clone(&self.label);
        let now = self.clock.now();
        self.run("finish scans in", move |conn| {
            finish::finish_batch(conn, queue.take(), &label, now);
            Ok(())
        })
        .await?;
        answer_of(answer).await.inspect(|next| self.announce(next))
    }

    async fn wait_for_work(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.work.notified()).await;
    }

    async fn pending_scans(&self, limit: u32) -> Result<Vec<Scan>> {
        self.run("list pending scans in", move |conn| {
            scans::pending(conn, limit)
        })
        .await
    }

    async fn pending_scans_of(&self, owners: &[String], limit: u32) -> Result<Vec<Scan>> {
        if owners.is_empty() {
            return self.pending_scans(limit).await;
        }
        let owners = owners.to_vec();
        self.run("list pending scans in", move |conn| {
            scans::pending_of(conn, &owners, limit)
        })
        .await
    }

    async fn queue_depth(&self) -> Result<u64> {
        self.run("count pending scans in", |conn| scans::queue_depth(conn))
            .await
    }

    async fn expired_leases(&self, now: DateTime<Utc>) -> Result<Vec<RecordId>> {
        let now = clock::to_text(&now);
        self.run("list expired leases in", move |conn| {
            scans::expired_leases(conn, &now)
        })
        .await
    }

    async fn note_pending(&self, id: &RecordId, reason: &str) -> Result<()> {
        let (id, reason) = (id.clone(), reason.to_string());
        self.run("note a pending scan in", move |conn| {
            scans::note_pending(conn, &id, &reason)
        })
        .await
    }

    async fn register_runner(&self, runner: &RunnerIdentity) -> Result<()> {
        let runner = runner.clone();
        let seen = clock::to_text(&self.clock.now());
        self.run("register a runner in", move |conn| {
            runners::register(conn, &runner, &seen)
        })
        .await
    }

    async fn live_runners(&self, since: DateTime<Utc>) -> Result<Vec<RunnerIdentity>> {
        let since = clock::to_text(&since);
        self.run("list runners in", move |conn| runners::live(conn, &since))
            .await
    }

    async fn add_asset(&self, asset: &Asset) -> Result<()> {
        let (id, asset) = (asset.id()?, asset.clone());
        self.run("add an asset to", move |conn| {
            assets::add(conn, &id, &asset)
        })
        .await
    }

    async fn get_asset(&self, id: &RecordId) -> Result<Asset> {
        let id = id.clone();
        self.run("read an asset from", move |conn| assets::read(conn, &id))
            .await
    }

    async fn assets_named(&self, owner: &str, names: &[String]) -> Result<Vec<Asset>> {
        let (owner, names) = (owner.to_owned(), names.to_vec());
        self.run("read assets from", move |conn| {
            assets::read_named(conn, &owner, &names)
        })
        .await
    }

    async fn update_asset(&self, id: &RecordId, asset: &Asset) -> Result<Asset> {
        check_same_id(id, &asset.id()?, "asset")?;
        let (id, asset, now) = (id.clone(), asset.clone(), self.clock.now());
        self.run("update an asset in", move |conn| {
            assets::update(conn, &id, |prev| prev.replaced_by(&asset, now))
        })
        .await
    }

    async fn delete_asset(&self, id: &RecordId) -> Result<()> {
        let (id, now) = (id.clone(), self.clock.now());
        self.run("delete an asset from", move |conn| {
            assets::delete(conn, &id, now)
        })
        .await
    }

    async fn list_assets(&self, owner: Option<&str>) -> Result<Vec<Asset>> {
        let owner = owner.map(str::to_string);
        self.run("list assets in", move |conn| {
            assets::list(conn, owner.as_deref())
        })
        .await
    }

    async fn append_run(&self, run: &ScanRun) -> Result<ScanRun> {
        let id = RecordId::new(run.owner.clone(), run.scan.clone())?;
        let run = run.clone();
        self.run("append a run to", move |conn| runs::append(conn, &id, run))
            .await
    }

    async fn list_runs(&self, scan: &RecordId) -> Result<Vec<ScanRun>> {
        let id = scan.clone();
        self.run("list runs in", move |conn| runs::list(conn, &id))
            .await
    }

    async fn scan_logs_page(&self, query: &LogPageQuery) -> Result<Vec<ScanLog>> {
        let query = query.clone();
        self.run("read scan logs in", move |conn| records::page(conn, &query))
            .await
    }

    async fn list_findings(&self, query: &FindingQuery) -> Result<Page<Finding>> {
        let query = query.clone();
        self.run("list findings in", move |conn| {
            records::findings(conn, &query)
        })
        .await
    }

    async fn get_finding(&self, account: &str, alert_id: u64) -> Result<Finding> {
        let account = account.to_owned();
        self.run("read a finding in", move |conn| {
            records::finding(conn, &account, alert_id)
        })
        .await
    }

    async fn set_disposition(&self, entry: &AuditEntry) -> Result<Finding> {
        let entry = entry.clone();
        self.run("set a disposition in", move |conn| {
            records::set_disposition(conn, &entry)
        })
        .await
    }

    async fn finding_audit(&self, account: &str, alert_id: u64) -> Result<Vec<AuditEntry>> {
        let account = account.to_owned();
        self.run("read a finding's audit in", move |conn| {
            records::audit(conn, &account, alert_id)
        })
        .await
    }

    async fn set_seal_threshold(&self, account: &str, threshold: Severity) -> Result<()> {
        let account = account.to_owned();
        self.run("set a seal threshold in", move |conn| {
            records::set_seal_threshold(conn, &account, threshold)
        })
        .await
    }

    async fn seal_threshold(&self, account: &str) -> Result<Severity> {
        let account = account.to_owned();
        self.run("read a seal threshold in", move |conn| {
            records::seal_threshold(conn, &account)
        })
        .await
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<Pruned> {
        self.run("prune", move |conn| records::prune(conn, before))
            .await
    }

    async fn set_primary_user(&self, account: &str, user: &str) -> Result<()> {
        let (account, user) = (account.to_string(), user.to_string());
        self.run("set a primary user in", move |conn| {
            keys::set_primary_user(conn, &account, &user)
        })
        .await
    }

    async fn primary_user(&self, account: &str) -> Result<Option<String>> {
        let account = account.to_string();
        self.run("read a primary user in", move |conn| {
            keys::primary_user(conn, &account)
        })
        .await
    }

    async fn add_api_key(&self, key: &ApiKeyRecord) -> Result<()> {
        let key = key.clone();
        self.run("add an API key to", move |conn| {
            keys::add_api_key(conn, &key)
        })
        .await
    }

    async fn api_key(&self, account: &str) -> Result<Option<ApiKeyRecord>> {
        let account = account.to_string();
        self.run("read an API key in", move |conn| {
            keys::api_key_where(conn, KeyColumn::Account, &account)
        })
        .await
    }

    async fn api_key_by_access_key(&self, access_key: &str) -> Result<Option<ApiKeyRecord>> {
        let access_key = access_key.to_string();
        self.run("read an API key in", move |conn| {
            keys::api_key_where(conn, KeyColumn::AccessKey, &access_key)
        })
        .await
    }

    async fn delete_api_key(&self, account: &str) -> Result<bool> {
        let account = account.to_string();
        self.run("delete an API key in", move |conn| {
            keys::delete_api_key(conn, &account)
        })
        .await
    }
    async fn get_schedule(&self, id: &RecordId) -> Result<Option<Schedule>> {
        let id = id.clone();
        self.run("read a schedule from", move |conn| {
            schedules::get(conn, &id)
        })
        .await
    }

    async fn set_schedule(&self, id: &RecordId, schedule: Option<&Schedule>) -> Result<()> {
        let (id, schedule) = (id.clone(), schedule.cloned());
        self.run("set a schedule in", move |conn| {
            schedules::set(conn, &id, schedule.as_ref())
        })
        .await
    }

    async fn take_due_schedules(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        advance: Advance<'_>,
    ) -> Result<Vec<TakenSchedule>> {
        // `advance` stays on this task: the rows are read, moved here, then written back with
        // compare-and-set on the fire time read, so a slot another scheduler took meanwhile is
        // not taken again.
        let due = self
            .run("read due schedules in", move |conn| {
                schedules::due(conn, now, limit)
            })
            .await?;
        let moves: Vec<_> = due
            .into_iter()
            .map(|(id, was)| {
                let next = advance(&was);
                (id, was, next)
            })
            .collect();
        self.run("take due schedules in", move |conn| {
            schedules::advance_all(conn, moves)
        })
        .await
    }
    async fn get_scope_policy(&self, account: &str) -> Result<Option<ScopePolicy>> {
        let account = account.to_string();
        self.run("read a scope policy in", move |conn| {
            scope::get(conn, &account)
        })
        .await
    }

    async fn set_scope_policy(&self, account: &str, policy: Option<&ScopePolicy>) -> Result<()> {
        let (account, policy) = (account.to_string(), policy.cloned());
        self.run("set a scope policy in", move |conn| {
            scope::set(conn, &account, policy.as_ref())
        })
        .await
    }
}
