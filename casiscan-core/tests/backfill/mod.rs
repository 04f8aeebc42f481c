//! Shared check: a store whose findings and scan-log tables are new builds them once from the
//! run history it already holds, exactly as if every run had been recorded when it finished.

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use casiscan_core::model::{LogPageQuery, Scan, ScanLog, ScanRun};
use casiscan_core::store::Store;

/// Stores two scans of one asset with interleaved runs; returns every log the store recorded.
pub async fn fill(store: &dyn Store) -> Vec<ScanLog> {
    let t0 = Utc
        .with_ymd_and_hms(2026, 3, 1, 8, 0, 0)
        .single()
        .expect("time");
    for name in ["a", "b"] {
        let mut scan = Scan::new("o", name);
        scan.target = "10.0.0.5".into();
        scan.asset = "web".into();
        store.add_scan(&scan).await.expect("add");
    }
    for n in 0..6i64 {
        let ports = if n % 3 == 2 {
            json!([])
        } else {
            json!([{"port": "22/tcp", "state": "open", "service": "ssh"}])
        };
        let result =
            json!({"hosts": [{"ip": "10.0.0.5", "status": "up", "ports": ports}]}).to_string();
        let t = t0 + Duration::minutes(n);
        store
            .append_run(&ScanRun {
                asset: Some("web".into()),
                ..crate::runs::completed(
                    "o",
                    if n % 2 == 0 { "a" } else { "b" },
                    "10.0.0.5",
                    Some(t),
                    result,
                )
            })
            .await
            .expect("append");
    }
    logs(store).await
}

/// Every log of account `o` on the filled day.
pub async fn logs(store: &dyn Store) -> Vec<ScanLog> {
    let from = Utc
        .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .single()
        .expect("time");
    store
        .scan_logs_page(&LogPageQuery {
            account: "o".into(),
            from,
            to: from + Duration::days(1),
            after: None,
            limit: 100,
        })
        .await
        .expect("page")
}

/// The logs recorded at finish, checked for what the backfill must reproduce.
pub fn check_recorded(logs: &[ScanLog]) {
    assert_eq!(logs.len(), 6);
    let first = &logs[0].observations;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].open_status.label(), "New");
    let ids: std::collections::BTreeSet<Option<u64>> = logs
        .iter()
        .flat_map(|l| l.observations.iter().map(|o| o.alert_id))
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "one finding, one id across both scans: {ids:?}"
    );
}
