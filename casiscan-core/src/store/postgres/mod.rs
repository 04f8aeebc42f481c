//! PostgreSQL store for many runners on many machines (feature `postgres`).

mod keys;
mod rows;
mod schema;

use std::collections::HashMap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

use tokio::sync::{Mutex, Notify, OwnedMutexGuard};
use tokio_postgres::AsyncMessage;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, GenericClient, NoTls, Statement};

use super::batch::{Batch, Queued, answer_of, shared_failure};
use super::{
    Page, ScanQuery, SortOrder, StateChange, Store, apply_change, check_same_id, skip_corrupt_row,
};
use crate::clock;
use crate::error::{Error, Result};
use crate::model::{ApiKeyRecord, Asset, RecordId, Scan, ScanRun, ScanState};
use crate::runner::RunnerIdentity;
use rows::{Param, SCAN_COLUMN_COUNT, SCAN_COLUMNS, refs, scan_from_row, scan_params};

/// Connections each store keeps open.
const POOL_SIZE: usize = 4;

/// Statements a connection has prepared, by SQL text.
type Prepared = HashMap<String, Statement>;

/// One pooled connection and the statements it has prepared (each is parsed once).
struct Conn {
    client: Client,
    prepared: Prepared,
    /// A transaction begun by [`begin_with`] may still be open on it (its call was dropped).
    open: bool,
}

impl Conn {
    /// Rolls back what an abandoned call left open, so the connection starts clean.
    async fn settle(&mut self) {
        if self.open {
            // A failure here means a broken connection, which the next statement reports.
            if self.client.batch_execute("ROLLBACK").await.is_ok() {
                self.open = false;
            }
        }
    }
}

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// `sql` prepared on the connection behind `c`, from `cache` after the first time.
async fn prepare<C: GenericClient>(c: &C, cache: &mut Prepared, sql: &str) -> Result<Statement> {
    if let Some(found) = cache.get(sql) {
        return Ok(found.clone());
    }
    let statement = c
        .prepare(sql)
        .await
        .map_err(|e| pg("prepare a statement", e))?;
    cache.insert(sql.to_string(), statement.clone());
    Ok(statement)
}

/// A store on a PostgreSQL server, shared by every runner of a fleet.
pub struct PostgresStore {
    clients: Vec<Arc<Mutex<Conn>>>,
    finishing: Batch<(RecordId, StateChange), Scan>,
    work: Arc<Notify>,
    _listener: Client,
    next: AtomicUsize,
    label: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("server", &self.label)
            .finish()
    }
}

fn pg(what: &str, e: tokio_postgres::Error) -> Error {
    Error::storage(format!("PostgreSQL: cannot {what}: {e}"), e)
}

fn is_unique(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

fn json_error(what: &str, e: serde_json::Error) -> Error {
    Error::storage(format!("stored {what} is not valid JSON"), e)
}

/// `postgres://host:port/db` without credentials, for messages.
fn label_of(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map_or("?".to_string(), |h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        });
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{host}:{port}/{}",
        config.get_dbname().unwrap_or("")
    )
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
        let mut clients = Vec::with_capacity(POOL_SIZE);
        for _ in 0..POOL_SIZE {
            clients.push(Arc::new(Mutex::new(Conn {
                client: connect(&config, &label).await?,
                prepared: Prepared::new(),
                open: false,
            })));
        }
        let work = Arc::new(Notify::new());
        let listener = listen(&config, &label, Arc::clone(&work)).await?;
        let store = PostgresStore {
            clients,
            finishing: Batch::default(),
            work,
            _listener: listener,
            next: AtomicUsize::new(0),
            label,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> OwnedMutexGuard<Conn> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len();
        let mut conn = Arc::clone(&self.clients[n]).lock_owned().await;
        conn.settle().await;
        conn
    }

    async fn migrate(&self) -> Result<()> {
        let mut c = self.client().await;
        let tx = c.transaction().await.map_err(|e| pg("migrate", e))?;
        tx.batch_execute(
            "SELECT pg_advisory_xact_lock(7207240001); \
             CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
        )
        .await
        .map_err(|e| pg("migrate", e))?;
        let current: i64 = tx
            .query_opt("SELECT version FROM schema_version", &[])
            .await
            .map_err(|e| pg("migrate", e))?
            .map_or(0, |r| r.get(0));
        let latest = schema::MIGRATIONS.len() as i64;
        if current > latest {
            return Err(Error::Storage {
                message: format!(
                    "{}: schema version {current} is newer than this casiscan ({latest})",
                    self.label
                ),
                source: None,
            });
        }
        for sql in schema::pending(current) {
            tx.batch_execute(sql).await.map_err(|e| pg("migrate", e))?;
        }
        tx.execute("DELETE FROM schema_version", &[])
            .await
            .map_err(|e| pg("migrate", e))?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&latest],
        )
        .await
        .map_err(|e| pg("migrate", e))?;
        tx.commit().await.map_err(|e| pg("migrate", e))
    }
}

/// Channel on which queued scans are announced.
const WORK_CHANNEL: &str = "casiscan_work";

