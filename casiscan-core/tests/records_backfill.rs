//! SQLite: a database written before findings and scan logs were stored gets them built once
//! from its run history when it is opened (PostgreSQL: `store_postgres.rs`).

mod backfill;

use casiscan_core::store::SqliteStore;

mod runs;

#[tokio::test]
async fn sqlite_builds_findings_and_logs_from_older_history_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("old.db");
    let recorded = {
        let store = SqliteStore::open(&path).await.expect("open");
        backfill::fill(&store).await
    };
    backfill::check_recorded(&recorded);
    // Back to the schema before the tables existed, history kept.
    let raw = rusqlite::Connection::open(&path).expect("raw");
    raw.execute_batch(
        "DROP TABLE findings; DROP TABLE scan_logs; DROP TABLE finding_audit; \
         DROP TABLE account_settings; DROP TABLE scan_schedules; DROP TABLE scope_policies; \
         UPDATE schema_version SET version = 5;",
    )
    .expect("downgrade");
    drop(raw);
    let store = SqliteStore::open(&path).await.expect("reopen migrates");
    assert_eq!(backfill::logs(&store).await, recorded);
    drop(store);
    // Opening again does not build them twice.
    let store = SqliteStore::open(&path).await.expect("reopen");
    assert_eq!(backfill::logs(&store).await, recorded);
}
