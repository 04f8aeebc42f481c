//! nmap results seen from Python: the typed classes of the core's nmap model. Objects share the
//! parsed run (no copy) and build children on access.

use std::sync::Arc;

use casiscan_core::providers::nmap::{Host, NmapRun, Port};
use pyo3::prelude::*;

use crate::convert::{to_dict, to_json};
use crate::nmap_leaf::{PyAddress, PyHostStatus, PyHostname, PyPortState, PyScript, PyService};

/// A host inside a parsed run, or one handed out by the streaming reader.
#[derive(Debug, Clone)]
enum HostRef {
    InRun(Arc<NmapRun>, usize),
    Own(Arc<Host>),
}

impl HostRef {
    fn get(&self) -> &Host {
        match self {
            HostRef::InRun(run, i) => &run.hosts[*i],
            HostRef::Own(host) => host,
        }
    }
}

/// A parsed nmap run (`<nmaprun>`); `incomplete` is true for an interrupted scan.
#[pyclass(name = "NmapRun", module = "casiscan", frozen)]
#[derive(Debug)]
pub struct PyNmapRun {
    run: Arc<NmapRun>,
}

#[pymethods]
impl PyNmapRun {
    #[getter]
    fn scanner(&self) -> Option<&str> {
        self.run.scanner.as_deref()
    }
    #[getter]
    fn args(&self) -> Option<&str> {
        self.run.args.as_deref()
    }
    #[getter]
    fn start(&self) -> Option<i64> {
        self.run.start
    }
    #[getter]
    fn startstr(&self) -> Option<&str> {
        self.run.startstr.as_deref()
    }
    #[getter]
    fn version(&self) -> Option<&str> {
        self.run.version.as_deref()
    }
    #[getter]
    fn xmloutputversion(&self) -> Option<&str> {
        self.run.xmloutputversion.as_deref()
    }
    #[getter]
    fn verbose(&self) -> Option<i64> {
        self.run.verbose
    }
    #[getter]
    fn debugging(&self) -> Option<i64> {
        self.run.debugging
    }
    /// True when the document ended early (killed scan): every complete host is kept.
    #[getter]
    fn incomplete(&self) -> bool {
        self.run.incomplete
    }
    /// The scanned hosts, in document order.
    #[getter]
    fn hosts(&self) -> Vec<PyHost> {
        (0..self.run.hosts.len())
            .map(|i| PyHost {
                host: HostRef::InRun(Arc::clone(&self.run), i),
            })
            .collect()
    }
    /// Every `<scaninfo>` as dicts (`type`, `protocol`, `numservices`, `services`, ...).
    #[getter]
    fn scaninfos<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.run.scaninfos)
    }
    /// `<runstats>` as a dict (`finished`, `hosts`), or `None` when the run was cut.
    #[getter]
    fn runstats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.run.runstats)
    }
    #[getter]
    fn prescripts(&self) -> Vec<PyScript> {
        self.run
            .prescripts
            .iter()
            .cloned()
            .map(PyScript::from)
            .collect()
    }
    #[getter]
    fn postscripts(&self) -> Vec<PyScript> {
        self.run
            .postscripts
            .iter()
            .cloned()
            .map(PyScript::from)
            .collect()
    }
    /// The hosts nmap reported up.
    #[getter]
    fn hosts_up(&self) -> Vec<PyHost> {
        (0..self.run.hosts.len())
            .filter(|&i| self.run.hosts[i].is_up())
            .map(|i| PyHost {
                host: HostRef::InRun(Arc::clone(&self.run), i),
            })
            .collect()
    }
    /// Values that broke nmap.dtd and were dropped (lenient parsing), as dicts (`element`,
    /// `attribute`, `value`, `problem`, `offset`, `line`, `column`).
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.run.warnings)
    }
    /// What changed from this (older) run to `newer`, in every category nmap's ndiff reports,
    /// as a dict (`run`, `prescripts`, `hosts`, `unchanged`, `postscripts`).
    fn diff<'py>(
        &self,
        py: Python<'py>,
        newer: PyRef<'_, PyNmapRun>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (a, b) = (Arc::clone(&self.run), Arc::clone(&newer.run));
        let d = py.detach(|| casiscan_core::providers::nmap::diff(&a, &b));
        to_dict(py, &d)
    }
    /// The difference to `newer` as ndiff's text report.
    fn diff_text(&self, py: Python<'_>, newer: PyRef<'_, PyNmapRun>) -> String {
        let (a, b) = (Arc::clone(&self.run), Arc::clone(&newer.run));
        py.detach(|| {
            let d = casiscan_core::providers::nmap::diff(&a, &b);
            casiscan_core::providers::nmap::diff_text(&a, &b, &d)
        })
    }
    /// The whole run as the Rust JSON parsed into Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &*self.run)
    }
    /// The whole run as JSON text, exactly as the Rust API writes it.
    fn to_json(&self) -> PyResult<String> {
        to_json(&*self.run)
    }
    fn __repr__(&self) -> String {
        format!(
            "NmapRun(hosts={}, incomplete={})",
            self.run.hosts.len(),
            self.run.incomplete
        )
    }
}

/// One `<host>`: status, addresses, names, ports and the rest of its detail.
#[pyclass(name = "NmapHost", module = "casiscan", frozen)]
#[derive(Debug)]
pub struct PyHost {
    host: HostRef,
}

