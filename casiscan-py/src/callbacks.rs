//! Progress and per-host callbacks of a run (`Client.run_now`/`run_scan` with `on_progress`
//! and `on_host`), fed by the core's progress channel and host callback: called from the run's
//! threads in the blocking API, scheduled on the caller's asyncio loop in the async one.

use std::future::Future;
use std::sync::{Arc, Mutex};

use casiscan_core::model::Progress;
use casiscan_core::providers::RunContext;
use casiscan_core::providers::nmap::Host;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use tokio::sync::oneshot;

use crate::errors::to_py_err;
use crate::nmap::PyHost;

/// The callbacks of one run and where to call them.
pub(crate) struct Callbacks {
    on_progress: Option<Py<PyAny>>,
    on_host: Option<Py<PyAny>>,
    /// The asyncio loop to schedule them on (async API); `None` calls them directly.
    event_loop: Option<Py<PyAny>>,
    /// The first exception a directly called callback raised; it cancels the run.
    raised: Mutex<Option<PyErr>>,
}

impl Callbacks {
    /// Callbacks called directly (blocking API).
    pub(crate) fn direct(on_progress: Option<Py<PyAny>>, on_host: Option<Py<PyAny>>) -> Self {
        Callbacks {
            on_progress,
            on_host,
            event_loop: None,
            raised: Mutex::new(None),
        }
    }

    /// Callbacks scheduled on the running asyncio loop (async API).
    pub(crate) fn on_loop(
        py: Python<'_>,
        on_progress: Option<Py<PyAny>>,
        on_host: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let event_loop = match (&on_progress, &on_host) {
            (None, None) => None,
            _ => Some(
                py.import("asyncio")?
                    .call_method0("get_running_loop")?
                    .unbind(),
            ),
        };
        Ok(Callbacks {
            on_progress,
            on_host,
            event_loop,
            raised: Mutex::new(None),
        })
    }

    /// Calls `cb` with `args` (or schedules it on the loop); an exception cancels the run.
    fn call(
        &self,
        cb: &Py<PyAny>,
        ctx: &RunContext,
        args: impl FnOnce(Python<'_>) -> PyResult<Bound<'_, PyTuple>>,
    ) {
        Python::attach(|py| {
            let called = args(py).and_then(|args| match &self.event_loop {
                Some(event_loop) => {
                    let mut all = vec![cb.bind(py).clone()];
                    all.extend(args.iter());
                    event_loop
                        .bind(py)
                        .call_method1("call_soon_threadsafe", PyTuple::new(py, all)?)
                        .map(drop)
                }
                None => cb.bind(py).call1(args).map(drop),
            });
            if let Err(e) = called {
                if let Ok(mut slot) = self.raised.lock() {
                    slot.get_or_insert(e);
                }
                ctx.cancel.cancel();
            }
        });
    }

    /// Calls `on_progress` with each progress `ctx` publishes until told the run is done, then
    /// once more with the last value if it was not seen yet.
    fn listen_progress(
        self: Arc<Self>,
        ctx: RunContext,
    ) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let (done_tx, mut done) = oneshot::channel::<()>();
        let mut rx = ctx.progress.subscribe();
        let task = tokio::spawn(async move {
            loop {
                let finished = tokio::select! {
                    changed = rx.changed() => match changed {
                        Ok(()) => false,
                        Err(_) => break,
                    },
                    _ = &mut done => true,
                };
                if finished && !rx.has_changed().unwrap_or(false) {
                    break;
                }
                let p = rx.borrow_and_update().clone();
                self.deliver_progress(&ctx, p).await;
                if finished {
                    break;
                }
            }
        });
        (done_tx, task)
    }

    /// Calls `on_progress(percent, phase)` off the runtime's async threads.
    async fn deliver_progress(self: &Arc<Self>, ctx: &RunContext, p: Progress) {
        let Some(cb) = &self.on_progress else { return };
        let me = Arc::clone(self);
        let cb = Python::attach(|py| cb.clone_ref(py));
        let ctx = ctx.clone();
        let _ = tokio::task::spawn_blocking(move || {
            me.call(&cb, &ctx, |py| {
                (p.percent, p.phase.to_string()).into_pyobject(py)
            });
        })
        .await;
    }

    /// Runs `run` with a context that feeds the callbacks; the result, or the exception a
    /// callback raised.
    pub(crate) async fn run<T, F, Fut>(self: Arc<Self>, run: F) -> PyResult<T>
    where
        F: FnOnce(RunContext) -> Fut,
        Fut: Future<Output = casiscan_core::Result<T>>,
    {
        let mut ctx = RunContext::detached();
        if self.on_host.is_some() {
            let (me, host_ctx) = (Arc::clone(&self), ctx.clone());
            ctx = ctx.with_host_callback(move |host: &Host| {
                if let Some(cb) = &me.on_host {
                    let host = host.clone();
                    me.call(cb, &host_ctx, |py| {
                        PyTuple::new(py, [Py::new(py, PyHost::owned(host))?.into_any()])
                    });
                }
            });
        }
        let listener = self
            .on_progress
            .is_some()
            .then(|| Arc::clone(&self).listen_progress(ctx.clone()));
        let result = run(ctx).await;
        if let Some((done, listener)) = listener {
            // The last progress (nmap's `<finished>` line) is delivered before the run returns.
            let _ = done.send(());
            let _ = listener.await;
        }
        let raised = self.raised.lock().ok().and_then(|mut slot| slot.take());
        match raised {
            Some(e) => Err(e),
            None => result.map_err(to_py_err),
        }
    }
}
