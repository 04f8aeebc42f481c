//! `casiscan_client`: a blocking client over a SQLite file or a PostgreSQL URL.

use std::ffi::c_char;

use casiscan_core::Client;
use casiscan_core::model::ScanQuery;
use casiscan_core::model::{Scan, ScanState};
use casiscan_core::providers;
use tokio::runtime::Runtime;

use crate::boundary::{
    CallResult, Failure, ffi_boundary, ffi_void, null, owned_string, str_arg, write_out,
};
use crate::status::casiscan_status;

/// An open client; owns its runtime; safe to use from one thread at a time per call.
#[allow(non_camel_case_types)] // C naming.
pub struct casiscan_client {
    pub(crate) client: Client,
    pub(crate) runtime: Runtime,
}

/// A scan's state, as in the JSON (`"Created"` … `"Canceled"`).
#[repr(C)]
#[allow(non_camel_case_types)] // C naming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum casiscan_scan_state {
    /// Created.
    Created = 0,
    /// Pending.
    Pending = 1,
    /// Running.
    Running = 2,
    /// Completed.
    Completed = 3,
    /// Failed.
    Failed = 4,
    /// Canceled.
    Canceled = 5,
}

impl From<ScanState> for casiscan_scan_state {
    fn from(s: ScanState) -> Self {
        match s {
            ScanState::Created => casiscan_scan_state::Created,
            ScanState::Pending => casiscan_scan_state::Pending,
            ScanState::Running => casiscan_scan_state::Running,
            ScanState::Completed => casiscan_scan_state::Completed,
            ScanState::Failed => casiscan_scan_state::Failed,
            ScanState::Canceled => casiscan_scan_state::Canceled,
        }
    }
}

pub(crate) fn json_failure(e: serde_json::Error) -> Failure {
    Failure(casiscan_status::InvalidInput, format!("invalid JSON: {e}"))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<*mut c_char, Failure> {
    owned_string(
        serde_json::to_string(value).map_err(|e| Failure(casiscan_status::Parse, e.to_string()))?,
    )
}

/// Borrows the client behind a handle.
///
/// # Safety
/// `client` must be NULL or a live handle from `casiscan_client_new`.
pub(crate) unsafe fn handle<'a>(
    client: *const casiscan_client,
) -> Result<&'a casiscan_client, Failure> {
    // SAFETY: caller contract: NULL or a live handle.
    unsafe { client.as_ref() }.ok_or_else(|| null("client"))
}

/// Opens a client on `db` (a SQLite path, `sqlite:PATH`, `memory:` or `postgres://…`).
///
/// # Safety
/// `db` must be a NUL-terminated string; `out` must be writable. Free with `casiscan_client_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_new(
    db: *const c_char,
    out: *mut *mut casiscan_client,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let db = unsafe { str_arg(db, "db") }?;
        if out.is_null() {
            return Err(null("out"));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Failure(casiscan_status::Io, format!("cannot start a runtime: {e}")))?;
        let client = runtime.block_on(Client::open(db, providers::defaults()))?;
        let boxed = Box::into_raw(Box::new(casiscan_client { client, runtime }));
        // SAFETY: checked non-NULL; caller contract.
        unsafe { write_out(out, boxed, "out") }
    })
}

/// Closes a client. NULL is a no-op.
///
/// # Safety
/// `client` must be NULL or a handle from `casiscan_client_new`, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_free(client: *mut casiscan_client) {
    if client.is_null() {
        return;
    }
    // SAFETY: from Box::into_raw in casiscan_client_new, freed once (caller contract).
    ffi_void(|| drop(unsafe { Box::from_raw(client) }));
}

/// Runs `f` on the client and writes the JSON of its result to `out_json`.
///
/// # Safety
/// Pointer contracts of the public functions.
pub(crate) unsafe fn call_json<T: serde::Serialize>(
    client: *const casiscan_client,
    out_json: *mut *mut c_char,
    f: impl FnOnce(&casiscan_client) -> Result<T, Failure>,
) -> CallResult {
    // SAFETY: forwarded caller contract.
    let c = unsafe { handle(client) }?;
    if out_json.is_null() {
        return Err(null("out_json"));
    }
    let text = to_json(&f(c)?)?;
    // SAFETY: checked non-NULL; caller contract.
    unsafe { write_out(out_json, text, "out_json") }
}

/// Adds a scan from its JSON (Casibase field names); writes the stored scan as JSON.
///
/// # Safety
/// `client` a live handle; `scan_json` a NUL-terminated string; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_add_scan(
    client: *const casiscan_client,
    scan_json: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let json = unsafe { str_arg(scan_json, "scan_json") }?;
        let scan: Scan = serde_json::from_str(json).map_err(json_failure)?;
        // SAFETY: caller contract.
        unsafe {
            call_json(client, out_json, |c| {
                Ok(c.runtime.block_on(c.client.add_scan(&scan))?)
            })
        }
    })
}

