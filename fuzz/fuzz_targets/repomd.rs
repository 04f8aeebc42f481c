//! dnf's `repodata/repomd.xml`, read by `read_repo` from a repository directory (the primary and
//! updateinfo files it names are absent: the index itself is what is fuzzed).
use casiscan_core::providers::ospatch::rpm::read_repo;
use casiscan_fuzz::root_with;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let root = root_with(&[("repo/repodata/repomd.xml", data)]);
        let _ = read_repo(&root.join("repo"));
    });
}
