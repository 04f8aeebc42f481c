//! The Zstandard decoder of the apt and dnf cache reader, with its decoded-size cap: a fuzzed
//! `Packages.zst` (its magic number put in front when missing) decoded into a sink.
use casiscan_fuzz::decode_cache_file;

const MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

fn main() {
    afl::fuzz!(|data: &[u8]| {
        decode_cache_file("Packages.zst", MAGIC, data);
    });
}
