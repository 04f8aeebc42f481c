//! `casiscan.Scan`, `casiscan.ScanPage` and `casiscan.ScanRun`: core records seen from Python.

use casiscan_core::model::Page;
use casiscan_core::model::{Progress, Scan, ScanRun};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{from_json, from_py, to_dict, to_json};
use crate::enums::{PyProviderKind, PyScanState, PyTargetMode};
use crate::errors::to_py_err;
use crate::schedule::PySchedule;

/// A scan: its configuration (settable) and its state and results (read-only).
#[pyclass(name = "Scan", module = "casiscan")]
#[derive(Debug, Clone)]
pub struct PyScan {
    /// The core record.
    pub inner: Scan,
}

impl From<Scan> for PyScan {
    fn from(inner: Scan) -> Self {
        PyScan { inner }
    }
}

#[pymethods]
impl PyScan {
    /// A new scan configuration `owner/name` (not stored until `Client.add_scan`).
    #[new]
    #[pyo3(signature = (owner, name, *, target = "", command = "",
        provider = Some(PyProviderKind::Nmap), target_mode = PyTargetMode::ManualInput,
        asset = "", display_name = "", timeout_seconds = None))]
    #[allow(
        clippy::too_many_arguments,
        reason = "mirrors the keyword arguments of the Python constructor"
    )]
    fn new(
        owner: String,
        name: String,
        target: &str,
        command: &str,
        provider: Option<PyProviderKind>,
        target_mode: PyTargetMode,
        asset: &str,
        display_name: &str,
        timeout_seconds: Option<u64>,
    ) -> Self {
        let mut inner = Scan::new(owner, name);
        inner.target = target.to_owned();
        inner.command = command.to_owned();
        inner.provider = provider.map(Into::into);
        inner.target_mode = target_mode.into();
        inner.asset = asset.to_owned();
        inner.display_name = display_name.to_owned();
        if let Some(t) = timeout_seconds {
            inner.timeout_seconds = t;
        }
        PyScan { inner }
    }

    /// Reads a scan from its JSON (Casibase field names), as `to_json()` writes it.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        from_json::<Scan>("scan", text)
            .map(PyScan::from)
            .map_err(to_py_err)
    }

    /// Reads a scan from a dict shaped like `to_dict()`.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyDict>) -> PyResult<Self> {
        from_py::<Scan>("scan", data.as_any()).map(PyScan::from)
    }

    /// `owner/name`.
    #[getter]
    fn id(&self) -> String {
        format!("{}/{}", self.inner.owner, self.inner.name)
    }

    #[getter]
    fn owner(&self) -> &str {
        &self.inner.owner
    }

    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    #[getter]
    fn created_time(&self) -> DateTime<Utc> {
        self.inner.created_time
    }

    #[getter]
    fn updated_time(&self) -> DateTime<Utc> {
        self.inner.updated_time
    }

    #[getter]
    fn get_display_name(&self) -> &str {
        &self.inner.display_name
    }

    #[setter]
    fn set_display_name(&mut self, v: String) {
        self.inner.display_name = v;
    }

    #[getter]
    fn get_target_mode(&self) -> PyTargetMode {
        self.inner.target_mode.into()
    }

    #[setter]
    fn set_target_mode(&mut self, v: PyTargetMode) {
        self.inner.target_mode = v.into();
    }

    #[getter]
    fn get_target(&self) -> &str {
        &self.inner.target
    }

    #[setter]
    fn set_target(&mut self, v: String) {
        self.inner.target = v;
    }

    #[getter]
    fn get_asset(&self) -> &str {
        &self.inner.asset
    }

    #[setter]
    fn set_asset(&mut self, v: String) {
        self.inner.asset = v;
    }

    #[getter]
    fn get_provider(&self) -> Option<PyProviderKind> {
        self.inner.provider.map(Into::into)
    }

    /// `None` (Casibase's `""`): no provider yet; the scan cannot start until one is set.
    #[setter]
    fn set_provider(&mut self, v: Option<PyProviderKind>) {
        self.inner.provider = v.map(Into::into);
    }

    #[getter]
    fn get_command(&self) -> &str {
        &self.inner.command
    }

    #[setter]
    fn set_command(&mut self, v: String) {
        self.inner.command = v;
    }

    #[getter]
    fn get_timeout_seconds(&self) -> u64 {
        self.inner.timeout_seconds
    }

    #[setter]
    fn set_timeout_seconds(&mut self, v: u64) {
        self.inner.timeout_seconds = v;
    }

    #[getter]
    fn state(&self) -> PyScanState {
        self.inner.state.into()
    }

    #[getter]
    fn runner(&self) -> &str {
        &self.inner.runner
    }

    #[getter]
    fn error_text(&self) -> &str {
        &self.inner.error_text
    }

    #[getter]
    fn raw_result(&self) -> &str {
        &self.inner.raw_result
    }

    #[getter]
    fn result(&self) -> &str {
        &self.inner.result
    }

    #[getter]
    fn result_summary(&self) -> &str {
        &self.inner.result_summary
    }

    #[getter]
    fn started_time(&self) -> Option<DateTime<Utc>> {
        self.inner.started_time
    }

    #[getter]
    fn finished_time(&self) -> Option<DateTime<Utc>> {
        self.inner.finished_time
    }

    #[getter]
    fn lease_until(&self) -> Option<DateTime<Utc>> {
        self.inner.lease_until
    }

    #[getter]
    fn attempt(&self) -> u32 {
        self.inner.attempt
    }

    /// When the scheduler queues this scan again (`None`: only when started by hand). Set it
    /// before `Client.add_scan`, or change it with `Client.set_scan_schedule`.
    #[getter]
    fn get_schedule(&self) -> Option<PySchedule> {
        self.inner.schedule.clone().map(PySchedule::from)
    }

    #[setter]
    fn set_schedule(&mut self, v: Option<PyRef<'_, PySchedule>>) {
        self.inner.schedule = v.map(|s| s.inner.clone());
    }

    /// Percent done (`None` when unknown) and the current phase.
    #[getter]
    fn progress(&self) -> (Option<f64>, String) {
        let Progress { percent, phase } = self.inner.progress.clone();
        (percent, phase)
    }

    /// The scan as the Rust JSON (Casibase field names) parsed into Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.inner)
    }

    /// The scan as JSON text, exactly as the Rust API writes it.
    fn to_json(&self) -> PyResult<String> {
        to_json(&self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Scan(id={:?}, state={}, target={:?}, provider={:?})",
            self.id(),
            self.inner.state,
            self.inner.target,
            self.inner.provider.map_or("", |p| p.as_str())
        )
    }
}

