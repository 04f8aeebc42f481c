//! Export errors: stable codes, the seed-style message and the HTTP status of each.

/// Why a scan-log export request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ExportError {
    /// `accessKey` or `secretKey` header absent or empty.
    #[error("accessKey and secretKey headers are required.")]
    MissingCredentials,
    /// Unknown, wrong, deleted or malformed key: one message for all.
    #[error("Invalid API credentials.")]
    InvalidCredentials,
    /// Neither `date` nor `fromDate`/`toDate`.
    #[error("Provide either date or fromDate and toDate.")]
    MissingDate,
    /// Both `date` and the range.
    #[error("Use either date or fromDate/toDate, not both.")]
    ConflictingDateParams,
    /// Only one of `fromDate`/`toDate`.
    #[error("fromDate and toDate must be provided together.")]
    IncompleteRange,
    /// Not `YYYY-MM-DD` or not a calendar date.
    #[error("Invalid date format. Use YYYY-MM-DD.")]
    InvalidDateFormat,
    /// `fromDate` after `toDate`.
    #[error("fromDate must be on or before toDate.")]
    RangeInverted,
    /// More than 31 days.
    #[error("Date range cannot exceed 31 days.")]
    RangeTooLong,
    /// Bad `format` or `minSeverity`.
    #[error("Invalid value for {0}.")]
    InvalidParameter(&'static str),
    /// More logs than the compatibility cap.
    #[error("More than 1000 scan logs match; narrow the date range.")]
    ResultTooLarge,
    /// A cursor this server did not issue, or one that was altered.
    #[error("Invalid cursor.")]
    InvalidCursor,
    /// A cursor older than its lifetime.
    #[error("The cursor has expired; start the export again without it.")]
    CursorExpired,
    /// A cursor issued for another account or another query.
    #[error("The cursor belongs to another query; use it with the query that returned it.")]
    CursorMismatch,
    /// `pageSize` not a whole number from 1 to the maximum.
    #[error("pageSize must be a whole number from 1 to 5000.")]
    InvalidPageSize,
    /// A valid query that matched nothing.
    #[error("No scan logs found for the requested date(s).")]
    NoLogsFound,
    /// Storage failure (details only in server logs).
    #[error("Internal error.")]
    Internal,
    /// A query string longer than the server accepts.
    #[error("The query string is too long.")]
    QueryTooLong,
    /// Too many wrong credentials from this client address or for this access key.
    #[error("Too many failed authentication attempts; retry after the time in Retry-After.")]
    TooManyAttempts,
}

impl ExportError {
    /// Stable machine-readable code (`INVALID_DATE_FORMAT`, …).
    pub fn code(self) -> &'static str {
        match self {
            ExportError::MissingCredentials => "MISSING_CREDENTIALS",
            ExportError::InvalidCredentials => "INVALID_CREDENTIALS",
            ExportError::MissingDate => "MISSING_DATE",
            ExportError::ConflictingDateParams => "CONFLICTING_DATE_PARAMS",
            ExportError::IncompleteRange => "INCOMPLETE_RANGE",
            ExportError::InvalidDateFormat => "INVALID_DATE_FORMAT",
            ExportError::RangeInverted => "RANGE_INVERTED",
            ExportError::RangeTooLong => "RANGE_TOO_LONG",
            ExportError::InvalidParameter(_) => "INVALID_PARAMETER",
            ExportError::ResultTooLarge => "RESULT_TOO_LARGE",
            ExportError::InvalidCursor => "INVALID_CURSOR",
            ExportError::CursorExpired => "CURSOR_EXPIRED",
            ExportError::CursorMismatch => "CURSOR_MISMATCH",
            ExportError::InvalidPageSize => "INVALID_PAGE_SIZE",
            ExportError::NoLogsFound => "NO_LOGS_FOUND",
            ExportError::Internal => "INTERNAL",
            ExportError::TooManyAttempts => "TOO_MANY_ATTEMPTS",
            ExportError::QueryTooLong => "QUERY_TOO_LONG",
        }
    }

    /// HTTP status code.
    pub fn http_status(self) -> u16 {
        match self {
            ExportError::MissingCredentials | ExportError::InvalidCredentials => 401,
            ExportError::NoLogsFound => 404,
            ExportError::Internal => 500,
            ExportError::TooManyAttempts => 429,
            ExportError::QueryTooLong => 414,
            _ => 400,
        }
    }
}
