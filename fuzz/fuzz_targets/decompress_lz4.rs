//! The LZ4 frame decoder of the apt and dnf cache reader, with its decoded-size cap: a fuzzed
//! `Packages.lz4` (its magic number put in front when missing) decoded into a sink.
use casiscan_fuzz::decode_cache_file;

const MAGIC: &[u8] = &[0x04, 0x22, 0x4d, 0x18];

fn main() {
    afl::fuzz!(|data: &[u8]| {
        decode_cache_file("Packages.lz4", MAGIC, data);
    });
}
