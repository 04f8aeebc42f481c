//! dnf repodata XML, plain or gzip: primary (the first byte's low bit clear) or updateinfo.
use casiscan_core::providers::ospatch::rpm::{parse_primary, parse_updateinfo};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((&which, rest)) = data.split_first() else {
            return;
        };
        if which & 1 == 0 {
            let _ = parse_primary(rest, "primary.xml");
        } else {
            let _ = parse_updateinfo(rest, "updateinfo.xml");
        }
    });
}