/// Writes the scan `id` (`owner/name`) as JSON.
///
/// # Safety
/// `client` a live handle; `id` a NUL-terminated string; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_get_scan(
    client: *const casiscan_client,
    id: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let id = unsafe { str_arg(id, "id") }?;
        // SAFETY: caller contract.
        unsafe {
            call_json(client, out_json, |c| {
                Ok(c.runtime.block_on(c.client.get_scan(id))?)
            })
        }
    })
}

/// Writes the state of scan `id` to `out_state`.
///
/// # Safety
/// `client` a live handle; `id` a NUL-terminated string; `out_state` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_scan_state(
    client: *const casiscan_client,
    id: *const c_char,
    out_state: *mut casiscan_scan_state,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let (c, id) = unsafe { (handle(client)?, str_arg(id, "id")?) };
        if out_state.is_null() {
            return Err(null("out_state"));
        }
        let scan = c.runtime.block_on(c.client.get_scan(id))?;
        // SAFETY: checked non-NULL; caller contract.
        unsafe { write_out(out_state, scan.state.into(), "out_state") }
    })
}

/// Lists scans of `owner` (NULL = every owner); `page`/`page_size` 0 = every match up to 10 000
/// (more, or a `page_size` over 10 000, is `CASISCAN_STATUS_INVALID_INPUT`).
/// Writes `{"items": [...], "total": N}`.
///
/// # Safety
/// `client` a live handle; `owner` NULL or a NUL-terminated string; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_list_scans(
    client: *const casiscan_client,
    owner: *const c_char,
    page: u32,
    page_size: u32,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        let owner = if owner.is_null() {
            None
        } else {
            // SAFETY: non-NULL; caller contract.
            Some(unsafe { str_arg(owner, "owner") }?.to_string())
        };
        let query = ScanQuery {
            owner,
            page: (page > 0).then_some(page),
            page_size: (page_size > 0).then_some(page_size),
            ..ScanQuery::default()
        };
        // SAFETY: caller contract.
        unsafe {
            call_json(client, out_json, |c| {
                Ok(c.runtime.block_on(c.client.list_scans(&query))?)
            })
        }
    })
}

/// Replaces the configuration of scan `id` from JSON; writes the stored scan.
///
/// # Safety
/// `client` a live handle; `id`, `scan_json` NUL-terminated strings; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_update_scan(
    client: *const casiscan_client,
    id: *const c_char,
    scan_json: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let (id, json) = unsafe { (str_arg(id, "id")?, str_arg(scan_json, "scan_json")?) };
        let scan: Scan = serde_json::from_str(json).map_err(json_failure)?;
        // SAFETY: caller contract.
        unsafe {
            call_json(client, out_json, |c| {
                Ok(c.runtime.block_on(c.client.update_scan(id, &scan))?)
            })
        }
    })
}

/// Deletes scan `id`; a Running scan only with `force` (which cancels it).
///
/// # Safety
/// `client` a live handle; `id` a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_delete_scan(
    client: *const casiscan_client,
    id: *const c_char,
    force: bool,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let (c, id) = unsafe { (handle(client)?, str_arg(id, "id")?) };
        Ok(c.runtime.block_on(c.client.delete_scan(id, force))?)
    })
}

/// Applies a state change through `f` and writes the scan.
///
/// # Safety
/// Pointer contracts of the public functions.
unsafe fn change(
    client: *const casiscan_client,
    id: *const c_char,
    out_json: *mut *mut c_char,
    f: impl FnOnce(&casiscan_client, &str) -> casiscan_core::Result<Scan>,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let id = unsafe { str_arg(id, "id") }?;
        // SAFETY: caller contract.
        unsafe { call_json(client, out_json, |c| Ok(f(c, id)?)) }
    })
}

/// Queues scan `id` for a runner (results cleared, configuration kept); writes the scan.
///
/// # Safety
/// `client` a live handle; `id` a NUL-terminated string; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_start_scan(
    client: *const casiscan_client,
    id: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    // SAFETY: forwarded caller contract.
    unsafe {
        change(client, id, out_json, |c, id| {
            c.runtime.block_on(c.client.start_scan(id))
        })
    }
}

/// Cancels a Pending or Running scan; writes the scan.
///
/// # Safety
/// `client` a live handle; `id` a NUL-terminated string; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_cancel_scan(
    client: *const casiscan_client,
    id: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    // SAFETY: forwarded caller contract.
    unsafe {
        change(client, id, out_json, |c, id| {
            c.runtime.block_on(c.client.cancel_scan(id))
        })
    }
}

/// Resets a finished scan's results, runner and error (configuration kept); writes the scan.
///
/// # Safety
/// `client` a live handle; `id` a NUL-terminated string; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_clear_scan(
    client: *const casiscan_client,
    id: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    // SAFETY: forwarded caller contract.
    unsafe {
        change(client, id, out_json, |c, id| {
            c.runtime.block_on(c.client.clear_scan(id))
        })
    }
}
