//! The xz decoder of the apt and dnf cache reader, with its decoded-size cap: a fuzzed
//! `Packages.xz` (its magic number put in front when missing) decoded into a sink.
use casiscan_fuzz::decode_cache_file;

const MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];

fn main() {
    afl::fuzz!(|data: &[u8]| {
        decode_cache_file("Packages.xz", MAGIC, data);
    });
}
