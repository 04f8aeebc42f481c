//! Transactions: BEGIN and COMMIT sent with their first and last statements, pipelines, and
//! the guard that rolls back what a dropped call left open.

use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio_postgres::Client;

use super::connection::{Conn, pg};
use crate::error::Result;

/// Guards a transaction begun by [`begin_with`]: if its call is dropped before
/// [`TxGuard::close`], a task rolls the transaction back as soon as the connection is free.
pub(super) struct TxGuard {
    conn: Option<Arc<Mutex<Conn>>>,
}

impl TxGuard {
    /// Guards the transaction about to begin on the connection behind `conn`.
    pub fn on(conn: &OwnedMutexGuard<Conn>) -> Self {
        TxGuard {
            conn: Some(Arc::clone(OwnedMutexGuard::mutex(conn))),
        }
    }

    /// Ends the guard with the transaction's `outcome`: after a failure, rolls back what is
    /// still open.
    pub async fn close<T>(mut self, conn: &mut Conn, outcome: Result<T>) -> Result<T> {
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
pub(super) async fn begin_with<T>(
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
pub(super) async fn commit_with<T>(
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

/// Runs `futures` (each a statement on one connection) as a pipeline: each is polled once in
/// order before any waits, so their statements go out in that order; then waits for all.
/// The first error is returned at once, leaving the others' replies unread.
pub(super) async fn in_order<T, F>(futures: impl IntoIterator<Item = F>) -> Result<Vec<T>>
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
