//! The export operation: validated query over an account's scan logs → status, content type, body.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::ExportError;
use super::ocsf::ocsf_events;
use super::query::{COMPAT_MAX_LOGS, ExportFormat, parse_export_query};
use super::shape::{error_envelope, json_lines, scan_log_json, success_envelope};
use crate::model::ScanLog;

/// A complete HTTP-ready answer, identical for Rust, Python, C and the REST router.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportResponse {
    /// HTTP status code.
    pub http_status: u16,
    /// `application/json` or `application/x-ndjson`.
    pub content_type: &'static str,
    /// Body bytes.
    pub body: String,
}

impl ExportResponse {
    /// The seed error envelope for `e`.
    pub fn error(e: ExportError) -> Self {
        ExportResponse {
            http_status: e.http_status(),
            content_type: "application/json",
            body: error_envelope(e).to_string(),
        }
    }
}

/// Answers an export request for one authenticated account over its logs (any order).
///
/// Logs are filtered on completion time, ordered by (ScanDate, ScanlogId); zero matches is
/// `NO_LOGS_FOUND`, more than the compatibility cap is `RESULT_TOO_LARGE` (never truncated).
pub fn export_logs(
    account: &str,
    logs: &[ScanLog],
    raw: &BTreeMap<String, String>,
) -> ExportResponse {
    let q = match parse_export_query(raw) {
        Ok(q) => q,
        Err(e) => return ExportResponse::error(e),
    };
    let mut selected: Vec<&ScanLog> = logs
        .iter()
        .filter(|l| l.account == account && q.contains(l.ended_at))
        .collect();
    if selected.is_empty() {
        return ExportResponse::error(ExportError::NoLogsFound);
    }
    if selected.len() > COMPAT_MAX_LOGS {
        return ExportResponse::error(ExportError::ResultTooLarge);
    }
    selected.sort_by(|a, b| a.ended_at.cmp(&b.ended_at).then(a.id.cmp(&b.id)));
    let items: Vec<Value> = selected
        .iter()
        .map(|l| scan_log_json(l, q.min_severity))
        .collect();
    match q.format {
        ExportFormat::Json => ExportResponse {
            http_status: 200,
            content_type: "application/json",
            body: success_envelope(items).to_string(),
        },
        ExportFormat::JsonLines => ExportResponse {
            http_status: 200,
            content_type: "application/x-ndjson",
            body: json_lines(&items),
        },
        ExportFormat::Ocsf => {
            let events: Vec<Value> = selected
                .iter()
                .flat_map(|l| ocsf_events(l, q.min_severity))
                .collect();
            ExportResponse {
                http_status: 200,
                content_type: "application/x-ndjson",
                body: json_lines(&events),
            }
        }
    }
}

/// The account of the `accessKey`/`secretKey` pair; every credential failure is the same error.
pub async fn authenticate(
    ring: &crate::keys::KeyRing,
    access_key: Option<&str>,
    secret_key: Option<&str>,
) -> Result<String, ExportError> {
    match ring
        .verify(
            access_key.unwrap_or_default(),
            secret_key.unwrap_or_default(),
        )
        .await
    {
        Ok(account) => Ok(account),
        Err(crate::keys::KeyError::MissingCredentials) => Err(ExportError::MissingCredentials),
        Err(crate::keys::KeyError::Storage(_)) => Err(ExportError::Internal),
        Err(_) => Err(ExportError::InvalidCredentials),
    }
}

/// Authenticates the `accessKey`/`secretKey` headers against `ring`, then exports that account's logs.
///
/// Order: auth → parameters → range → query; every credential failure is the same 401 body.
pub async fn fetch_scan_logs(
    ring: &crate::keys::KeyRing,
    access_key: Option<&str>,
    secret_key: Option<&str>,
    logs: &[ScanLog],
    raw: &BTreeMap<String, String>,
) -> ExportResponse {
    match authenticate(ring, access_key, secret_key).await {
        Ok(account) => export_logs(&account, logs, raw),
        Err(e) => ExportResponse::error(e),
    }
}
