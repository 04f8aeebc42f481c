//! REST query strings, decoded as the router decodes them (urlencoded into a map), then the
//! export query (dates, range, cursor), the scan list's field, sort and page parameters (its
//! checked window: an accepted page never starts past the largest offset), and the findings
//! list's page.
use std::collections::BTreeMap;

use casiscan_core::export::parse_export_query;
use casiscan_core::model::{FindingQuery, ScanQuery};
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
        let num = |k: &str| map.get(k).and_then(|v| v.parse::<u32>().ok());
        let scans = ScanQuery {
            page: num("p"),
            page_size: num("pageSize"),
            asset: map.get("asset").cloned(),
            filter: map.get("value").map(|v| (ScanField::Name, v.clone())),
            ..ScanQuery::default()
        };
        if scans.validate().is_ok() {
            match scans.window() {
                Ok((offset, limit)) => {
                    assert!(offset <= ScanQuery::MAX_OFFSET);
                    assert!(limit <= u64::from(ScanQuery::MAX_ITEMS) + 1);
                }
                Err(e) => panic!("a query validate accepts has no window: {e}"),
            }
        }
        let findings = FindingQuery {
            page: num("p"),
            page_size: num("pageSize"),
            ..FindingQuery::default()
        };
        if let Ok((_, limit)) = findings.window() {
            assert!(limit <= u64::from(FindingQuery::MAX_PAGE_SIZE));
        }
    });
}
