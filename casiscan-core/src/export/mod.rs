//! Scan-log export by UTC day or day range: the seed's JSON envelope, JSON lines and OCSF.

mod cursor;
mod error;
mod fetch;
mod item;
mod ocsf;
mod page;
mod query;
mod shape;

pub use cursor::{CURSOR_LIFETIME, CursorKey};
pub use error::ExportError;
pub use fetch::{ExportResponse, authenticate, export_logs, fetch_scan_logs};
pub use item::ScanLogItem;
pub use ocsf::{activity_id, ocsf_events, severity_id};
pub use page::{first_read, log_lines, page_response, position_of};
pub use query::{
    COMPAT_MAX_LOGS, DEFAULT_PAGE_SIZE, ExportFormat, ExportQuery, MAX_PAGE_SIZE, MAX_RANGE_DAYS,
    parse_day, parse_export_query,
};
pub use shape::{error_envelope, json_lines, listed, rfc3339, scan_log_json, success_envelope};
