//! The Python exception classes and the one mapping from core errors to them.

use casiscan_core::{Error, ErrorKind};
use pyo3::PyTypeInfo;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;

create_exception!(
    casiscan,
    CasiscanError,
    PyException,
    "Base class of every casiscan error; `.kind` names the core error kind."
);
create_exception!(
    casiscan,
    InvalidInputError,
    CasiscanError,
    "The caller passed something malformed (an id, a target, a command, a query)."
);
create_exception!(
    casiscan,
    NotFoundError,
    CasiscanError,
    "The named record does not exist."
);
create_exception!(
    casiscan,
    ConflictError,
    CasiscanError,
    "The write conflicts with the stored state (forbidden transition, lost race, duplicate)."
);
create_exception!(
    casiscan,
    ParseError,
    CasiscanError,
    "Input data (XML, package lists, JSON) could not be parsed."
);
create_exception!(
    casiscan,
    ProviderError,
    CasiscanError,
    "A provider failed: tool missing, tool exited with an error, timed out, killed."
);
create_exception!(
    casiscan,
    StorageError,
    CasiscanError,
    "The storage backend failed."
);
create_exception!(
    casiscan,
    AuthError,
    CasiscanError,
    "Authentication or authorisation failed."
);
create_exception!(
    casiscan,
    ForbiddenError,
    CasiscanError,
    "The target is outside the account's scope policy; the message names the target and rule."
);
create_exception!(
    casiscan,
    CanceledError,
    CasiscanError,
    "The operation was canceled."
);
create_exception!(
    casiscan,
    CasiscanIOError,
    CasiscanError,
    "Reading or writing a local file failed."
);

/// The Python class of each core error kind; the only place kinds meet classes.
fn class_of(py: Python<'_>, kind: ErrorKind) -> Bound<'_, PyType> {
    match kind {
        ErrorKind::InvalidInput => InvalidInputError::type_object(py),
        ErrorKind::NotFound => NotFoundError::type_object(py),
        ErrorKind::Conflict => ConflictError::type_object(py),
        ErrorKind::Parse => ParseError::type_object(py),
        ErrorKind::Provider => ProviderError::type_object(py),
        ErrorKind::Storage => StorageError::type_object(py),
        ErrorKind::Auth => AuthError::type_object(py),
        ErrorKind::Forbidden => ForbiddenError::type_object(py),
        ErrorKind::Canceled => CanceledError::type_object(py),
        ErrorKind::Io => CasiscanIOError::type_object(py),
    }
}

/// Every core error kind, for setting each class's `.kind` once at import.
const ALL_KINDS: [ErrorKind; 10] = [
    ErrorKind::InvalidInput,
    ErrorKind::NotFound,
    ErrorKind::Conflict,
    ErrorKind::Parse,
    ErrorKind::Provider,
    ErrorKind::Storage,
    ErrorKind::Auth,
    ErrorKind::Forbidden,
    ErrorKind::Canceled,
    ErrorKind::Io,
];

/// Sets the class attribute `kind` of every exception class (`None` on the base class).
pub fn init_kinds(py: Python<'_>) -> PyResult<()> {
    CasiscanError::type_object(py).setattr("kind", py.None())?;
    for kind in ALL_KINDS {
        class_of(py, kind).setattr("kind", kind.as_str())?;
    }
    ParseError::type_object(py).setattr("line", py.None())?;
    ParseError::type_object(py).setattr("column", py.None())?;
    Ok(())
}

/// A core error on its way to Python (the orphan rule forbids `From<Error> for PyErr`).
#[derive(Debug)]
pub struct PyCasiscanError(pub Error);

impl From<Error> for PyCasiscanError {
    fn from(e: Error) -> Self {
        PyCasiscanError(e)
    }
}

impl From<PyCasiscanError> for PyErr {
    fn from(PyCasiscanError(e): PyCasiscanError) -> PyErr {
        to_py_err(e)
    }
}

/// Converts a core error into an instance of its Python class carrying the Rust message;
/// a parse error also carries `.line` and `.column` (1-based, or `None`).
pub fn to_py_err(e: Error) -> PyErr {
    let message = e.to_string();
    Python::attach(|py| {
        let err = PyErr::from_type(class_of(py, e.kind()), message);
        if e.kind() == casiscan_core::ErrorKind::Parse {
            let (line, column) = e.position();
            let value = err.value(py);
            if let Err(set) = value
                .setattr("line", line)
                .and_then(|()| value.setattr("column", column))
            {
                return set;
            }
        }
        err
    })
}
