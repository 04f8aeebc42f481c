//! nmap results seen from Python: `parse_nmap`, `iter_nmap_hosts` and the typed classes of the
//! core's nmap model. Objects share the parsed run (no copy) and build children on access.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use casiscan_core::Error;
use casiscan_core::providers::nmap::{self, Host, HostReader, NmapRun, Port};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::convert::{to_dict, to_json};
use crate::errors::to_py_err;
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

/// The core's I/O error for `path`.
fn io_error(path: &std::path::Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// What `parse_nmap` was given: XML in memory (borrowed or owned) or a file.
enum Input<'a> {
    Xml(&'a [u8]),
    Path(PathBuf),
}

/// Sorts the argument of `parse_nmap` into XML or a path, refusing anything else.
fn input<'a>(data: &'a Bound<'_, PyAny>) -> PyResult<Input<'a>> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        Ok(Input::Xml(bytes.as_bytes()))
    } else if let Ok(text) = data.cast::<PyString>() {
        Ok(Input::Xml(text.to_str()?.as_bytes()))
    } else if data.hasattr("__fspath__")? {
        Ok(Input::Path(data.extract()?))
    } else {
        Err(PyTypeError::new_err(format!(
            "parse_nmap() takes bytes, str (the XML) or an os.PathLike, not {}",
            data.get_type().name()?
        )))
    }
}

fn parse_input(input: &Input<'_>) -> casiscan_core::Result<PyNmapRun> {
    let run = match input {
        Input::Xml(raw) => nmap::parse(raw)?,
        Input::Path(path) => nmap::parse_file(path)?,
    };
    Ok(PyNmapRun { run: Arc::new(run) })
}

/// Parses nmap XML (`-oX`) from bytes, from a str holding the XML, or from a path
/// (`os.PathLike`); the interpreter is released while Rust parses.
#[pyfunction]
pub fn parse_nmap(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<PyNmapRun> {
    let input = input(data)?;
    py.detach(|| parse_input(&input)).map_err(to_py_err)
}

/// Awaitable twin of `parse_nmap`: parses on the runtime's blocking pool (XML is copied).
#[pyfunction]
pub fn parse_nmap_async<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let owned = match input(data)? {
        Input::Xml(raw) => OwnedInput::Xml(raw.to_vec()),
        Input::Path(path) => OwnedInput::Path(path),
    };
    crate::runtime::awaitable(
        py,
        async move {
            let task = tokio::task::spawn_blocking(move || {
                let input = match &owned {
                    OwnedInput::Xml(raw) => Input::Xml(raw),
                    OwnedInput::Path(path) => Input::Path(path.clone()),
                };
                parse_input(&input)
            });
            match task.await {
                Ok(result) => result,
                Err(e) if e.is_cancelled() => {
                    Err(Error::Canceled("the nmap parse task was canceled".into()))
                }
                // A panic in the parser stays a panic (PyO3 raises PanicException).
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        },
        |run| run,
    )
}

/// `Input` with the XML owned, to move into a task.
enum OwnedInput {
    Xml(Vec<u8>),
    Path(PathBuf),
}

/// Reads the hosts of an nmap XML file one at a time, in constant memory.
#[pyclass(name = "NmapHostIterator", module = "casiscan", frozen)]
pub struct PyHostIterator {
    reader: Mutex<HostReader<BufReader<File>>>,
}

impl std::fmt::Debug for PyHostIterator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyHostIterator").finish_non_exhaustive()
    }
}

#[pymethods]
impl PyHostIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyHost>> {
        let next = py.detach(|| match self.reader.lock() {
            Ok(mut reader) => Ok(reader.next_host()),
            Err(_) => Err(()),
        });
        match next {
            Ok(Ok(host)) => Ok(host.map(|h| PyHost {
                host: HostRef::Own(Arc::new(h)),
            })),
            Ok(Err(e)) => Err(to_py_err(e)),
            Err(()) => Err(PyRuntimeError::new_err(
                "the nmap reader was poisoned by a panic",
            )),
        }
    }

    /// Everything read outside hosts so far (header; runstats and `incomplete` once exhausted).
    #[getter]
    fn run(&self) -> PyResult<PyNmapRun> {
        let reader = self
            .reader
            .lock()
            .map_err(|_| PyRuntimeError::new_err("the nmap reader was poisoned by a panic"))?;
        Ok(PyNmapRun {
            run: Arc::new(reader.run().clone()),
        })
    }
}

/// Streams the hosts of the nmap XML file at `path` (str or os.PathLike).
#[pyfunction]
pub fn iter_nmap_hosts(py: Python<'_>, path: PathBuf) -> PyResult<PyHostIterator> {
    let reader = py
        .detach(|| {
            let file = File::open(&path).map_err(|e| io_error(&path, e))?;
            HostReader::new(BufReader::with_capacity(1 << 16, file))
        })
        .map_err(to_py_err)?;
    Ok(PyHostIterator {
        reader: Mutex::new(reader),
    })
}
