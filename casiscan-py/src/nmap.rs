//! nmap results seen from Python: the typed classes of the core's nmap model. Objects share the
//! parsed run (no copy) and build children on access.

use std::sync::Arc;

use casiscan_core::providers::nmap::{Host, NmapRun, Port};
use pyo3::prelude::*;

use crate::client::XmlInput;
use crate::convert::json_hash;
use crate::convert::{to_dict, to_json};
use crate::errors::to_py_err;
use crate::nmap_leaf::{
    PyAddress, PyHostStatus, PyHostname, PyOsClass, PyOsMatch, PyPortState, PyScript, PyService,
};

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
    /// A run from the JSON `to_json()` writes (the Rust model's shape).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        py.detach(|| serde_json::from_str::<NmapRun>(text))
            .map(Self::from_run)
            .map_err(|e| {
                to_py_err(casiscan_core::Error::invalid(
                    "nmap run JSON",
                    e.to_string(),
                ))
            })
    }
    /// Equal when every element and attribute is equal (two parses of one file are equal).
    fn __eq__(&self, py: Python<'_>, other: PyRef<'_, Self>) -> bool {
        let (a, b) = (Arc::clone(&self.run), Arc::clone(&other.run));
        py.detach(|| a == b)
    }
    fn __hash__(&self, py: Python<'_>) -> u64 {
        let run = Arc::clone(&self.run);
        py.detach(|| json_hash(&*run))
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
    /// The OS matches, most accurate first.
    #[getter]
    fn os_matches(&self) -> Vec<PyOsMatch> {
        self.host
            .get()
            .os_matches_by_accuracy()
            .into_iter()
            .cloned()
            .map(PyOsMatch::from)
            .collect()
    }
    /// Every OS class (of each match, and any directly under `<os>`), most accurate first.
    #[getter]
    fn os_classes(&self) -> Vec<PyOsClass> {
        self.host
            .get()
            .os_classes_by_accuracy()
            .into_iter()
            .cloned()
            .map(PyOsClass::from)
            .collect()
    }
    /// When the host last booted, as nmap wrote it (`<uptime lastboot>`), if it guessed.
    #[getter]
    fn lastboot(&self) -> Option<String> {
        self.host.get().lastboot().map(ToString::to_string)
    }
    /// Parses one `<host>` element (bytes or str), strictly as inside a run.
    #[staticmethod]
    fn from_xml(py: Python<'_>, xml: XmlInput) -> PyResult<Self> {
        py.detach(|| casiscan_core::providers::nmap::parse_host(xml.bytes()))
            .map(Self::owned)
            .map_err(to_py_err)
    }
    /// Equal when every element and attribute of the hosts is equal.
    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.host.get() == other.host.get()
    }
    fn __hash__(&self) -> u64 {
        json_hash(self.host.get())
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
    /// Parses one `<port>` element (bytes or str), strictly as inside a host's `<ports>`.
    #[staticmethod]
    fn from_xml(py: Python<'_>, xml: XmlInput) -> PyResult<Self> {
        let port = py
            .detach(|| casiscan_core::providers::nmap::parse_port(xml.bytes()))
            .map_err(to_py_err)?;
        let host = Host {
            ports: vec![port],
            ..Host::default()
        };
        Ok(PyPort {
            host: HostRef::Own(Arc::new(host)),
            index: 0,
        })
    }
    /// Equal when every element and attribute of the ports is equal.
    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.port() == other.port()
    }
    fn __hash__(&self) -> u64 {
        json_hash(self.port())
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
