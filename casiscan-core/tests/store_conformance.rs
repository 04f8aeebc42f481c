//! Runs the Store conformance suite against every built-in backend: the memory store on the
//! system clock and on a manual one, SQLite on a manual clock (time moves only when a check
//! moves it).

use std::sync::Arc;

use casiscan_core::clock::{self, Clock};
use casiscan_core::store::{MemoryStore, SqliteStore, Store, conformance};

fn manual() -> Clock {
    Clock::manual(clock::now())
}

#[tokio::test]
async fn memory_store_conforms() {
    conformance::run_all(|| async { Arc::new(MemoryStore::new()) as Arc<dyn Store> }).await;
}

#[tokio::test]
async fn memory_store_conforms_on_a_manual_clock() {
    conformance::run_all(|| async {
        Arc::new(MemoryStore::new().with_clock(manual())) as Arc<dyn Store>
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_memory_store_conforms() {
    conformance::run_all(|| async {
        let store = SqliteStore::open(":memory:").await.expect("open");
        Arc::new(store.with_clock(manual())) as Arc<dyn Store>
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
        async move {
            let store = SqliteStore::open(path).await.expect("open");
            Arc::new(store.with_clock(manual())) as Arc<dyn Store>
        }
    })
    .await;
}
