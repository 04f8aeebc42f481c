//! `casiscan serve`: the REST API on a local address until Ctrl-C.

use std::process::ExitCode;

use casiscan_core::http::{AppState, ServeConfig, serve_with};
use casiscan_core::{Client, Error, Result};

/// Binds `listen` and serves the router within `limits`; the admin token guards every write.
pub async fn run(
    client: Client,
    listen: &str,
    admin_token: &str,
    public_reads: bool,
    limits: ServeConfig,
) -> Result<ExitCode> {
    let metrics = crate::metrics_export::recorder()?;
    let state = AppState::new(client, admin_token)?
        .with_public_reads(public_reads)
        .with_metrics(std::sync::Arc::new(move || metrics.render()));
    limits.validate()?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::Io {
            path: listen.into(),
            source: e,
        })?;
    let addr = listener.local_addr().map_err(|e| Error::Io {
        path: listen.into(),
        source: e,
    })?;
    eprintln!("casiscan: serving on http://{addr}");
    tracing::info!(%addr, "serving the REST API and /metrics");
    tokio::select! {
        r = serve_with(listener, state, limits) => r?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(ExitCode::SUCCESS)
}
