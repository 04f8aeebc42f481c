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

#[tokio::test]
async fn sqlite_builds_them_past_the_largest_list_answer() {
    use casiscan_core::model::ScanQuery;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("old.db");
    let recorded = {
        let store = SqliteStore::open(&path).await.expect("open");
        backfill::fill(&store).await
    };
    let raw = rusqlite::Connection::open(&path).expect("raw");
    // MAX_ITEMS copies of scan `a` without runs, named `a-00001`…: sorted by name, `a` itself
    // (with runs) comes after them, past the first page of every scan.
    let columns: Vec<String> = raw
        .prepare("SELECT name FROM pragma_table_info('scans')")
        .expect("columns")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    let copied: Vec<String> = columns
        .iter()
        .map(|c| match c.as_str() {
            "name" => "'a-' || printf('%05d', n.i)".to_string(),
            other => format!("scans.{other}"),
        })
        .collect();
    raw.execute_batch(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {max}) \
         INSERT INTO scans ({cols}) SELECT {copied} FROM scans, n WHERE scans.name = 'a'; \
         DROP TABLE findings; DROP TABLE scan_logs; DROP TABLE finding_audit; \
         DROP TABLE account_settings; DROP TABLE scan_schedules; DROP TABLE scope_policies; \
         UPDATE schema_version SET version = 5;",
        max = ScanQuery::MAX_ITEMS,
        cols = columns.join(", "),
        copied = copied.join(", "),
    ))
    .expect("copies and downgrade");
    drop(raw);
    let store = SqliteStore::open(&path).await.expect("reopen migrates");
    assert_eq!(backfill::logs(&store).await, recorded);
}
