//! The accept loop: hyper's HTTP/1 connection settings plus a bound on open connections.
//!
//! `axum::serve` exposes none of hyper's timeouts, so a client that opens connections and never
//! finishes a request header would hold a file descriptor each for ever (slowloris). Here every
//! connection runs under hyper's header-read timeout, request bodies under tower-http's
//! [`RequestBodyTimeoutLayer`] (between chunks) and a deadline for the whole body, answers
//! under a stall limit for clients that stop reading, and at most `max_connections` are open at
//! once: beyond that the loop stops accepting, so new connections wait in the kernel's listen
//! backlog without taking a descriptor of this process.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use tower::ServiceExt;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tower_http::timeout::RequestBodyTimeoutLayer;

use super::auth_limit::{FailedAuthLimiter, limit_failed_auth};
use super::body_deadline::limit_body_time;
use super::write_stall::WriteStall;
use super::{AppState, router_with};
use crate::error::{Error, Result};

/// Limits that keep idle or slow clients from exhausting the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeConfig {
    /// Time a client has to send a complete request header, counted from when the server starts
    /// waiting for it: on a new connection and between keep-alive requests, so it also bounds
    /// how long an idle connection stays open.
    pub header_read_timeout: Duration,
    /// Longest wait for the next chunk of a request body.
    pub body_read_timeout: Duration,
    /// Longest time a whole request body may take to arrive (408 past it), however steadily
    /// its chunks come.
    pub body_total_timeout: Duration,
    /// Longest a response write may wait for the client to take data; past it the connection
    /// is closed.
    pub write_timeout: Duration,
    /// Most connections open at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Wrong credentials allowed per minute from one client address, and for one access key,
    /// before it is answered 429 until the minute's quota refills.
    pub auth_failures_per_minute: u32,
}

impl ServeConfig {
    /// Default of [`ServeConfig::header_read_timeout`].
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default of [`ServeConfig::body_read_timeout`].
    pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default of [`ServeConfig::body_total_timeout`]: a 64 MiB import at 560 kB/s.
    pub const DEFAULT_BODY_TOTAL_TIMEOUT: Duration = Duration::from_secs(120);
    /// Default of [`ServeConfig::write_timeout`].
    pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default of [`ServeConfig::max_connections`].
    pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
    /// Default of [`ServeConfig::auth_failures_per_minute`].
    pub const DEFAULT_AUTH_FAILURES_PER_MINUTE: u32 = 10;

    /// Refuses a zero timeout or a zero connection limit (either would serve nobody).
    pub fn validate(&self) -> Result<()> {
        if self.header_read_timeout.is_zero() {
            return Err(Error::invalid("header read timeout", "must be above zero"));
        }
        if self.body_read_timeout.is_zero() {
            return Err(Error::invalid("body read timeout", "must be above zero"));
        }
        if self.body_total_timeout.is_zero() {
            return Err(Error::invalid("body total timeout", "must be above zero"));
        }
        if self.write_timeout.is_zero() {
            return Err(Error::invalid("write timeout", "must be above zero"));
        }
        if self.max_connections == 0 || self.max_connections > Semaphore::MAX_PERMITS {
            return Err(Error::invalid(
                "maximum number of connections",
                format!("must be between 1 and {}", Semaphore::MAX_PERMITS),
            ));
        }
        if self.auth_failures_per_minute == 0 {
            return Err(Error::invalid(
                "failed authentications per minute",
                "must be above zero",
            ));
        }
        Ok(())
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: Self::DEFAULT_BODY_READ_TIMEOUT,
            body_total_timeout: Self::DEFAULT_BODY_TOTAL_TIMEOUT,
            write_timeout: Self::DEFAULT_WRITE_TIMEOUT,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            auth_failures_per_minute: Self::DEFAULT_AUTH_FAILURES_PER_MINUTE,
        }
    }
}

/// Serves the router on `listener` with `config`'s limits until the future is dropped
/// (which closes every connection).
pub async fn serve_with(listener: TcpListener, state: AppState, config: ServeConfig) -> Result<()> {
    config.validate()?;
    let failures = NonZeroU32::new(config.auth_failures_per_minute)
        .ok_or_else(|| Error::invalid("failed authentications per minute", "must be above zero"))?;
    let limiter = Arc::new(FailedAuthLimiter::new(failures));
    let app = router_with(state, |router| {
        router
            .layer(axum::middleware::from_fn_with_state(
                limiter,
                limit_failed_auth,
            ))
            .layer(axum::middleware::from_fn_with_state(
                config.body_total_timeout,
                limit_body_time,
            ))
    })
    .layer(RequestBodyTimeoutLayer::new(config.body_read_timeout));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .keep_alive(true);
    let slots = Arc::new(Semaphore::new(config.max_connections));
    // Owning the connection tasks means dropping this future closes them all.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            Some(_) = connections.join_next() => {}
            accepted = accept(&listener, &slots) => {
                let (stream, peer, slot) = accepted?;
                // Handlers and the failed-authentication limit see the client's address.
                let service = app.clone().map_request(move |mut r: Request<_>| {
                    r.extensions_mut().insert(ConnectInfo(peer));
                    r
                });
                let connection = http.serve_connection(
                    TokioIo::new(WriteStall::new(stream, config.write_timeout)),
                    TowerToHyperService::new(service),
                );
                connections.spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!("connection closed: {e}");
                    }
                    drop(slot);
                });
            }
        }
    }
}

/// Waits for a free connection slot, then for a client; the slot is held until it closes.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Result<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    // The semaphore is never closed; the error arm is for completeness only.
    let slot = Arc::clone(slots)
        .acquire_owned()
        .await
        .map_err(|e| Error::Io {
            path: "the connection limit".into(),
            source: std::io::Error::other(e),
        })?;
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => return Ok((stream, peer, slot)),
            // The client gave up before it was accepted: nothing to do.
            Err(e) if is_connection_error(&e) => {}
            // Out of descriptors or memory: back off instead of spinning (as axum::serve does).
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_limits_are_refused() {
        assert!(ServeConfig::default().validate().is_ok());
        for bad in [
            ServeConfig {
                header_read_timeout: Duration::ZERO,
                ..ServeConfig::default()
            },
            ServeConfig {
                body_read_timeout: Duration::ZERO,
                ..ServeConfig::default()
            },
            ServeConfig {
                body_total_timeout: Duration::ZERO,
                ..ServeConfig::default()
            },
            ServeConfig {
                write_timeout: Duration::ZERO,
                ..ServeConfig::default()
            },
            ServeConfig {
                max_connections: 0,
                ..ServeConfig::default()
            },
            ServeConfig {
                auth_failures_per_minute: 0,
                ..ServeConfig::default()
            },
        ] {
            let err = bad.validate().expect_err("refused");
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{err}");
        }
    }
}
