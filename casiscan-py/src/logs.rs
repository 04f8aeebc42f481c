//! One page of stored scan logs handed to Python as the dict the Rust JSON would read as:
//! `{"logs": [...], "nextCursor": str | None}`.

use casiscan_core::ScanLogPage;
use pyo3::prelude::*;

/// A page of scan logs on its way to Python.
pub struct PyScanLogPage(pub ScanLogPage);

impl From<ScanLogPage> for PyScanLogPage {
    fn from(page: ScanLogPage) -> Self {
        PyScanLogPage(page)
    }
}

impl<'py> IntoPyObject<'py> for PyScanLogPage {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::convert::to_dict(py, &self.0)
    }
}
