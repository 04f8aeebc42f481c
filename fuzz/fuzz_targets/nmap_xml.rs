//! nmap XML, whole document: `nmap::parse` gives a run or a typed error, never a panic.
use casiscan_core::providers::nmap;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(run) = nmap::parse(data) {
            let _ = serde_json::to_vec(&run);
        }
    });
}
