//! SQLite store: `add_scan` throughput and `list` over 10 000 scans.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use casiscan_core::model::Scan;
use casiscan_core::model::{ScanField, ScanQuery};
use casiscan_core::store::{SqliteStore, Store};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SCANS: u64 = 10_000;

fn scan(n: u64) -> Scan {
    let mut s = Scan::new("bench", format!("scan_{n:06}"));
    s.display_name = format!("Nightly scan {n}");
    s.target = format!("10.{}.{}.{}", n / 65536 % 256, n / 256 % 256, n % 256);
    s.command = "-sT -p 1-1024".into();
    s
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn bench_add(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("tmp");
    let store = rt
        .block_on(SqliteStore::open(dir.path().join("add.db")))
        .expect("open");
    let next = AtomicU64::new(0);
    let mut group = c.benchmark_group("sqlite");
    group.throughput(Throughput::Elements(1));
    group.bench_function("add_scan", |b| {
        b.to_async(&rt).iter(|| {
            let s = scan(next.fetch_add(1, Ordering::Relaxed));
            let store = store.clone();
            async move { store.add_scan(&s).await.expect("add") }
        })
    });
    group.finish();
}

fn bench_list(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("tmp");
    let store = Arc::new(
        rt.block_on(SqliteStore::open(dir.path().join("list.db")))
            .expect("open"),
    );
    rt.block_on(async {
        for n in 0..SCANS {
            store.add_scan(&scan(n)).await.expect("add");
        }
    });
    let mut group = c.benchmark_group("sqlite_list_10k");
    let page = ScanQuery {
        owner: Some("bench".into()),
        page: Some(3),
        page_size: Some(50),
        ..ScanQuery::default()
    };
    let filtered = ScanQuery {
        filter: Some((ScanField::Target, "10.0.1".into())),
        ..page.clone()
    };
    let all = ScanQuery::default();
    for (name, q) in [
        ("page_of_50", page),
        ("filtered_page", filtered),
        ("all", all),
    ] {
        group.bench_function(name, |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(store.list_scans(&q).await.expect("list")) })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_add, bench_list);
criterion_main!(benches);