/// A connection that LISTENs for queued scans and wakes `work`'s waiters.
async fn listen(config: &Config, label: &str, work: Arc<Notify>) -> Result<Client> {
    let (client, mut connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| Error::storage(format!("cannot connect to {label}: {e}"), e))?;
    tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    work.notify_one();
                    work.notify_waiters();
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {WORK_CHANNEL}"))
        .await
        .map_err(|e| pg("listen for queued scans", e))?;
    Ok(client)
}

async fn connect(config: &Config, label: &str) -> Result<Client> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| Error::storage(format!("cannot connect to {label}: {e}"), e))?;
    tokio::spawn(async move {
        // The connection ends when the client is dropped; errors surface on the next query.
        let _ = connection.await;
    });
    Ok(client)
}

async fn read_scan<C: GenericClient>(
    c: &C,
    cache: &mut Prepared,
    id: &RecordId,
    lock: &str,
) -> Result<Option<Scan>> {
    let sql = format!("SELECT {SCAN_COLUMNS} FROM scans WHERE owner = $1 AND name = $2 {lock}");
    let statement = prepare(c, cache, &sql).await?;
    let row = c
        .query_opt(&statement, &[&id.owner, &id.name])
        .await
        .map_err(|e| pg("read a scan", e))?;
    row.as_ref().map(scan_from_row).transpose()
}

fn missing(id: &RecordId) -> Error {
    Error::not_found(format!("scan {id}"))
}

/// The compare-and-set UPDATE: every column, guarded by owner, name, state and lease token.
static COMPARE_AND_SET: LazyLock<String> = LazyLock::new(|| {
    let n = SCAN_COLUMN_COUNT;
    let sets: Vec<String> = SCAN_COLUMNS
        .split(", ")
        .enumerate()
        .map(|(i, col)| format!("{col} = ${}", i + 1))
        .collect();
    format!(
        "UPDATE scans SET {} WHERE owner = ${} AND name = ${} AND state = ${} AND lease_token IS NOT DISTINCT FROM ${}",
        sets.join(", "),
        n + 1,
        n + 2,
        n + 3,
        n + 4
    )
});

/// The parameters of [`COMPARE_AND_SET`] that write `next` over `prev`.
fn cas_params(prev: &Scan, next: &Scan) -> Vec<Param> {
    let mut params = scan_params(next);
    params.push(Box::new(prev.owner.clone()));
    params.push(Box::new(prev.name.clone()));
    params.push(Box::new(prev.state.as_str().to_string()));
    params.push(Box::new(prev.lease_token.clone()));
    params
}

/// The Conflict of a compare-and-set that found the row changed.
fn changed_meanwhile(scan: &Scan) -> Error {
    Error::conflict(format!(
        "scan {}/{} changed while it was being written",
        scan.owner, scan.name
    ))
}

/// Writes `next` over the row if it still has `prev`'s state and lease token.
///
/// `statement` is [`COMPARE_AND_SET`] prepared on the connection behind `c`.
async fn compare_and_set<C: GenericClient>(
    c: &C,
    statement: &Statement,
    prev: &Scan,
    next: &Scan,
) -> Result<()> {
    if !try_compare_and_set(c, statement, prev, next).await? {
        return Err(changed_meanwhile(prev));
    }
    Ok(())
}

/// Like [`compare_and_set`], but a changed row is `false` rather than an error.
async fn try_compare_and_set<C: GenericClient>(
    c: &C,
    statement: &Statement,
    prev: &Scan,
    next: &Scan,
) -> Result<bool> {
    let params = cas_params(prev, next);
    let changed = c
        .execute(statement, &refs(&params))
        .await
        .map_err(|e| pg("write a scan", e))?;
    Ok(changed == 1)
}

/// The statement that announces a queued scan.
const NOTIFY_WORK: &str = "SELECT pg_notify($1, $2)";

/// Announces a queued scan; delivered at commit, so waiting runners wake at once.
async fn notify_work<C: GenericClient>(c: &C, id: &RecordId) -> Result<()> {
    c.execute(NOTIFY_WORK, &[&WORK_CHANNEL, &id.to_string()])
        .await
        .map(|_| ())
        .map_err(|e| pg("announce a queued scan", e))
}

/// [`notify_work`] with [`NOTIFY_WORK`] prepared as `statement`, for pipelines (a statement
/// given as text would be prepared first and go out late).
async fn notify_prepared(c: &Client, statement: &Statement, id: &RecordId) -> Result<()> {
    c.execute(statement, &[&WORK_CHANNEL, &id.to_string()])
        .await
        .map(|_| ())
        .map_err(|e| pg("announce a queued scan", e))
}

