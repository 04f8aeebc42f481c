//! What one request may carry: a query string up to [`MAX_QUERY_BYTES`] and a body up to
//! [`MAX_BODY_BYTES`] (an import up to [`MAX_IMPORT_BYTES`]); past either the answer is in the
//! path's envelope, Casibase's or the export's.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::envelope::error;
use super::import::{IMPORT_PATH, MAX_IMPORT_BYTES};
use crate::export::{ExportError, ExportResponse};

/// Longest query string (the bytes after `?`) accepted; a longer one is answered 414.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;

/// Largest request body accepted, except on `/api/import-scan-result` ([`MAX_IMPORT_BYTES`]);
/// a larger one is answered 413 without being read further. Casibase's web UI posts whole scans
/// back (update and delete), results included: the largest scan stored (4 MiB of `rawResult`
/// and 4 MiB of `result`, both escaped as JSON strings) fits.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// The body limit of the route at `path`.
fn body_limit(path: &str) -> usize {
    if path == IMPORT_PATH {
        MAX_IMPORT_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// Middleware: refuses a query string over [`MAX_QUERY_BYTES`] and puts the 413 of a body over
/// its limit (axum's plain-text rejection) into the path's envelope.
pub async fn limit_request(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let export = path.starts_with("/client/");
    let query_bytes = request.uri().query().map_or(0, str::len);
    if query_bytes > MAX_QUERY_BYTES {
        tracing::info!(%path, query_bytes, "refused: query string too long");
        return query_too_long(export, query_bytes);
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json(&response) {
        let limit = body_limit(&path);
        tracing::info!(%path, limit, "refused: request body too large");
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the request body is larger than {limit} bytes, the most this endpoint accepts"
            ),
        );
    }
    response
}

/// True when `response` already carries a JSON envelope.
fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The 414 answer, in the export's envelope for `/client/` paths and Casibase's elsewhere.
fn query_too_long(export: bool, query_bytes: usize) -> Response {
    if export {
        let r = ExportResponse::error(ExportError::QueryTooLong);
        return (
            StatusCode::URI_TOO_LONG,
            [(header::CONTENT_TYPE, r.content_type)],
            r.body,
        )
            .into_response();
    }
    error(
        StatusCode::URI_TOO_LONG,
        &format!(
            "the query string is {query_bytes} bytes, longer than the {MAX_QUERY_BYTES} accepted"
        ),
    )
}
