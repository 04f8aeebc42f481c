//! SQLite store: one file (or `:memory:`), WAL, schema migrations.

mod connection;
mod keys;
mod open;
mod rows;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::Notify;

use super::batch::{Batch, Queued, answer_of, shared_failure};
use super::{
    Page, ScanQuery, SortOrder, StateChange, Store, apply_change, check_same_id, skip_corrupt_row,
};
use crate::clock;
use crate::error::{Error, Result};
use crate::model::{ApiKeyRecord, Asset, RecordId, Scan, ScanRun, ScanState};
use crate::runner::RunnerIdentity;
use connection::ConnectionThread;
use keys::KeyColumn;
use open::{Access, open_file, open_memory, open_read_only};
use rows::{SCAN_COLUMN_COUNT, SCAN_COLUMNS, as_params, scan_from_row, scan_values};

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
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.label)
            .finish()
    }
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
            work: work_signal(path),
            label,
            read_only,
        })
    }

    /// Wakes this process's waiting workers when `scan` was just queued (other processes poll).
    fn announce(&self, scan: &Scan) {
        if scan.state == ScanState::Pending {
            self.work.notify_one();
            self.work.notify_waiters();
        }
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
                f(conn).map_err(|e| relabel(e, &label, what))
            })
            .await
    }
}

/// The queued-work signal shared by every store this process opens on the same file.
fn work_signal(path: &Path) -> Arc<Notify> {
    static SIGNALS: LazyLock<Mutex<HashMap<PathBuf, Weak<Notify>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    if path.as_os_str() == ":memory:" {
        return Arc::new(Notify::new());
    }
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut signals = SIGNALS.lock().unwrap_or_else(|p| p.into_inner());
    signals.retain(|_, signal| signal.strong_count() > 0);
    if let Some(signal) = signals.get(&key).and_then(Weak::upgrade) {
        return signal;
    }
    let signal = Arc::new(Notify::new());
    signals.insert(key, Arc::downgrade(&signal));
    signal
}

/// Turns a rusqlite error into a storage error that names the file and explains common cases.
fn describe(label: &str, what: &str, e: rusqlite::Error) -> Error {
    let detail = match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => "the file is not a SQLite database".to_string(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            "the database is locked by another process".to_string()
        }
        Some(rusqlite::ErrorCode::ReadOnly) => {
            return Error::ReadOnly {
                path: label.to_owned(),
                reason: format!("cannot {what} it"),
            };
        }
        Some(rusqlite::ErrorCode::CannotOpen) => "the file cannot be opened".to_string(),
        _ => e.to_string(),
    };
    Error::storage(format!("cannot {what} {label}: {detail}"), e)
}

fn relabel(e: Error, label: &str, what: &str) -> Error {
    match e {
        Error::Storage {
            message,
            source: Some(source),
        } if message.is_empty() => match source.downcast::<rusqlite::Error>() {
            Ok(sql) => describe(label, what, *sql),
            Err(other) => Error::Storage {
                message: format!("cannot {what} {label}"),
                source: Some(other),
            },
        },
        other => other,
    }
}

/// Wraps a rusqlite error for [`relabel`] to describe.
fn sql(e: rusqlite::Error) -> Error {
    Error::Storage {
        message: String::new(),
        source: Some(Box::new(e)),
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
}

fn json_error(what: &str, e: serde_json::Error) -> Error {
    Error::storage(format!("stored {what} is not valid JSON"), e)
}

fn read_scan(conn: &Connection, id: &RecordId) -> Result<Scan> {
    static SELECT: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT {SCAN_COLUMNS} FROM scans WHERE owner = ?1 AND name = ?2")
    });
    conn.prepare_cached(&SELECT)
        .map_err(sql)?
        .query_row(params![id.owner, id.name], scan_from_row)
        .optional()
        .map_err(sql)?
        .ok_or_else(|| Error::not_found(format!("scan {id}")))
}

/// The compare-and-set UPDATE: every column, guarded by owner, name, state and lease token.
static COMPARE_AND_SET: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = SCAN_COLUMNS
        .split(", ")
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect();
    let n = SCAN_COLUMN_COUNT;
    format!(
        "UPDATE scans SET {} WHERE owner = ?{} AND name = ?{} AND state = ?{} AND lease_token IS ?{}",
        sets.join(", "),
        n + 1,
        n + 2,
        n + 3,
        n + 4
    )
});

