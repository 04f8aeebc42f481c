//! REST API (feature `http`): Casibase's scan endpoints under `/api`, asset and key endpoints,
//! and the scan-log export at `/client/v1/fetch-s3-logs`. Envelope `{status, msg, data, data2}`.

mod account;
mod auth_limit;
mod body_deadline;
mod browser;
mod caller;
mod casibase_view;
mod dispositions;
mod envelope;
mod findings;
mod patches;

mod import;
mod providers;
mod request_limits;
mod routes;
mod schedules;
mod scope;
mod server;
mod state;
mod write_stall;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};

pub use browser::{CorsConfig, TrustedProxy};
pub use caller::{ADMIN_ONLY, DENIED};
pub use import::MAX_IMPORT_BYTES;
pub use request_limits::{MAX_BODY_BYTES, MAX_QUERY_BYTES};
pub use server::{ServeConfig, serve_with};
pub use state::{AppState, DEFAULT_ON_DEMAND_RUNS, MIN_ADMIN_TOKEN_LEN};

/// The request-header readers [`crate::fuzzing`] hands to the fuzz targets.
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzzing {
    pub use super::auth_limit::{access_key_subject, presents_credentials};
    pub use super::browser::is_cross_origin;
    pub use super::caller::{Caller, reader, writer};
    pub use super::state::bearer_token;
}

/// The OpenAPI 3.0 document describing every route.
pub const OPENAPI: &str = include_str!("openapi.json");

/// The router over `state`.
pub fn router(state: AppState) -> Router {
    router_with(state, |r| r)
}

/// The router over `state` with the server's own layers (`outer`) inside CORS, so that their
/// answers (a 429, a 408) carry its headers too.
fn router_with(state: AppState, outer: impl FnOnce(Router) -> Router) -> Router {
    let cors = (!state.cors.is_empty()).then(|| state.cors.layer());
    let router = outer(
        routes_of(state)
            .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
            .layer(axum::middleware::from_fn(request_limits::limit_request)),
    );
    match cors {
        Some(layer) => router.layer(layer),
        None => router,
    }
}

fn routes_of(state: AppState) -> Router {
    use routes::*;
    let change = |action: ScanAction| {
        post(
            move |State(s): State<AppState>, caller: caller::Writer, p: Params| {
                change_scan(s, caller, p, action)
            },
        )
    };
    Router::new()
        .route("/api/get-scans", get(get_scans))
        .route("/api/get-scan", get(get_scan))
        .route("/api/add-scan", post(add_scan))
        .route("/api/update-scan", post(update_scan))
        .route("/api/delete-scan", post(delete_scan))
        .route("/api/start-scan", change(ScanAction::Start))
        .route("/api/cancel-scan", change(ScanAction::Cancel))
        .route("/api/clear-scan", change(ScanAction::Clear))
        .route("/api/scan-asset", post(scan_asset))
        .route("/api/install-patch", post(patches::install_patch))
        .route("/api/get-scan-diff", get(get_scan_diff))
        .route(
            import::IMPORT_PATH,
            post(import::import_scan_result).layer(axum::extract::DefaultBodyLimit::max(
                import::MAX_IMPORT_BYTES,
            )),
        )
        .route("/api/get-findings", get(findings::get_findings))
        .route(
            "/api/set-finding-disposition",
            post(dispositions::set_finding_disposition),
        )
        .route(
            "/api/clear-finding-disposition",
            post(dispositions::clear_finding_disposition),
        )
        .route(
            "/api/get-finding-audit",
            get(dispositions::get_finding_audit),
        )
        .route(
            "/api/set-seal-threshold",
            post(dispositions::set_seal_threshold),
        )
        .route(
            "/api/get-seal-threshold",
            get(dispositions::get_seal_threshold),
        )
        .route("/api/get-assets", get(get_assets))
        .route("/api/get-asset", get(get_asset))
        .route("/api/add-asset", post(add_asset))
        .route("/api/update-asset", post(update_asset))
        .route("/api/delete-asset", post(delete_asset))
        .route("/api/set-primary-user", post(set_primary_user))
        .route("/api/add-api-key", post(add_api_key))
        .route("/api/get-api-key", get(get_api_key))
        .route("/api/delete-api-key", post(delete_api_key))
        .route("/api/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        .route("/api/set-scan-schedule", post(schedules::set_scan_schedule))
        .route("/api/get-scope-policy", get(scope::get_scope_policy))
        .route("/api/set-scope-policy", post(scope::set_scope_policy))
        .route("/api/delete-scope-policy", post(scope::delete_scope_policy))
        .route("/api/get-account", get(account::get_account))
        .route("/api/get-providers", get(providers::get_providers))
        .route("/api/get-provider", get(providers::get_provider))
        .route("/api/scan-assets", post(scan_assets))
        .route("/client/v1/fetch-s3-logs", get(fetch_logs))
        .with_state(state)
}

/// Serves the router on `listener` with the default [`ServeConfig`] until the future is dropped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> crate::Result<()> {
    serve_with(listener, state, ServeConfig::default()).await
}
