//! Stored scan logs read page by page through a `casiscan_client`.

use std::ffi::c_char;

use crate::boundary::{ffi_boundary, str_arg};
use crate::client::{call_json, casiscan_client};
use crate::status::casiscan_status;

/// Writes one page of `account`'s stored scan logs with ScanDate on UTC days `from_date` to
/// `to_date` (`YYYY-MM-DD`, inclusive), at most `page_size` (1 to 5000) logs, as
/// `{"logs": [...], "nextCursor": "..." | null}`. Pass NULL as `cursor` for the first page and
/// the previous page's `nextCursor` for the next; a cursor of another account or range, or a
/// malformed one, is `CASISCAN_STATUS_INVALID_INPUT`.
///
/// # Safety
/// `client` a live handle; `account`, `from_date`, `to_date` NUL-terminated strings; `cursor`
/// NULL or a NUL-terminated string; `out_json` writable. Free the output with
/// `casiscan_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_scan_logs_json(
    client: *const casiscan_client,
    account: *const c_char,
    from_date: *const c_char,
    to_date: *const c_char,
    cursor: *const c_char,
    page_size: u32,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let (account, from, to) = unsafe {
            (
                str_arg(account, "account")?,
                str_arg(from_date, "from_date")?,
                str_arg(to_date, "to_date")?,
            )
        };
        let cursor = if cursor.is_null() {
            None
        } else {
            // SAFETY: non-NULL; caller contract.
            Some(unsafe { str_arg(cursor, "cursor") }?)
        };
        // SAFETY: caller contract.
        unsafe {
            call_json(client, out_json, |c| {
                Ok(c.runtime.block_on(
                    c.client
                        .scan_logs_by_day(account, from, to, cursor, page_size),
                )?)
            })
        }
    })
}
