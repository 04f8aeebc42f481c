//! `Client::scan_logs_by_day` and `ScanLogPages`: the library's paging of stored scan logs.

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use casiscan_core::model::Scan;
use casiscan_core::providers::Providers;
use casiscan_core::{Client, ErrorKind};

mod runs;

async fn client_with_runs(owner: &str, n: i64) -> Client {
    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    let mut scan = Scan::new(owner, "s");
    scan.target = "10.0.0.5".into();
    client.add_scan(&scan).await.expect("scan");
    let t0 = Utc
        .with_ymd_and_hms(2026, 3, 2, 8, 0, 0)
        .single()
        .expect("time");
    for i in 0..n {
        let t = t0 + Duration::minutes(i);
        let result = json!({"hosts": [{"ip": "10.0.0.5", "status": "up",
            "ports": [{"port": "22/tcp", "state": "open", "service": "ssh"}]}]});
        client
            .store()
            .append_run(&runs::completed(
                owner,
                "s",
                "10.0.0.5",
                Some(t),
                result.to_string(),
            ))
            .await
            .expect("run");
    }
    client
}

#[tokio::test]
async fn pages_follow_their_cursor_and_refuse_another_query() {
    let client = client_with_runs("acme", 5).await;
    let mut cursor: Option<String> = None;
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let page = client
            .scan_logs_by_day("acme", "2026-03-02", "2026-03-02", cursor.as_deref(), 2)
            .await
            .expect("page");
        pages += 1;
        ids.extend(page.logs.iter().filter_map(|l| l.log_id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 5, "{ids:?}");
    let first = client
        .scan_logs_by_day("acme", "2026-03-02", "2026-03-02", None, 2)
        .await
        .expect("page");
    let c = first.next_cursor.expect("more");
    for (account, from, to, cursor, size) in [
        ("other", "2026-03-02", "2026-03-02", Some(c.as_str()), 2),
        ("acme", "2026-03-01", "2026-03-02", Some(c.as_str()), 2),
        ("acme", "2026-03-02", "2026-03-02", Some("zz"), 2),
        ("acme", "2026-03-02", "2026-03-02", Some(&c[..46]), 2),
        ("acme", "2026-03-02", "2026-03-02", None, 0),
        ("acme", "2026-03-02", "2026-03-02", None, 5001),
        ("acme", "2026-3-2", "2026-03-02", None, 2),
        ("acme", "2026-03-03", "2026-03-02", None, 2),
    ] {
        let e = client
            .scan_logs_by_day(account, from, to, cursor, size)
            .await
            .expect_err("refused");
        assert_eq!(
            e.kind(),
            ErrorKind::InvalidInput,
            "{account} {from} {to} {cursor:?} {size}: {e}"
        );
    }
}

#[tokio::test]
async fn scan_log_pages_read_every_log_once() {
    let client = client_with_runs("acme", 7).await;
    let from = Utc
        .with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
        .single()
        .expect("time");
    let mut pages = client.scan_log_pages("acme", (from, from + Duration::days(1)), 3, None);
    let mut ids = Vec::new();
    while let Some(page) = pages.next_page().await.expect("page") {
        assert!(page.len() <= 3);
        ids.extend(page.iter().filter_map(|l| l.log_id));
    }
    assert_eq!(ids, (1..=7).collect::<Vec<u64>>());
    assert!(pages.position().is_some());
}
