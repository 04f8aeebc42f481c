//! The thread that owns a SQLite connection and runs the calls sent to it, one at a time.
//!
//! One long-lived thread instead of a blocking-pool hop and a mutex per call: under load the
//! thread stays busy and callers only wait for their answers.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Work for the connection's thread.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A running connection thread; dropping it closes the connection before returning.
pub struct ConnectionThread {
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl ConnectionThread {
    /// Moves `conn` to a new thread named after the database `label`.
    pub fn start(mut conn: Connection, label: &str) -> Result<Self> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("casiscan-sqlite".into())
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    job(&mut conn);
                }
            })
            .map_err(|e| Error::storage(format!("cannot start the thread for {label}"), e))?;
        Ok(ConnectionThread {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Runs `f` on the connection after the calls sent before it; `context` names the call in
    /// errors ("cannot list scans in FILE").
    pub async fn call<T: Send + 'static>(
        &self,
        context: String,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job_context = context.clone();
        let job: Job = Box::new(move |conn| {
            let result = catch_unwind(AssertUnwindSafe(|| f(conn)))
                .unwrap_or_else(|payload| Err(panicked(conn, &job_context, payload.as_ref())));
            let _ = answer.send(result);
        });
        let stopped = || Error::Storage {
            message: format!("{context}: the connection's thread has stopped"),
            source: None,
        };
        let jobs = self.jobs.as_ref().ok_or_else(stopped)?;
        jobs.send(job).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

/// The error for a call that panicked, after making sure no transaction stays open.
///
/// A `Transaction` rolls back while unwinding; a transaction begun otherwise is rolled back here
/// so that the next call does not find the connection inside it.
fn panicked(conn: &mut Connection, context: &str, payload: &(dyn std::any::Any + Send)) -> Error {
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    Error::Storage {
        message: format!("{context}: the call panicked ({what}); nothing it wrote was kept"),
        source: None,
    }
}

impl Drop for ConnectionThread {
    fn drop(&mut self) {
        // Closing the channel ends the thread after the calls already sent; waiting for it
        // means the file is closed (and its WAL checkpointed) when the last handle is gone.
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> ConnectionThread {
        ConnectionThread::start(Connection::open_in_memory().expect("open"), ":memory:")
            .expect("thread")
    }

    fn sql(e: rusqlite::Error) -> Error {
        Error::storage("sql", e)
    }

    #[tokio::test]
    async fn a_panicking_call_fails_alone_and_leaves_no_transaction() {
        let conn = memory();
        let err = conn
            .call("cannot test :memory:".into(), |conn| -> Result<()> {
                conn.execute_batch("BEGIN; CREATE TABLE scratch (x INTEGER);")
                    .map_err(sql)?;
                panic!("a bug inside a call");
            })
            .await
            .expect_err("the call panicked");
        assert_eq!(err.kind(), crate::ErrorKind::Storage);
        let text = err.to_string();
        assert!(text.contains("panicked (a bug inside a call)"), "{text}");
        assert!(
            text.contains("cannot test :memory:: the call panicked"),
            "{text}"
        );
        // The thread goes on, outside any transaction, and the table was rolled back.
        let (autocommit, tables) = conn
            .call("cannot count in :memory:".into(), |conn| {
                let n: i64 = conn
                    .query_row(
                        "SELECT COUNT(*) FROM sqlite_master WHERE name = 'scratch'",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(sql)?;
                Ok((conn.is_autocommit(), n))
            })
            .await
            .expect("the next call runs");
        assert!(autocommit);
        assert_eq!(tables, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_callers_each_get_their_own_answer() {
        let conn = std::sync::Arc::new(memory());
        let calls: Vec<_> = (0..64i64)
            .map(|n| {
                let conn = std::sync::Arc::clone(&conn);
                tokio::spawn(async move {
                    conn.call("cannot double".into(), move |c| {
                        c.query_row("SELECT ?1 * 2", [n], |r| r.get::<_, i64>(0))
                            .map_err(sql)
                    })
                    .await
                })
            })
            .collect();
        for (n, call) in (0..64i64).zip(calls) {
            assert_eq!(call.await.expect("join").expect("answer"), n * 2);
        }
    }

    #[test]
    fn dropping_the_last_handle_closes_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("closing.db");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);",
        )
        .expect("write");
        let thread = ConnectionThread::start(conn, "closing.db").expect("thread");
        assert!(
            dir.path().join("closing.db-wal").exists(),
            "open in WAL mode"
        );
        drop(thread);
        // The last connection to close checkpoints and removes the WAL file.
        assert!(
            !dir.path().join("closing.db-wal").exists(),
            "closed on drop"
        );
    }
}
