//! nmap XML parse throughput on a generated file (shared/bench/gen_nmap_xml.py).

use std::path::PathBuf;
use std::process::Command;

use casiscan_benches::shared_dir;
use casiscan_core::providers::nmap::{self, HostReader};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Generates (once) `--hosts N --seed 1` into the target directory and returns its path.
fn generated(hosts: u32) -> PathBuf {
    let path = std::env::temp_dir().join(format!("casiscan-bench-nmap-{hosts}.xml"));
    if !path.exists() {
        let status = Command::new("python3")
            .arg(shared_dir().join("bench/gen_nmap_xml.py"))
            .args(["--hosts", &hosts.to_string(), "--seed", "1", "-o"])
            .arg(&path)
            .status()
            .expect("python3");
        assert!(status.success(), "generator failed");
    }
    path
}

fn bench(c: &mut Criterion) {
    let hosts: u32 = std::env::var("CASISCAN_BENCH_HOSTS")
        .ok()
        .and_then(|h| h.parse().ok())
        .unwrap_or(20_000);
    let path = generated(hosts);
    let data = std::fs::read(&path).expect("read");
    let mut group = c.benchmark_group("nmap_parse");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function(format!("typed_{hosts}_hosts"), |b| {
        // The run is dropped outside the measurement: parsing, not freeing, is measured.
        b.iter_with_large_drop(|| nmap::parse(&data).expect("parse"))
    });
    group.bench_function(format!("streaming_{hosts}_hosts"), |b| {
        b.iter(|| {
            HostReader::new(&data[..])
                .expect("header")
                .map(|h| h.expect("host").ports.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