/// Writes `next` over the row only if it still has `prev`'s state and lease token.
fn compare_and_set(conn: &Connection, prev: &Scan, next: &Scan) -> Result<()> {
    let mut values = scan_values(next);
    values.push(prev.owner.clone().into());
    values.push(prev.name.clone().into());
    values.push(prev.state.as_str().to_string().into());
    values.push(
        prev.lease_token
            .clone()
            .map_or(rusqlite::types::Value::Null, Into::into),
    );
    let changed = conn
        .prepare_cached(&COMPARE_AND_SET)
        .map_err(sql)?
        .execute(as_params(&values).as_slice())
        .map_err(sql)?;
    if changed != 1 {
        return Err(Error::conflict(format!(
            "scan {}/{} changed while it was being written",
            prev.owner, prev.name
        )));
    }
    Ok(())
}

/// Applies every queued finishing change in one transaction and answers every request.
///
/// A change the state machine refuses is answered alone (nothing was written for it); a
/// database error fails the whole batch, which then changes nothing.
fn finish_batch(
    conn: &mut Connection,
    batch: Vec<Queued<(RecordId, StateChange), Scan>>,
    label: &str,
) {
    if batch.is_empty() {
        return;
    }
    let mut results = Vec::with_capacity(batch.len());
    let outcome = (|| -> Result<()> {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let now = clock::now();
        for queued in &batch {
            let (id, change) = &queued.item;
            results.push(finish_one(&tx, id, change, now)?);
        }
        tx.commit().map_err(sql)
    })();
    match outcome {
        Ok(()) => {
            for (queued, result) in batch.into_iter().zip(results) {
                queued.answer(result);
            }
        }
        Err(e) => {
            let e = relabel(e, label, "finish scans in");
            for queued in batch {
                queued.answer(Err(shared_failure(&e)));
            }
        }
    }
}

/// Applies one finishing change and records the run when the scan ends.
///
/// The outer error is a database failure; the inner one a refusal that wrote nothing.
fn finish_one(
    conn: &Connection,
    id: &RecordId,
    change: &StateChange,
    now: DateTime<Utc>,
) -> Result<Result<Scan>> {
    let prev = match read_scan(conn, id) {
        Ok(prev) => prev,
        Err(e) if e.kind() == crate::ErrorKind::NotFound => return Ok(Err(e)),
        Err(e) => return Err(e),
    };
    let mut next = prev.clone();
    if let Err(refused) = apply_change(&mut next, change, now) {
        return Ok(Err(refused));
    }
    compare_and_set(conn, &prev, &next)?;
    if super::ends_run(&next) {
        insert_run(conn, ScanRun::of_finished(&next))?;
    }
    Ok(Ok(next))
}

/// Appends `run` after the scan's last run (the caller holds the write transaction).
fn insert_run(conn: &Connection, mut run: ScanRun) -> Result<ScanRun> {
    let last: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(MAX(seq), 0) FROM scan_runs WHERE owner = ?1 AND scan = ?2",
        )
        .map_err(sql)?
        .query_row(params![run.owner, run.scan], |r| r.get(0))
        .map_err(sql)?;
    run.seq = u64::try_from(last).unwrap_or(0) + 1;
    let body = serde_json::to_string(&run).map_err(|e| json_error("run", e))?;
    conn.prepare_cached("INSERT INTO scan_runs (owner, scan, seq, body) VALUES (?1, ?2, ?3, ?4)")
        .map_err(sql)?
        .execute(params![run.owner, run.scan, last + 1, body])
        .map_err(sql)?;
    Ok(run)
}

fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('%');
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The WHERE clause and its values for a list query.
fn list_filter(query: &ScanQuery) -> (String, Vec<rusqlite::types::Value>) {
    let mut clauses = Vec::new();
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(owner) = &query.owner {
        values.push(owner.clone().into());
        clauses.push(format!("owner = ?{}", values.len()));
    }
    if let Some(asset) = &query.asset {
        values.push(asset.clone().into());
        clauses.push(format!("asset = ?{}", values.len()));
    }
    if let Some((field, value)) = &query.filter {
        values.push(escape_like(value).into());
        clauses.push(format!(
            "{} LIKE ?{} ESCAPE '\\'",
            field.column(),
            values.len()
        ));
    }
    let clause = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (clause, values)
}

/// `owner/name` of a row whose first two columns are the owner and the name, however stored.
fn row_id(row: &rusqlite::Row<'_>) -> String {
    let text = |idx: usize| match row.get_ref(idx) {
        Ok(rusqlite::types::ValueRef::Text(t)) => String::from_utf8_lossy(t).into_owned(),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("<{e}>"),
    };
    format!("{}/{}", text(0), text(1))
}

