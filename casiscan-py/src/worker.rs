//! `casiscan.Worker`: the core's claim loop running in the background on the shared runtime.

use std::sync::Mutex;
use std::time::Duration;

use casiscan_core::Result;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::errors::to_py_err;
use crate::runtime::runtime;

/// A running worker: claims Pending scans this runner may run and executes them.
#[pyclass(name = "Worker", module = "casiscan", frozen)]
#[derive(Debug)]
pub struct PyWorker {
    shutdown: CancellationToken,
    task: Mutex<Option<JoinHandle<Result<()>>>>,
}

impl PyWorker {
    /// Starts `run` (which must stop when the token is canceled) on the shared runtime.
    pub fn spawn<F>(run: impl FnOnce(CancellationToken) -> F) -> PyResult<Self>
    where
        F: Future<Output = Result<()>> + Send + 'static,
    {
        let shutdown = CancellationToken::new();
        let task = runtime()?.spawn(run(shutdown.clone()));
        Ok(PyWorker {
            shutdown,
            task: Mutex::new(Some(task)),
        })
    }
}

fn poisoned<T>(_: T) -> PyErr {
    PyRuntimeError::new_err("the worker handle was poisoned by a panic")
}

#[pymethods]
impl PyWorker {
    /// Asks the worker to stop; scans it holds are released back to the queue.
    pub fn stop(&self) {
        self.shutdown.cancel();
    }

    /// True until the worker has stopped and been waited for.
    #[getter]
    fn running(&self) -> PyResult<bool> {
        let task = self.task.lock().map_err(poisoned)?;
        Ok(task.as_ref().is_some_and(|t| !t.is_finished()))
    }

    /// Waits (interpreter released) until the worker stops, at most `timeout` seconds;
    /// returns whether it stopped. Raises the worker's error if it failed.
    #[pyo3(signature = (timeout = None))]
    pub fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let limit = timeout
            .map(Duration::try_from_secs_f64)
            .transpose()
            .map_err(|e| PyValueError::new_err(format!("timeout: {e}")))?;
        let Some(mut task) = self.task.lock().map_err(poisoned)?.take() else {
            return Ok(true);
        };
        let rt = runtime()?;
        let outcome = py.detach(|| {
            rt.block_on(async {
                match limit {
                    Some(limit) => tokio::time::timeout(limit, &mut task).await.ok(),
                    None => Some((&mut task).await),
                }
            })
        });
        match outcome {
            None => {
                *self.task.lock().map_err(poisoned)? = Some(task);
                Ok(false)
            }
            Some(Ok(Ok(()))) => Ok(true),
            Some(Ok(Err(e))) => Err(to_py_err(e)),
            Some(Err(join)) => Err(PyRuntimeError::new_err(format!(
                "the worker panicked: {join}"
            ))),
        }
    }
}
