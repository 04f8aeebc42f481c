//! Prometheus metrics of a long-running command, through `metrics-exporter-prometheus`.

use std::net::SocketAddr;

use casiscan_core::{Error, Result};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Histogram buckets, in seconds, for pickup latency and scan duration.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    300.0, 1800.0, 3600.0,
];

fn builder() -> Result<PrometheusBuilder> {
    PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .map_err(|e| Error::invalid("metrics buckets", e.to_string()))
}

/// Serves the metrics on `listen` (`GET /metrics`, any path) from a background task.
pub fn serve_on(listen: SocketAddr) -> Result<()> {
    builder()?
        .with_http_listener(listen)
        .install()
        .map_err(|e| Error::invalid(format!("--metrics-listen {listen}"), e.to_string()))
}

/// Installs the recorder and returns a handle that renders the metrics on demand.
pub fn recorder() -> Result<PrometheusHandle> {
    let handle = builder()?
        .install_recorder()
        .map_err(|e| Error::invalid("metrics recorder", e.to_string()))?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}
