//! The nmap command allowlist: `NmapCommand::parse` accepts or refuses, never panics.
use casiscan_core::providers::nmap::options::NmapCommand;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = NmapCommand::parse(text);
        }
    });
}