/// Runs `futures` (each a statement on one connection) as a pipeline: each is polled once in
/// order before any waits, so their statements go out in that order; then waits for all.
/// The first error is returned at once, leaving the others' replies unread.
async fn in_order<T, F>(futures: impl IntoIterator<Item = F>) -> Result<Vec<T>>
where
    F: Future<Output = Result<T>>,
{
    let mut running: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<T>> = running.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (future, out) in running.iter_mut().zip(done.iter_mut()) {
            if out.is_some() {
                continue;
            }
            match future.as_mut().poll(cx) {
                std::task::Poll::Ready(Ok(value)) => *out = Some(value),
                std::task::Poll::Ready(Err(e)) => return std::task::Poll::Ready(Err(e)),
                std::task::Poll::Pending => all = false,
            }
        }
        if all {
            std::task::Poll::Ready(Ok(done.iter_mut().filter_map(Option::take).collect()))
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

/// The statements that append a run, prepared on one connection.
struct RunStatements {
    next_seq: Statement,
    insert: Statement,
}

impl RunStatements {
    async fn prepare<C: GenericClient>(c: &C, cache: &mut Prepared) -> Result<Self> {
        Ok(RunStatements {
            next_seq: prepare(
                c,
                cache,
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM scan_runs WHERE owner = $1 AND scan = $2",
            )
            .await?,
            insert: prepare(
                c,
                cache,
                "INSERT INTO scan_runs (owner, scan, seq, body) VALUES ($1, $2, $3, $4)",
            )
            .await?,
        })
    }
}

/// Appends `run` after its scan's last run; the caller holds the scan's row lock.
async fn insert_run<C: GenericClient>(
    c: &C,
    statements: &RunStatements,
    mut run: ScanRun,
) -> Result<ScanRun> {
    let seq: i64 = c
        .query_one(&statements.next_seq, &[&run.owner, &run.scan])
        .await
        .map_err(|e| pg("append a run", e))?
        .get(0);
    run.seq = u64::try_from(seq).unwrap_or(1);
    let body = serde_json::to_string(&run).map_err(|e| json_error("run", e))?;
    c.execute(&statements.insert, &[&run.owner, &run.scan, &seq, &body])
        .await
        .map_err(|e| pg("append a run", e))?;
    Ok(run)
}

/// A finishing change waiting for its batch.
type Finishing = Queued<(RecordId, StateChange), Scan>;

/// Guards a transaction begun by [`begin_with`]: if its call is dropped before
/// [`TxGuard::close`], a task rolls the transaction back as soon as the connection is free.
struct TxGuard {
    conn: Option<Arc<Mutex<Conn>>>,
}

impl TxGuard {
    /// Guards the transaction about to begin on the connection behind `conn`.
    fn on(conn: &OwnedMutexGuard<Conn>) -> Self {
        TxGuard {
            conn: Some(Arc::clone(OwnedMutexGuard::mutex(conn))),
        }
    }

    /// Ends the guard with the transaction's `outcome`: after a failure, rolls back what is
    /// still open.
    async fn close<T>(mut self, conn: &mut Conn, outcome: Result<T>) -> Result<T> {
        self.conn = None;
        if outcome.is_err() {
            conn.settle().await;
        }
        outcome
    }
}

impl Drop for TxGuard {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // Without a runtime the next checkout of the connection rolls it back instead.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { conn.lock().await.settle().await });
        }
    }
}

/// Opens a claim or finish transaction. Its statements have one good plan whatever their
/// values (primary-key lookups, the queue's partial index), so they take the generic plan at
/// once instead of five custom plans first on every connection (in the claims benchmark those
/// were a sixth of the runs and most of the server's planning time).
const BEGIN: &str = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan";

/// Begins a transaction with [`BEGIN`] in the same round trip as `first`, its first statements
/// (futures made on `client` and not yet polled).
async fn begin_with<T>(
    client: &Client,
    open: &mut bool,
    first: impl Future<Output = Result<T>>,
    what: &str,
) -> Result<T> {
    *open = true;
    let begin = async { client.batch_execute(BEGIN).await.map_err(|e| pg(what, e)) };
    let ((), out) = futures_util::future::try_join(begin, first).await?;
    Ok(out)
}

/// Ends a transaction with COMMIT in the same round trip as `last`, its last statements.
///
/// COMMIT is sent only if `last` failed on nothing before reaching the server; an error from
/// the server aborts the transaction, and the COMMIT then rolls it back.
async fn commit_with<T>(
    client: &Client,
    open: &mut bool,
    last: impl Future<Output = Result<T>>,
    what: &str,
) -> Result<T> {
    let commit = async {
        client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| pg(what, e))
    };
    let (out, ()) = futures_util::future::try_join(last, commit).await?;
    *open = false;
    Ok(out)
}

/// Applies every queued finishing change in one transaction and answers each request.
async fn finish_batch(conn: &mut OwnedMutexGuard<Conn>, batch: Vec<Finishing>) {
    if batch.is_empty() {
        return;
    }
    let items: Vec<&(RecordId, StateChange)> = batch.iter().map(|q| &q.item).collect();
    let guard = TxGuard::on(conn);
    let written = write_finishes(conn, &items).await;
    match guard.close(conn, written).await {
        Ok(results) => {
            for (queued, result) in batch.into_iter().zip(results) {
                queued.answer(result);
            }
        }
        Err(e) => {
            for queued in batch {
                queued.answer(Err(shared_failure(&e)));
            }
        }
    }
}

