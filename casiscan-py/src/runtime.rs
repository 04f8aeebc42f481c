//! The one tokio runtime shared by the sync and the async Python API, and the helpers that
//! run core futures on it.

use std::future::Future;
use std::sync::OnceLock;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::errors::to_py_err;

/// The runtime and the id of the process that created it.
static RUNTIME: OnceLock<(u32, Runtime)> = OnceLock::new();

/// The process-wide runtime; refuses in a forked child, whose copy has no worker threads.
pub fn runtime() -> PyResult<&'static Runtime> {
    let (pid, rt) = match RUNTIME.get() {
        Some(entry) => entry,
        None => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("casiscan")
                .build()
                .map_err(|e| PyRuntimeError::new_err(format!("cannot start tokio: {e}")))?;
            RUNTIME.get_or_init(|| (std::process::id(), rt))
        }
    };
    if *pid != std::process::id() {
        return Err(PyRuntimeError::new_err(
            "casiscan cannot be used in a process forked after it started its runtime; \
             use the 'spawn' start method or import casiscan in the child",
        ));
    }
    Ok(rt)
}

/// Registers the shared runtime with pyo3-async-runtimes so awaitables run on it too.
pub fn register_with_asyncio() -> PyResult<()> {
    let rt = runtime()?;
    // A second registration (module imported in a sub-interpreter) keeps the first one,
    // which is this same runtime.
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    Ok(())
}

/// Runs a core future to completion with the interpreter released.
pub fn block_on<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = casiscan_core::Result<T>> + Send,
    T: Send,
{
    let rt = runtime()?;
    py.detach(|| rt.block_on(fut)).map_err(to_py_err)
}

/// Wraps a core future into a Python awaitable running on the shared runtime.
pub fn awaitable<'py, F, T, R>(
    py: Python<'py>,
    fut: F,
    convert: fn(T) -> R,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = casiscan_core::Result<T>> + Send + 'static,
    T: Send + 'static,
    R: for<'a> IntoPyObject<'a> + Send + 'static,
{
    runtime()?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        fut.await.map(convert).map_err(to_py_err)
    })
}
