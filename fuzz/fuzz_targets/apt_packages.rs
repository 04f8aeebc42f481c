//! apt lists: a fuzzed (plain) Packages file beside the test tree's dpkg status and Release.
use casiscan_fuzz::{DPKG_STATUS, PACKAGES_PATH, RELEASE, RELEASE_PATH, STATUS_PATH, debian_scan};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        debian_scan(&[
            (STATUS_PATH, DPKG_STATUS),
            (PACKAGES_PATH, data),
            (RELEASE_PATH, RELEASE),
        ]);
    });
}
