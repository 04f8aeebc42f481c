//! The xz decoder of the apt and dnf cache reader, with its size and ratio caps: a fuzzed
//! `Packages.xz` (its magic number put in front when missing) in the Debian test tree.
use casiscan_fuzz::{
    DPKG_STATUS, PACKAGES_PATH, RELEASE, RELEASE_PATH, STATUS_PATH, debian_scan, with_magic,
};

const MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let path = format!("{PACKAGES_PATH}.xz");
        debian_scan(&[
            (STATUS_PATH, DPKG_STATUS),
            (path.as_str(), &with_magic(MAGIC, data)),
            (RELEASE_PATH, RELEASE),
        ]);
    });
}
