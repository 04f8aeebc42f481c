//! What the findings store reads from a run's script output (the first byte chooses): the
//! observations of an nmap run read leniently (vulners tables, CVSS scores), or the port ranges
//! and script selections of a command's options; never a panic.
use casiscan_core::lifecycle::{nmap_observations, parse_ranges, selected_scripts};
use casiscan_core::providers::nmap::{self, ParseOptions};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((&which, rest)) = data.split_first() else {
            return;
        };
        if which & 1 == 0 {
            if let Ok(run) = nmap::parse_with(rest, ParseOptions::LENIENT) {
                let _ = nmap_observations(&nmap::casibase_result(run));
            }
        } else if let Ok(text) = std::str::from_utf8(rest) {
            let _ = parse_ranges(text);
            let _ = selected_scripts(text);
        }
    });
}
