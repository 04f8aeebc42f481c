//! Several `casiscan worker` processes on one SQLite database: every scan runs exactly once,
//! on an allowed runner, and a worker killed with SIGKILL strands nothing.

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_fleet_runs_each_scan_once_and_survives_a_killed_worker() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("fleet.db");
    common::fleet(db.to_str().expect("utf8")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_soak_with_random_worker_kills_strands_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("soak.db");
    common::soak(
        db.to_str().expect("utf8"),
        std::time::Duration::from_secs(30),
    )
    .await;
}
