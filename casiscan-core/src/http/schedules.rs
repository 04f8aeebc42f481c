//! `POST /api/set-scan-schedule`: set or remove a scan's schedule.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::caller::{Writer, owner_of};
use super::envelope::{error, respond};
use super::state::AppState;
use crate::model::Schedule;

/// `POST /api/set-scan-schedule?id=owner/name` (body: a schedule, or `null` to remove it):
/// the scan with its schedule; an invalid schedule is a 400 naming the field, changing nothing.
pub async fn set_scan_schedule(
    State(s): State<AppState>,
    Writer(caller): Writer,
    Query(p): Query<std::collections::BTreeMap<String, String>>,
    body: Bytes,
) -> Response {
    let Some(id) = p.get("id").filter(|v| !v.is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "missing parameter id");
    };
    if let Err(r) = caller.check(owner_of(id)) {
        return r;
    }
    let schedule: Option<Schedule> = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return error(StatusCode::BAD_REQUEST, &format!("invalid schedule: {e}"));
        }
    };
    respond(
        s.client
            .set_scan_schedule(id.as_str(), schedule.as_ref())
            .await,
    )
}