/// One page of scans and the number of scans matching the query in all.
#[pyclass(name = "ScanPage", module = "casiscan", frozen)]
#[derive(Debug)]
pub struct PyScanPage {
    page: Page<Scan>,
}

impl From<Page<Scan>> for PyScanPage {
    fn from(page: Page<Scan>) -> Self {
        PyScanPage { page }
    }
}

#[pymethods]
impl PyScanPage {
    /// The scans on this page.
    #[getter]
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.page.items.iter().cloned().map(PyScan::from))
    }

    /// How many scans match the query in all pages.
    #[getter]
    fn total(&self) -> u64 {
        self.page.total
    }

    fn __len__(&self) -> usize {
        self.page.items.len()
    }

    /// `{"items": [...], "total": n}` with each scan as in `Scan.to_dict()`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.page)
    }

    /// The page as JSON text.
    fn to_json(&self) -> PyResult<String> {
        to_json(&self.page)
    }

    fn __repr__(&self) -> String {
        format!(
            "ScanPage(items={}, total={})",
            self.page.items.len(),
            self.page.total
        )
    }
}

/// One recorded run of a scan.
#[pyclass(name = "ScanRun", module = "casiscan", frozen)]
#[derive(Debug)]
pub struct PyScanRun {
    inner: ScanRun,
}

impl From<ScanRun> for PyScanRun {
    fn from(inner: ScanRun) -> Self {
        PyScanRun { inner }
    }
}

#[pymethods]
impl PyScanRun {
    #[getter]
    fn seq(&self) -> u64 {
        self.inner.seq
    }

    #[getter]
    fn attempt(&self) -> u32 {
        self.inner.attempt
    }

    #[getter]
    fn runner(&self) -> &str {
        &self.inner.runner
    }

    #[getter]
    fn target(&self) -> &str {
        &self.inner.target
    }

    #[getter]
    fn command(&self) -> &str {
        &self.inner.command
    }

    #[getter]
    fn state(&self) -> PyScanState {
        self.inner.state.into()
    }

    #[getter]
    fn started_time(&self) -> Option<DateTime<Utc>> {
        self.inner.started_time
    }

    #[getter]
    fn finished_time(&self) -> Option<DateTime<Utc>> {
        self.inner.finished_time
    }

    #[getter]
    fn error_text(&self) -> &str {
        &self.inner.error_text
    }

    #[getter]
    fn result_summary(&self) -> &str {
        &self.inner.result_summary
    }

    /// True when the run was imported from an existing nmap XML file, not executed.
    #[getter]
    fn imported(&self) -> bool {
        self.inner.imported
    }

    /// The run as the Rust JSON parsed into Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.inner)
    }

    /// The run as JSON text.
    fn to_json(&self) -> PyResult<String> {
        to_json(&self.inner)
    }
}
