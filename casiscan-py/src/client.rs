//! `casiscan.Client`: the core client, with blocking methods (interpreter released while Rust
//! works) and awaitable `*_async` twins on the shared runtime.

use std::sync::Arc;

use casiscan_core::model::{ScanField, ScanQuery, SortOrder};
use casiscan_core::providers;
use casiscan_core::runner::WorkerConfig;
use casiscan_core::{Client, Result};
use pyo3::prelude::*;

use crate::asset::PyAsset;
use crate::callbacks::Callbacks;
use crate::errors::to_py_err;
use crate::logs::PyScanLogPage;
use crate::output::PyRunOutput;
use crate::runtime::{awaitable, block_on, runtime};
use crate::scan::{PyScan, PyScanPage, PyScanRun};
use crate::worker::PyWorker;

/// A casiscan client on one database (`"casiscan.db"`, `"sqlite:PATH"`, `"memory:"`, ...).
#[pyclass(name = "Client", module = "casiscan", frozen, subclass)]
#[derive(Debug)]
pub struct PyClient {
    pub(crate) inner: Arc<Client>,
}

/// An XML document given as `bytes` or `str`.
pub(crate) struct XmlInput(Vec<u8>);

impl XmlInput {
    /// The document's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for XmlInput {
    type Error = PyErr;

    fn extract(ob: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        use pyo3::types::{PyBytes, PyString};
        if let Ok(b) = ob.cast::<PyBytes>() {
            return Ok(XmlInput(b.as_bytes().to_vec()));
        }
        if let Ok(s) = ob.cast::<PyString>() {
            return Ok(XmlInput(s.to_str()?.as_bytes().to_vec()));
        }
        Err(pyo3::exceptions::PyTypeError::new_err(
            "the nmap XML must be bytes or str",
        ))
    }
}

/// Builds the core list query from the Python keyword arguments.
fn scan_query(
    owner: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
    filter: Option<(String, String)>,
    sort_field: Option<String>,
    sort_order: &str,
    asset: Option<String>,
) -> Result<ScanQuery> {
    let filter = match filter {
        Some((field, value)) => Some((field.parse::<ScanField>()?, value)),
        None => None,
    };
    let sort_field = sort_field.map(|f| f.parse::<ScanField>()).transpose()?;
    Ok(ScanQuery {
        owner,
        page,
        page_size,
        filter,
        sort_field,
        sort_order: SortOrder::from_casibase(sort_order),
        asset,
    })
}

fn run_list(runs: Vec<casiscan_core::model::ScanRun>) -> Vec<PyScanRun> {
    runs.into_iter().map(PyScanRun::from).collect()
}

fn asset_list(assets: Vec<casiscan_core::model::Asset>) -> Vec<PyAsset> {
    assets.into_iter().map(PyAsset::from).collect()
}

#[pymethods]
impl PyClient {
    /// Opens `db` with the providers built into casiscan.
    #[new]
    #[pyo3(signature = (db = "casiscan.db", *, runner_name = None))]
    fn new(py: Python<'_>, db: &str, runner_name: Option<String>) -> PyResult<Self> {
        let db = db.to_owned();
        let client = block_on(
            py,
            async move { Client::open(&db, providers::defaults()).await },
        )?;
        let client = match runner_name {
            Some(name) => client.with_runner_name(name),
            None => client,
        };
        Ok(PyClient {
            inner: Arc::new(client),
        })
    }

    /// Validates and adds a scan in state Created; returns it as stored.
    fn add_scan(&self, py: Python<'_>, scan: PyRef<'_, PyScan>) -> PyResult<PyScan> {
        let (c, s) = (self.inner.clone(), scan.inner.clone());
        block_on(py, async move { c.add_scan(&s).await }).map(PyScan::from)
    }

