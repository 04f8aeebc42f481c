//! Handlers: Casibase's scan and asset endpoints, start/cancel/clear, keys, and the log export.

// A Response is the one-off error path of a request handler; boxing it would gain nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::caller::{Admin, Caller, Reader, Writer, owner_of};
use super::casibase_view::{asset_json, output_json, respond_asset, respond_scan, scan_json};
use super::envelope::{core_error, error, key_error, ok, respond};
use super::state::AppState;
use crate::export::{
    ExportError, ExportFormat, ExportResponse, authenticate, first_read, log_lines, page_response,
    parse_export_query, position_of,
};
use crate::model::{ApiKeyInfo, Asset, Scan};
use crate::model::{ScanField, ScanQuery, SortOrder};
use crate::providers::RunContext;

/// Query string as a map.
pub type Params = Query<BTreeMap<String, String>>;

fn param<'a>(p: &'a Params, k: &str) -> Option<&'a str> {
    p.0.get(k).map(String::as_str).filter(|v| !v.is_empty())
}

/// Parses a JSON body into `T`, answering 400 in the envelope when it does not fit.
fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("invalid request body: {e}"),
        )
    })
}

/// Parses a JSON body into `T` (400 when it does not fit), when the caller may act for the
/// owner `owner` reads from it (403 otherwise).
fn owned_body<T: serde::de::DeserializeOwned>(
    caller: &Caller,
    body: &Bytes,
    owner: fn(&T) -> &str,
) -> Result<T, Response> {
    let value: T = parse(body)?;
    caller.check(owner(&value))?;
    Ok(value)
}

fn id_param(p: &Params) -> Result<String, Response> {
    param(p, "id")
        .map(str::to_owned)
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "missing parameter id"))
}

/// The `id` parameter, when the caller may act for its owner.
pub(super) fn owned_id(caller: &Caller, p: &Params) -> Result<String, Response> {
    let id = id_param(p)?;
    caller.check(owner_of(&id))?;
    Ok(id)
}

fn scan_query(p: &Params) -> Result<ScanQuery, Response> {
    let bad = |e: crate::Error| core_error(&e);
    let num = |k: &str| -> Result<Option<u32>, Response> {
        param(p, k)
            .map(|v| {
                v.parse::<u32>().map_err(|_| {
                    error(
                        StatusCode::BAD_REQUEST,
                        &format!("invalid {k}: expected an integer from 1 to {}", u32::MAX),
                    )
                })
            })
            .transpose()
    };
    let mut q = ScanQuery {
        owner: param(p, "owner").map(str::to_owned),
        page: num("p")?,
        page_size: num("pageSize")?,
        asset: param(p, "asset").map(str::to_owned),
        ..ScanQuery::default()
    };
    if let (Some(f), Some(v)) = (param(p, "field"), param(p, "value")) {
        q.filter = Some((f.parse::<ScanField>().map_err(bad)?, v.to_owned()));
    }
    if let Some(f) = param(p, "sortField") {
        q.sort_field = Some(f.parse::<ScanField>().map_err(bad)?);
    }
    if let Some(o) = param(p, "sortOrder") {
        q.sort_order = SortOrder::from_casibase(o);
    }
    q.validate().map_err(bad)?;
    Ok(q)
}

/// `GET /api/get-scans`: page of scans, total in `data2`.
pub async fn get_scans(State(s): State<AppState>, Reader(caller): Reader, p: Params) -> Response {
    let mut q = match scan_query(&p) {
        Ok(q) => q,
        Err(r) => return r,
    };
    q.owner = match caller.listing_owner(q.owner.as_deref()) {
        Ok(owner) => owner,
        Err(r) => return r,
    };
    match s.client.list_scans(&q).await {
        Ok(page) => ok(
            Value::Array(page.items.iter().map(scan_json).collect()),
            json!(page.total),
        ),
        Err(e) => core_error(&e),
    }
}

/// `GET /api/get-scan?id=owner/name`.
pub async fn get_scan(State(s): State<AppState>, Reader(caller): Reader, p: Params) -> Response {
    match owned_id(&caller, &p) {
        Ok(id) => respond_scan(s.client.get_scan(&id).await),
        Err(r) => r,
    }
}

