//! Python's entry points to nmap XML: `parse_nmap` (bytes, str or path; sync and awaitable) and
//! `iter_nmap_hosts`, the streaming reader.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Mutex;

use casiscan_core::Error;
use casiscan_core::providers::nmap::{self, HostReader, ParseOptions};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::errors::to_py_err;
use crate::nmap::{PyHost, PyNmapRun};

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

fn parse_input(input: &Input<'_>, lenient: bool) -> casiscan_core::Result<PyNmapRun> {
    let options = ParseOptions { lenient };
    let run = match input {
        Input::Xml(raw) => nmap::parse_with(raw, options)?,
        Input::Path(path) => nmap::parse_file_with(path, options)?,
    };
    Ok(PyNmapRun::from_run(run))
}

/// Parses nmap XML (`-oX`) from bytes, from a str holding the XML, or from a path
/// (`os.PathLike`); the interpreter is released while Rust parses. A value that breaks
/// nmap.dtd raises `ParseError`, unless `lenient` (then it is dropped and listed in `warnings`).
#[pyfunction]
#[pyo3(signature = (data, *, lenient = false))]
pub fn parse_nmap(py: Python<'_>, data: &Bound<'_, PyAny>, lenient: bool) -> PyResult<PyNmapRun> {
    let input = input(data)?;
    py.detach(|| parse_input(&input, lenient))
        .map_err(to_py_err)
}

/// Awaitable twin of `parse_nmap`: parses on the runtime's blocking pool (XML is copied).
#[pyfunction]
#[pyo3(signature = (data, *, lenient = false))]
pub fn parse_nmap_async<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    lenient: bool,
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
                parse_input(&input, lenient)
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
            Ok(Ok(host)) => Ok(host.map(PyHost::owned)),
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
        Ok(PyNmapRun::from_run(reader.run().clone()))
    }
}

/// Streams the hosts of the nmap XML file at `path` (str or os.PathLike).
#[pyfunction]
#[pyo3(signature = (path, *, lenient = false))]
pub fn iter_nmap_hosts(py: Python<'_>, path: PathBuf, lenient: bool) -> PyResult<PyHostIterator> {
    let reader = py
        .detach(|| {
            let file = File::open(&path).map_err(|e| io_error(&path, e))?;
            HostReader::with_options(
                BufReader::with_capacity(1 << 16, file),
                ParseOptions { lenient },
            )
        })
        .map_err(to_py_err)?;
    Ok(PyHostIterator {
        reader: Mutex::new(reader),
    })
}
