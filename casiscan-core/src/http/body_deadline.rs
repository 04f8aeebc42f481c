//! A deadline for a whole request body: tower-http's body timeout restarts at every chunk, so a
//! client sending one byte just inside it would hold a connection for as long as it likes. Here
//! the body must end within [`ServeConfig::body_total_timeout`](super::ServeConfig) of its
//! request reaching the router; past it the body reads as an error and the answer is a 408 in
//! Casibase's envelope. A handler that answers without reading the body (a 401, say) never waits
//! for it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::{Stream, StreamExt};
use tokio::time::Sleep;

use super::envelope::error;

/// The error a request body reads as once its deadline has passed.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyDeadlineError(Duration);

/// Middleware: gives the request's body `limit` to arrive whole, and answers 408 when it did not.
pub async fn limit_body_time(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let passed = Arc::new(AtomicBool::new(false));
    let (parts, body) = request.into_parts();
    let body = DeadlineBody {
        inner: body.into_data_stream(),
        // `sleep` caps an enormous limit instead of overflowing the instant.
        deadline: Box::pin(tokio::time::sleep(limit)),
        limit,
        passed: Arc::clone(&passed),
    };
    let path = parts.uri.path().to_owned();
    let response = next
        .run(Request::from_parts(parts, Body::from_stream(body)))
        .await;
    if passed.load(Ordering::Acquire) {
        tracing::info!(%path, ?limit, "refused: request body too slow");
        return error(
            StatusCode::REQUEST_TIMEOUT,
            &format!(
                "the request body did not arrive whole within {} s",
                limit.as_secs_f64()
            ),
        );
    }
    response
}

/// A body stream that fails once its deadline passes.
struct DeadlineBody {
    /// The request's own body.
    inner: axum::body::BodyDataStream,
    /// When the body must have ended.
    deadline: Pin<Box<Sleep>>,
    /// The time given, for the error text.
    limit: Duration,
    /// Set when the deadline ended the body.
    passed: Arc<AtomicBool>,
}

impl Stream for DeadlineBody {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.passed.load(Ordering::Acquire) {
            return Poll::Ready(None);
        }
        // What has arrived is read even when the handler asks late; only a wait past the
        // deadline fails.
        let next = self.inner.poll_next_unpin(cx);
        if next.is_pending() && self.deadline.as_mut().poll(cx).is_ready() {
            self.passed.store(true, Ordering::Release);
            return Poll::Ready(Some(Err(axum::Error::new(BodyDeadlineError(self.limit)))));
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_body_that_ends_in_time_reads_whole_and_a_late_one_fails() {
        let chunks = (0..3).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(b"ab")));
        let quick = DeadlineBody {
            inner: Body::from_stream(futures_util::stream::iter(chunks)).into_data_stream(),
            deadline: Box::pin(tokio::time::sleep(Duration::from_secs(5))),
            limit: Duration::from_secs(5),
            passed: Arc::new(AtomicBool::new(false)),
        };
        let read: Vec<_> = quick.collect().await;
        assert_eq!(read.len(), 3);
        assert!(read.iter().all(Result::is_ok));

        let passed = Arc::new(AtomicBool::new(false));
        let slow = futures_util::stream::iter(0..10).then(|_| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok::<_, std::io::Error>(Bytes::from_static(b"x"))
        });
        let late = DeadlineBody {
            inner: Body::from_stream(slow).into_data_stream(),
            deadline: Box::pin(tokio::time::sleep(Duration::from_millis(3500))),
            limit: Duration::from_millis(3500),
            passed: Arc::clone(&passed),
        };
        let read: Vec<_> = late.collect().await;
        assert_eq!(read.iter().filter(|r| r.is_ok()).count(), 3, "{read:?}");
        assert!(read.last().is_some_and(Result::is_err));
        assert!(passed.load(Ordering::Acquire));
    }
}