/// `POST /api/add-scan` (body: scan).
pub async fn add_scan(State(s): State<AppState>, Writer(caller): Writer, body: Bytes) -> Response {
    let scan: Scan = match owned_body(&caller, &body, |v: &Scan| &v.owner) {
        Ok(v) => v,
        Err(r) => return r,
    };
    respond_scan(s.client.add_scan(&scan).await)
}

/// `POST /api/update-scan?id=` (body: scan), as Casibase's edit page saves: the body's
/// configuration, a rename when its name differs from the id's, a clear when it is Created
/// with no results; refused (409 in the envelope, nothing changed) while Pending or Running.
pub async fn update_scan(
    State(s): State<AppState>,
    Writer(caller): Writer,
    p: Params,
    body: Bytes,
) -> Response {
    let scan: Scan = match owned_body(&caller, &body, |v: &Scan| &v.owner) {
        Ok(v) => v,
        Err(r) => return r,
    };
    // Only a body that names the state Created clears (a partial body defaults to Created).
    let names_created = parse::<Value>(&body).is_ok_and(|v| v["state"] == "Created");
    let clear = names_created && scan.asks_for_clear();
    match owned_id(&caller, &p) {
        Ok(id) => respond_scan(s.client.save_scan(&id, &scan, clear).await),
        Err(r) => r,
    }
}

/// `POST /api/delete-scan` (body: scan with owner and name).
pub async fn delete_scan(
    State(s): State<AppState>,
    Writer(caller): Writer,
    body: Bytes,
) -> Response {
    let scan: Scan = match owned_body(&caller, &body, |v: &Scan| &v.owner) {
        Ok(v) => v,
        Err(r) => return r,
    };
    respond(
        async { s.client.delete_scan(scan.id()?, false).await }
            .await
            .map(|()| true),
    )
}

/// What `start-scan`, `cancel-scan` and `clear-scan` do to a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanAction {
    /// Queue it (Pending).
    Start,
    /// Cancel it.
    Cancel,
    /// Reset its results, keep its configuration.
    Clear,
}

/// `POST /api/start-scan?id=`, `cancel-scan`, `clear-scan`.
pub async fn change_scan(
    s: AppState,
    Writer(caller): Writer,
    p: Params,
    action: ScanAction,
) -> Response {
    let id = match owned_id(&caller, &p) {
        Ok(id) => id,
        Err(r) => return r,
    };
    respond_scan(match action {
        ScanAction::Start => s.client.start_scan(&id).await,
        ScanAction::Cancel => s.client.cancel_scan(&id).await,
        ScanAction::Clear => s.client.clear_scan(&id).await,
    })
}

/// `POST /api/scan-asset`, as Casibase's web UI calls it. With `saveToScan=true` it queues the
/// stored scan named by `scan` (or `id`), `owner/name`. Otherwise it runs on demand, here, the
/// scan in the body, or with no body one made of the query parameters `provider`,
/// `targetMode`, `target`, `asset` and `command` (the owner is that of `scan`, else `owner`,
/// else the caller's account), and answers `{rawResult, result, resultSummary, runner}`; at most
/// [`AppState::with_max_on_demand_runs`] such runs at once (default 4), past it a 429.
pub async fn scan_asset(
    State(s): State<AppState>,
    Writer(caller): Writer,
    p: Params,
    body: Bytes,
) -> Response {
    if param(&p, "saveToScan") == Some("true") {
        return match stored_scan_id(&caller, &p) {
            Ok(id) => respond_scan(s.client.start_scan(&id).await),
            Err(r) => r,
        };
    }
    let scan = if body.iter().all(u8::is_ascii_whitespace) {
        scan_from_params(&caller, &p)
    } else {
        parse::<Scan>(&body)
    };
    let scan = match scan {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Err(r) = caller.check(&scan.owner) {
        return r;
    }
    let Ok(permit) = s.on_demand.clone().try_acquire_owned() else {
        tracing::info!(owner = %scan.owner, "refused: every on-demand run slot is taken");
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "every on-demand scan slot of this server is taken: retry later, or queue the scan \
             (saveToScan=true)",
        );
    };
    // The run owns its slot until it ends, even when the client hangs up and this handler is
    // dropped (the run goes on to its own end or timeout either way).
    let client = s.client.clone();
    let run = tokio::spawn(async move {
        let _slot = permit;
        client.run_now(&scan, RunContext::detached()).await
    });
    let ran = match run.await {
        Ok(ran) => ran,
        Err(e) => Err(crate::Error::provider(
            "on-demand",
            format!("the run stopped: {e}"),
        )),
    };
    match ran {
        Ok(out) => ok(
            output_json(&out, &crate::runner::local_hostname()),
            Value::Null,
        ),
        Err(e) => core_error(&e),
    }
}