/// Reads a scan and locks its row.
static LOCK_ONE: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {SCAN_COLUMNS} FROM scans WHERE owner = $1 AND name = $2 FOR UPDATE")
});

/// The last run number of a scan (0 for none); the caller holds the scan's row lock.
const LAST_RUN: &str = "SELECT COALESCE(MAX(seq), 0) FROM scan_runs WHERE owner = $1 AND scan = $2";

/// [`COMPARE_AND_SET`] that, when it writes, also appends the run it ends (seq, body).
static CAS_AND_RUN: LazyLock<String> = LazyLock::new(|| {
    let n = SCAN_COLUMN_COUNT;
    format!(
        "WITH changed AS ({} RETURNING 1) \
         INSERT INTO scan_runs (owner, scan, seq, body) SELECT ${}, ${}, ${}, ${} FROM changed",
        *COMPARE_AND_SET,
        n + 1,
        n + 2,
        n + 5,
        n + 6
    )
});

/// Writes `next` over `prev` as [`compare_and_set`] does and appends `run` as number `seq` of
/// the scan in the same statement; `false` (nothing written) when the row had changed.
async fn cas_and_run(
    c: &Client,
    statement: &Statement,
    prev: &Scan,
    next: &Scan,
    mut run: ScanRun,
    seq: i64,
) -> Result<bool> {
    run.seq = u64::try_from(seq).unwrap_or(1);
    let body = serde_json::to_string(&run).map_err(|e| json_error("run", e))?;
    let mut params = cas_params(prev, next);
    params.push(Box::new(seq));
    params.push(Box::new(body));
    let appended = c
        .execute(statement, &refs(&params))
        .await
        .map_err(|e| pg("finish a scan", e))?;
    Ok(appended == 1)
}

/// The statements of [`finish_batch`]'s transaction: per-request results, or a failure of the
/// whole (then rolled back).
///
/// Two round trips: BEGIN with the row locks, taken in key order so that concurrent batches
/// cannot deadlock, and then the scans' last run numbers (read once the locks are held, so no
/// other writer can append meanwhile); then the compare-and-set writes, each with the run it
/// ends, the announcements, and COMMIT. Every statement is one row's, so each keeps one plan.
async fn write_finishes(
    conn: &mut Conn,
    items: &[&(RecordId, StateChange)],
) -> Result<Vec<Result<Scan>>> {
    let Conn {
        client,
        prepared,
        open,
    } = conn;
    let lock = prepare(client, prepared, &LOCK_ONE).await?;
    let last_run = prepare(client, prepared, LAST_RUN).await?;
    let cas = prepare(client, prepared, &COMPARE_AND_SET).await?;
    let cas_run = prepare(client, prepared, &CAS_AND_RUN).await?;
    let notify = &prepare(client, prepared, NOTIFY_WORK).await?;
    let mut ids: Vec<&RecordId> = items.iter().map(|i| &i.0).collect();
    ids.sort_by(|a, b| (&a.owner, &a.name).cmp(&(&b.owner, &b.name)));
    ids.dedup();
    let client = &*client;
    let (lock, last_run) = (&lock, &last_run);
    let locks = in_order(ids.iter().map(|id| async move {
        client
            .query_opt(lock, &[&id.owner, &id.name])
            .await
            .map_err(|e| pg("finish scans", e))
    }));
    let last_runs = in_order(ids.iter().map(|id| async move {
        client
            .query_one(last_run, &[&id.owner, &id.name])
            .await
            .map_err(|e| pg("finish scans", e))
    }));
    let reads = futures_util::future::try_join(locks, last_runs);
    let (locked, runs) = begin_with(client, open, reads, "finish scans").await?;
    let mut current = HashMap::new();
    let mut last_seq: HashMap<RecordId, i64> = HashMap::new();
    for ((id, row), run) in ids.iter().zip(&locked).zip(&runs) {
        if let Some(row) = row {
            current.insert((*id).clone(), scan_from_row(row)?);
        }
        last_seq.insert((*id).clone(), run.get(0));
    }
    let now = clock::now();
    let mut results = Vec::with_capacity(items.len());
    // (index into results, prev, next, run number when the write ends a run)
    let mut writes = Vec::new();
    for (id, change) in items {
        let Some(prev) = current.get(id) else {
            results.push(Err(missing(id)));
            continue;
        };
        let mut next = prev.clone();
        match apply_change(&mut next, change, now) {
            Ok(()) => {
                let seq = super::ends_run(&next).then(|| {
                    let last = last_seq.entry(id.clone()).or_insert(0);
                    *last += 1;
                    *last
                });
                writes.push((results.len(), prev.clone(), next.clone(), seq));
                current.insert((*id).clone(), next.clone());
                results.push(Ok(next));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    let queued: Vec<RecordId> = writes
        .iter()
        .filter(|w| w.2.state == ScanState::Pending)
        .map(|w| w.2.id())
        .collect::<Result<_>>()?;
    // Pipelined: the whole batch's writes, runs, announcements and COMMIT share a round trip.
    let (cas, cas_run) = (&cas, &cas_run);
    let cas_writes = in_order(writes.iter().map(|(_, prev, next, seq)| async move {
        match seq {
            Some(seq) => {
                let run = ScanRun::of_finished(next);
                cas_and_run(client, cas_run, prev, next, run, *seq).await
            }
            None => try_compare_and_set(client, cas, prev, next).await,
        }
    }));
    let announce = in_order(queued.iter().map(|id| notify_prepared(client, notify, id)));
    let last = futures_util::future::try_join(cas_writes, announce);
    let (written, _) = commit_with(client, open, last, "finish scans").await?;
    for ((at, prev, _, _), done) in writes.iter().zip(written) {
        // Only this request's write was skipped; the others are committed.
        if !done {
            results[*at] = Err(changed_meanwhile(prev));
        }
    }
    Ok(results)
}

/// Locks, oldest of the given ids first, the Pending ones no other runner is claiming.
static CLAIM_WINDOW: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM scans s \
         JOIN unnest($1::TEXT[], $2::TEXT[], $3::BIGINT[]) AS w(owner, name, ord) \
         ON s.owner = w.owner AND s.name = w.name \
         WHERE s.state = 'Pending' ORDER BY w.ord LIMIT $4 FOR UPDATE OF s SKIP LOCKED",
        prefixed_columns("s")
    )
});

