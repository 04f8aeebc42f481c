//! `GET /api/get-providers` and `get-provider`: the scan providers as Casibase provider records,
//! so Casibase's web UI can list them and a scan can name one (`provider_nmap`).

// A Response is the one-off error path of a request handler; boxing it would gain nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::caller::{Reader, owner_of};
use super::envelope::{error, ok};
use super::state::AppState;
use crate::model::{ProviderKind, ProviderRecord};

/// A provider as the web UI names it in a query: a kind or a record name, optionally
/// `owner/`-prefixed (`admin/Nmap`, `admin/provider_nmap`); empty is none.
pub fn provider_param(value: &str) -> crate::Result<Option<ProviderKind>> {
    let name = value.split_once('/').map_or(value, |(_, n)| n);
    ProviderKind::parse_optional(name)
}

/// `GET /api/get-providers?owner=`: one record per provider kind for the owner (the caller's
/// own account for an API key); `p`/`pageSize` page it like every Casibase list.
pub async fn get_providers(
    State(s): State<AppState>,
    Reader(caller): Reader,
    Query(p): Query<BTreeMap<String, String>>,
) -> Response {
    let requested = p.get("owner").map(String::as_str).filter(|o| !o.is_empty());
    let owner = match caller.listing_owner(requested) {
        Ok(owner) => owner.unwrap_or_else(|| "admin".to_string()),
        Err(r) => return r,
    };
    let records = ProviderRecord::defaults(&owner, s.started);
    let total = records.len();
    let page = |k: &str| {
        p.get(k)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
    };
    let shown: Vec<&ProviderRecord> = match (page("p"), page("pageSize")) {
        (Some(n), Some(size)) => records
            .iter()
            .skip((n - 1).saturating_mul(size))
            .take(size)
            .collect(),
        _ => records.iter().collect(),
    };
    ok(json!(shown), json!(total))
}

/// `GET /api/get-provider?id=owner/name`: the record, or 404 naming the unknown provider.
pub async fn get_provider(
    State(s): State<AppState>,
    Reader(caller): Reader,
    Query(p): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(id) = p.get("id").filter(|v| !v.is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "missing parameter id");
    };
    let owner = owner_of(id);
    if let Err(r) = caller.check(owner) {
        return r;
    }
    let name = id.split_once('/').map_or(id.as_str(), |(_, n)| n);
    match name.parse::<ProviderKind>() {
        Ok(kind) => ok(
            json!(ProviderRecord::default_for(owner, kind, s.started)),
            Value::Null,
        ),
        Err(_) => error(
            StatusCode::NOT_FOUND,
            &format!("provider {id} does not exist (casiscan lists Nmap and OS Patch)"),
        ),
    }
}
