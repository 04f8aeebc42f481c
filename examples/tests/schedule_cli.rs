//! `casiscan schedule` and `casiscan list` as a user runs them: schedules set, shown and
//! removed; bad cron expressions, zones and intervals refused naming the field, nothing changed.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use casiscan_core::model::{Cadence, RecordId, Scan, ScanState, Schedule};
use casiscan_core::store::{SqliteStore, Store};

fn casiscan(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casiscan"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CASISCAN_DB")
        .output()
        .expect("run casiscan")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A database holding one finished scan `admin/s1` (an OS patch scan run here).
fn db_with_scan(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("s.db");
    let out = casiscan(
        &db,
        &[
            "scan",
            "127.0.0.1",
            "--provider",
            "OS Patch",
            "--name",
            "s1",
        ],
    );
    // The run may fail (no package caches here); the scan is stored either way.
    let shown = casiscan(&db, &["show", "s1"]);
    assert!(
        shown.status.success(),
        "{}{}",
        text(&out.stderr),
        text(&shown.stderr)
    );
    db
}

fn schedule_json(db: &Path) -> serde_json::Value {
    let out = casiscan(db, &["show", "s1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let scan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    scan["schedule"].clone()
}

#[test]
fn schedule_sets_shows_and_removes_the_next_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_with_scan(dir.path());
    let listed = text(&casiscan(&db, &["list"]).stdout);
    assert!(listed.contains("NEXT RUN"), "{listed}");

    let out = casiscan(
        &db,
        &["schedule", "s1", "0 3 * * *", "--tz", "Europe/Paris"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("next run 20"),
        "{}",
        text(&out.stdout)
    );
    let s = schedule_json(&db);
    assert_eq!(s["kind"], "cron");
    assert_eq!(s["expression"], "0 3 * * *");
    assert_eq!(s["timeZone"], "Europe/Paris");
    let next = s["nextRunTime"].as_str().expect("next run").to_string();
    // 03:00 in Paris is 01:00 or 02:00 UTC.
    assert!(
        next.contains("T01:00:00") || next.contains("T02:00:00"),
        "{next}"
    );
    let listed = text(&casiscan(&db, &["list"]).stdout);
    assert!(listed.contains(&next[..10]), "{listed}");

    let out = casiscan(
        &db,
        &[
            "schedule", "s1", "--every", "6h", "--missed", "run-once", "--jitter", "30",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = schedule_json(&db);
    assert_eq!(s["kind"], "interval");
    assert_eq!(s["everySeconds"], 21_600);
    assert_eq!(s["missedSlots"], "runOnce");
    assert_eq!(s["jitterSeconds"], 30);

    let out = casiscan(&db, &["schedule", "s1", "--off"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(schedule_json(&db).is_null());
}

#[test]
fn bad_schedules_are_refused_naming_the_field_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_with_scan(dir.path());
    let out = casiscan(&db, &["schedule", "s1", "--every", "1h"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = schedule_json(&db);
    let cases: &[(&[&str], &str)] = &[
        (&["schedule", "s1", "0 3 * *"], "schedule.expression"),
        (&["schedule", "s1", "0 25 * * *"], "schedule.expression"),
        (
            &["schedule", "s1", "0 3 * * *", "--tz", "Europe/Pariss"],
            "schedule.timeZone",
        ),
        (
            &["schedule", "s1", "--every", "59s"],
            "schedule.everySeconds",
        ),
        (
            &["schedule", "s1", "--every", "soon"],
            "schedule.everySeconds",
        ),
        (
            &["schedule", "s1", "--every", "1h", "--jitter", "3600"],
            "schedule.jitterSeconds",
        ),
        (
            &["schedule", "s1", "--every", "1h", "--missed", "never"],
            "schedule.missedSlots",
        ),
    ];
    for (args, field) in cases {
        let out = casiscan(&db, args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(field),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(schedule_json(&db), before, "{args:?} changed the schedule");
    }
    let out = casiscan(&db, &["schedule", "missing", "--every", "1h"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}

/// Kills the child process when dropped.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A scan `admin/due` in `db` whose schedule's slot came a second ago (written straight to the
/// store: through the API the first slot is at least a minute away).
async fn due_scan(db: &Path) -> (Arc<dyn Store>, RecordId) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db).await.expect("open"));
    let mut scan = Scan::new("admin", "due");
    scan.target = "127.0.0.1".into();
    scan.command = "-sT -p 1".into();
    store.add_scan(&scan).await.expect("add");
    let id = scan.id().expect("id");
    let slot = casiscan_core::clock::now() - chrono::Duration::seconds(1);
    let schedule = Schedule {
        next_run_time: Some(slot),
        next_fire_time: Some(slot),
        ..Schedule::new(Cadence::Interval {
            every_seconds: 3600,
        })
    };
    store
        .set_schedule(&id, Some(&schedule))
        .await
        .expect("schedule");
    (store, id)
}

/// Starts `casiscan ARGS` on `db` with output discarded.
fn start(db: &Path, args: &[&str]) -> Running {
    Running(
        Command::new(env!("CARGO_BIN_EXE_casiscan"))
            .arg("--db")
            .arg(db)
            .args(args)
            .env_remove("CASISCAN_DB")
            .env("CASISCAN_ADMIN_TOKEN", "a-test-admin-token-0123456789")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn casiscan"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_and_serve_run_the_scheduler_unless_no_scheduler() {
    let runs: &[(&[&str], bool)] = &[
        (&["worker", "--name", "w1"], true),
        (&["serve", "--listen", "127.0.0.1:0"], true),
        (&["worker", "--name", "w1", "--no-scheduler"], false),
        (
            &["serve", "--listen", "127.0.0.1:0", "--no-scheduler"],
            false,
        ),
    ];
    for (args, queues) in runs {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("s.db");
        let (store, id) = due_scan(&db).await;
        let _process = start(&db, args);
        // The loop's first pass is at start; give it a few seconds, never a minute.
        let deadline = Instant::now() + Duration::from_secs(if *queues { 20 } else { 4 });
        let mut queued = false;
        while Instant::now() < deadline && !queued {
            tokio::time::sleep(Duration::from_millis(200)).await;
            queued = store.get_scan(&id).await.expect("get").state != ScanState::Created;
        }
        assert_eq!(queued, *queues, "{args:?}");
        let schedule = store
            .get_schedule(&id)
            .await
            .expect("get")
            .expect("schedule");
        let moved = schedule.next_run_time > Some(casiscan_core::clock::now());
        assert_eq!(moved, *queues, "{args:?}: {schedule:?}");
    }
}
