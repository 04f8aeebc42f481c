//! The one shape of every exported function: catch panics, check pointers, record the error.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::status::casiscan_status;

thread_local! {
    /// The message of the last failed call on this thread.
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Why a call failed: its status and the message kept for `casiscan_last_error_message`.
pub struct Failure(pub casiscan_status, pub String);

impl From<casiscan_core::Error> for Failure {
    fn from(e: casiscan_core::Error) -> Self {
        Failure(e.kind().into(), e.to_string())
    }
}

/// Result of a call body.
pub type CallResult = Result<(), Failure>;

fn remember(message: &str) {
    let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
}

/// Runs `body`, turning a failure or a panic into a status and a last-error message.
pub fn ffi_boundary(body: impl FnOnce() -> CallResult) -> casiscan_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            remember("");
            casiscan_status::Ok
        }
        Ok(Err(Failure(status, message))) => {
            remember(&message);
            status
        }
        Err(_) => {
            remember("casiscan panicked; this is a bug");
            casiscan_status::Panic
        }
    }
}

/// Runs a `void` entry point (the `_free` functions): a panic is caught and recorded, not unwound into C.
pub fn ffi_void(body: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(body)).is_err() {
        remember("casiscan panicked; this is a bug");
    }
}

/// A NULL-argument failure naming the argument.
pub fn null(name: &str) -> Failure {
    Failure(
        casiscan_status::NullArgument,
        format!("argument `{name}` is NULL"),
    )
}

/// Borrows a NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string valid for the call.
pub unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: non-NULL, and the caller promises a NUL-terminated string alive during the call.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str().map_err(|_| {
        Failure(
            casiscan_status::InvalidUtf8,
            format!("argument `{name}` is not valid UTF-8"),
        )
    })
}

/// Writes `value` to an out-pointer.
///
/// # Safety
/// `out` must be NULL or valid for writing one `T`.
pub unsafe fn write_out<T>(out: *mut T, value: T, name: &str) -> CallResult {
    if out.is_null() {
        return Err(null(name));
    }
    // SAFETY: non-NULL and, by the caller's contract, valid for a write of one T.
    unsafe { out.write(value) };
    Ok(())
}

/// Hands a Rust string to C; C frees it with `casiscan_string_free`.
pub fn owned_string(text: String) -> Result<*mut c_char, Failure> {
    CString::new(text).map(CString::into_raw).map_err(|_| {
        Failure(
            casiscan_status::InvalidInput,
            "the text contains a NUL byte".into(),
        )
    })
}

/// Copies the last error message of this thread into `buf` (see the header for the contract).
///
/// # Safety
/// `buf` must be NULL or valid for `len` bytes; `written` must be NULL or valid for a write.
pub unsafe fn copy_last_error(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> casiscan_status {
    if buf.is_null() && len > 0 {
        // Outputs are written only on success, so `written` is left alone here.
        return casiscan_status::NullArgument;
    }
    LAST_ERROR.with(|slot| {
        let message = slot.borrow();
        let bytes = message.as_bytes();
        if !written.is_null() {
            // SAFETY: checked non-NULL; the caller promises it is writable.
            unsafe { written.write(bytes.len()) };
        }
        if buf.is_null() || len == 0 {
            return casiscan_status::Ok;
        }
        let n = bytes.len().min(len - 1);
        // SAFETY: `buf` holds `len` bytes by contract and we write n + 1 <= len bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), buf, n);
            buf.add(n).write(0);
        }
        casiscan_status::Ok
    })
}
