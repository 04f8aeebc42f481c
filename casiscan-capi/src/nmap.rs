//! `casiscan_nmap_run`: a parsed nmap XML document with accessors.

use std::ffi::c_char;
use std::path::Path;

use casiscan_core::providers::nmap::{self, Host, NmapRun, Port};

use crate::boundary::{Failure, ffi_boundary, ffi_void, null, owned_string, str_arg, write_out};
use crate::status::casiscan_status;

/// A parsed nmap run. Immutable: safe to read from several threads at once.
#[allow(non_camel_case_types)] // C naming.
pub struct casiscan_nmap_run {
    run: NmapRun,
}

fn boxed(run: NmapRun) -> *mut casiscan_nmap_run {
    Box::into_raw(Box::new(casiscan_nmap_run { run }))
}

/// Parses nmap XML from `len` bytes at `data` into a new handle.
///
/// # Safety
/// `data` must be valid for `len` bytes; `out` writable. Free with `casiscan_nmap_run_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_nmap_parse(
    data: *const u8,
    len: usize,
    out: *mut *mut casiscan_nmap_run,
) -> casiscan_status {
    ffi_boundary(|| {
        if data.is_null() {
            return Err(null("data"));
        }
        if out.is_null() {
            return Err(null("out"));
        }
        // SAFETY: non-NULL and valid for `len` bytes by the caller's contract.
        let bytes = unsafe { std::slice::from_raw_parts(data, len) };
        let run = nmap::parse(bytes)?;
        // SAFETY: checked non-NULL; caller contract.
        unsafe { write_out(out, boxed(run), "out") }
    })
}

/// Parses the nmap XML file at `path` (streaming) into a new handle.
///
/// # Safety
/// `path` a NUL-terminated string; `out` writable. Free with `casiscan_nmap_run_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_nmap_parse_file(
    path: *const c_char,
    out: *mut *mut casiscan_nmap_run,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let path = unsafe { str_arg(path, "path") }?;
        if out.is_null() {
            return Err(null("out"));
        }
        let run = nmap::parse_file(Path::new(path))?;
        // SAFETY: checked non-NULL; caller contract.
        unsafe { write_out(out, boxed(run), "out") }
    })
}

/// Frees a parsed run. NULL is a no-op.
///
/// # Safety
/// `run` must be NULL or a handle from casiscan, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_nmap_run_free(run: *mut casiscan_nmap_run) {
    if run.is_null() {
        return;
    }
    // SAFETY: from Box::into_raw in this module, freed once (caller contract).
    ffi_void(|| drop(unsafe { Box::from_raw(run) }));
}

/// # Safety
/// `run` NULL or a live handle.
unsafe fn get<'a>(run: *const casiscan_nmap_run) -> Result<&'a NmapRun, Failure> {
    // SAFETY: caller contract.
    unsafe { run.as_ref() }
        .map(|r| &r.run)
        .ok_or_else(|| null("run"))
}

fn host(run: &NmapRun, index: usize) -> Result<&Host, Failure> {
    run.hosts.get(index).ok_or_else(|| {
        Failure(
            casiscan_status::NotFound,
            format!("no host {index} (the run has {})", run.hosts.len()),
        )
    })
}

fn port(run: &NmapRun, h: usize, p: usize) -> Result<&Port, Failure> {
    let host = host(run, h)?;
    host.ports.get(p).ok_or_else(|| {
        Failure(
            casiscan_status::NotFound,
            format!("host {h} has no port {p} (it has {})", host.ports.len()),
        )
    })
}

/// Writes the number of hosts.
///
/// # Safety
/// `run` a live handle; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_nmap_run_host_count(
    run: *const casiscan_nmap_run,
    out: *mut usize,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let run = unsafe { get(run) }?;
        // SAFETY: caller contract.
        unsafe { write_out(out, run.hosts.len(), "out") }
    })
}

/// Writes whether the document was cut short (an interrupted scan).
///
/// # Safety
/// `run` a live handle; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_nmap_run_incomplete(
    run: *const casiscan_nmap_run,
    out: *mut bool,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let run = unsafe { get(run) }?;
        // SAFETY: caller contract.
        unsafe { write_out(out, run.incomplete, "out") }
    })
}

