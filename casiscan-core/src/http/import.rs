//! `POST /api/import-scan-result`: an existing nmap XML file stored as a run of an Nmap scan.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;

use super::caller::Writer;
use super::envelope::respond;
use super::routes::{Params, owned_id};
use super::state::AppState;

/// The largest XML file the route takes, in bytes (64 MiB; the stored result is capped anyway).
pub const MAX_IMPORT_BYTES: usize = 64 << 20;

/// The import route's path (its body limit is [`MAX_IMPORT_BYTES`]).
pub(super) const IMPORT_PATH: &str = "/api/import-scan-result";

/// `POST /api/import-scan-result?id=owner/name` (body: nmap's XML): stores it as a finished,
/// imported run of the scan and answers the scan; malformed XML, a scan that is not an Nmap
/// scan or one that is Pending or Running store nothing.
pub async fn import_scan_result(
    State(s): State<AppState>,
    Writer(caller): Writer,
    p: Params,
    body: Bytes,
) -> Response {
    let id = match owned_id(&caller, &p) {
        Ok(id) => id,
        Err(r) => return r,
    };
    respond(s.client.import_nmap_run(&id, body.to_vec()).await)
}
