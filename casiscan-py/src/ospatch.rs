//! OS patch state seen from Python: `os_patch_report(root, backend)` and its typed classes.

use std::path::PathBuf;
use std::sync::Arc;

use casiscan_core::providers::ospatch::{
    Backend, InstalledPackage, PatchReport, PatchUpdate, Reboot, Summary, report,
};
use pyo3::prelude::*;

use crate::convert::{to_dict, to_json};
use crate::enums::PyOsPatchBackend;
use crate::errors::to_py_err;

/// The OS patch report of a Debian/Ubuntu, RPM or Windows (recorded) root: the same keys for
/// every backend.
#[pyclass(name = "OsPatchReport", module = "casiscan", frozen)]
#[derive(Debug)]
pub struct PyOsPatchReport {
    report: Arc<PatchReport>,
}

#[pymethods]
impl PyOsPatchReport {
    /// Which backend produced it.
    #[getter]
    fn backend(&self) -> PyOsPatchBackend {
        self.report.backend.into()
    }
    /// `PRETTY_NAME` from os-release.
    #[getter]
    fn os(&self) -> Option<&str> {
        self.report.os.as_deref()
    }
    /// Support phase of the release, as a dict (`None` when unknown).
    #[getter]
    fn support<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.report.support)
    }
    /// Native architecture.
    #[getter]
    fn arch(&self) -> Option<&str> {
        self.report.arch.as_deref()
    }
    /// Installed packages (Windows: installed updates and hotfixes).
    #[getter]
    fn installed(&self) -> Vec<PyInstalledPackage> {
        self.report
            .installed
            .iter()
            .cloned()
            .map(PyInstalledPackage::from)
            .collect()
    }
    /// Pending updates.
    #[getter]
    fn updates(&self) -> Vec<PyOsPatchUpdate> {
        self.report
            .updates
            .iter()
            .cloned()
            .map(PyOsPatchUpdate::from)
            .collect()
    }
    /// Reboot state.
    #[getter]
    fn reboot(&self) -> PyReboot {
        PyReboot::from(self.report.reboot.clone())
    }
    /// Counts.
    #[getter]
    fn summary(&self) -> PyOsPatchSummary {
        PyOsPatchSummary::from(self.report.summary.clone())
    }
    /// Package sources that were read, as dicts.
    #[getter]
    fn sources<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.report.sources)
    }
    /// What to do next.
    #[getter]
    fn recommendations(&self) -> Vec<String> {
        self.report.recommendations.clone()
    }
    /// Files that could not be read, records that were ignored, unknown keys and why.
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
        let security = self
            .report
            .summary
            .security_updates_count
            .map_or_else(|| "None".to_string(), |n| n.to_string());
        format!(
            "OsPatchReport(backend={}, installed={}, updates={}, security={security})",
            self.report.backend,
            self.report.summary.installed_count,
            self.report.summary.updates_count,
        )
    }
}

leaf_class!(
    /// One pending update with its backend's security verdict.
    PyOsPatchUpdate => PatchUpdate, "OsPatchUpdate" {
        name: String,
        title: String,
        arch: Option<String>,
        installed_version: Option<String>,
        candidate_version: Option<String>,
        is_security: bool,
        severity: Option<String>,
        advisories: Vec<String>,
        cve_ids: Vec<String>,
        held: Option<bool>,
        reboot_required: Option<bool>,
        download_size: Option<u64>,
        suites: Vec<String>,
        candidate_priority: Option<i32>,
        security_version: Option<String>,
        candidate_in_security_archive: Option<bool>,
        phased_percentage: Option<u32>,
        kb: Option<String>,
        categories: Vec<String>,
    }
);

leaf_class!(
    /// One installed package (Windows: an installed update or hotfix).
    PyInstalledPackage => InstalledPackage, "InstalledPackage" {
        name: String,
        version: Option<String>,
        arch: Option<String>,
        source_name: Option<String>,
        state: Option<String>,
        selection: Option<String>,
        installed_on: Option<String>,
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
    /// Counts of the report; `None` where the backend cannot know.
    PyOsPatchSummary => Summary, "OsPatchSummary" {
        installed_count: usize,
        updates_count: usize,
        security_updates_count: Option<usize>,
        security_candidate_count: Option<usize>,
        held_count: Option<usize>,
        metadata_as_of: Option<String>,
        metadata_expired: Option<bool>,
    }
);

/// A backend given as `OsPatchBackend` or as its name (`"debian"`, `"rpm"`, `"windows"`).
#[derive(Debug, FromPyObject)]
pub enum BackendArg {
    /// The enum.
    Enum(PyOsPatchBackend),
    /// Its name.
    Name(String),
}

/// Builds the OS patch report of `root` (default `/`; a mounted root, or recorded Windows Update
/// output: a file or a directory holding `wua.json`) from `backend` or the detected one, with
/// the interpreter released.
#[pyfunction]
#[pyo3(signature = (root = None, backend = None))]
pub fn os_patch_report(
    py: Python<'_>,
    root: Option<PathBuf>,
    backend: Option<BackendArg>,
) -> PyResult<PyOsPatchReport> {
    let backend: Option<Backend> = match backend {
        None => None,
        Some(BackendArg::Enum(b)) => Some(b.into()),
        Some(BackendArg::Name(name)) => Some(name.parse().map_err(to_py_err)?),
    };
    let root = root.unwrap_or_else(|| PathBuf::from("/"));
    let report = py.detach(|| report(&root, backend)).map_err(to_py_err)?;
    Ok(PyOsPatchReport {
        report: Arc::new(report),
    })
}
