//! `POST /api/install-patch`: Casibase's install-patch, as a remediation job of its own that
//! installs updates a finished OS patch scan found, on that scan's host.

// A Response is the one-off error path of a request handler; boxing it would gain nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::caller::{Writer, owner_of};
use super::envelope::{core_error, error, ok};
use super::state::AppState;
use crate::model::ProviderKind;
use crate::providers::patch_install::PatchSelection;

type Params = Query<BTreeMap<String, String>>;

fn param<'a>(p: &'a Params, k: &str) -> Option<&'a str> {
    p.0.get(k).map(String::as_str).filter(|v| !v.is_empty())
}

/// The selection: the JSON body (`updates`, `allSecurity`, `dryRun`; optional), plus
/// Casibase's `patchId` (one more update) and `dryRun=true` in the query.
fn selection(p: &Params, body: &Bytes) -> Result<PatchSelection, Response> {
    let mut sel: PatchSelection = if body.iter().all(u8::is_ascii_whitespace) {
        PatchSelection::default()
    } else {
        serde_json::from_slice(body).map_err(|e| {
            error(
                StatusCode::BAD_REQUEST,
                &format!("invalid install-patch body: {e}"),
            )
        })?
    };
    if let Some(id) = param(p, "patchId")
        && !sel.updates.iter().any(|u| u == id)
    {
        sel.updates.push(id.to_string());
    }
    if let Some(v) = param(p, "dryRun") {
        sel.dry_run |= v.parse::<bool>().map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                "invalid dryRun: expected true or false",
            )
        })?;
    }
    Ok(sel)
}

/// The source scan's id: `scan` (or `id`), `owner/name`; a bare name takes the `owner` param.
fn source_id(p: &Params) -> Result<String, Response> {
    let scan = param(p, "scan")
        .or_else(|| param(p, "id"))
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "missing parameter scan"))?;
    if scan.contains('/') {
        return Ok(scan.to_string());
    }
    match param(p, "owner") {
        Some(owner) => Ok(format!("{owner}/{scan}")),
        None => Err(error(
            StatusCode::BAD_REQUEST,
            "parameter scan must be owner/name (or give owner)",
        )),
    }
}

/// `POST /api/install-patch?scan=owner/name[&provider=][&patchId=][&dryRun=]` with an optional
/// body `{"updates": [...], "allSecurity": bool, "dryRun": bool}`: queues the job and answers
/// it (state Pending). Only the account owning the scan may; `provider`, when given, must name
/// the OS Patch provider.
pub async fn install_patch(
    State(s): State<AppState>,
    Writer(caller): Writer,
    p: Params,
    body: Bytes,
) -> Response {
    let id = match source_id(&p) {
        Ok(id) => id,
        Err(r) => return r,
    };
    if let Err(r) = caller.check(owner_of(&id)) {
        return r;
    }
    if let Some(provider) = param(&p, "provider") {
        let name = provider.rsplit('/').next().unwrap_or(provider);
        match name.parse::<ProviderKind>() {
            Ok(ProviderKind::OsPatch) => {}
            Ok(other) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "provider {provider} is {other}; install-patch takes the OS Patch provider"
                    ),
                );
            }
            Err(e) => return core_error(&e),
        }
    }
    let sel = match selection(&p, &body) {
        Ok(sel) => sel,
        Err(r) => return r,
    };
    match s.client.install_patch(&id, &sel).await {
        Ok(job) => {
            let status = job.state.as_str();
            ok(
                serde_json::to_value(&job).unwrap_or_default(),
                json!({ "status": status, "job": format!("{}/{}", job.owner, job.name) }),
            )
        }
        Err(e) => core_error(&e),
    }
}
