//! dpkg status (deb822 stanzas): the Debian scan over a fuzzed `var/lib/dpkg/status`.
use casiscan_fuzz::{PACKAGES, PACKAGES_PATH, RELEASE, RELEASE_PATH, STATUS_PATH, debian_scan};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        debian_scan(&[
            (STATUS_PATH, data),
            (PACKAGES_PATH, PACKAGES),
            (RELEASE_PATH, RELEASE),
        ]);
    });
}
