//! Version, strings, last error and the OS patch report.

use std::ffi::{CString, c_char};
use std::path::Path;

use crate::boundary::{
    Failure, copy_last_error, ffi_boundary, ffi_void, owned_string, str_arg, write_out,
};
use crate::status::casiscan_status;
use casiscan_core::providers::ospatch::{Backend, report};

/// The library version as a static NUL-terminated string (never freed).
#[unsafe(no_mangle)]
pub extern "C" fn casiscan_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Frees a string returned by casiscan. NULL is a no-op.
///
/// # Safety
/// `s` must be NULL or a string returned by casiscan, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // SAFETY: `s` came from CString::into_raw in this library and is freed once (caller contract).
    ffi_void(|| drop(unsafe { CString::from_raw(s) }));
}

/// Copies this thread's last error message into `buf` (at most `len - 1` bytes plus a NUL).
///
/// `*written` receives the full message length (without NUL): if it is `>= len` the copy was
/// truncated. With `buf == NULL` and `len == 0` only the length is reported. The message of a
/// successful call is empty. `buf == NULL` with `len > 0` returns `CASISCAN_STATUS_NULL_ARGUMENT`
/// and writes nothing.
///
/// # Safety
/// `buf` must be NULL or valid for `len` bytes; `written` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_last_error_message(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> casiscan_status {
    // SAFETY: forwarded caller contract.
    unsafe { copy_last_error(buf, len, written) }
}

/// Writes the OS patch report of `root` as JSON, from the detected backend: Debian/Ubuntu
/// (dpkg + apt), RPM (rpmdb + dnf caches) or Windows (recorded Windows Update Agent output:
/// `root` a file, or a directory holding `wua.json`; the live agent on Windows). The JSON has
/// the same keys for every backend.
///
/// A root without any of them is `CASISCAN_STATUS_PROVIDER`, naming what was looked for.
///
/// # Safety
/// `root` must be a NUL-terminated string; `out_json` must be writable; free the result with
/// `casiscan_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_os_patch_report_json(
    root: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    // SAFETY: forwarded caller contract; NULL backend = detect.
    unsafe { casiscan_os_patch_report_backend_json(root, std::ptr::null(), out_json) }
}

/// [`casiscan_os_patch_report_json`] from the backend named `backend` (`"debian"`, `"rpm"` or
/// `"windows"`); `backend == NULL` detects it. An unknown name is `CASISCAN_STATUS_INVALID_INPUT`.
///
/// # Safety
/// `root` must be a NUL-terminated string; `backend` NULL or a NUL-terminated string;
/// `out_json` must be writable; free the result with `casiscan_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_os_patch_report_backend_json(
    root: *const c_char,
    backend: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract on `root`.
        let root = unsafe { str_arg(root, "root") }?;
        let backend: Option<Backend> = if backend.is_null() {
            None
        } else {
            // SAFETY: non-NULL, caller contract on `backend`.
            Some(unsafe { str_arg(backend, "backend") }?.parse()?)
        };
        if out_json.is_null() {
            return Err(crate::boundary::null("out_json"));
        }
        let report = report(Path::new(root), backend)?;
        let json = serde_json::to_string(&report)
            .map_err(|e| Failure(casiscan_status::Parse, e.to_string()))?;
        // SAFETY: checked non-NULL above; caller contract.
        unsafe { write_out(out_json, owned_string(json)?, "out_json") }
    })
}
