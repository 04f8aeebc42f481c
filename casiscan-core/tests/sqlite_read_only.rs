//! Read-only SQLite use: opening a current database writes nothing, and a database opened with
//! the read-only flag lists its records while every write fails with `Error::ReadOnly`.
//!
//! The fallback for files this process cannot write (permissions, read-only directory) is
//! exercised as an unprivileged user by `examples/tests/cli.rs`
//! (`list_works_on_a_database_the_user_cannot_write`): root ignores file permissions.

use std::sync::Arc;

use casiscan_core::model::Scan;
use casiscan_core::model::ScanQuery;
use casiscan_core::providers::Providers;
use casiscan_core::store::{SqliteStore, Store};
use casiscan_core::{Client, Error, ErrorKind};

async fn database_with_two_scans(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("scans.db");
    let store = SqliteStore::open(&path).await.expect("create");
    for name in ["s1", "s2"] {
        store
            .add_scan(&Scan::new("admin", name))
            .await
            .expect("add");
    }
    // Dropping the last handle checkpoints the WAL into the main file and removes it.
    drop(store);
    path
}

fn wal_len(db: &std::path::Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).map_or(0, |m| m.len())
}

#[tokio::test]
async fn opening_a_current_database_writes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = database_with_two_scans(dir.path()).await;
    let before = std::fs::read(&path).expect("read");
    let store = SqliteStore::open(&path).await.expect("reopen");
    assert!(!store.is_read_only());
    let listed = store.list_scans(&ScanQuery::default()).await.expect("list");
    assert_eq!(listed.total, 2);
    // Any write (a migration, a version stamp) would have left frames in the WAL.
    assert_eq!(wal_len(&path), 0, "opening and listing wrote to the WAL");
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[tokio::test]
async fn a_read_only_open_lists_and_refuses_writes_with_a_typed_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = database_with_two_scans(dir.path()).await;
    let before = std::fs::read(&path).expect("read");

    let store = SqliteStore::open_read_only(&path)
        .await
        .expect("read-only open");
    assert!(store.is_read_only());
    let client = Client::new(Arc::new(store), Providers::new());
    let listed = client
        .list_scans(&ScanQuery::default())
        .await
        .expect("list");
    assert_eq!(listed.total, 2);
    assert_eq!(client.get_scan("admin/s1").await.expect("get").name, "s1");

    let writes = [
        client
            .add_scan(&{
                let mut s = Scan::new("admin", "s3");
                s.target = "127.0.0.1".into();
                s
            })
            .await
            .map(|_| ())
            .expect_err("add"),
        client
            .clear_scan("admin/s1")
            .await
            .map(|_| ())
            .expect_err("clear"),
        client
            .delete_scan("admin/s2", false)
            .await
            .expect_err("delete"),
    ];
    for err in writes {
        assert!(matches!(err, Error::ReadOnly { .. }), "{err:?}");
        assert_eq!(err.kind(), ErrorKind::Storage);
        let text = err.to_string();
        assert!(text.contains("is read-only"), "{text}");
        assert!(text.contains("scans.db"), "{text}");
    }
    assert_eq!(
        client
            .list_scans(&ScanQuery::default())
            .await
            .expect("list")
            .total,
        2
    );
    drop(client);
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "file unchanged"
    );
}

#[tokio::test]
async fn a_read_only_open_refuses_an_old_schema_and_a_missing_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let missing = dir.path().join("missing.db");
    let err = SqliteStore::open_read_only(&missing)
        .await
        .expect_err("missing");
    assert_eq!(err.kind(), ErrorKind::Storage, "{err}");
    assert!(!missing.exists(), "a read-only open created the file");

    let old = dir.path().join("old.db");
    let raw = rusqlite::Connection::open(&old).expect("raw");
    raw.execute_batch(
        "CREATE TABLE schema_version (version INTEGER NOT NULL); \
         INSERT INTO schema_version VALUES (1);",
    )
    .expect("old schema");
    drop(raw);
    let err = SqliteStore::open_read_only(&old).await.expect_err("old");
    assert!(matches!(err, Error::ReadOnly { .. }), "{err:?}");
    assert!(err.to_string().contains("migrate"), "{err}");
}
