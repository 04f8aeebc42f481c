//! `GET /api/get-findings`: stored findings of an account, filtered and paginated in the store.

// A Response is the one-off error path of a request handler; boxing it would gain nothing.
#![allow(clippy::result_large_err)]

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::caller::Reader;
use super::envelope::{core_error, error, ok};
use super::routes::Params;
use super::state::AppState;
use crate::model::{FindingQuery, LifecycleState, Severity};

/// A non-empty query parameter.
pub(super) fn param<'a>(p: &'a Params, k: &str) -> Option<&'a str> {
    p.0.get(k).map(String::as_str).filter(|v| !v.is_empty())
}

/// The query of `owner`, `asset`, `status`, `severity`, `p`, `pageSize` (owner still unchecked).
fn finding_query(p: &Params) -> Result<FindingQuery, Response> {
    let num = |k: &str| -> Result<Option<u32>, Response> {
        param(p, k)
            .map(|v| {
                v.parse::<u32>().map_err(|_| {
                    error(
                        StatusCode::BAD_REQUEST,
                        &format!("invalid {k}: expected a whole number"),
                    )
                })
            })
            .transpose()
    };
    let q = FindingQuery {
        owner: param(p, "owner").map(str::to_owned),
        asset: param(p, "asset").map(str::to_owned),
        status: param(p, "status")
            .map(str::parse::<LifecycleState>)
            .transpose()
            .map_err(|e| core_error(&e))?,
        severity: param(p, "severity")
            .map(str::parse::<Severity>)
            .transpose()
            .map_err(|e| core_error(&e))?,
        page: num("p")?,
        page_size: num("pageSize")?,
    };
    q.window().map_err(|e| core_error(&e))?;
    Ok(q)
}

/// `GET /api/get-findings?owner=&asset=&status=&severity=&p=&pageSize=`: a page of findings by
/// `UniqueAlertId`, the number matched in `data2`; an account key sees only its own.
pub async fn get_findings(
    State(s): State<AppState>,
    Reader(caller): Reader,
    p: Params,
) -> Response {
    let mut q = match finding_query(&p) {
        Ok(q) => q,
        Err(r) => return r,
    };
    q.owner = match caller.listing_owner(q.owner.as_deref()) {
        Ok(owner) => owner,
        Err(r) => return r,
    };
    match s.client.list_findings(&q).await {
        Ok(page) => ok(
            serde_json::to_value(page.items).unwrap_or(Value::Null),
            json!(page.total),
        ),
        Err(e) => core_error(&e),
    }
}
