//! apt Release and InRelease: a fuzzed Release file (the first byte's low bit chooses the
//! InRelease name, read with its OpenPGP clear-signature) beside the test tree's status and
//! Packages.
use casiscan_fuzz::{DPKG_STATUS, PACKAGES, PACKAGES_PATH, RELEASE_PATH, STATUS_PATH, debian_scan};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((&which, rest)) = data.split_first() else {
            return;
        };
        // Both names are written on every input (the other one empty) so that no file of an
        // earlier input is left behind.
        let inrelease = RELEASE_PATH.replace("_Release", "_InRelease");
        let (release, signed): (&[u8], &[u8]) = if which & 1 == 0 {
            (rest, b"")
        } else {
            (b"", rest)
        };
        debian_scan(&[
            (STATUS_PATH, DPKG_STATUS),
            (PACKAGES_PATH, PACKAGES),
            (RELEASE_PATH, release),
            (inrelease.as_str(), signed),
        ]);
    });
}
