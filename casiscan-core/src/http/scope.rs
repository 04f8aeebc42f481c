//! Scope policy endpoints (admin token only): read, set and remove an account's allowed and
//! denied targets.

// A Response is the one-off error path of a request handler; boxing it would gain nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::caller::Admin;
use super::envelope::{core_error, error, ok, respond};
use super::state::AppState;
use crate::model::ScopeLists;

type Params = Query<BTreeMap<String, String>>;

fn account(p: &Params) -> Result<&str, Response> {
    p.0.get("account")
        .map(String::as_str)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "missing parameter account"))
}

/// `GET /api/get-scope-policy?account=`: the policy, or `null` when the account has none.
pub async fn get_scope_policy(State(s): State<AppState>, _: Admin, p: Params) -> Response {
    match account(&p) {
        Ok(a) => respond(s.client.scope_policy(a).await),
        Err(r) => r,
    }
}

/// `POST /api/set-scope-policy?account=` (body `{"allow": [...], "deny": [...]}`): the stored
/// policy; a malformed or overlapping entry is a 400 naming the field, changing nothing.
pub async fn set_scope_policy(
    State(s): State<AppState>,
    _: Admin,
    p: Params,
    body: Bytes,
) -> Response {
    let a = match account(&p) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let body: ScopeLists = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("invalid scope policy: {e}"),
            );
        }
    };
    respond(s.client.set_scope_policy(a, &body.allow, &body.deny).await)
}

/// `POST /api/delete-scope-policy?account=`: removes the policy (every target allowed again).
pub async fn delete_scope_policy(State(s): State<AppState>, _: Admin, p: Params) -> Response {
    let a = match account(&p) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match s.client.remove_scope_policy(a).await {
        Ok(()) => ok(json!(true), Value::Null),
        Err(e) => core_error(&e),
    }
}
