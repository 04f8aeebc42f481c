//! `casiscan.Client`, continued: the policies around scans, their schedules and the scope of
//! accounts (blocking methods and their awaitable `*_async` twins).

use casiscan_core::providers::patch_install::PatchSelection;
use pyo3::prelude::*;

use crate::client::PyClient;
use crate::runtime::{awaitable, block_on};
use crate::scan::PyScan;
use crate::schedule::PySchedule;

/// A scope policy as Python sees it: `{"allow": [...], "deny": [...]}` of entry texts.
type PolicyDict = std::collections::BTreeMap<&'static str, Vec<String>>;

fn policy_dict(p: casiscan_core::model::ScopePolicy) -> PolicyDict {
    let texts =
        |v: Vec<casiscan_core::model::ScopeEntry>| v.iter().map(ToString::to_string).collect();
    PolicyDict::from([("allow", texts(p.allow)), ("deny", texts(p.deny))])
}

fn selection(updates: Option<Vec<String>>, all_security: bool, dry_run: bool) -> PatchSelection {
    PatchSelection {
        all_security,
        updates: updates.unwrap_or_default(),
        dry_run,
    }
}

#[pymethods]
impl PyClient {
    /// Queues an OS Patch Install job for updates of the finished OS patch scan `id` (package
    /// names, `name:arch`, KB or advisory ids from its result; or `all_security=True`); returns
    /// the job (Pending). A runner on the scan's host installs exactly those versions.
    ///
    /// Raises:
    ///     InvalidInputError: not an OS patch scan, or an update not pending in its result (the
    ///         message names it); nothing is queued.
    ///     ConflictError: the scan is not Completed.
    ///     NotFoundError: no such scan.
    #[pyo3(signature = (id, updates = None, *, all_security = false, dry_run = false))]
    fn install_patch(
        &self,
        py: Python<'_>,
        id: String,
        updates: Option<Vec<String>>,
        all_security: bool,
        dry_run: bool,
    ) -> PyResult<PyScan> {
        let (c, sel) = (
            self.inner.clone(),
            selection(updates, all_security, dry_run),
        );
        block_on(py, async move { c.install_patch(&id, &sel).await }).map(PyScan::from)
    }

    /// Awaitable twin of `install_patch`.
    #[pyo3(signature = (id, updates = None, *, all_security = false, dry_run = false))]
    fn install_patch_async<'py>(
        &self,
        py: Python<'py>,
        id: String,
        updates: Option<Vec<String>>,
        all_security: bool,
        dry_run: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (c, sel) = (
            self.inner.clone(),
            selection(updates, all_security, dry_run),
        );
        awaitable(
            py,
            async move { c.install_patch(&id, &sel).await },
            PyScan::from,
        )
    }

    /// Sets (a `Schedule`) or removes (`None`) a scan's schedule; returns the scan with it.
    ///
    /// Raises:
    ///     InvalidInputError: an invalid schedule (the message names the field); nothing changes.
    ///     NotFoundError: no such scan.
    #[pyo3(signature = (id, schedule))]
    fn set_scan_schedule(
        &self,
        py: Python<'_>,
        id: String,
        schedule: Option<PyRef<'_, PySchedule>>,
    ) -> PyResult<PyScan> {
        let (c, s) = (self.inner.clone(), schedule.map(|s| s.inner.clone()));
        block_on(
            py,
            async move { c.set_scan_schedule(&id, s.as_ref()).await },
        )
        .map(PyScan::from)
    }

    /// Awaitable twin of `set_scan_schedule`.
    #[pyo3(signature = (id, schedule))]
    fn set_scan_schedule_async<'py>(
        &self,
        py: Python<'py>,
        id: String,
        schedule: Option<PyRef<'_, PySchedule>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (c, s) = (self.inner.clone(), schedule.map(|s| s.inner.clone()));
        awaitable(
            py,
            async move { c.set_scan_schedule(&id, s.as_ref()).await },
            PyScan::from,
        )
    }

    /// Sets an account's scope: allowed and denied targets (deny wins); returns the policy as a
    /// dict `{"allow": [...], "deny": [...]}`.
    ///
    /// Raises:
    ///     InvalidInputError: a malformed or overlapping entry (the message names the field,
    ///         e.g. `scope.allow[1]`); nothing changes.
    #[pyo3(signature = (account, allow, deny = Vec::new()))]
    fn set_scope_policy(
        &self,
        py: Python<'_>,
        account: String,
        allow: Vec<String>,
        deny: Vec<String>,
    ) -> PyResult<PolicyDict> {
        let c = self.inner.clone();
        block_on(py, async move {
            c.set_scope_policy(&account, &allow, &deny).await
        })
        .map(policy_dict)
    }

    /// Awaitable twin of `set_scope_policy`.
    #[pyo3(signature = (account, allow, deny = Vec::new()))]
    fn set_scope_policy_async<'py>(
        &self,
        py: Python<'py>,
        account: String,
        allow: Vec<String>,
        deny: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        let fut = async move { c.set_scope_policy(&account, &allow, &deny).await };
        awaitable(py, fut, policy_dict)
    }

    /// An account's scope policy as a dict, or `None` when it has none.
    fn scope_policy(&self, py: Python<'_>, account: String) -> PyResult<Option<PolicyDict>> {
        let c = self.inner.clone();
        block_on(py, async move { c.scope_policy(&account).await }).map(|p| p.map(policy_dict))
    }

    /// Awaitable twin of `scope_policy`.
    fn scope_policy_async<'py>(
        &self,
        py: Python<'py>,
        account: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        let fut = async move { c.scope_policy(&account).await };
        awaitable(py, fut, |p| p.map(policy_dict))
    }

    /// Removes an account's scope policy (every target allowed again).
    fn remove_scope_policy(&self, py: Python<'_>, account: String) -> PyResult<()> {
        let c = self.inner.clone();
        block_on(py, async move { c.remove_scope_policy(&account).await })
    }

    /// Awaitable twin of `remove_scope_policy`.
    fn remove_scope_policy_async<'py>(
        &self,
        py: Python<'py>,
        account: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        awaitable(
            py,
            async move { c.remove_scope_policy(&account).await },
            |()| (),
        )
    }
}
