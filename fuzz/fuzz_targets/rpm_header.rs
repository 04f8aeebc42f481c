//! rpm header blobs (as rpmdb.sqlite stores them): `parse_header`, then the package view.
use casiscan_core::providers::ospatch::rpm::{RpmPackage, parse_header};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(header) = parse_header(data) {
            let _ = RpmPackage::from_header(&header);
        }
    });
}
