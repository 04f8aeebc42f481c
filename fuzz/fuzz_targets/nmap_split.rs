//! nmap XML, split: the compact JSON written with hosts parsed apart on worker threads holds
//! what `parse_file` reads (both compared as JSON values read from text), or fails with the
//! same placed error.
use std::io::Write;

use casiscan_core::providers::nmap::{self, ParseOptions};
use serde_json::Value;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(mut file) = tempfile::NamedTempFile::new() else {
            return;
        };
        if file.write_all(data).and_then(|()| file.flush()).is_err() {
            return;
        }
        let whole = nmap::parse_file(file.path());
        let mut compact = Vec::new();
        let split = nmap::write_json_compact(file.path(), &mut compact, ParseOptions::default());
        match (whole, split) {
            (Ok(run), Ok(())) => {
                // Both sides are read back from JSON text: serde_json's reading of a float may
                // differ in the last bit from the value written (`2e-32`), on both alike.
                let whole = serde_json::to_vec(&run).expect("a run serializes");
                let whole: Value = serde_json::from_slice(&whole).expect("its own JSON");
                let split: Value = serde_json::from_slice(&compact).expect("one JSON document");
                assert_eq!(split, whole, "the split pass and parse_file disagree");
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "different errors"),
            (a, b) => panic!("parse_file: {:?}; split pass: {:?}", a.err(), b.err()),
        }
    });
}
