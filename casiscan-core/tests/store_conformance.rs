//! Runs the Store conformance suite against every built-in backend.

use std::sync::Arc;

use casiscan_core::store::{MemoryStore, SqliteStore, Store, conformance};

#[tokio::test]
async fn memory_store_conforms() {
    conformance::run_all(|| async { Arc::new(MemoryStore::new()) as Arc<dyn Store> }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_memory_store_conforms() {
    conformance::run_all(|| async {
        Arc::new(SqliteStore::open(":memory:").await.expect("open")) as Arc<dyn Store>
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_file_store_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = std::sync::atomic::AtomicUsize::new(0);
    conformance::run_all(|| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = dir.path().join(format!("db{n}.sqlite"));
        async move { Arc::new(SqliteStore::open(path).await.expect("open")) as Arc<dyn Store> }
    })
    .await;
}
