//! One stored row that does not decode is skipped, with a warning naming it, instead of failing
//! the whole listing: SQLite here, PostgreSQL in `store_postgres.rs`.

mod log_capture;
mod skip_corrupt;

use casiscan_core::ErrorKind;
use casiscan_core::store::{SqliteStore, Store};

#[tokio::test]
async fn sqlite_lists_skip_a_corrupt_row_and_warn_with_its_id() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("corrupt.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let tamper = async |sql: String| {
        let raw = rusqlite::Connection::open(&path).expect("raw connection");
        raw.execute(&sql, []).expect("corrupt a row");
    };
    skip_corrupt::lists_skip_a_corrupt_row(&store, "sqlite", tamper).await;

    // Reading the bad row by id is still an error, a storage one (not a panic).
    let err = store
        .get_scan(&"admin/sqlite-bad-scan".parse().expect("id"))
        .await
        .expect_err("corrupt");
    assert_eq!(err.kind(), ErrorKind::Storage, "{err}");
}