    /// Awaitable twin of `add_scan`.
    fn add_scan_async<'py>(
        &self,
        py: Python<'py>,
        scan: PyRef<'_, PyScan>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (c, s) = (self.inner.clone(), scan.inner.clone());
        awaitable(py, async move { c.add_scan(&s).await }, PyScan::from)
    }

    /// The scan with id `owner/name`.
    fn get_scan(&self, py: Python<'_>, id: String) -> PyResult<PyScan> {
        let c = self.inner.clone();
        block_on(py, async move { c.get_scan(&id).await }).map(PyScan::from)
    }

    /// Awaitable twin of `get_scan`.
    fn get_scan_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(py, async move { c.get_scan(&id).await }, PyScan::from)
    }

    /// Lists scans (Casibase semantics): optional owner, 1-based page, filter and sort; a page or
    /// an unpaged list holds at most 10 000 scans (more raises InvalidInputError).
    #[pyo3(signature = (owner = None, *, page = None, page_size = None, filter = None,
        sort_field = None, sort_order = "descend", asset = None))]
    #[allow(
        clippy::too_many_arguments,
        reason = "mirrors the keyword arguments of the Python method"
    )]
    fn list_scans(
        &self,
        py: Python<'_>,
        owner: Option<String>,
        page: Option<u32>,
        page_size: Option<u32>,
        filter: Option<(String, String)>,
        sort_field: Option<String>,
        sort_order: &str,
        asset: Option<String>,
    ) -> PyResult<PyScanPage> {
        let q = scan_query(
            owner, page, page_size, filter, sort_field, sort_order, asset,
        )
        .map_err(to_py_err)?;
        let c = self.inner.clone();
        block_on(py, async move { c.list_scans(&q).await }).map(PyScanPage::from)
    }

    /// Awaitable twin of `list_scans`.
    #[pyo3(signature = (owner = None, *, page = None, page_size = None, filter = None,
        sort_field = None, sort_order = "descend", asset = None))]
    #[allow(
        clippy::too_many_arguments,
        reason = "mirrors the keyword arguments of the Python method"
    )]
    fn list_scans_async<'py>(
        &self,
        py: Python<'py>,
        owner: Option<String>,
        page: Option<u32>,
        page_size: Option<u32>,
        filter: Option<(String, String)>,
        sort_field: Option<String>,
        sort_order: &str,
        asset: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let q = scan_query(
            owner, page, page_size, filter, sort_field, sort_order, asset,
        )
        .map_err(to_py_err)?;
        let c = self.inner.clone();
        awaitable(py, async move { c.list_scans(&q).await }, PyScanPage::from)
    }

    /// Replaces the configuration of a scan that is not Pending or Running.
    fn update_scan(&self, py: Python<'_>, id: String, scan: PyRef<'_, PyScan>) -> PyResult<PyScan> {
        let (c, s) = (self.inner.clone(), scan.inner.clone());
        block_on(py, async move { c.update_scan(&id, &s).await }).map(PyScan::from)
    }

    /// Awaitable twin of `update_scan`.
    fn update_scan_async<'py>(
        &self,
        py: Python<'py>,
        id: String,
        scan: PyRef<'_, PyScan>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (c, s) = (self.inner.clone(), scan.inner.clone());
        awaitable(
            py,
            async move { c.update_scan(&id, &s).await },
            PyScan::from,
        )
    }

    /// Deletes a scan; a Running scan only with `force=True`, which cancels it first.
    #[pyo3(signature = (id, *, force = false))]
    fn delete_scan(&self, py: Python<'_>, id: String, force: bool) -> PyResult<()> {
        let c = self.inner.clone();
        block_on(py, async move { c.delete_scan(&id, force).await })
    }

    /// Awaitable twin of `delete_scan`.
    #[pyo3(signature = (id, *, force = false))]
    fn delete_scan_async<'py>(
        &self,
        py: Python<'py>,
        id: String,
        force: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(py, async move { c.delete_scan(&id, force).await }, |()| ())
    }

    /// One page of `account`'s stored scan logs with ScanDate on UTC days `from_date` to
    /// `to_date` (inclusive, `YYYY-MM-DD`): `{"logs": [...], "nextCursor": str | None}`; pass
    /// `nextCursor` back as `cursor` for the next page.
    #[pyo3(signature = (account, from_date, to_date, *, cursor = None, page_size = 1000))]
    fn scan_logs_page(
        &self,
        py: Python<'_>,
        account: String,
        from_date: String,
        to_date: String,
        cursor: Option<String>,
        page_size: u32,
    ) -> PyResult<PyScanLogPage> {
        let c = self.inner.clone();
        block_on(py, async move {
            c.scan_logs_by_day(&account, &from_date, &to_date, cursor.as_deref(), page_size)
                .await
        })
        .map(PyScanLogPage::from)
    }

    /// Awaitable twin of `scan_logs_page`.
    #[pyo3(signature = (account, from_date, to_date, *, cursor = None, page_size = 1000))]
    fn scan_logs_page_async<'py>(
        &self,
        py: Python<'py>,
        account: String,
        from_date: String,
        to_date: String,
        cursor: Option<String>,
        page_size: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(
            py,
            async move {
                c.scan_logs_by_day(&account, &from_date, &to_date, cursor.as_deref(), page_size)
                    .await
            },
            PyScanLogPage::from,
        )
    }

    /// Queues a scan for a runner (state Pending).
    fn start_scan(&self, py: Python<'_>, id: String) -> PyResult<PyScan> {
        let c = self.inner.clone();
        block_on(py, async move { c.start_scan(&id).await }).map(PyScan::from)
    }

    /// Awaitable twin of `start_scan`.
    fn start_scan_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(py, async move { c.start_scan(&id).await }, PyScan::from)
    }

    /// Cancels a Pending or Running scan.
    fn cancel_scan(&self, py: Python<'_>, id: String) -> PyResult<PyScan> {
        let c = self.inner.clone();
        block_on(py, async move { c.cancel_scan(&id).await }).map(PyScan::from)
    }

    /// Awaitable twin of `cancel_scan`.
    fn cancel_scan_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(py, async move { c.cancel_scan(&id).await }, PyScan::from)
    }

    /// Resets a finished scan to Created, clearing its results.
    fn clear_scan(&self, py: Python<'_>, id: String) -> PyResult<PyScan> {
        let c = self.inner.clone();
        block_on(py, async move { c.clear_scan(&id).await }).map(PyScan::from)
    }

    /// Awaitable twin of `clear_scan`.
    fn clear_scan_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(py, async move { c.clear_scan(&id).await }, PyScan::from)
    }

    /// Starts a stored scan and runs it in this process; returns the finished scan.
    /// `on_progress(percent, phase)` is called as nmap reports progress and `on_host(host)`
    /// with each `NmapHost` as nmap finishes it; an exception in either cancels the run and
    /// is raised here.
    #[pyo3(signature = (id, *, on_progress = None, on_host = None))]
    fn run_scan(
        &self,
        py: Python<'_>,
        id: String,
        on_progress: Option<Py<PyAny>>,
        on_host: Option<Py<PyAny>>,
    ) -> PyResult<PyScan> {
        let c = self.inner.clone();
        let calls = Arc::new(Callbacks::direct(on_progress, on_host));
        let rt = runtime()?;
        py.detach(|| rt.block_on(calls.run(|ctx| async move { c.run_scan(&id, ctx).await })))
            .map(PyScan::from)
    }

    /// Awaitable twin of `run_scan`; the callbacks are called on the running asyncio loop.
    #[pyo3(signature = (id, *, on_progress = None, on_host = None))]
    fn run_scan_async<'py>(
        &self,
        py: Python<'py>,
        id: String,
        on_progress: Option<Py<PyAny>>,
        on_host: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        let calls = Arc::new(Callbacks::on_loop(py, on_progress, on_host)?);
        runtime()?;
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            calls
                .run(|ctx| async move { c.run_scan(&id, ctx).await })
                .await
                .map(PyScan::from)
        })
    }

    /// Runs a scan configuration here and now without storing a record; `on_progress` and
    /// `on_host` as for `run_scan`.
    #[pyo3(signature = (scan, *, on_progress = None, on_host = None))]
    fn run_now(
        &self,
        py: Python<'_>,
        scan: PyRef<'_, PyScan>,
        on_progress: Option<Py<PyAny>>,
        on_host: Option<Py<PyAny>>,
    ) -> PyResult<PyRunOutput> {
        let (c, s) = (self.inner.clone(), scan.inner.clone());
        let calls = Arc::new(Callbacks::direct(on_progress, on_host));
        let rt = runtime()?;
        py.detach(|| rt.block_on(calls.run(|ctx| async move { c.run_now(&s, ctx).await })))
            .map(PyRunOutput::from)
    }

    /// Awaitable twin of `run_now`; the callbacks are called on the running asyncio loop.
    #[pyo3(signature = (scan, *, on_progress = None, on_host = None))]
    fn run_now_async<'py>(
        &self,
        py: Python<'py>,
        scan: PyRef<'_, PyScan>,
        on_progress: Option<Py<PyAny>>,
        on_host: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (c, s) = (self.inner.clone(), scan.inner.clone());
        let calls = Arc::new(Callbacks::on_loop(py, on_progress, on_host)?);
        runtime()?;
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            calls
                .run(|ctx| async move { c.run_now(&s, ctx).await })
                .await
                .map(PyRunOutput::from)
        })
    }

    /// The recorded runs of a scan, oldest first.
    fn list_runs(&self, py: Python<'_>, id: String) -> PyResult<Vec<PyScanRun>> {
        let c = self.inner.clone();
        block_on(py, async move { c.list_runs(&id).await }).map(run_list)
    }

    /// Awaitable twin of `list_runs`.
    fn list_runs_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(py, async move { c.list_runs(&id).await }, run_list)
    }

    /// Stores an existing nmap XML file (`bytes` or `str`) as a finished, imported run of the
    /// Nmap scan `id`; returns the scan. Nothing is stored for malformed XML, a scan that is
    /// not an Nmap scan, or one that is Pending or Running.
    fn import_nmap_run(&self, py: Python<'_>, id: String, xml: XmlInput) -> PyResult<PyScan> {
        let c = self.inner.clone();
        block_on(py, async move { c.import_nmap_run(&id, xml.0).await }).map(PyScan::from)
    }

    /// Awaitable twin of `import_nmap_run`.
    fn import_nmap_run_async<'py>(
        &self,
        py: Python<'py>,
        id: String,
        xml: XmlInput,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(
            py,
            async move { c.import_nmap_run(&id, xml.0).await },
            PyScan::from,
        )
    }

    /// Validates and adds an asset.
    fn add_asset(&self, py: Python<'_>, asset: PyRef<'_, PyAsset>) -> PyResult<PyAsset> {
        let (c, a) = (self.inner.clone(), asset.inner.clone());
        block_on(py, async move { c.add_asset(&a).await }).map(PyAsset::from)
    }

    /// Awaitable twin of `add_asset`.
    fn add_asset_async<'py>(
        &self,
        py: Python<'py>,
        asset: PyRef<'_, PyAsset>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (c, a) = (self.inner.clone(), asset.inner.clone());
        awaitable(py, async move { c.add_asset(&a).await }, PyAsset::from)
    }

    /// The asset with id `owner/name`.
    fn get_asset(&self, py: Python<'_>, id: String) -> PyResult<PyAsset> {
        let c = self.inner.clone();
        block_on(py, async move { c.get_asset(&id).await }).map(PyAsset::from)
    }

    /// Awaitable twin of `get_asset`.
    fn get_asset_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(py, async move { c.get_asset(&id).await }, PyAsset::from)
    }

    /// Assets of `owner`, or of every owner.
    #[pyo3(signature = (owner = None))]
    fn list_assets(&self, py: Python<'_>, owner: Option<String>) -> PyResult<Vec<PyAsset>> {
        let c = self.inner.clone();
        block_on(py, async move { c.list_assets(owner.as_deref()).await }).map(asset_list)
    }

    /// Awaitable twin of `list_assets`.
    #[pyo3(signature = (owner = None))]
    fn list_assets_async<'py>(
        &self,
        py: Python<'py>,
        owner: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(
            py,
            async move { c.list_assets(owner.as_deref()).await },
            asset_list,
        )
    }

    /// Replaces an asset.
    fn update_asset(
        &self,
        py: Python<'_>,
        id: String,
        asset: PyRef<'_, PyAsset>,
    ) -> PyResult<PyAsset> {
        let (c, a) = (self.inner.clone(), asset.inner.clone());
        block_on(py, async move { c.update_asset(&id, &a).await }).map(PyAsset::from)
    }

    /// Awaitable twin of `update_asset`.
    fn update_asset_async<'py>(
        &self,
        py: Python<'py>,
        id: String,
        asset: PyRef<'_, PyAsset>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (c, a) = (self.inner.clone(), asset.inner.clone());
        awaitable(
            py,
            async move { c.update_asset(&id, &a).await },
            PyAsset::from,
        )
    }

    /// Deletes an asset.
    fn delete_asset(&self, py: Python<'_>, id: String) -> PyResult<()> {
        let c = self.inner.clone();
        block_on(py, async move { c.delete_asset(&id).await })
    }

    /// Awaitable twin of `delete_asset`.
    fn delete_asset_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(py, async move { c.delete_asset(&id).await }, |()| ())
    }

    /// Starts a worker in the background: it claims Pending scans this machine may run, at
    /// most `concurrency` at once, until `Worker.stop()`.
    #[pyo3(signature = (*, concurrency = 4))]
    fn start_worker(&self, concurrency: usize) -> PyResult<PyWorker> {
        let c = self.inner.clone();
        PyWorker::spawn(move |shutdown| async move {
            let mut config = WorkerConfig::new(c.runner_identity().await);
            config.concurrency = concurrency;
            c.worker(config).run(shutdown).await
        })
    }

    /// Runs a worker for `seconds` (interpreter released), then stops it and waits for it.
    #[pyo3(signature = (seconds, *, concurrency = 4))]
    fn run_worker(&self, py: Python<'_>, seconds: f64, concurrency: usize) -> PyResult<()> {
        let worker = self.start_worker(concurrency)?;
        let rt = crate::runtime::runtime()?;
        let pause = std::time::Duration::try_from_secs_f64(seconds)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("seconds: {e}")))?;
        py.detach(|| rt.block_on(async move { tokio::time::sleep(pause).await }));
        worker.stop();
        worker.wait(py, None).map(|_| ())
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}
