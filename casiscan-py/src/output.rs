//! `casiscan.RunOutput`: what an on-demand run (`Client.run_now`) produced.

use casiscan_core::providers::ProviderOutput;
use pyo3::prelude::*;

use crate::convert::{to_dict, to_json};

/// The provider's raw text, its structured result and a one-line summary.
#[pyclass(name = "RunOutput", module = "casiscan", frozen)]
#[derive(Debug)]
pub struct PyRunOutput {
    inner: ProviderOutput,
}

impl From<ProviderOutput> for PyRunOutput {
    fn from(inner: ProviderOutput) -> Self {
        PyRunOutput { inner }
    }
}

impl PyRunOutput {
    /// The output in the JSON shape of a scan's result fields.
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "rawResult": self.inner.raw_text,
            "result": self.inner.result,
            "resultSummary": self.inner.summary,
        })
    }
}

#[pymethods]
impl PyRunOutput {
    /// The tool's own text output.
    #[getter]
    fn raw_text(&self) -> &str {
        &self.inner.raw_text
    }

    /// The structured result as Python objects.
    #[getter]
    fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.inner.result)
    }

    /// One line, e.g. "11 ports found".
    #[getter]
    fn summary(&self) -> &str {
        &self.inner.summary
    }

    /// `{"rawResult": ..., "result": ..., "resultSummary": ...}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.json())
    }

    /// The output as JSON text.
    fn to_json(&self) -> PyResult<String> {
        to_json(&self.json())
    }
}
