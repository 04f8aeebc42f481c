//! The fleet test on a real PostgreSQL server (CASISCAN_TEST_PG_URL, started by scripts/test.sh).

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_fleet_runs_each_scan_once_and_survives_a_killed_worker() {
    let url = std::env::var("CASISCAN_TEST_PG_URL")
        .expect("CASISCAN_TEST_PG_URL is not set: run scripts/test.sh or scripts/pg-start.sh");
    // A fresh database per run keeps reruns independent.
    let db = format!("fleet_{}", std::process::id());
    let status = std::process::Command::new("psql")
        .arg(&url)
        .args(["-qc", &format!("CREATE DATABASE {db}")])
        .status()
        .expect("psql");
    assert!(status.success());
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    common::fleet(&format!("{base}/{db}")).await;
}
