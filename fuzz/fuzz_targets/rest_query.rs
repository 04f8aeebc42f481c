//! REST query strings, decoded as the router decodes them (urlencoded into a map), then the
//! export query (dates, range, cursor) and the scan list's field and sort parameters.
use std::collections::BTreeMap;

use casiscan_core::export::parse_export_query;
use casiscan_core::store::{ScanField, SortOrder};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(map) = serde_urlencoded::from_bytes::<BTreeMap<String, String>>(data) else {
            return;
        };
        let _ = parse_export_query(&map);
        for key in ["field", "sortField"] {
            if let Some(v) = map.get(key) {
                let _ = v.parse::<ScanField>();
            }
        }
        if let Some(v) = map.get("sortOrder") {
            let _ = SortOrder::from_casibase(v);
        }
    });
}