/// The `scan` (Casibase's UI) or `id` parameter, when the caller may act for its owner.
fn stored_scan_id(caller: &Caller, p: &Params) -> Result<String, Response> {
    let id = param(p, "scan").or_else(|| param(p, "id")).ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            "missing parameter scan (owner/name)",
        )
    })?;
    caller.check(owner_of(id))?;
    Ok(id.to_string())
}

/// An on-demand scan made of `scan-asset`'s query parameters.
fn scan_from_params(caller: &Caller, p: &Params) -> Result<Scan, Response> {
    let bad = |e: crate::Error| core_error(&e);
    let owner = match (param(p, "scan"), param(p, "owner"), caller) {
        (Some(id), _, _) => owner_of(id).to_string(),
        (None, Some(owner), _) => owner.to_string(),
        (None, None, Caller::Account(account)) => account.clone(),
        (None, None, Caller::Admin | Caller::User(_)) => "admin".to_string(),
    };
    let name = param(p, "scan")
        .and_then(|id| id.split_once('/').map(|(_, n)| n.to_string()))
        .unwrap_or_else(|| "scan_asset".to_string());
    let mut scan = Scan::new(owner, name);
    if let Some(provider) = param(p, "provider") {
        scan.provider = super::providers::provider_param(provider).map_err(bad)?;
    }
    if let Some(mode) = param(p, "targetMode") {
        scan.target_mode =
            serde_json::from_value(Value::String(mode.to_string())).map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "invalid targetMode `{}`: expected \"Manual Input\" or \"Asset\"",
                        mode.escape_debug()
                    ),
                )
            })?;
    }
    scan.target = param(p, "target").unwrap_or_default().to_string();
    scan.asset = param(p, "asset").unwrap_or_default().to_string();
    scan.command = param(p, "command").unwrap_or_default().to_string();
    Ok(scan)
}

/// `POST /api/scan-assets?owner=&provider=` (Casibase's cloud asset import): casiscan has no
/// cloud importer, which the envelope says instead of an empty 404.
pub async fn scan_assets(Writer(_): Writer) -> Response {
    error(
        StatusCode::NOT_IMPLEMENTED,
        "importing assets from a cloud provider is not supported by casiscan: add assets with /api/add-asset",
    )
}

/// `GET /api/get-scan-diff?id=&from=&to=`: what changed between two runs (default: the last two).
pub async fn get_scan_diff(
    State(s): State<AppState>,
    Reader(caller): Reader,
    p: Params,
) -> Response {
    let id = match owned_id(&caller, &p) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let seq = |k: &str| -> Result<Option<u64>, Response> {
        param(&p, k)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| error(StatusCode::BAD_REQUEST, &format!("invalid {k}")))
            })
            .transpose()
    };
    let (from, to) = match (seq("from"), seq("to")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    respond(s.client.diff_runs(&id, from, to).await)
}