/// Who claims, until when, and how many scans at most.
struct Claim<'a> {
    runner: &'a str,
    lease_until: DateTime<Utc>,
    limit: usize,
}

/// Locks candidate rows with `select` (rows another runner holds are skipped, not waited for)
/// and claims them in order as `decide` says: take, pass over, or stop there.
async fn claim_locked(
    conn: &mut OwnedMutexGuard<Conn>,
    select: &str,
    params: &[&(dyn ToSql + Sync)],
    claim: &Claim<'_>,
    decide: &(dyn for<'s> Fn(&'s Scan) -> Option<bool> + Sync),
) -> Result<Vec<Scan>> {
    let guard = TxGuard::on(conn);
    let claimed = claim_in_transaction(conn, select, params, claim, decide).await;
    guard.close(conn, claimed).await
}

/// The statements of [`claim_locked`]'s transaction, in two round trips: BEGIN with the
/// locking read, then the claims with COMMIT (the locks are held for one turn only).
async fn claim_in_transaction(
    conn: &mut Conn,
    select: &str,
    params: &[&(dyn ToSql + Sync)],
    claim: &Claim<'_>,
    decide: &(dyn for<'s> Fn(&'s Scan) -> Option<bool> + Sync),
) -> Result<Vec<Scan>> {
    let Conn {
        client,
        prepared,
        open,
    } = conn;
    let select = prepare(client, prepared, select).await?;
    let cas = prepare(client, prepared, &COMPARE_AND_SET).await?;
    let client = &*client;
    let read = async {
        client
            .query(&select, params)
            .await
            .map_err(|e| pg("claim scans", e))
    };
    let rows = begin_with(client, open, read, "claim scans").await?;
    let now = clock::now();
    let mut pairs = Vec::new();
    for row in &rows {
        let prev = scan_from_row(row)?;
        match decide(&prev) {
            Some(true) if pairs.len() < claim.limit => {
                let mut next = prev.clone();
                let change = StateChange::claim(claim.runner, claim.lease_until);
                apply_change(&mut next, &change, now)?;
                pairs.push((prev, next));
            }
            Some(_) => {}
            None => break,
        }
    }
    // The rows are locked by this transaction, so every write finds what was read; one that
    // did not would only be a claim not made. The rows passed over are unlocked by the commit.
    let claims = in_order(
        pairs
            .iter()
            .map(|(prev, next)| try_compare_and_set(client, &cas, prev, next)),
    );
    let made = commit_with(client, open, claims, "claim scans").await?;
    Ok(pairs
        .into_iter()
        .zip(made)
        .filter_map(|((_, next), made)| made.then_some(next))
        .collect())
}

/// The oldest Pending scans, locked; rows another transaction holds are skipped.
static QUEUE_HEAD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {SCAN_COLUMNS} FROM scans WHERE state = 'Pending' \
         ORDER BY updated_time COLLATE \"C\", owner COLLATE \"C\", name COLLATE \"C\" \
         LIMIT $1 FOR UPDATE SKIP LOCKED"
    )
});

