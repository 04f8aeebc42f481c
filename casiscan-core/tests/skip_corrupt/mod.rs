//! The corrupt-row check both SQL stores run (`corrupt_rows.rs` for SQLite, `store_postgres.rs`
//! for PostgreSQL): one stored row that does not decode is skipped, with a warning naming it.

use casiscan_core::model::{Asset, RecordId, Scan, ScanQuery, ScanRun};
use casiscan_core::store::Store;

use crate::log_capture;

/// Fills `store`, damages one scan, one asset and one run with `tamper` (SQL run behind the
/// store's back, as a bad migration or tool would), and checks every listing skips only those.
/// Names start with `tag` so the warnings can be told apart.
pub async fn lists_skip_a_corrupt_row(store: &dyn Store, tag: &str, tamper: impl AsyncFn(String)) {
    log_capture::install();
    let bad_scan = format!("{tag}-bad-scan");
    let bad_asset = format!("{tag}-bad-asset");
    for name in ["good-1", bad_scan.as_str(), "good-2"] {
        store
            .add_scan(&Scan::new("admin", name))
            .await
            .expect("add");
    }
    for name in ["asset-1", bad_asset.as_str()] {
        store
            .add_asset(&Asset::new("admin", name))
            .await
            .expect("add asset");
    }
    tamper(format!(
        "UPDATE scans SET state = 'NoSuchState' WHERE name = '{bad_scan}'"
    ))
    .await;
    tamper(format!(
        "UPDATE assets SET body = '{{not json' WHERE name = '{bad_asset}'"
    ))
    .await;

    let page = store
        .list_scans(&ScanQuery::default())
        .await
        .expect("the listing survives one bad row");
    let mut names: Vec<_> = page.items.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["good-1", "good-2"]);
    let warned = log_capture::events_containing(&format!("corrupt scan row admin/{bad_scan}"));
    assert!(warned.iter().any(|e| e.starts_with("WARN")), "{warned:?}");

    let assets = store.list_assets(None).await.expect("assets listed");
    assert_eq!(
        assets.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["asset-1"]
    );
    let warned = log_capture::events_containing(&format!("corrupt asset row admin/{bad_asset}"));
    assert!(!warned.is_empty());

    // A run history with one unreadable run keeps the others.
    let id: RecordId = "admin/good-1".parse().expect("id");
    for _ in 0..3 {
        store
            .append_run(&ScanRun::of_finished(&Scan::new("admin", "good-1")))
            .await
            .expect("run");
    }
    tamper("UPDATE scan_runs SET body = '[' WHERE seq = 2".to_string()).await;
    let runs = store.list_runs(&id).await.expect("runs listed");
    assert_eq!(runs.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 3]);
    assert!(!log_capture::events_containing("corrupt run row admin/good-1 #2").is_empty());
}
