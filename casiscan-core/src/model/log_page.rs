//! Reading stored scan logs by index range: an account, a ScanDate window, a keyset position.

use chrono::{DateTime, Utc};

/// Where a page of scan logs ends: the last (ScanDate, ScanlogId) read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogPosition {
    /// ScanDate (completion time) of the last log read.
    pub scan_date: DateTime<Utc>,
    /// ScanlogId of the last log read.
    pub log_id: u64,
}

/// One page of an account's stored scan logs, ordered by (ScanDate, ScanlogId).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPageQuery {
    /// The account (scan owner) whose logs are read.
    pub account: String,
    /// Earliest ScanDate, inclusive.
    pub from: DateTime<Utc>,
    /// Latest ScanDate, exclusive.
    pub to: DateTime<Utc>,
    /// Only logs after this position (`None`: from the start of the window).
    pub after: Option<LogPosition>,
    /// Most logs returned.
    pub limit: u32,
}

impl LogPageQuery {
    /// True when a log with `scan_date` and `log_id` belongs on this page (ignoring the limit).
    pub fn admits(&self, scan_date: DateTime<Utc>, log_id: u64) -> bool {
        self.from <= scan_date
            && scan_date < self.to
            && self
                .after
                .is_none_or(|a| (a.scan_date, a.log_id) < (scan_date, log_id))
    }
}
