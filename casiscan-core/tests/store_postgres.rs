//! The Store conformance suite against a real PostgreSQL server (CASISCAN_TEST_PG_URL,
//! started by scripts/pg-start.sh in scripts/test.sh).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use casiscan_core::store::{PostgresStore, Store, conformance};

fn url() -> String {
    std::env::var("CASISCAN_TEST_PG_URL").expect(
        "CASISCAN_TEST_PG_URL is not set: run scripts/test.sh, or start a server with scripts/pg-start.sh",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store_conforms() {
    let url = url();
    let run = std::process::id();
    let counter = AtomicUsize::new(0);
    conformance::run_all(|| {
        let schema = format!("conf_{run}_{}", counter.fetch_add(1, Ordering::SeqCst));
        let url = url.clone();
        async move {
            Arc::new(
                PostgresStore::open_in_schema(&url, Some(&schema))
                    .await
                    .expect("open"),
            ) as Arc<dyn Store>
        }
    })
    .await;
}

#[tokio::test]
async fn unreachable_server_is_a_storage_error_naming_it() {
    let err = PostgresStore::open("postgres://casiscan@127.0.0.1:1/postgres")
        .await
        .expect_err("nothing listens on port 1");
    assert_eq!(err.kind(), casiscan_core::ErrorKind::Storage);
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
    let err = PostgresStore::open("postgres://[bad")
        .await
        .expect_err("bad url");
    assert_eq!(err.kind(), casiscan_core::ErrorKind::InvalidInput);
}
