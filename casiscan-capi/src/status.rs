//! `casiscan_status`: the stable result code of every C function.

use casiscan_core::ErrorKind;

/// Result code of every casiscan C function; numbers are stable and never reused.
#[repr(C)]
#[allow(non_camel_case_types)] // C naming: the type is `casiscan_status` in casiscan.h.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum casiscan_status {
    /// Success; outputs were written.
    Ok = 0,
    /// Malformed input (id, target, command, JSON, query).
    InvalidInput = 1,
    /// The record does not exist.
    NotFound = 2,
    /// Forbidden state change, lost race or duplicate.
    Conflict = 3,
    /// Input data could not be parsed (nmap XML, package lists).
    Parse = 4,
    /// A provider failed (tool missing, exited with an error, timed out).
    Provider = 5,
    /// The storage backend failed.
    Storage = 6,
    /// Authentication failed.
    Auth = 7,
    /// The operation was canceled.
    Canceled = 8,
    /// Reading or writing a file failed.
    Io = 9,
    /// The target is outside the account's scope policy.
    Forbidden = 10,
    /// A required pointer argument was NULL.
    NullArgument = 100,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 101,
    /// casiscan panicked; the call had no effect that can be relied on.
    Panic = 102,
}

impl From<ErrorKind> for casiscan_status {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidInput => casiscan_status::InvalidInput,
            ErrorKind::NotFound => casiscan_status::NotFound,
            ErrorKind::Conflict => casiscan_status::Conflict,
            ErrorKind::Parse => casiscan_status::Parse,
            ErrorKind::Provider => casiscan_status::Provider,
            ErrorKind::Storage => casiscan_status::Storage,
            ErrorKind::Auth => casiscan_status::Auth,
            ErrorKind::Canceled => casiscan_status::Canceled,
            ErrorKind::Io => casiscan_status::Io,
            ErrorKind::Forbidden => casiscan_status::Forbidden,
        }
    }
}
