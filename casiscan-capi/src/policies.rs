//! The policies around scans from C: a scan's schedule and an account's scope policy.

use std::ffi::c_char;

use crate::boundary::{ffi_boundary, str_arg};
use crate::client::{call_json, casiscan_client, json_failure};
use crate::status::casiscan_status;

/// Sets a scan's schedule from its JSON (`{"kind":"cron","expression":"0 3 * * *",
/// "timeZone":"Europe/Paris"}` or `{"kind":"interval","everySeconds":3600}`, plus `enabled`,
/// `missedSlots`, `jitterSeconds`), or removes it when `schedule_json` is NULL or `null`;
/// writes the scan with its schedule. An invalid schedule is `CASISCAN_STATUS_INVALID_INPUT`
/// with a last-error message naming the field (`schedule.timeZone`, …); nothing changes.
///
/// # Safety
/// `client` a live handle; `id` a NUL-terminated string; `schedule_json` NULL or a
/// NUL-terminated string; `out_json` writable. Free the output with `casiscan_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_set_scan_schedule(
    client: *const casiscan_client,
    id: *const c_char,
    schedule_json: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let id = unsafe { str_arg(id, "id") }?;
        let schedule: Option<casiscan_core::model::Schedule> = match schedule_json.is_null() {
            true => None,
            // SAFETY: checked non-NULL; caller contract.
            false => serde_json::from_str(unsafe { str_arg(schedule_json, "schedule_json") }?)
                .map_err(json_failure)?,
        };
        // SAFETY: caller contract.
        unsafe {
            call_json(client, out_json, |c| {
                Ok(c.runtime
                    .block_on(c.client.set_scan_schedule(id, schedule.as_ref()))?)
            })
        }
    })
}

/// The body of a scope policy from C: entry texts, read (and refused) by the core.
#[derive(serde::Deserialize)]
struct PolicyJson {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
}

/// Sets the scope policy of `account` from `{"allow": [...], "deny": [...]}` (entries:
/// address, CIDR, range `a-b`, hostname, `*.domain`; deny wins), or removes it when
/// `policy_json` is NULL; writes the stored policy as JSON (`null` after a removal). A
/// malformed or overlapping entry is `CASISCAN_STATUS_INVALID_INPUT` naming the field
/// (`scope.allow[1]`); nothing changes. Scans of the account whose target is then out of scope
/// are refused with `CASISCAN_STATUS_FORBIDDEN`.
///
/// # Safety
/// `client` a live handle; `account` a NUL-terminated string; `policy_json` NULL or a
/// NUL-terminated string; `out_json` writable. Free the output with `casiscan_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_set_scope_policy(
    client: *const casiscan_client,
    account: *const c_char,
    policy_json: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let account = unsafe { str_arg(account, "account") }?;
        let policy: Option<PolicyJson> = match policy_json.is_null() {
            true => None,
            // SAFETY: checked non-NULL; caller contract.
            false => Some(
                serde_json::from_str(unsafe { str_arg(policy_json, "policy_json") }?)
                    .map_err(json_failure)?,
            ),
        };
        // SAFETY: caller contract.
        unsafe {
            call_json(client, out_json, |c| match &policy {
                Some(p) => Ok(Some(
                    c.runtime
                        .block_on(c.client.set_scope_policy(account, &p.allow, &p.deny))?,
                )),
                None => {
                    c.runtime.block_on(c.client.remove_scope_policy(account))?;
                    Ok(None)
                }
            })
        }
    })
}

/// Queues an OS Patch Install job for updates of the finished OS patch scan `scan_id`, chosen by
/// `selection_json`: `{"updates": ["openssl", "KB5034441", …], "allSecurity": false, "dryRun":
/// true}`; writes the job (a scan, state Pending). A scan that is not a Completed OS patch scan,
/// or an update not pending in its result, is an error naming it
/// (`CASISCAN_STATUS_INVALID_INPUT` / `CASISCAN_STATUS_CONFLICT`); nothing is queued.
///
/// # Safety
/// `client` a live handle; `scan_id` and `selection_json` NUL-terminated strings; `out_json`
/// writable. Free the output with `casiscan_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_client_install_patch(
    client: *const casiscan_client,
    scan_id: *const c_char,
    selection_json: *const c_char,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let id = unsafe { str_arg(scan_id, "scan_id") }?;
        // SAFETY: caller contract.
        let text = unsafe { str_arg(selection_json, "selection_json") }?;
        let selection: casiscan_core::providers::patch_install::PatchSelection =
            serde_json::from_str(text).map_err(json_failure)?;
        // SAFETY: caller contract.
        unsafe {
            call_json(client, out_json, |c| {
                Ok(c.runtime.block_on(c.client.install_patch(id, &selection))?)
            })
        }
    })
}
