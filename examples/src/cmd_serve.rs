//! `casiscan serve`: the REST API on a local address until Ctrl-C, applying the retention.

use std::process::ExitCode;
use std::time::Duration;

use casiscan_core::http::{AppState, CorsConfig, ServeConfig, TrustedProxy, serve_with};
use casiscan_core::model::Retention;
use casiscan_core::{Client, Error, Result};

/// How often the server removes what the retention no longer keeps.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// What `serve` was asked for.
pub struct Serve<'a> {
    /// Address to listen on.
    pub listen: &'a str,
    /// Bearer token guarding every write.
    pub admin_token: &'a str,
    /// Reads without a token.
    pub public_reads: bool,
    /// The reverse proxy whose user header is honoured.
    pub trusted_proxy: Option<TrustedProxy>,
    /// Refuse cross-origin browser requests.
    pub same_origin: bool,
    /// CORS origins.
    pub cors: CorsConfig,
    /// Connection limits.
    pub limits: ServeConfig,
    /// How long scan logs are kept.
    pub retention: Retention,
    /// Most on-demand `scan-asset` runs at once.
    pub on_demand_runs: usize,
}

/// Binds `listen` and serves the router within `limits`; the admin token guards every write.
pub async fn run(client: Client, serve: Serve<'_>) -> Result<ExitCode> {
    let metrics = crate::metrics_export::recorder()?;
    let state = AppState::new(client.clone(), serve.admin_token)?
        .with_public_reads(serve.public_reads)
        .with_same_origin(serve.same_origin)
        .with_cors(serve.cors.clone())
        .with_max_on_demand_runs(serve.on_demand_runs)
        .with_metrics(std::sync::Arc::new(move || metrics.render()));
    let state = match &serve.trusted_proxy {
        Some(proxy) => state.with_trusted_proxy(proxy.clone()),
        None => state,
    };
    serve.limits.validate()?;
    let listener = tokio::net::TcpListener::bind(serve.listen)
        .await
        .map_err(|e| Error::Io {
            path: serve.listen.into(),
            source: e,
        })?;
    let addr = listener.local_addr().map_err(|e| Error::Io {
        path: serve.listen.into(),
        source: e,
    })?;
    eprintln!("casiscan: serving on http://{addr}");
    tracing::info!(%addr, "serving the REST API and /metrics");
    tokio::select! {
        r = serve_with(listener, state, serve.limits) => r?,
        () = prune_loop(client, serve.retention) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// Applies `retention` now and every [`PRUNE_EVERY`]; a failure is reported and retried later.
async fn prune_loop(client: Client, retention: Retention) {
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    loop {
        tick.tick().await;
        match client.prune(retention).await {
            Ok(p) if p.logs + p.findings > 0 => eprintln!(
                "casiscan: retention removed {} scan log(s) and {} finding(s)",
                p.logs, p.findings
            ),
            Ok(_) => {}
            Err(e) => eprintln!("casiscan: cannot apply the retention: {e}"),
        }
    }
}
