//! Server state and the authentication rule: writes need the admin token; reads too unless public.

use std::sync::Arc;

use axum::http::HeaderMap;

use super::browser::{CorsConfig, TrustedProxy};
use crate::Client;
use crate::export::CursorKey;
use crate::keys::{KeyRing, ct_eq};

/// The shortest admin token the server accepts.
pub const MIN_ADMIN_TOKEN_LEN: usize = 16;

/// Default number of on-demand `scan-asset` runs a server carries out at once.
pub const DEFAULT_ON_DEMAND_RUNS: usize = 4;

/// Shared state of the REST server.
#[derive(Clone)]
pub struct AppState {
    /// The scan client.
    pub client: Client,
    /// API keys.
    pub keys: KeyRing,
    /// Signs the export's page cursors.
    pub cursor_key: CursorKey,
    /// SHA-256 of the admin bearer token.
    admin_hash: [u8; 32],
    /// Reads allowed without a token.
    pub public_reads: bool,
    /// Renders the process's metrics in Prometheus text format for `GET /metrics`, when the
    /// program installed a recorder (`casiscan serve` does).
    pub metrics: Option<MetricsRender>,
    /// When this server state was made (the creation time of the provider records it lists).
    pub started: chrono::DateTime<chrono::Utc>,
    /// The reverse proxy whose user header is honoured (none by default).
    pub trusted_proxy: Option<TrustedProxy>,
    /// Refuse browser requests from another origin than the server's (off by default).
    pub same_origin: bool,
    /// Origins a browser on another origin may call from (none by default: CORS off).
    pub cors: CorsConfig,
    /// Permits of the on-demand runs of `scan-asset` (one each while it runs).
    pub on_demand: Arc<tokio::sync::Semaphore>,
}

/// Renders the current metrics as Prometheus text.
pub type MetricsRender = Arc<dyn Fn() -> String + Send + Sync>;

fn digest(s: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes()).into()
}

impl AppState {
    /// State for `client` with an admin bearer token (required for every write); the token must
    /// be at least [`MIN_ADMIN_TOKEN_LEN`] characters.
    pub fn new(client: Client, admin_token: &str) -> crate::Result<Self> {
        if admin_token.chars().count() < MIN_ADMIN_TOKEN_LEN {
            return Err(crate::Error::invalid(
                "admin token",
                format!("must be at least {MIN_ADMIN_TOKEN_LEN} characters"),
            ));
        }
        Ok(AppState {
            keys: KeyRing::new(std::sync::Arc::clone(client.store())),
            cursor_key: CursorKey::random()?,
            admin_hash: digest(admin_token),
            client,
            public_reads: false,
            metrics: None,
            started: crate::clock::now(),
            trusted_proxy: None,
            same_origin: false,
            cors: CorsConfig::default(),
            on_demand: Arc::new(tokio::sync::Semaphore::new(DEFAULT_ON_DEMAND_RUNS)),
        })
    }

    /// Carries out at most `runs` on-demand `scan-asset` runs at once (at least one); past it
    /// `scan-asset` answers 429. Queued scans (`saveToScan=true`) are not counted.
    pub fn with_max_on_demand_runs(mut self, runs: usize) -> Self {
        let runs = runs.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        self.on_demand = Arc::new(tokio::sync::Semaphore::new(runs));
        self
    }

    /// Lets reads through without a token.
    pub fn with_public_reads(mut self, public: bool) -> Self {
        self.public_reads = public;
        self
    }

    /// Honours `proxy`'s user header on connections from its addresses.
    pub fn with_trusted_proxy(mut self, proxy: TrustedProxy) -> Self {
        self.trusted_proxy = Some(proxy);
        self
    }

    /// Refuses browser requests from another origin (those CORS allows excepted).
    pub fn with_same_origin(mut self, same_origin: bool) -> Self {
        self.same_origin = same_origin;
        self
    }

    /// Answers CORS for these origins.
    pub fn with_cors(mut self, cors: CorsConfig) -> Self {
        self.cors = cors;
        self
    }

    /// Serves `GET /metrics` with what `render` returns.
    pub fn with_metrics(mut self, render: MetricsRender) -> Self {
        self.metrics = Some(render);
        self
    }

    /// Signs export cursors with a key derived from `secret`, so that every server sharing it
    /// accepts the others' cursors (by default each server draws its own at start).
    pub fn with_cursor_secret(mut self, secret: &str) -> Self {
        self.cursor_key = CursorKey::from_secret(secret);
        self
    }

    /// True when `Authorization: Bearer <admin token>` matches (constant time); the scheme is
    /// case-insensitive (RFC 9110 §11.1).
    pub fn is_admin(&self, headers: &HeaderMap) -> bool {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .unwrap_or_default();
        !token.is_empty() && ct_eq(&digest(token), &self.admin_hash)
    }
}

/// The token of a `Bearer` credential, whatever the case of the scheme.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_matches(' '))
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for v in ["Bearer t0k", "bearer t0k", "BEARER t0k", "bEaReR  t0k "] {
            assert_eq!(bearer_token(v), Some("t0k"), "{v}");
        }
        assert_eq!(bearer_token("Basic t0k"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearert0k"), None);
    }
}
