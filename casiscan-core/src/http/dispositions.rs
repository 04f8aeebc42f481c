//! Dispositions of findings and the per-account SealStatus threshold over REST, owner-checked.

// A Response is the one-off error path of a request handler; boxing it would gain nothing.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::caller::{Caller, Reader, Writer};
use super::envelope::{core_error, error, ok, respond};
use super::findings::param;
use super::routes::Params;
use super::state::AppState;
use crate::model::{DispositionKind, DispositionRequest, Severity};

/// The account a call acts on: `owner` (required for the admin), which the caller must own.
fn account(caller: &Caller, p: &Params) -> Result<String, Response> {
    caller
        .listing_owner(param(p, "owner"))?
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "missing parameter owner"))
}

/// The finding's `UniqueAlertId` from `id`.
fn alert_id(p: &Params) -> Result<u64, Response> {
    param(p, "id")
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "missing or invalid parameter id (a UniqueAlertId)",
            )
        })
}

/// `POST /api/set-finding-disposition?owner=&id=` (body: kind, reason, user, expires?).
pub async fn set_finding_disposition(
    State(s): State<AppState>,
    Writer(caller): Writer,
    p: Params,
    body: Bytes,
) -> Response {
    let (account, id) = match (account(&caller, &p), alert_id(&p)) {
        (Ok(a), Ok(i)) => (a, i),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let b: DispositionRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("invalid request body: {e}"),
            );
        }
    };
    let kind = match b.kind.parse::<DispositionKind>() {
        Ok(k) => k,
        Err(e) => return core_error(&e),
    };
    respond(
        s.client
            .set_disposition(&account, id, kind, &b.reason, &b.user, b.expires)
            .await,
    )
}

/// `POST /api/clear-finding-disposition?owner=&id=&user=`.
pub async fn clear_finding_disposition(
    State(s): State<AppState>,
    Writer(caller): Writer,
    p: Params,
) -> Response {
    match (account(&caller, &p), alert_id(&p)) {
        (Ok(a), Ok(i)) => respond(
            s.client
                .clear_disposition(&a, i, param(&p, "user").unwrap_or_default())
                .await,
        ),
        (Err(r), _) | (_, Err(r)) => r,
    }
}

/// `GET /api/get-finding-audit?owner=&id=`: the finding's disposition changes, oldest first.
pub async fn get_finding_audit(
    State(s): State<AppState>,
    Reader(caller): Reader,
    p: Params,
) -> Response {
    match (account(&caller, &p), alert_id(&p)) {
        (Ok(a), Ok(i)) => respond(s.client.finding_audit(&a, i).await),
        (Err(r), _) | (_, Err(r)) => r,
    }
}

/// `POST /api/set-seal-threshold?owner=&severity=`: a counting finding at or above `severity`
/// fails the account's SealStatus.
pub async fn set_seal_threshold(
    State(s): State<AppState>,
    Writer(caller): Writer,
    p: Params,
) -> Response {
    let account = match account(&caller, &p) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let severity = match param(&p, "severity").map(str::parse::<Severity>) {
        Some(Ok(s)) => s,
        Some(Err(e)) => return core_error(&e),
        None => return error(StatusCode::BAD_REQUEST, "missing parameter severity"),
    };
    match s.client.set_seal_threshold(&account, severity).await {
        Ok(()) => ok(json!(severity.as_str()), Value::Null),
        Err(e) => core_error(&e),
    }
}

/// `GET /api/get-seal-threshold?owner=`.
pub async fn get_seal_threshold(
    State(s): State<AppState>,
    Reader(caller): Reader,
    p: Params,
) -> Response {
    match account(&caller, &p) {
        Ok(a) => match s.client.seal_threshold(&a).await {
            Ok(t) => ok(json!(t.as_str()), Value::Null),
            Err(e) => core_error(&e),
        },
        Err(r) => r,
    }
}
