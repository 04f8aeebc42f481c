//! ndiff's comparison of two runs (`diff` and its text), as `get-scan-diff` and `casiscan diff`
//! compare stored runs: two nmap XML documents separated by a NUL byte, each read leniently;
//! the diff and its text in bounded time whatever the script output, never a panic.
use casiscan_core::providers::nmap::{self, ParseOptions};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some(split) = data.iter().position(|b| *b == 0) else {
            return;
        };
        let (older, newer) = (&data[..split], &data[split + 1..]);
        let (Ok(a), Ok(b)) = (
            nmap::parse_with(older, ParseOptions::LENIENT),
            nmap::parse_with(newer, ParseOptions::LENIENT),
        ) else {
            return;
        };
        let d = nmap::diff(&a, &b);
        let _ = nmap::diff_text(&a, &b, &d);
        let _ = serde_json::to_vec(&d);
    });
}
