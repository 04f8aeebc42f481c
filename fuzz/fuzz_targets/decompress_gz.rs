//! The gzip decoder of the apt and dnf cache reader, with its decoded-size cap: a fuzzed
//! `Packages.gz` (its magic number put in front when missing) decoded into a sink.
use casiscan_fuzz::decode_cache_file;

const MAGIC: &[u8] = &[0x1f, 0x8b];

fn main() {
    afl::fuzz!(|data: &[u8]| {
        decode_cache_file("Packages.gz", MAGIC, data);
    });
}