/// The scan columns qualified with table alias `alias`.
fn prefixed_columns(alias: &str) -> String {
    SCAN_COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn escape_like(value: &str) -> String {
    let mut out = String::from("%");
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn list_filter(query: &ScanQuery) -> (String, Vec<Param>) {
    let mut clauses = Vec::new();
    let mut params: Vec<Param> = Vec::new();
    if let Some(owner) = &query.owner {
        params.push(Box::new(owner.clone()));
        clauses.push(format!("owner = ${}", params.len()));
    }
    if let Some(asset) = &query.asset {
        params.push(Box::new(asset.clone()));
        clauses.push(format!("asset = ${}", params.len()));
    }
    if let Some((field, value)) = &query.filter {
        params.push(Box::new(escape_like(value)));
        clauses.push(format!(
            "{} ILIKE ${} ESCAPE '\\'",
            field.column(),
            params.len()
        ));
    }
    let clause = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (clause, params)
}

/// `owner/name` of a row whose first two columns are the owner and the name.
fn row_id(row: &tokio_postgres::Row) -> String {
    let text = |idx: usize| {
        row.try_get::<_, Option<&str>>(idx)
            .ok()
            .flatten()
            .unwrap_or("?")
            .to_owned()
    };
    format!("{}/{}", text(0), text(1))
}

async fn bodies<T: serde::de::DeserializeOwned>(
    c: &Client,
    what: &str,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<T>> {
    let rows = c.query(sql, params).await.map_err(|e| pg(what, e))?;
    rows.iter()
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(|e| json_error(what, e)))
        .collect()
}

#[async_trait]
impl Store for PostgresStore {
    async fn add_scan(&self, scan: &Scan) -> Result<()> {
        let id = scan.id()?;
        let params = scan_params(scan);
        let placeholders: Vec<String> = (1..=SCAN_COLUMN_COUNT).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO scans ({SCAN_COLUMNS}) VALUES ({})",
            placeholders.join(", ")
        );
        match self.client().await.execute(&sql, &refs(&params)).await {
            Ok(_) => Ok(()),
            Err(e) if is_unique(&e) => Err(Error::conflict(format!("scan {id} already exists"))),
            Err(e) => Err(pg("add a scan", e)),
        }
    }

    async fn get_scan(&self, id: &RecordId) -> Result<Scan> {
        let mut c = self.client().await;
        let Conn {
            client, prepared, ..
        } = &mut *c;
        read_scan(client, prepared, id, "")
            .await?
            .ok_or_else(|| missing(id))
    }

    async fn update_scan(&self, id: &RecordId, config: &Scan) -> Result<Scan> {
        check_same_id(id, &config.id()?, "scan")?;
        let mut c = self.client().await;
        let Conn {
            client, prepared, ..
        } = &mut *c;
        let tx = client
            .transaction()
            .await
            .map_err(|e| pg("update a scan", e))?;
        let prev = read_scan(&tx, prepared, id, "FOR UPDATE")
            .await?
            .ok_or_else(|| missing(id))?;
        if prev.state.is_active() {
            return Err(Error::conflict(format!(
                "scan {id} is {}: its configuration cannot change until it finishes or is canceled",
                prev.state
            )));
        }
        let mut next = prev.clone();
        next.apply_config(config);
        next.updated_time = clock::now();
        let cas = prepare(&tx, prepared, &COMPARE_AND_SET).await?;
        compare_and_set(&tx, &cas, &prev, &next).await?;
        tx.commit().await.map_err(|e| pg("update a scan", e))?;
        Ok(next)
    }

    async fn delete_scan(&self, id: &RecordId, force: bool) -> Result<()> {
        let mut c = self.client().await;
        let Conn {
            client, prepared, ..
        } = &mut *c;
        let tx = client
            .transaction()
            .await
            .map_err(|e| pg("delete a scan", e))?;
        let prev = read_scan(&tx, prepared, id, "FOR UPDATE")
            .await?
            .ok_or_else(|| missing(id))?;
        if prev.state == ScanState::Running && !force {
            return Err(Error::conflict(format!(
                "scan {id} is Running: cancel it first or delete with force"
            )));
        }
        for sql in [
            "DELETE FROM scans WHERE owner = $1 AND name = $2",
            "DELETE FROM scan_runs WHERE owner = $1 AND scan = $2",
        ] {
            tx.execute(sql, &[&id.owner, &id.name])
                .await
                .map_err(|e| pg("delete a scan", e))?;
        }
        tx.commit().await.map_err(|e| pg("delete a scan", e))
    }

    async fn list_scans(&self, query: &ScanQuery) -> Result<Page<Scan>> {
        query.validate()?;
        let window = query.window()?;
        let (field, order) = query.effective_sort();
        let dir = match order {
            SortOrder::Ascend => "ASC",
            SortOrder::Descend => "DESC",
        };
        let (clause, params) = list_filter(query);
        let c = self.client().await;
        let total: i64 = c
            .query_one(
                &format!("SELECT COUNT(*) FROM scans {clause}"),
                &refs(&params),
            )
            .await
            .map_err(|e| pg("count scans", e))?
            .get(0);
        let limit = window.map_or(String::new(), |(offset, limit)| {
            format!(" LIMIT {limit} OFFSET {offset}")
        });
        let sql = format!(
            "SELECT {SCAN_COLUMNS} FROM scans {clause} ORDER BY {col} COLLATE \"C\" {dir}, \
             owner COLLATE \"C\" {dir}, name COLLATE \"C\" {dir}{limit}",
            col = field.column()
        );
        let rows = c
            .query(&sql, &refs(&params))
            .await
            .map_err(|e| pg("list scans", e))?;
        // The rows are all received: an error here is one row that does not decode.
        let items = rows
            .iter()
            .filter_map(|row| match scan_from_row(row) {
                Ok(scan) => Some(scan),
                Err(e) => {
                    skip_corrupt_row("scan", &row_id(row), &e);
                    None
                }
            })
            .collect();
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn apply(&self, id: &RecordId, change: &StateChange) -> Result<Scan> {
        let claim = matches!(change, StateChange::Claim { .. });
        let lock = if claim {
            "FOR UPDATE SKIP LOCKED"
        } else {
            "FOR UPDATE"
        };
        let mut c = self.client().await;
        let Conn {
            client, prepared, ..
        } = &mut *c;
        let tx = client
            .transaction()
            .await
            .map_err(|e| pg("change a scan's state", e))?;
        let Some(prev) = read_scan(&tx, prepared, id, lock).await? else {
            drop(tx);
            return match read_scan(client, prepared, id, "").await? {
                Some(_) => Err(Error::conflict(format!(
                    "scan {id} is being claimed by another runner"
                ))),
                None => Err(missing(id)),
            };
        };
        let mut next = prev.clone();
        apply_change(&mut next, change, clock::now())?;
        let cas = prepare(&tx, prepared, &COMPARE_AND_SET).await?;
        compare_and_set(&tx, &cas, &prev, &next).await?;
        if next.state == ScanState::Pending {
            notify_work(&tx, id).await?;
        }
        tx.commit()
            .await
            .map_err(|e| pg("change a scan's state", e))?;
        Ok(next)
    }

    async fn claim_many(
        &self,
        ids: &[RecordId],
        runner: &str,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Scan>> {
        if ids.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let owners: Vec<&str> = ids.iter().map(|id| id.owner.as_str()).collect();
        let names: Vec<&str> = ids.iter().map(|id| id.name.as_str()).collect();
        let order: Vec<i64> = (0..ids.len() as i64).collect();
        let limit_param = limit as i64;
        let mut c = self.client().await;
        let params: [&(dyn ToSql + Sync); 4] = [&owners, &names, &order, &limit_param];
        let claim = Claim {
            runner,
            lease_until,
            limit,
        };
        claim_locked(&mut c, &CLAIM_WINDOW, &params, &claim, &|_| Some(true)).await
    }

    async fn claim_queued(
        &self,
        runner: &str,
        lease_until: DateTime<Utc>,
        limit: usize,
        window: usize,
        decide: &(dyn for<'s> Fn(&'s Scan) -> Option<bool> + Sync),
    ) -> Result<Option<Vec<Scan>>> {
        let window = i64::try_from(window).unwrap_or(i64::MAX);
        let mut c = self.client().await;
        let claim = Claim {
            runner,
            lease_until,
            limit,
        };
        claim_locked(&mut c, &QUEUE_HEAD, &[&window], &claim, decide)
            .await
            .map(Some)
    }

    async fn finish(&self, id: &RecordId, change: &StateChange) -> Result<Scan> {
        let answer = self.finishing.push((id.clone(), change.clone()));
        {
            // Requests queued while this one waited for a connection go in the same batch.
            let mut c = self.client().await;
            finish_batch(&mut c, self.finishing.take()).await;
        }
        answer_of(answer).await
    }

    async fn pending_scans(&self, limit: u32) -> Result<Vec<Scan>> {
        static PENDING: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {SCAN_COLUMNS} FROM scans WHERE state = 'Pending' \
                 ORDER BY updated_time COLLATE \"C\", owner COLLATE \"C\", name COLLATE \"C\" LIMIT $1"
            )
        });
        let mut c = self.client().await;
        let Conn {
            client, prepared, ..
        } = &mut *c;
        let statement = prepare(client, prepared, &PENDING).await?;
        let rows = client
            .query(&statement, &[&i64::from(limit)])
            .await
            .map_err(|e| pg("list pending scans", e))?;
        rows.iter().map(scan_from_row).collect()
    }

    async fn expired_leases(&self, now: DateTime<Utc>) -> Result<Vec<RecordId>> {
        let rows = self
            .client()
            .await
            .query(
                "SELECT owner, name FROM scans WHERE state = 'Running' \
                 AND lease_until IS NOT NULL AND lease_until COLLATE \"C\" < $1",
                &[&clock::to_text(&now)],
            )
            .await
            .map_err(|e| pg("list expired leases", e))?;
        Ok(rows
            .iter()
            .map(|r| RecordId {
                owner: r.get(0),
                name: r.get(1),
            })
            .collect())
    }

    async fn note_pending(&self, id: &RecordId, reason: &str) -> Result<()> {
        self.client()
            .await
            .execute(
                "UPDATE scans SET error_text = $3 WHERE owner = $1 AND name = $2 AND state = 'Pending'",
                &[&id.owner, &id.name, &reason],
            )
            .await
            .map(|_| ())
            .map_err(|e| pg("note a pending scan", e))
    }

    async fn register_runner(&self, runner: &RunnerIdentity) -> Result<()> {
        let body = serde_json::to_string(runner).map_err(|e| json_error("runner", e))?;
        self.client()
            .await
            .execute(
                "INSERT INTO runners (name, seen_time, body) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET seen_time = $2, body = $3",
                &[&runner.name, &clock::to_text(&clock::now()), &body],
            )
            .await
            .map(|_| ())
            .map_err(|e| pg("register a runner", e))
    }

    async fn live_runners(&self, since: DateTime<Utc>) -> Result<Vec<RunnerIdentity>> {
        let c = self.client().await;
        bodies(
            &c,
            "list runners",
            "SELECT body FROM runners WHERE seen_time COLLATE \"C\" >= $1 ORDER BY name",
            &[&clock::to_text(&since)],
        )
        .await
    }

    async fn add_asset(&self, asset: &Asset) -> Result<()> {
        let id = asset.id()?;
        let body = serde_json::to_string(asset).map_err(|e| json_error("asset", e))?;
        match self
            .client()
            .await
            .execute(
                "INSERT INTO assets (owner, name, created_time, body) VALUES ($1, $2, $3, $4)",
                &[
                    &id.owner,
                    &id.name,
                    &clock::to_text(&asset.created_time),
                    &body,
                ],
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_unique(&e) => Err(Error::conflict(format!("asset {id} already exists"))),
            Err(e) => Err(pg("add an asset", e)),
        }
    }

    async fn get_asset(&self, id: &RecordId) -> Result<Asset> {
        let c = self.client().await;
        let found: Vec<Asset> = bodies(
            &c,
            "read an asset",
            "SELECT body FROM assets WHERE owner = $1 AND name = $2",
            &[&id.owner, &id.name],
        )
        .await?;
        found
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found(format!("asset {id}")))
    }

    async fn update_asset(&self, id: &RecordId, asset: &Asset) -> Result<Asset> {
        check_same_id(id, &asset.id()?, "asset")?;
        let prev = self.get_asset(id).await?;
        let mut next = asset.clone();
        next.created_time = prev.created_time;
        next.updated_time = clock::now();
        let body = serde_json::to_string(&next).map_err(|e| json_error("asset", e))?;
        let n = self
            .client()
            .await
            .execute(
                "UPDATE assets SET body = $3 WHERE owner = $1 AND name = $2",
                &[&id.owner, &id.name, &body],
            )
            .await
            .map_err(|e| pg("update an asset", e))?;
        if n == 0 {
            return Err(Error::not_found(format!("asset {id}")));
        }
        Ok(next)
    }

    async fn delete_asset(&self, id: &RecordId) -> Result<()> {
        let n = self
            .client()
            .await
            .execute(
                "DELETE FROM assets WHERE owner = $1 AND name = $2",
                &[&id.owner, &id.name],
            )
            .await
            .map_err(|e| pg("delete an asset", e))?;
        if n == 0 {
            return Err(Error::not_found(format!("asset {id}")));
        }
        Ok(())
    }

    async fn list_assets(&self, owner: Option<&str>) -> Result<Vec<Asset>> {
        let rows = self
            .client()
            .await
            .query(
                "SELECT owner, name, body FROM assets WHERE $1::TEXT IS NULL OR owner = $1 \
                 ORDER BY created_time COLLATE \"C\" DESC, owner COLLATE \"C\" DESC, \
                 name COLLATE \"C\" DESC",
                &[&owner],
            )
            .await
            .map_err(|e| pg("list assets", e))?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let body = row
                    .try_get::<_, &str>(2)
                    .map_err(|e| e.to_string())
                    .and_then(|b| serde_json::from_str(b).map_err(|e| e.to_string()));
                body.map_err(|e| skip_corrupt_row("asset", &row_id(row), &e))
                    .ok()
            })
            .collect())
    }

    async fn append_run(&self, run: &ScanRun) -> Result<ScanRun> {
        let id = RecordId::new(run.owner.clone(), run.scan.clone())?;
        let mut c = self.client().await;
        let Conn {
            client, prepared, ..
        } = &mut *c;
        let tx = client
            .transaction()
            .await
            .map_err(|e| pg("append a run", e))?;
        read_scan(&tx, prepared, &id, "FOR UPDATE")
            .await?
            .ok_or_else(|| missing(&id))?;
        let statements = RunStatements::prepare(&tx, prepared).await?;
        let stored = insert_run(&tx, &statements, run.clone()).await?;
        tx.commit().await.map_err(|e| pg("append a run", e))?;
        Ok(stored)
    }

    async fn wait_for_work(&self, timeout: std::time::Duration) {
        let _ = tokio::time::timeout(timeout, self.work.notified()).await;
    }

    async fn list_runs(&self, scan: &RecordId) -> Result<Vec<ScanRun>> {
        let rows = self
            .client()
            .await
            .query(
                "SELECT owner, scan, seq, body FROM scan_runs WHERE owner = $1 AND scan = $2 \
                 ORDER BY seq",
                &[&scan.owner, &scan.name],
            )
            .await
            .map_err(|e| pg("list runs", e))?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let body = row
                    .try_get::<_, &str>(3)
                    .map_err(|e| e.to_string())
                    .and_then(|b| serde_json::from_str(b).map_err(|e| e.to_string()));
                body.map_err(|e| {
                    let seq = row.try_get::<_, i64>(2).unwrap_or_default();
                    skip_corrupt_row("run", &format!("{} #{seq}", row_id(row)), &e);
                })
                .ok()
            })
            .collect())
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
}
