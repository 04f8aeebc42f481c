//! SQLite errors as storage errors that name the file and explain the common cases.

use crate::error::Error;

/// Turns a rusqlite error into a storage error that names the file and explains common cases.
pub(super) fn describe(label: &str, what: &str, e: rusqlite::Error) -> Error {
    let detail = match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => "the file is not a SQLite database".to_string(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            "the database is locked by another process".to_string()
        }
        Some(rusqlite::ErrorCode::ReadOnly) => {
            return Error::ReadOnly {
                path: label.to_owned(),
                reason: format!("cannot {what} it"),
            };
        }
        Some(rusqlite::ErrorCode::CannotOpen) => "the file cannot be opened".to_string(),
        _ => e.to_string(),
    };
    Error::storage(format!("cannot {what} {label}: {detail}"), e)
}

/// Describes an error wrapped by [`sql`] now that the file and the operation are known.
pub(super) fn relabel(e: Error, label: &str, what: &str) -> Error {
    match e {
        Error::Storage {
            message,
            source: Some(source),
        } if message.is_empty() => match source.downcast::<rusqlite::Error>() {
            Ok(sql) => describe(label, what, *sql),
            Err(other) => Error::Storage {
                message: format!("cannot {what} {label}"),
                source: Some(other),
            },
        },
        other => other,
    }
}

/// Wraps a rusqlite error for [`relabel`] to describe.
pub(super) fn sql(e: rusqlite::Error) -> Error {
    Error::Storage {
        message: String::new(),
        source: Some(Box::new(e)),
    }
}

/// True for a UNIQUE (or other constraint) violation.
pub(super) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
}