/// `GET /api/get-assets?owner=` with Casibase's `p`/`pageSize`, `field`/`value` and
/// `sortField`/`sortOrder` (`ascend`, else descending) over the fields' JSON names; a page or an
/// unpaged answer holds at most [`ScanQuery::MAX_ITEMS`] assets (more is a 400 asking for pages).
pub async fn get_assets(State(s): State<AppState>, Reader(caller): Reader, p: Params) -> Response {
    let owner = match caller.listing_owner(param(&p, "owner")) {
        Ok(owner) => owner,
        Err(r) => return r,
    };
    let size = |k: &str| {
        param(&p, k)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
    };
    let page = size("p").zip(size("pageSize"));
    if let Some(per_page) = size("pageSize")
        && per_page > ScanQuery::MAX_ITEMS as usize
    {
        return error(
            StatusCode::BAD_REQUEST,
            &format!(
                "invalid pageSize: {per_page} is over the {} assets a page holds",
                ScanQuery::MAX_ITEMS
            ),
        );
    }
    let assets = match s.client.list_assets(owner.as_deref()).await {
        Ok(assets) => assets,
        Err(e) => return core_error(&e),
    };
    let mut assets: Vec<Value> = match (param(&p, "field"), param(&p, "value")) {
        (Some(field), Some(value)) => assets
            .iter()
            .map(asset_json)
            .filter(|a| field_contains(a, field, value))
            .collect(),
        _ => assets.iter().map(asset_json).collect(),
    };
    if let Some(field) = param(&p, "sortField") {
        let order = SortOrder::from_casibase(param(&p, "sortOrder").unwrap_or_default());
        assets.sort_by(|a, b| {
            let by = field_text(a, field).cmp(&field_text(b, field));
            match order {
                SortOrder::Ascend => by,
                SortOrder::Descend => by.reverse(),
            }
        });
    }
    match page {
        Some((n, per_page)) => {
            let total = assets.len();
            let shown: Vec<&Value> = assets
                .iter()
                .skip((n - 1).saturating_mul(per_page))
                .take(per_page)
                .collect();
            ok(json!(shown), json!(total))
        }
        None if assets.len() > ScanQuery::MAX_ITEMS as usize => error(
            StatusCode::BAD_REQUEST,
            &format!(
                "{} assets match, more than the {} one answer holds: ask for pages with p and \
                 pageSize",
                assets.len(),
                ScanQuery::MAX_ITEMS
            ),
        ),
        None => ok(json!(assets), Value::Null),
    }
}

/// Casibase's list filter: the record's `field` (its JSON name) contains `value`, ignoring case.
fn field_contains(record: &Value, field: &str, value: &str) -> bool {
    !record[field].is_null()
        && field_text(record, field)
            .to_lowercase()
            .contains(&value.to_lowercase())
}

