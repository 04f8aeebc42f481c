//! The core error type and its stable kinds.

use std::fmt;

/// Result alias used across the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error the core reports; bindings map [`ErrorKind`] once at their boundary.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed something malformed (an id, a target, a command, a query).
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// What was invalid (e.g. "scan id `a/b/c`").
        what: String,
        /// Why it was refused.
        reason: String,
    },
    /// The named record does not exist.
    #[error("{what} not found")]
    NotFound {
        /// The record that was looked up (e.g. "scan admin/s1").
        what: String,
    },
    /// The write conflicts with the stored state (forbidden transition, lost race, duplicate).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Input data (XML, package lists, JSON) could not be parsed.
    #[error("parse error: {message}{}", location_suffix(*.line, *.column))]
    Parse {
        /// What went wrong.
        message: String,
        /// 1-based line, when known.
        line: Option<u64>,
        /// 1-based column, when known.
        column: Option<u64>,
    },
    /// nmap XML that is well formed but holds a value nmap.dtd forbids (a strict parse); its
    /// kind is [`ErrorKind::Parse`].
    #[error("parse error: invalid nmap XML: {0}")]
    NmapDtd(Box<crate::providers::nmap::Violation>),
    /// A provider failed: tool missing, tool exited with an error, timed out, killed.
    #[error("provider {provider}: {message}")]
    Provider {
        /// The provider that failed.
        provider: String,
        /// What happened.
        message: String,
    },
    /// The storage backend failed (I/O, not a database, locked, schema).
    #[error("storage: {message}")]
    Storage {
        /// What happened.
        message: String,
        /// The backend's own error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The database is open read-only (asked for, or the file or its directory is not
    /// writable), so this write cannot happen; its kind is [`ErrorKind::Storage`].
    #[error("the database {path} is read-only: {reason}")]
    ReadOnly {
        /// The database file.
        path: String,
        /// What could not be done, and why.
        reason: String,
    },
    /// Authentication or authorisation failed.
    #[error("authentication failed")]
    Auth,
    /// The target is outside the account's scope policy (the rule it broke is named).
    #[error("forbidden: target `{target}` is out of scope for account {account}: {rule}")]
    Forbidden {
        /// The target as written, or the address it resolved to (`name -> address`).
        target: String,
        /// The account whose policy refused it.
        account: String,
        /// The rule it broke (`denied by `10.1.0.0/16``, `not covered by any allowed entry`).
        rule: String,
    },
    /// The operation was canceled.
    #[error("canceled: {0}")]
    Canceled(String),
    /// Reading or writing a local file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn location_suffix(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

/// Payload-free error classes with stable names, for bindings and error codes.
// Not `#[non_exhaustive]`: the bindings in this workspace match it exhaustively, so adding a
// kind fails to compile until each binding maps it (STYLE §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// See [`Error::InvalidInput`].
    InvalidInput,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::Conflict`].
    Conflict,
    /// See [`Error::Parse`].
    Parse,
    /// See [`Error::Provider`].
    Provider,
    /// See [`Error::Storage`].
    Storage,
    /// See [`Error::Auth`].
    Auth,
    /// See [`Error::Forbidden`].
    Forbidden,
    /// See [`Error::Canceled`].
    Canceled,
    /// See [`Error::Io`].
    Io,
}

impl ErrorKind {
    /// Stable snake_case name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Parse => "parse",
            ErrorKind::Provider => "provider",
            ErrorKind::Storage => "storage",
            ErrorKind::Auth => "auth",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Canceled => "canceled",
            ErrorKind::Io => "io",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// The payload-free class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Parse { .. } | Error::NmapDtd(_) => ErrorKind::Parse,
            Error::Provider { .. } => ErrorKind::Provider,
            Error::Storage { .. } | Error::ReadOnly { .. } => ErrorKind::Storage,
            Error::Auth => ErrorKind::Auth,
            Error::Forbidden { .. } => ErrorKind::Forbidden,
            Error::Canceled(_) => ErrorKind::Canceled,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    /// Builds an [`Error::InvalidInput`].
    pub fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// Builds an [`Error::NotFound`].
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound { what: what.into() }
    }

    /// Builds an [`Error::Conflict`].
    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict(message.into())
    }

    /// Builds an [`Error::Provider`].
    pub fn provider(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Provider {
            provider: provider.into(),
            message: message.into(),
        }
    }

    /// Builds an [`Error::Storage`] with its cause.
    pub fn storage(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Storage {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// The 1-based line and column of a parse error, when known.
    pub fn position(&self) -> (Option<u64>, Option<u64>) {
        match self {
            Error::Parse { line, column, .. } => (*line, *column),
            Error::NmapDtd(v) => (v.line, v.column),
            _ => (None, None),
        }
    }

    /// Builds an [`Error::Parse`] without a position.
    pub fn parse(message: impl Into<String>) -> Self {
        Error::Parse {
            message: message.into(),
            line: None,
            column: None,
        }
    }
}
