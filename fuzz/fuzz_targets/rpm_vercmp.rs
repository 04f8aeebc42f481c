//! rpm version comparison on versions repodata and the rpmdb hand over (two NUL-separated
//! texts): `rpmvercmp` and `compare_evr` are total orders (antisymmetric, reflexive), never a
//! panic.
use std::cmp::Ordering;

use casiscan_core::providers::ospatch::rpm::{Evr, compare_evr, rpmvercmp};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let (a, b) = text.split_once('\0').unwrap_or((text, ""));
        assert_eq!(rpmvercmp(a, b), rpmvercmp(b, a).reverse(), "{a:?} {b:?}");
        assert_eq!(rpmvercmp(a, a), Ordering::Equal, "{a:?}");
        let (ea, eb) = (Evr::parse(a), Evr::parse(b));
        assert_eq!(
            compare_evr(&ea, &eb),
            compare_evr(&eb, &ea).reverse(),
            "{a:?} {b:?}"
        );
    });
}
