//! The fleet test on a real PostgreSQL server (CASISCAN_TEST_PG_URL, started by scripts/test.sh).

mod common;

/// A fresh database on the test server, as a URL.
fn fresh_database(tag: &str) -> String {
    let url = std::env::var("CASISCAN_TEST_PG_URL")
        .expect("CASISCAN_TEST_PG_URL is not set: run scripts/test.sh or scripts/pg-start.sh");
    let db = format!("{tag}_{}", std::process::id());
    let status = std::process::Command::new("psql")
        .arg(&url)
        .args(["-qc", &format!("CREATE DATABASE {db}")])
        .status()
        .expect("psql");
    assert!(status.success());
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    format!("{base}/{db}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_soak_with_random_worker_kills_strands_nothing() {
    common::soak(&fresh_database("soak"), std::time::Duration::from_secs(30)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_fleet_runs_each_scan_once_and_survives_a_killed_worker() {
    common::fleet(&fresh_database("fleet")).await;
}