/// The record's `field` (its JSON name) as text (empty when absent).
fn field_text(record: &Value, field: &str) -> String {
    match &record[field] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `GET /api/get-asset?id=`.
pub async fn get_asset(State(s): State<AppState>, Reader(caller): Reader, p: Params) -> Response {
    match owned_id(&caller, &p) {
        Ok(id) => respond_asset(s.client.get_asset(&id).await),
        Err(r) => r,
    }
}

/// `POST /api/add-asset` (body: asset).
pub async fn add_asset(State(s): State<AppState>, Writer(caller): Writer, body: Bytes) -> Response {
    let a: Asset = match owned_body(&caller, &body, |v: &Asset| &v.owner) {
        Ok(v) => v,
        Err(r) => return r,
    };
    respond_asset(s.client.add_asset(&a).await)
}

/// `POST /api/update-asset?id=` (body: asset).
pub async fn update_asset(
    State(s): State<AppState>,
    Writer(caller): Writer,
    p: Params,
    body: Bytes,
) -> Response {
    let a: Asset = match owned_body(&caller, &body, |v: &Asset| &v.owner) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match owned_id(&caller, &p) {
        Ok(id) => respond_asset(s.client.update_asset(&id, &a).await),
        Err(r) => r,
    }
}

/// `POST /api/delete-asset` (body: asset with owner and name).
pub async fn delete_asset(
    State(s): State<AppState>,
    Writer(caller): Writer,
    body: Bytes,
) -> Response {
    let a: Asset = match owned_body(&caller, &body, |v: &Asset| &v.owner) {
        Ok(v) => v,
        Err(r) => return r,
    };
    respond(
        async { s.client.delete_asset(a.id()?).await }
            .await
            .map(|()| true),
    )
}

/// `POST /api/set-primary-user?account=&user=` (admin).
pub async fn set_primary_user(State(s): State<AppState>, _: Admin, p: Params) -> Response {
    match (param(&p, "account"), param(&p, "user")) {
        (Some(a), Some(u)) => match s.keys.set_primary_user(a, u).await {
            Ok(()) => ok(json!(true), Value::Null),
            Err(e) => key_error(e),
        },
        _ => error(StatusCode::BAD_REQUEST, "missing parameter account or user"),
    }
}

/// `POST /api/add-api-key?account=&user=&name=`: returns the secret once.
pub async fn add_api_key(State(s): State<AppState>, _: Admin, p: Params) -> Response {
    let (a, u, n) = (
        param(&p, "account").unwrap_or_default(),
        param(&p, "user").unwrap_or_default(),
        param(&p, "name").unwrap_or_default(),
    );
    match s.keys.create(a, u, n).await {
        Ok(k) => ok(serde_json::to_value(k).unwrap_or(Value::Null), Value::Null),
        Err(e) => key_error(e),
    }
}

/// `GET /api/get-api-key?account=`: the record, never the secret.
pub async fn get_api_key(State(s): State<AppState>, _: Admin, p: Params) -> Response {
    match s.keys.get(param(&p, "account").unwrap_or_default()).await {
        Ok(r) => ok(
            serde_json::to_value(ApiKeyInfo::from(&r)).unwrap_or(Value::Null),
            Value::Null,
        ),
        Err(e) => key_error(e),
    }
}

/// `POST /api/delete-api-key?account=&user=`.
pub async fn delete_api_key(State(s): State<AppState>, _: Admin, p: Params) -> Response {
    match s
        .keys
        .delete(
            param(&p, "account").unwrap_or_default(),
            param(&p, "user").unwrap_or_default(),
        )
        .await
    {
        Ok(()) => ok(json!(true), Value::Null),
        Err(e) => key_error(e),
    }
}

/// `GET /client/v1/fetch-s3-logs` with `accessKey`/`secretKey` headers (the seed's envelope).
///
/// JSON answers one page (`pageSize`, `cursor`; `casiscan.nextCursor` when more follow); JSON
/// lines and OCSF stream every page of the range, one store read at a time.
pub async fn fetch_logs(State(s): State<AppState>, h: HeaderMap, p: Params) -> Response {
    let hv = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (ak, sk) = (hv("accesskey"), hv("secretkey"));
    // Authentication first, then the parameters and the cursor, and only then are logs read.
    let account = match authenticate(&s.keys, ak.as_deref(), sk.as_deref()).await {
        Ok(account) => account,
        Err(e) => return export_answer(ExportResponse::error(e)),
    };
    let q = match parse_export_query(&p.0) {
        Ok(q) => q,
        Err(e) => return export_answer(ExportResponse::error(e)),
    };
    let now = s.client.store().clock().now();
    let read = match first_read(&s.cursor_key, &account, &q, now) {
        Ok(read) => read,
        Err(e) => return export_answer(ExportResponse::error(e)),
    };
    let first = match s.client.scan_logs_page(&read).await {
        Ok(logs) => logs,
        // The details stay out of the response (the export envelope's rule).
        Err(_) => return export_answer(ExportResponse::error(ExportError::Internal)),
    };
    if q.format == ExportFormat::Json {
        return export_answer(page_response(&s.cursor_key, &account, &q, first, now));
    }
    if first.is_empty() && q.cursor.is_none() {
        return export_answer(ExportResponse::error(ExportError::NoLogsFound));
    }
    let pages =
        futures_util::stream::unfold(Some((s.client, read, q, Some(first))), |state| async move {
            let (client, mut read, q, first) = state?;
            let page = match first {
                Some(page) => page,
                None => match client.scan_logs_page(&read).await {
                    Ok(page) => page,
                    // Too late for a status: the body ends early and the client sees it cut.
                    Err(e) => return Some((Err(std::io::Error::other(e.to_string())), None)),
                },
            };
            read.after = Some(position_of(page.last()?));
            let lines: String = page.iter().map(|l| log_lines(l, &q)).collect();
            let more = page.len() >= read.limit as usize;
            Some((
                Ok(Bytes::from(lines)),
                more.then_some((client, read, q, None)),
            ))
        });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::from_stream(pages),
    )
        .into_response()
}

/// An export answer as an HTTP response.
fn export_answer(r: ExportResponse) -> Response {
    let status = StatusCode::from_u16(r.http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, r.content_type)], r.body).into_response()
}

/// `GET /api/openapi.json`: the OpenAPI document.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], super::OPENAPI).into_response()
}

/// `GET /metrics`: the process's metrics in Prometheus text format (admin token, or public reads).
pub async fn metrics(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if !(s.public_reads || s.is_admin(&headers)) {
        return error(StatusCode::UNAUTHORIZED, "missing or invalid admin token");
    }
    match &s.metrics {
        Some(render) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            render(),
        )
            .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "metrics are not enabled in this server",
        ),
    }
}
