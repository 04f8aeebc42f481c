//! One stored row that does not decode is skipped, with a warning naming it, instead of failing
//! the whole listing: SQLite here, PostgreSQL in `store_postgres.rs`.

mod log_capture;

use casiscan_core::ErrorKind;
use casiscan_core::model::{Asset, Scan};
use casiscan_core::store::{ScanQuery, SqliteStore, Store};

#[tokio::test]
async fn sqlite_lists_skip_a_corrupt_row_and_warn_with_its_id() {
    log_capture::install();
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("corrupt.db");
    let store = SqliteStore::open(&path).await.expect("open");
    for name in ["good-1", "sqlite-bad-scan", "good-2"] {
        store
            .add_scan(&Scan::new("admin", name))
            .await
            .expect("add");
    }
    for name in ["asset-1", "sqlite-bad-asset"] {
        store
            .add_asset(&Asset::new("admin", name))
            .await
            .expect("add asset");
    }
    // Damage one scan and one asset behind the store's back, as a bad migration or tool would.
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    raw.execute(
        "UPDATE scans SET state = 'NoSuchState' WHERE name = 'sqlite-bad-scan'",
        [],
    )
    .expect("corrupt a scan");
    raw.execute(
        "UPDATE assets SET body = '{not json' WHERE name = 'sqlite-bad-asset'",
        [],
    )
    .expect("corrupt an asset");
    drop(raw);

    let page = store
        .list_scans(&ScanQuery::default())
        .await
        .expect("the listing survives one bad row");
    let mut names: Vec<_> = page.items.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["good-1", "good-2"]);
    let warned = log_capture::events_containing("admin/sqlite-bad-scan");
    assert!(
        warned
            .iter()
            .any(|e| e.starts_with("WARN") && e.contains("corrupt scan row")),
        "{warned:?}"
    );

    let assets = store.list_assets(None).await.expect("assets listed");
    assert_eq!(
        assets.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["asset-1"]
    );
    assert!(!log_capture::events_containing("corrupt asset row admin/sqlite-bad-asset").is_empty());

    // A run history with one unreadable run keeps the others.
    let id: casiscan_core::model::RecordId = "admin/good-1".parse().expect("id");
    for _ in 0..3 {
        store
            .append_run(&casiscan_core::model::ScanRun::of_finished(&Scan::new(
                "admin", "good-1",
            )))
            .await
            .expect("run");
    }
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    raw.execute("UPDATE scan_runs SET body = '[' WHERE seq = 2", [])
        .expect("corrupt a run");
    drop(raw);
    let runs = store.list_runs(&id).await.expect("runs listed");
    assert_eq!(runs.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 3]);
    assert!(!log_capture::events_containing("corrupt run row admin/good-1 #2").is_empty());

    // Reading the bad row by id is still an error, a storage one (not a panic).
    let err = store
        .get_scan(&"admin/sqlite-bad-scan".parse().expect("id"))
        .await
        .expect_err("corrupt");
    assert_eq!(err.kind(), ErrorKind::Storage, "{err}");
}
