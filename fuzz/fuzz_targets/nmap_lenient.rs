//! nmap XML read leniently (`parse_with(LENIENT)`, what `--lenient` and imports of damaged
//! files use): a run with its warnings or a typed error, never a panic.
use casiscan_core::providers::nmap::{self, ParseOptions};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(run) = nmap::parse_with(data, ParseOptions::LENIENT) {
            let _ = serde_json::to_vec(&run);
        }
    });
}
