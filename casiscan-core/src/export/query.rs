//! Export query parsing: `date` xor `fromDate`+`toDate` (UTC days, inclusive, ≤ 31 days), format, severity.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::error::ExportError;
use crate::model::Severity;

/// Longest allowed range in days (both ends inclusive).
pub const MAX_RANGE_DAYS: i64 = 31;

/// Most logs returned without pagination; more is an explicit error, never a truncation.
pub const COMPAT_MAX_LOGS: usize = 1000;

/// Logs per page when the request does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 1000;

/// Most logs per page a request may ask for.
pub const MAX_PAGE_SIZE: u32 = 5000;

/// Body format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExportFormat {
    /// The seed's JSON envelope.
    #[default]
    Json,
    /// One scan-log object per line.
    JsonLines,
    /// One OCSF 1.8.0 finding event per line.
    Ocsf,
}

/// A validated export query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportQuery {
    /// First UTC day, inclusive.
    pub from: NaiveDate,
    /// Last UTC day, inclusive.
    pub to: NaiveDate,
    /// Body format.
    pub format: ExportFormat,
    /// Lowest severity listed in `Vulnerabilities` (default medium).
    pub min_severity: Severity,
    /// Logs per page (`pageSize`, default [`DEFAULT_PAGE_SIZE`]).
    pub page_size: u32,
    /// Where the previous page ended (`cursor`), still sealed.
    pub cursor: Option<String>,
}

impl ExportQuery {
    /// Half-open time window `[from 00:00Z, to+1 00:00Z)`.
    pub fn window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.from.and_time(chrono::NaiveTime::MIN).and_utc();
        let end = self.to.and_time(chrono::NaiveTime::MIN).and_utc() + TimeDelta::days(1);
        (start, end)
    }

    /// True when `t` falls inside the window.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        let (a, b) = self.window();
        a <= t && t < b
    }
}

/// Strict `YYYY-MM-DD` that is a real calendar date.
pub fn parse_day(s: &str) -> Result<NaiveDate, ExportError> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(ExportError::InvalidDateFormat);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ExportError::InvalidDateFormat)
}

/// Validates raw query parameters (unknown parameters are ignored).
pub fn parse_export_query(q: &BTreeMap<String, String>) -> Result<ExportQuery, ExportError> {
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let (from, to) = match (get("date"), get("fromDate"), get("toDate")) {
        (None, None, None) => return Err(ExportError::MissingDate),
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(ExportError::ConflictingDateParams);
        }
        (Some(d), None, None) => {
            let d = parse_day(d)?;
            (d, d)
        }
        (None, Some(_), None) | (None, None, Some(_)) => return Err(ExportError::IncompleteRange),
        (None, Some(f), Some(t)) => (parse_day(f)?, parse_day(t)?),
    };
    if from > to {
        return Err(ExportError::RangeInverted);
    }
    if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
        return Err(ExportError::RangeTooLong);
    }
    let format = match get("format") {
        None | Some("json") => ExportFormat::Json,
        Some("jsonl") => ExportFormat::JsonLines,
        Some("ocsf") => ExportFormat::Ocsf,
        Some(_) => return Err(ExportError::InvalidParameter("format")),
    };
    let min_severity = match get("minSeverity") {
        None => Severity::Medium,
        Some(s) => s
            .parse::<Severity>()
            .map_err(|_| ExportError::InvalidParameter("minSeverity"))?,
    };
    let page_size = match get("pageSize") {
        None => DEFAULT_PAGE_SIZE,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or(ExportError::InvalidPageSize)?,
    };
    Ok(ExportQuery {
        from,
        to,
        format,
        min_severity,
        page_size,
        cursor: get("cursor").map(str::to_owned),
    })
}
