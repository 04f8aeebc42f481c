//! LISTEN/NOTIFY: a queued scan wakes one waiting runner, the one that has waited longest.
//!
//! A runner about to wait records its own channel in `work_waiters`; announcing a scan that any
//! runner may run takes the oldest fresh waiter out of that table and notifies its channel only
//! (none when no runner waits: busy runners look at the queue as each run ends). A scan routed
//! to one machine (OS patch) is broadcast on [`WORK_CHANNEL`]: every waiting runner looks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, Client, Config, GenericClient, NoTls, Statement};

use super::connection::pg;
use crate::error::{Error, Result};
use crate::model::{ProviderKind, RecordId, Scan};

/// Channel on which queued scans are broadcast, followed by `_` and the MD5 of the schema name
/// (notifications are database-wide; stores in other schemas do not hear them; the hash keeps
/// the name within PostgreSQL's 63-byte limit whatever the schema's length).
const WORK_CHANNEL: &str = "casiscan_work";

/// Runners waiting for work and their channels (a migration creates it); unlogged: it is only
/// coordination, rebuilt by the next wait of each runner after a crash.
pub(super) const WAITERS_TABLE: &str = "CREATE UNLOGGED TABLE IF NOT EXISTS work_waiters (
    channel TEXT PRIMARY KEY,
    since TIMESTAMPTZ NOT NULL
)";

/// The statement that announces a queued scan (`$1` the broadcast channel's prefix, `$2` the scan id,
/// `$3` true when the scan is routed to one machine): to the longest-waiting runner that
/// recorded itself in the last 3 seconds (a waiting runner records itself again at least every
/// 2 s; a row left by a wait cut short goes stale quickly); to everyone when routed; to no one when no runner
/// waits (every runner is busy and looks at the queue's head as soon as a run of it ends).
pub(super) const NOTIFY_WORK: &str = "WITH picked AS (
    DELETE FROM work_waiters WHERE NOT $3::BOOLEAN AND channel = (
        SELECT channel FROM work_waiters
        WHERE since > clock_timestamp() - INTERVAL '3 seconds'
        ORDER BY since LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING channel)
SELECT pg_notify(channel, $2) FROM (
    SELECT COALESCE((SELECT channel FROM picked),
        CASE WHEN $3::BOOLEAN THEN $1 || '_' || md5(current_schema()) END) AS channel) target
WHERE channel IS NOT NULL";

/// Records this store's channel as waiting (again) from now.
const WAIT: &str = "INSERT INTO work_waiters (channel, since) VALUES ($1, clock_timestamp()) \
    ON CONFLICT (channel) DO UPDATE SET since = EXCLUDED.since";

/// Takes this store's channel out of the waiters.
const STOP_WAITING: &str = "DELETE FROM work_waiters WHERE channel = $1";

/// This store's own wake-up channel and whether a wake-up came on it.
#[derive(Debug)]
pub(super) struct Waiter {
    /// `casiscan_wake_<random>`: unique to this store.
    pub channel: String,
    /// Set when a notification arrived on `channel` (its waiters row is then gone).
    pub woken: Arc<AtomicBool>,
    /// False once the listening connection has ended: this store then only polls, and no
    /// longer records itself as waiting (a wake-up sent to it would be lost).
    pub listening: Arc<AtomicBool>,
}

impl Waiter {
    /// A waiter with a fresh random channel.
    pub fn new() -> Self {
        Waiter {
            channel: format!("casiscan_wake_{}", uuid::Uuid::new_v4().simple()),
            woken: Arc::new(AtomicBool::new(false)),
            listening: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Records this store as waiting; `false` when that failed (it then only polls).
    pub async fn start(&self, c: &Client) -> bool {
        if !self.listening.load(Ordering::Acquire) {
            return false;
        }
        self.woken.store(false, Ordering::Release);
        c.execute(WAIT, &[&self.channel]).await.is_ok()
    }

    /// Ends a wait: the row is removed unless the one who woke us already took it.
    pub async fn stop(&self, c: &Client) {
        if !self.woken.swap(false, Ordering::AcqRel) {
            let _ = c.execute(STOP_WAITING, &[&self.channel]).await;
        }
    }
}

/// A connection that LISTENs for queued scans (broadcast, and `waiter`'s own channel) and wakes
/// `work`'s waiters.
pub(super) async fn listen(
    config: &Config,
    label: &str,
    work: Arc<Notify>,
    waiter: &Waiter,
) -> Result<Client> {
    let (client, mut connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| Error::storage(format!("cannot connect to {label}: {e}"), e))?;
    let own = waiter.channel.clone();
    let woken = Arc::clone(&waiter.woken);
    let listening = Arc::clone(&waiter.listening);
    tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(n)) if n.channel() == own => {
                    // One scan for this runner: one of its waiting workers looks.
                    woken.store(true, Ordering::Release);
                    work.notify_one();
                }
                Ok(AsyncMessage::Notification(_)) => {
                    work.notify_one();
                    work.notify_waiters();
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        listening.store(false, Ordering::Release);
        tracing::warn!("the LISTEN connection ended: this store now only polls for queued scans");
        // Waiters wake and poll from now on.
        work.notify_waiters();
    });
    let schema_hash: Option<String> = client
        .query_one("SELECT md5(current_schema())", &[])
        .await
        .map_err(|e| pg("read the schema", e))?
        .try_get(0)
        .map_err(|e| pg("read the schema", e))?;
    let schema_hash = schema_hash.ok_or_else(|| {
        Error::invalid(
            "database",
            "no current schema: the search_path names no existing schema",
        )
    })?;
    client
        .batch_execute(&format!(
            "LISTEN {WORK_CHANNEL}_{schema_hash}; LISTEN {}",
            waiter.channel
        ))
        .await
        .map_err(|e| pg("listen for queued scans", e))?;
    Ok(client)
}

/// True when only the runner on the target's machine may run `scan` (it is broadcast).
pub(super) fn routed(scan: &Scan) -> bool {
    matches!(
        scan.provider,
        Some(ProviderKind::OsPatch | ProviderKind::PatchInstall)
    )
}

/// Announces a queued scan; delivered at commit, so waiting runners wake at once.
pub(super) async fn notify_work<C: GenericClient>(c: &C, scan: &Scan) -> Result<()> {
    let id = scan.id()?;
    c.execute(
        NOTIFY_WORK,
        &[&WORK_CHANNEL, &id.to_string(), &routed(scan)],
    )
    .await
    .map(|_| ())
    .map_err(|e| pg("announce a queued scan", e))
}

/// [`notify_work`] with [`NOTIFY_WORK`] prepared as `statement`, for pipelines (a statement
/// given as text would be prepared first and go out late).
pub(super) async fn notify_prepared(
    c: &Client,
    statement: &Statement,
    id: &RecordId,
    routed: bool,
) -> Result<()> {
    c.execute(statement, &[&WORK_CHANNEL, &id.to_string(), &routed])
        .await
        .map(|_| ())
        .map_err(|e| pg("announce a queued scan", e))
}