/// Writes host `index`'s first IP address (a new string; free with `casiscan_string_free`).
///
/// # Safety
/// `run` a live handle; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_nmap_run_host_address(
    run: *const casiscan_nmap_run,
    index: usize,
    out: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let run = unsafe { get(run) }?;
        if out.is_null() {
            return Err(null("out"));
        }
        let h = host(run, index)?;
        let addr = h
            .addresses
            .iter()
            .find(|a| a.addrtype != nmap::AddrType::Mac)
            .or(h.addresses.first());
        let text = addr.map(|a| a.addr.to_string()).unwrap_or_default();
        // SAFETY: checked non-NULL; caller contract.
        unsafe { write_out(out, owned_string(text)?, "out") }
    })
}

/// Writes the number of listed ports of host `index`.
///
/// # Safety
/// `run` a live handle; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_nmap_run_port_count(
    run: *const casiscan_nmap_run,
    index: usize,
    out: *mut usize,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let run = unsafe { get(run) }?;
        let n = host(run, index)?.ports.len();
        // SAFETY: caller contract.
        unsafe { write_out(out, n, "out") }
    })
}

/// Writes port `p` of host `h`: number, state and service name (new strings, "" when absent).
///
/// # Safety
/// `run` a live handle; `out_port`, `out_state`, `out_service` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_nmap_run_port(
    run: *const casiscan_nmap_run,
    h: usize,
    p: usize,
    out_port: *mut u32,
    out_state: *mut *mut c_char,
    out_service: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let run = unsafe { get(run) }?;
        for (ptr, name) in [
            (out_port.is_null(), "out_port"),
            (out_state.is_null(), "out_state"),
            (out_service.is_null(), "out_service"),
        ] {
            if ptr {
                return Err(null(name));
            }
        }
        let port = port(run, h, p)?;
        let state = owned_string(
            port.state
                .as_ref()
                .and_then(|s| s.state.as_deref())
                .unwrap_or_default()
                .to_string(),
        )?;
        let service = owned_string(
            port.service
                .as_ref()
                .and_then(|s| s.name.as_deref())
                .unwrap_or_default()
                .to_string(),
        )?;
        // SAFETY: all three checked non-NULL; caller contract. Written only now, on success.
        unsafe {
            out_port.write(port.portid.unwrap_or(0));
            out_state.write(state);
            out_service.write(service);
        }
        Ok(())
    })
}

/// Writes the whole run as JSON (the same as the Rust serde model).
///
/// # Safety
/// `run` a live handle; `out_json` writable; free with `casiscan_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_nmap_run_to_json(
    run: *const casiscan_nmap_run,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let run = unsafe { get(run) }?;
        if out_json.is_null() {
            return Err(null("out_json"));
        }
        let json = serde_json::to_string(run)
            .map_err(|e| Failure(casiscan_status::Parse, e.to_string()))?;
        // SAFETY: checked non-NULL; caller contract.
        unsafe { write_out(out_json, owned_string(json)?, "out_json") }
    })
}

/// Writes what changed from `older` to `newer` as JSON: every category nmap's ndiff reports
/// (the Rust `nmap::RunDiff`: `run`, `prescripts`, `hosts`, `unchanged`, `postscripts`).
///
/// # Safety
/// `older` and `newer` live handles; `out_json` writable; free with `casiscan_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn casiscan_nmap_diff_json(
    older: *const casiscan_nmap_run,
    newer: *const casiscan_nmap_run,
    out_json: *mut *mut c_char,
) -> casiscan_status {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let older = unsafe { get(older) }?;
        // SAFETY: caller contract.
        let newer = unsafe { get(newer) }?;
        if out_json.is_null() {
            return Err(null("out_json"));
        }
        let json = serde_json::to_string(&nmap::diff(older, newer))
            .map_err(|e| Failure(casiscan_status::Parse, e.to_string()))?;
        // SAFETY: checked non-NULL; caller contract.
        unsafe { write_out(out_json, owned_string(json)?, "out_json") }
    })
}
