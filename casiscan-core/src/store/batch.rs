//! Group commit: requests made at the same time are written together in one transaction.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::error::{Error, Result};

/// One queued request and where its answer goes.
pub(crate) struct Queued<T, R> {
    /// The request.
    pub item: T,
    reply: oneshot::Sender<Result<R>>,
}

impl<T, R> Queued<T, R> {
    /// Sends the answer; a caller that stopped waiting is not an error.
    pub fn answer(self, result: Result<R>) {
        let _ = self.reply.send(result);
    }
}

/// Requests waiting to be written by whichever caller takes the queue first.
pub(crate) struct Batch<T, R> {
    queue: Arc<Mutex<Vec<Queued<T, R>>>>,
}

impl<T, R> Clone for Batch<T, R> {
    fn clone(&self) -> Self {
        Batch {
            queue: Arc::clone(&self.queue),
        }
    }
}

impl<T, R> Default for Batch<T, R> {
    fn default() -> Self {
        Batch {
            queue: Arc::new(Mutex::new(Vec::new())),
        }
    }
}

impl<T, R> Batch<T, R> {
    /// Queues `item`; the receiver gets its answer once some caller has written the batch.
    pub fn push(&self, item: T) -> oneshot::Receiver<Result<R>> {
        let (reply, answer) = oneshot::channel();
        self.lock().push(Queued { item, reply });
        answer
    }

    /// Everything queued so far (empty when another caller already took this one's request).
    pub fn take(&self) -> Vec<Queued<T, R>> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Queued<T, R>>> {
        // A panic while holding this lock left only a Vec behind: still consistent.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Waits for a queued request's answer.
pub(crate) async fn answer_of<R>(answer: oneshot::Receiver<Result<R>>) -> Result<R> {
    answer.await.unwrap_or_else(|_| {
        Err(Error::Storage {
            message: "the write of a batch of scans stopped before it answered".into(),
            source: None,
        })
    })
}

/// The same failure for every request of a batch whose transaction failed.
pub(crate) fn shared_failure(e: &Error) -> Error {
    match e {
        Error::Storage { message, .. } => Error::Storage {
            message: message.clone(),
            source: None,
        },
        other => Error::Storage {
            message: other.to_string(),
            source: None,
        },
    }
}
