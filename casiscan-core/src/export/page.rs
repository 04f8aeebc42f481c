//! Exports read page by page from the store: where a request starts, one JSON page with its
//! next cursor, and the lines a streamed export writes for each log.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::cursor::CursorKey;
use super::error::ExportError;
use super::fetch::ExportResponse;
use super::item::ScanLogItem;
use super::ocsf::ocsf_events;
use super::query::{ExportFormat, ExportQuery};
use super::shape::SUCCESS;
use crate::model::{LogPageQuery, LogPosition, ScanLog};

/// The store read of `account`'s `query`: its window, from its cursor (opened with `key` at
/// `now`), one log more than a page so the reader knows whether another page follows.
pub fn first_read(
    key: &CursorKey,
    account: &str,
    query: &ExportQuery,
    now: DateTime<Utc>,
) -> Result<LogPageQuery, ExportError> {
    let after = match &query.cursor {
        Some(c) => Some(key.open(account, query, c, now)?),
        None => None,
    };
    let (from, to) = query.window();
    Ok(LogPageQuery {
        account: account.to_owned(),
        from,
        to,
        after,
        limit: query.page_size.saturating_add(1),
    })
}

/// Where the page ending with `log` stops.
pub fn position_of(log: &ScanLog) -> LogPosition {
    LogPosition {
        scan_date: log.ended_at,
        log_id: log.log_id.unwrap_or_default(),
    }
}

/// The JSON answer for one page: `logs` as read by [`first_read`] (a page and, when another
/// page follows, one more log), with `casiscan.nextCursor` when it does.
///
/// No logs at all for a query without a cursor is `NO_LOGS_FOUND`, as the seed answers.
pub fn page_response(
    key: &CursorKey,
    account: &str,
    query: &ExportQuery,
    mut logs: Vec<ScanLog>,
    now: DateTime<Utc>,
) -> ExportResponse {
    if logs.is_empty() && query.cursor.is_none() {
        return ExportResponse::error(ExportError::NoLogsFound);
    }
    let more = logs.len() > query.page_size as usize;
    logs.truncate(query.page_size as usize);
    let next = match (more, logs.last()) {
        (true, Some(last)) => Some(key.seal(account, query, position_of(last), now)),
        _ => None,
    };
    let page = PageBody {
        casiscan: next.map(|next_cursor| PageExtension { next_cursor }),
        result: PageResult {
            data: logs
                .iter()
                .map(|l| ScanLogItem::of(l, query.min_severity))
                .collect(),
            success: SUCCESS,
        },
        status: 200,
    };
    match serde_json::to_string(&page) {
        Ok(body) => ExportResponse {
            http_status: 200,
            content_type: "application/json",
            body,
        },
        Err(_) => ExportResponse::error(ExportError::Internal),
    }
}

/// A JSON page: the seed's success envelope (fields in the order a sorted map writes them) and,
/// when more logs follow, the cursor under `casiscan`.
#[derive(Serialize)]
struct PageBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    casiscan: Option<PageExtension>,
    result: PageResult<'a>,
    status: u16,
}

/// Where the next page starts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageExtension {
    next_cursor: String,
}

/// The envelope's `result`.
#[derive(Serialize)]
struct PageResult<'a> {
    data: Vec<ScanLogItem<'a>>,
    success: &'static str,
}

/// The lines a streamed export (`jsonl`, `ocsf`) writes for `log`.
pub fn log_lines(log: &ScanLog, query: &ExportQuery) -> String {
    match query.format {
        ExportFormat::Ocsf => super::shape::json_lines(&ocsf_events(log, query.min_severity)),
        ExportFormat::Json | ExportFormat::JsonLines => {
            // The item holds only strings, numbers and sequences: it always serialises.
            let mut line = serde_json::to_string(&ScanLogItem::of(log, query.min_severity))
                .unwrap_or_default();
            line.push('\n');
            line
        }
    }
}
