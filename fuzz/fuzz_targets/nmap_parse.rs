//! Fuzz target: nmap's XML parser and streaming reader must never panic or run away.
//! Run with `cargo +nightly fuzz run nmap_parse` from this folder.
#![no_main]

use casiscan_core::providers::nmap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = nmap::parse(data);
    if let Ok(reader) = nmap::HostReader::new(data) {
        for host in reader.take(10_000) {
            if host.is_err() {
                break;
            }
        }
    }
});
