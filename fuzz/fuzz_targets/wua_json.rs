//! Windows Update Agent JSON (the recorded PowerShell output), then its common report.
use casiscan_core::providers::ospatch::windows::{parse_wua_json, scanned};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(report) = parse_wua_json(data, "wua.json") {
            let _ = scanned(report);
        }
    });
}
