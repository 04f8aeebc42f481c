//! OS patch state seen from Python: `os_patch_report(root)` and its typed classes.

use std::path::PathBuf;
use std::sync::Arc;

use casiscan_core::providers::ospatch::{
    InstalledPackage, OsPatchReport, Reboot, Summary, Update, debian_report,
};
use pyo3::prelude::*;

use crate::convert::{to_dict, to_json};
use crate::errors::to_py_err;

/// The OS patch report of a Debian/Ubuntu root: installed set, updates, reboot state.
#[pyclass(name = "OsPatchReport", module = "casiscan", frozen)]
#[derive(Debug)]
pub struct PyOsPatchReport {
    report: Arc<OsPatchReport>,
}

#[pymethods]
impl PyOsPatchReport {
    /// Which backend produced it ("dpkg/apt").
    #[getter]
    fn backend(&self) -> &'static str {
        self.report.backend
    }
    /// `PRETTY_NAME` from os-release.
    #[getter]
    fn os(&self) -> Option<&str> {
        self.report.os.as_deref()
    }
    #[getter]
    fn arch(&self) -> &str {
        &self.report.arch
    }
    #[getter]
    fn installed(&self) -> Vec<PyInstalledPackage> {
        self.report
            .installed
            .iter()
            .cloned()
            .map(PyInstalledPackage::from)
            .collect()
    }
    /// Available updates, sorted by name.
    #[getter]
    fn updates(&self) -> Vec<PyOsPatchUpdate> {
        self.report
            .updates
            .iter()
            .cloned()
            .map(PyOsPatchUpdate::from)
            .collect()
    }
    #[getter]
    fn reboot(&self) -> PyReboot {
        PyReboot::from(self.report.reboot.clone())
    }
    #[getter]
    fn summary(&self) -> PyOsPatchSummary {
        PyOsPatchSummary::from(self.report.summary.clone())
    }
    /// Package sources with their priorities, as dicts.
    #[getter]
    fn sources<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.report.sources)
    }
    #[getter]
    fn recommendations(&self) -> Vec<String> {
        self.report.recommendations.clone()
    }
    /// Files that could not be read or records that were ignored.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.report.warnings.clone()
    }
    /// The report as the Rust JSON parsed into Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &*self.report)
    }
    /// The report as JSON text, exactly as the Rust API writes it.
    fn to_json(&self) -> PyResult<String> {
        to_json(&*self.report)
    }
    fn __repr__(&self) -> String {
        format!(
            "OsPatchReport(installed={}, updates={}, security={})",
            self.report.summary.installed_count,
            self.report.summary.updates_count,
            self.report.summary.security_updates_count
        )
    }
}

leaf_class!(
    /// One available update with apt's candidate and the security verdict.
    PyOsPatchUpdate => Update, "OsPatchUpdate" {
        name: String,
        arch: String,
        installed_version: String,
        candidate_version: String,
        suites: Vec<String>,
        candidate_priority: i32,
        is_security: bool,
        candidate_in_security_archive: bool,
        security_version: Option<String>,
        advisories: Vec<String>,
        cve_ids: Vec<String>,
        held: bool,
        phased_percentage: Option<u32>,
        download_size: Option<u64>,
    }
);

leaf_class!(
    /// One installed package (dpkg status).
    PyInstalledPackage => InstalledPackage, "InstalledPackage" {
        name: String,
        arch: String,
        version: String,
        source_name: String,
        state: String,
        selection: String,
    }
);

leaf_class!(
    /// Whether a reboot is needed; `required` is `None` when unknown.
    PyReboot => Reboot, "Reboot" {
        required: Option<bool>,
        reasons: Vec<String>,
        packages: Vec<String>,
        running_kernel: Option<String>,
    }
);

leaf_class!(
    /// Counts of the report.
    PyOsPatchSummary => Summary, "OsPatchSummary" {
        installed_count: usize,
        updates_count: usize,
        security_updates_count: usize,
        security_candidate_count: usize,
        held_count: usize,
        metadata_as_of: Option<String>,
        metadata_expired: bool,
    }
);

/// Builds the OS patch report from the dpkg and apt files under `root` (default `/`), with
/// the interpreter released.
#[pyfunction]
#[pyo3(signature = (root = PathBuf::from("/")))]
pub fn os_patch_report(py: Python<'_>, root: PathBuf) -> PyResult<PyOsPatchReport> {
    let report = py.detach(|| debian_report(&root)).map_err(to_py_err)?;
    Ok(PyOsPatchReport {
        report: Arc::new(report),
    })
}