fn list_scans_blocking(conn: &Connection, query: &ScanQuery) -> Result<Page<Scan>> {
    query.validate()?;
    let window = query.window()?;
    let (field, order) = query.effective_sort();
    let dir = match order {
        SortOrder::Ascend => "ASC",
        SortOrder::Descend => "DESC",
    };
    let (clause, values) = list_filter(query);
    let total: i64 = conn
        .query_row(
            &format!("SELECT COUNT(*) FROM scans {clause}"),
            as_params(&values).as_slice(),
            |r| r.get(0),
        )
        .map_err(sql)?;
    let limit = window.map_or(String::new(), |(offset, limit)| {
        format!(" LIMIT {limit} OFFSET {offset}")
    });
    let statement = format!(
        "SELECT {SCAN_COLUMNS} FROM scans {clause} ORDER BY {col} {dir}, owner {dir}, name {dir}{limit}",
        col = field.column()
    );
    let mut stmt = conn.prepare(&statement).map_err(sql)?;
    let mut rows = stmt.query(as_params(&values).as_slice()).map_err(sql)?;
    let mut items = Vec::new();
    // A failing step is the database's error; a row that does not decode is skipped alone.
    while let Some(row) = rows.next().map_err(sql)? {
        match scan_from_row(row) {
            Ok(scan) => items.push(scan),
            Err(e) => skip_corrupt_row("scan", &row_id(row), &e),
        }
    }
    Ok(Page {
        items,
        total: u64::try_from(total).unwrap_or(0),
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn add_scan(&self, scan: &Scan) -> Result<()> {
        let id = scan.id()?;
        let values = scan_values(scan);
        self.run("add a scan to", move |conn| {
            let placeholders: Vec<String> =
                (1..=SCAN_COLUMN_COUNT).map(|i| format!("?{i}")).collect();
            let statement = format!(
                "INSERT INTO scans ({SCAN_COLUMNS}) VALUES ({})",
                placeholders.join(", ")
            );
            match conn.execute(&statement, as_params(&values).as_slice()) {
                Ok(_) => Ok(()),
                Err(e) if is_unique_violation(&e) => {
                    Err(Error::conflict(format!("scan {id} already exists")))
                }
                Err(e) => Err(sql(e)),
            }
        })
        .await
    }

    async fn get_scan(&self, id: &RecordId) -> Result<Scan> {
        let id = id.clone();
        self.run("read a scan from", move |conn| read_scan(conn, &id))
            .await
    }

    async fn update_scan(&self, id: &RecordId, config: &Scan) -> Result<Scan> {
        check_same_id(id, &config.id()?, "scan")?;
        let id = id.clone();
        let config = config.clone();
        self.run("update a scan in", move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql)?;
            let prev = read_scan(&tx, &id)?;
            if prev.state.is_active() {
                return Err(Error::conflict(format!(
                    "scan {id} is {}: its configuration cannot change until it finishes or is canceled",
                    prev.state
                )));
            }
            let mut next = prev.clone();
            next.apply_config(&config);
            next.updated_time = clock::now();
            compare_and_set(&tx, &prev, &next)?;
            tx.commit().map_err(sql)?;
            Ok(next)
        })
        .await
        .inspect(|next| self.announce(next))
    }

    async fn delete_scan(&self, id: &RecordId, force: bool) -> Result<()> {
        let id = id.clone();
        self.run("delete a scan from", move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql)?;
            let prev = read_scan(&tx, &id)?;
            if prev.state == ScanState::Running && !force {
                return Err(Error::conflict(format!(
                    "scan {id} is Running: cancel it first or delete with force"
                )));
            }
            tx.execute(
                "DELETE FROM scans WHERE owner = ?1 AND name = ?2",
                params![id.owner, id.name],
            )
            .map_err(sql)?;
            tx.execute(
                "DELETE FROM scan_runs WHERE owner = ?1 AND scan = ?2",
                params![id.owner, id.name],
            )
            .map_err(sql)?;
            tx.commit().map_err(sql)
        })
        .await
    }

    async fn list_scans(&self, query: &ScanQuery) -> Result<Page<Scan>> {
        let query = query.clone();
        self.run("list scans in", move |conn| {
            list_scans_blocking(conn, &query)
        })
        .await
    }

    async fn apply(&self, id: &RecordId, change: &StateChange) -> Result<Scan> {
        let id = id.clone();
        let change = change.clone();
        self.run("change a scan's state in", move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql)?;
            let prev = read_scan(&tx, &id)?;
            let mut next = prev.clone();
            apply_change(&mut next, &change, clock::now())?;
            compare_and_set(&tx, &prev, &next)?;
            tx.commit().map_err(sql)?;
            Ok(next)
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
        let runner = runner.to_string();
        self.run("claim scans in", move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql)?;
            let now = clock::now();
            let mut claimed = Vec::new();
            for id in ids.iter() {
                if claimed.len() >= limit {
                    break;
                }
                let prev = match read_scan(&tx, id) {
                    Ok(prev) if prev.state == ScanState::Pending => prev,
                    Ok(_) => continue,
                    Err(e) if e.kind() == crate::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                let mut next = prev.clone();
                apply_change(&mut next, &StateChange::claim(&runner, lease_until), now)?;
                compare_and_set(&tx, &prev, &next)?;
                claimed.push(next);
            }
            tx.commit().map_err(sql)?;
            Ok(claimed)
        })
        .await
    }

    async fn finish(&self, id: &RecordId, change: &StateChange) -> Result<Scan> {
        let answer = self.finishing.push((id.clone(), change.clone()));
        let queue = self.finishing.clone();
        let label = Arc::clone(&self.label);
        self.run("finish scans in", move |conn| {
            finish_batch(conn, queue.take(), &label);
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
            // The limit is written into the statement: SQLite re-plans a statement whose LIMIT
            // is a bound parameter on every new value, which made this the costliest read.
            let statement = format!(
                "SELECT {SCAN_COLUMNS} FROM scans WHERE state = 'Pending' \
                 ORDER BY updated_time, owner, name LIMIT {limit}"
            );
            let mut stmt = conn.prepare_cached(&statement).map_err(sql)?;
            stmt.query_map([], scan_from_row)
                .map_err(sql)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(sql)
        })
        .await
    }

    async fn expired_leases(&self, now: DateTime<Utc>) -> Result<Vec<RecordId>> {
        let now = clock::to_text(&now);
        self.run("list expired leases in", move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT owner, name FROM scans WHERE state = 'Running' \
                     AND lease_until IS NOT NULL AND lease_until < ?1",
                )
                .map_err(sql)?;
            stmt.query_map([now], |r| {
                Ok(RecordId {
                    owner: r.get(0)?,
                    name: r.get(1)?,
                })
            })
            .map_err(sql)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql)
        })
        .await
    }

    async fn note_pending(&self, id: &RecordId, reason: &str) -> Result<()> {
        let id = id.clone();
        let reason = reason.to_string();
        self.run("note a pending scan in", move |conn| {
            conn.execute(
                "UPDATE scans SET error_text = ?3 WHERE owner = ?1 AND name = ?2 AND state = 'Pending'",
                params![id.owner, id.name, reason],
            )
            .map(|_| ())
            .map_err(sql)
        })
        .await
    }

    async fn register_runner(&self, runner: &RunnerIdentity) -> Result<()> {
        let body = serde_json::to_string(runner).map_err(|e| json_error("runner", e))?;
        let name = runner.name.clone();
        let seen = clock::to_text(&clock::now());
        self.run("register a runner in", move |conn| {
            conn.execute(
                "INSERT INTO runners (name, seen_time, body) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (name) DO UPDATE SET seen_time = ?2, body = ?3",
                params![name, seen, body],
            )
            .map(|_| ())
            .map_err(sql)
        })
        .await
    }

    async fn live_runners(&self, since: DateTime<Utc>) -> Result<Vec<RunnerIdentity>> {
        let since = clock::to_text(&since);
        self.run("list runners in", move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT body FROM runners WHERE seen_time >= ?1 ORDER BY name")
                .map_err(sql)?;
            let bodies = stmt
                .query_map([since], |r| r.get::<_, String>(0))
                .map_err(sql)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(sql)?;
            bodies
                .iter()
                .map(|b| serde_json::from_str(b).map_err(|e| json_error("runner", e)))
                .collect()
        })
        .await
    }

    async fn add_asset(&self, asset: &Asset) -> Result<()> {
        let id = asset.id()?;
        let body = serde_json::to_string(asset).map_err(|e| json_error("asset", e))?;
        let created = clock::to_text(&asset.created_time);
        self.run("add an asset to", move |conn| {
            match conn.execute(
                "INSERT INTO assets (owner, name, created_time, body) VALUES (?1, ?2, ?3, ?4)",
                params![id.owner, id.name, created, body],
            ) {
                Ok(_) => Ok(()),
                Err(e) if is_unique_violation(&e) => {
                    Err(Error::conflict(format!("asset {id} already exists")))
                }
                Err(e) => Err(sql(e)),
            }
        })
        .await
    }

    async fn get_asset(&self, id: &RecordId) -> Result<Asset> {
        let id = id.clone();
        self.run("read an asset from", move |conn| read_asset(conn, &id))
            .await
    }

    async fn update_asset(&self, id: &RecordId, asset: &Asset) -> Result<Asset> {
        check_same_id(id, &asset.id()?, "asset")?;
        let id = id.clone();
        let asset = asset.clone();
        self.run("update an asset in", move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql)?;
            let prev = read_asset(&tx, &id)?;
            let mut next = asset;
            next.created_time = prev.created_time;
            next.updated_time = clock::now();
            let body = serde_json::to_string(&next).map_err(|e| json_error("asset", e))?;
            tx.execute(
                "UPDATE assets SET body = ?3 WHERE owner = ?1 AND name = ?2",
                params![id.owner, id.name, body],
            )
            .map_err(sql)?;
            tx.commit().map_err(sql)?;
            Ok(next)
        })
        .await
    }

    async fn delete_asset(&self, id: &RecordId) -> Result<()> {
        let id = id.clone();
        self.run("delete an asset from", move |conn| {
            let n = conn
                .execute(
                    "DELETE FROM assets WHERE owner = ?1 AND name = ?2",
                    params![id.owner, id.name],
                )
                .map_err(sql)?;
            if n == 0 {
                return Err(Error::not_found(format!("asset {id}")));
            }
            Ok(())
        })
        .await
    }

    async fn list_assets(&self, owner: Option<&str>) -> Result<Vec<Asset>> {
        let owner = owner.map(str::to_string);
        self.run("list assets in", move |conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT owner, name, body FROM assets WHERE ?1 IS NULL OR owner = ?1 \
                     ORDER BY created_time DESC, owner DESC, name DESC",
                )
                .map_err(sql)?;
            let mut rows = stmt.query([owner]).map_err(sql)?;
            let mut assets = Vec::new();
            while let Some(row) = rows.next().map_err(sql)? {
                let body = row
                    .get::<_, String>(2)
                    .map_err(|e| e.to_string())
                    .and_then(|b| serde_json::from_str(&b).map_err(|e| e.to_string()));
                match body {
                    Ok(asset) => assets.push(asset),
                    Err(e) => skip_corrupt_row("asset", &row_id(row), &e),
                }
            }
            Ok(assets)
        })
        .await
    }

    async fn append_run(&self, run: &ScanRun) -> Result<ScanRun> {
        let id = RecordId::new(run.owner.clone(), run.scan.clone())?;
        let run = run.clone();
        self.run("append a run to", move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql)?;
            read_scan(&tx, &id)?;
            let stored = insert_run(&tx, run)?;
            tx.commit().map_err(sql)?;
            Ok(stored)
        })
        .await
    }

    async fn list_runs(&self, scan: &RecordId) -> Result<Vec<ScanRun>> {
        let id = scan.clone();
        self.run("list runs in", move |conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT owner, scan, seq, body FROM scan_runs \
                     WHERE owner = ?1 AND scan = ?2 ORDER BY seq",
                )
                .map_err(sql)?;
            let mut rows = stmt.query(params![id.owner, id.name]).map_err(sql)?;
            let mut runs = Vec::new();
            while let Some(row) = rows.next().map_err(sql)? {
                let body = row
                    .get::<_, String>(3)
                    .map_err(|e| e.to_string())
                    .and_then(|b| serde_json::from_str(&b).map_err(|e| e.to_string()));
                match body {
                    Ok(run) => runs.push(run),
                    Err(e) => {
                        let seq = row.get::<_, i64>(2).unwrap_or_default();
                        skip_corrupt_row("run", &format!("{} #{seq}", row_id(row)), &e);
                    }
                }
            }
            Ok(runs)
        })
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
}

fn read_asset(conn: &Connection, id: &RecordId) -> Result<Asset> {
    let body: String = conn
        .query_row(
            "SELECT body FROM assets WHERE owner = ?1 AND name = ?2",
            params![id.owner, id.name],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql)?
        .ok_or_else(|| Error::not_found(format!("asset {id}")))?;
    serde_json::from_str(&body).map_err(|e| json_error("asset", e))
}
