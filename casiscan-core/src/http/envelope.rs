//! Casibase's response envelope `{status, msg, data, data2}` with real HTTP status codes.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::{Error, ErrorKind};
use crate::keys::KeyError;

/// `200 {status: "ok", msg: "", data, data2}`.
pub fn ok(data: Value, data2: Value) -> Response {
    (
        StatusCode::OK,
        Json(json!({"status": "ok", "msg": "", "data": data, "data2": data2})),
    )
        .into_response()
}

/// `{status: "error", msg}` with the given HTTP status.
pub fn error(status: StatusCode, msg: &str) -> Response {
    (
        status,
        Json(json!({"status": "error", "msg": msg, "data": null, "data2": null})),
    )
        .into_response()
}

/// HTTP status of a core error kind.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::InvalidInput | ErrorKind::Parse => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict | ErrorKind::Canceled => StatusCode::CONFLICT,
        ErrorKind::Auth => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Provider => StatusCode::BAD_GATEWAY,
        ErrorKind::Storage | ErrorKind::Io => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The envelope for a core error (storage details are not exposed).
pub fn core_error(e: &Error) -> Response {
    let status = status_of(e.kind());
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        error(status, "internal error")
    } else {
        error(status, &e.to_string())
    }
}

/// The envelope for a key error.
pub fn key_error(e: KeyError) -> Response {
    let status = match e {
        KeyError::NotPrimaryUser(_) => StatusCode::FORBIDDEN,
        KeyError::KeyAlreadyExists => StatusCode::CONFLICT,
        KeyError::NoApiKey => StatusCode::NOT_FOUND,
        KeyError::InvalidName => StatusCode::BAD_REQUEST,
        KeyError::MissingCredentials | KeyError::InvalidCredentials => StatusCode::UNAUTHORIZED,
        KeyError::Random | KeyError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, &e.to_string())
}

/// Converts a core result into the envelope.
pub fn respond<T: serde::Serialize>(r: crate::Result<T>) -> Response {
    match r {
        Ok(v) => ok(serde_json::to_value(v).unwrap_or(Value::Null), Value::Null),
        Err(e) => core_error(&e),
    }
}