#[pymethods]
impl PyHost {
    #[getter]
    fn starttime(&self) -> Option<i64> {
        self.host.get().starttime
    }
    #[getter]
    fn endtime(&self) -> Option<i64> {
        self.host.get().endtime
    }
    #[getter]
    fn status(&self) -> Option<PyHostStatus> {
        self.host.get().status.clone().map(PyHostStatus::from)
    }
    #[getter]
    fn addresses(&self) -> Vec<PyAddress> {
        self.host
            .get()
            .addresses
            .iter()
            .cloned()
            .map(PyAddress::from)
            .collect()
    }
    #[getter]
    fn hostnames(&self) -> Vec<PyHostname> {
        self.host
            .get()
            .hostnames
            .iter()
            .cloned()
            .map(PyHostname::from)
            .collect()
    }
    /// The ports nmap listed one by one (the rest are summarised in `extraports`).
    /// True when nmap reported the host up.
    fn is_up(&self) -> bool {
        self.host.get().is_up()
    }
    /// The MAC address, if nmap saw one.
    #[getter]
    fn mac(&self) -> Option<String> {
        self.host.get().mac().map(ToString::to_string)
    }
    /// The ports whose state is `open`.
    fn open_ports(&self) -> Vec<PyPort> {
        self.host
            .get()
            .open_port_indexes()
            .into_iter()
            .map(|index| PyPort {
                host: self.host.clone(),
                index,
            })
            .collect()
    }
    /// The service found on `port`/`protocol` (`None` when the port is not listed or has none).
    #[pyo3(signature = (port, protocol = "tcp"))]
    fn service(&self, port: u32, protocol: &str) -> Option<PyService> {
        let host = self.host.get();
        let index = host.port_index(port, protocol)?;
        host.ports[index].service.clone().map(PyService::from)
    }
    #[getter]
    fn ports(&self) -> Vec<PyPort> {
        (0..self.host.get().ports.len())
            .map(|i| PyPort {
                host: self.host.clone(),
                index: i,
            })
            .collect()
    }
    #[getter]
    fn extraports<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.host.get().extraports)
    }
    /// OS detection (`portused`, `osmatches`, `osclasses`, `osfingerprints`) as a dict, or `None`.
    #[getter]
    fn os<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.host.get().extra().os)
    }
    #[getter]
    fn distance(&self) -> Option<u32> {
        self.host.get().extra().distance
    }
    #[getter]
    fn uptime<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.host.get().extra().uptime)
    }
    #[getter]
    fn trace<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.host.get().extra().trace)
    }
    #[getter]
    fn times<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.host.get().times)
    }
    #[getter]
    fn hostscripts(&self) -> Vec<PyScript> {
        self.host
            .get()
            .extra()
            .hostscripts
            .iter()
            .cloned()
            .map(PyScript::from)
            .collect()
    }
    /// The host as the Rust JSON parsed into Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, self.host.get())
    }
    /// The host as JSON text.
    fn to_json(&self) -> PyResult<String> {
        to_json(self.host.get())
    }
    fn __repr__(&self) -> String {
        let h = self.host.get();
        let addr = h.addresses.first().map(|a| a.addr.as_str()).unwrap_or("?");
        format!("NmapHost(address={addr:?}, ports={})", h.ports.len())
    }
}

/// One `<port>`: protocol, number, state, service and scripts.
#[pyclass(name = "NmapPort", module = "casiscan", frozen)]
#[derive(Debug)]
pub struct PyPort {
    host: HostRef,
    index: usize,
}

impl PyPort {
    fn port(&self) -> &Port {
        &self.host.get().ports[self.index]
    }
}

#[pymethods]
impl PyPort {
    #[getter]
    fn protocol(&self) -> Option<&str> {
        self.port().protocol.as_deref()
    }
    #[getter]
    fn portid(&self) -> Option<u32> {
        self.port().portid
    }
    #[getter]
    fn state(&self) -> Option<PyPortState> {
        self.port().state.clone().map(PyPortState::from)
    }
    #[getter]
    fn owner(&self) -> Option<&str> {
        self.port().owner.as_deref()
    }
    #[getter]
    fn service(&self) -> Option<PyService> {
        self.port().service.clone().map(PyService::from)
    }
    #[getter]
    fn scripts(&self) -> Vec<PyScript> {
        self.port()
            .scripts
            .iter()
            .cloned()
            .map(PyScript::from)
            .collect()
    }
    /// The port as the Rust JSON parsed into Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, self.port())
    }
    /// The port as JSON text.
    fn to_json(&self) -> PyResult<String> {
        to_json(self.port())
    }
    fn __repr__(&self) -> String {
        let p = self.port();
        format!(
            "NmapPort({}/{}, state={:?})",
            p.portid.map(|n| n.to_string()).unwrap_or_default(),
            p.protocol.as_deref().unwrap_or(""),
            p.state
                .as_ref()
                .and_then(|s| s.state.as_deref())
                .unwrap_or("")
        )
    }
}

impl PyNmapRun {
    /// Wraps a parsed run.
    pub(crate) fn from_run(run: NmapRun) -> Self {
        PyNmapRun { run: Arc::new(run) }
    }
}

impl PyHost {
    /// Wraps a host handed out by the streaming reader.
    pub(crate) fn owned(host: Host) -> Self {
        PyHost {
            host: HostRef::Own(Arc::new(host)),
        }
    }
}
