//! The Store conformance suite: one set of checks every backend must pass.
//!
//! Run it with [`run_all`], giving a function that makes a fresh, empty store. A store with a
//! manual [`crate::clock::Clock`] is moved by hand where a check needs time to pass (no sleeps).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::Duration;

use super::{Page, ScanField, ScanQuery, SortOrder, StateChange, Store};
use crate::clock;
use crate::error::ErrorKind;
use crate::model::RunnerIdentity;
use crate::model::{Asset, Progress, ProviderKind, RecordId, Scan, ScanRun, ScanState};

mod records;

use records::{
    canceled_and_lost_runs_are_recorded, concurrent_finishes_of_one_asset_keep_findings_consistent,
    dispositions_suppress_until_expiry_or_new_evidence, findings_are_listed_filtered_and_paged,
    finished_runs_record_the_worked_example, ids_are_never_reused,
    logs_outlive_their_scan_until_pruned, pages_return_every_log_once_while_runs_finish,
    the_audit_cap_holds_under_concurrent_changes,
};

type Check = fn(Arc<dyn Store>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

macro_rules! checks {
    ($($name:ident),* $(,)?) => {
        /// Every check, by name.
        pub const CHECKS: &[(&str, Check)] = &[$((stringify!($name), |s| Box::pin($name(s)))),*];
    };
}

checks!(
    rename_moves_the_scan_and_its_runs,
    scan_round_trips,
    duplicate_scan_is_a_conflict,
    missing_records_are_not_found,
    update_changes_config_only,
    update_is_refused_while_active,
    update_refuses_a_rename,
    delete_respects_running_and_force,
    list_paginates_with_total,
    list_filters_by_substring,
    list_sorts_both_ways,
    list_by_asset_and_owner,
    list_rejects_page_zero,
    lifecycle_start_claim_heartbeat_complete,
    wrong_token_is_a_conflict,
    forbidden_transition_changes_nothing,
    concurrent_claims_have_one_winner,
    expired_leases_requeue_then_fail,
    pending_scans_oldest_first,
    cancel_and_clear,
    assets_crud,
    assets_are_read_by_name_at_once,
    runs_append_in_order,
    release_returns_the_scan_to_the_queue,
    pending_notes_touch_only_pending_scans,
    live_runners_are_listed,
    claim_many_takes_pending_in_order_up_to_limit,
    claim_queued_takes_the_oldest_it_may_and_stops_where_it_cannot_tell,
    concurrent_batch_claims_are_disjoint,
    finish_records_the_run_with_the_state,
    concurrent_finishes_each_get_their_own_answer,
    primary_users_and_api_keys,
    finished_runs_record_the_worked_example,
    concurrent_finishes_of_one_asset_keep_findings_consistent,
    ids_are_never_reused,
    logs_outlive_their_scan_until_pruned,
    pages_return_every_log_once_while_runs_finish,
    canceled_and_lost_runs_are_recorded,
    findings_are_listed_filtered_and_paged,
    dispositions_suppress_until_expiry_or_new_evidence,
    the_audit_cap_holds_under_concurrent_changes,
);

/// Runs every check on a fresh store from `make`; panics listing the checks that failed.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    let mut failed = Vec::new();
    for (name, check) in CHECKS {
        let store = make().await;
        if tokio::spawn(check(store)).await.is_err() {
            failed.push(*name);
        }
    }
    assert!(failed.is_empty(), "conformance checks failed: {failed:?}");
}

fn id(owner: &str, name: &str) -> RecordId {
    RecordId::new(owner, name).expect("valid id")
}

fn scan(owner: &str, name: &str) -> Scan {
    let mut s = Scan::new(owner, name);
    s.display_name = format!("Scan {name}");
    s.target = "127.0.0.1".into();
    s.command = "-sT -p 22".into();
    s
}

fn claim(token: &str) -> StateChange {
    StateChange::Claim {
        runner: format!("runner-{token}"),
        token: token.into(),
        lease_until: clock::now() + Duration::seconds(60),
    }
}

/// Lets time pass between two writes: moves a manual clock, or sleeps on the system one.
async fn let_time_pass(store: &Arc<dyn Store>) {
    let clock = store.clock();
    if clock.is_manual() {
        // Records made by the checks carry the wall clock's time (Scan::new), which runs on
        // while the store's clock stands still: start from the later of the two.
        let from = clock.now().max(clock::now());
        clock.set(from + Duration::milliseconds(2));
    } else {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}

async fn add(store: &Arc<dyn Store>, s: &Scan) {
    store.add_scan(s).await.expect("add_scan");
}

async fn running(store: &Arc<dyn Store>, name: &str, token: &str) -> RecordId {
    let s = scan("o", name);
    add(store, &s).await;
    let i = id("o", name);
    store.apply(&i, &StateChange::Start).await.expect("start");
    store.apply(&i, &claim(token)).await.expect("claim");
    i
}

fn names(page: &Page<Scan>) -> Vec<&str> {
    page.items.iter().map(|s| s.name.as_str()).collect()
}

async fn scan_round_trips(store: Arc<dyn Store>) {
    let mut s = scan("admin", "s1");
    s.progress = Progress {
        percent: Some(12.5),
        phase: "ping".into(),
    };
    s.result = r#"{"hosts":[]}"#.into();
    s.timeout_seconds = 42;
    add(&store, &s).await;
    assert_eq!(store.get_scan(&id("admin", "s1")).await.expect("get"), s);
}

async fn duplicate_scan_is_a_conflict(store: Arc<dyn Store>) {
    let s = scan("admin", "s1");
    add(&store, &s).await;
    let mut other = s.clone();
    other.target = "10.0.0.1".into();
    let err = store.add_scan(&other).await.expect_err("duplicate");
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(
        store
            .get_scan(&id("admin", "s1"))
            .await
            .expect("get")
            .target,
        "127.0.0.1"
    );
}

async fn missing_records_are_not_found(store: Arc<dyn Store>) {
    let missing = id("admin", "nope");
    assert_eq!(
        store.get_scan(&missing).await.expect_err("scan").kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        store.get_asset(&missing).await.expect_err("asset").kind(),
        ErrorKind::NotFound
    );
    let err = store
        .apply(&missing, &StateChange::Start)
        .await
        .expect_err("apply");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = store
        .delete_scan(&missing, false)
        .await
        .expect_err("delete");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

async fn update_changes_config_only(store: Arc<dyn Store>) {
    let s = scan("o", "s");
    add(&store, &s).await;
    let mut body = s.clone();
    body.target = "::1".into();
    body.command = "-sV".into();
    body.state = ScanState::Completed;
    body.result = "forged".into();
    let updated = store
        .update_scan(&id("o", "s"), &body)
        .await
        .expect("update");
    assert_eq!(updated.target, "::1");
    assert_eq!(updated.command, "-sV");
    assert_eq!(updated.state, ScanState::Created);
    assert_eq!(updated.result, "");
    assert_eq!(store.get_scan(&id("o", "s")).await.expect("get"), updated);
}

async fn update_is_refused_while_active(store: Arc<dyn Store>) {
    let i = id("o", "s");
    add(&store, &scan("o", "s")).await;
    store.apply(&i, &StateChange::Start).await.expect("start");
    for _ in 0..2 {
        let before = store.get_scan(&i).await.expect("get");
        let mut body = before.clone();
        body.target = "10.9.9.9".into();
        let err = store.update_scan(&i, &body).await.expect_err("refused");
        assert_eq!(err.kind(), ErrorKind::Conflict);
        assert_eq!(store.get_scan(&i).await.expect("get"), before);
        store.apply(&i, &claim("t")).await.ok();
    }
}

async fn update_refuses_a_rename(store: Arc<dyn Store>) {
    add(&store, &scan("o", "s")).await;
    let body = scan("o", "other");
    let err = store
        .update_scan(&id("o", "s"), &body)
        .await
        .expect_err("rename");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

async fn delete_respects_running_and_force(store: Arc<dyn Store>) {
    let i = running(&store, "r", "t").await;
    let err = store.delete_scan(&i, false).await.expect_err("running");
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(store.get_scan(&i).await.is_ok());
    store.delete_scan(&i, true).await.expect("forced");
    assert_eq!(
        store.get_scan(&i).await.expect_err("gone").kind(),
        ErrorKind::NotFound
    );
    add(&store, &scan("o", "c")).await;
    store
        .delete_scan(&id("o", "c"), false)
        .await
        .expect("created");
}

async fn list_paginates_with_total(store: Arc<dyn Store>) {
    for n in 0..7 {
        let mut s = scan("o", &format!("s{n}"));
        s.created_time = clock::now() + Duration::seconds(n);
        add(&store, &s).await;
    }
    let q = |p, size| ScanQuery {
        owner: Some("o".into()),
        page: Some(p),
        page_size: Some(size),
        ..ScanQuery::default()
    };
    let first = store.list_scans(&q(1, 3)).await.expect("page 1");
    assert_eq!((names(&first), first.total), (vec!["s6", "s5", "s4"], 7));
    let last = store.list_scans(&q(3, 3)).await.expect("page 3");
    assert_eq!((names(&last), last.total), (vec!["s0"], 7));
    let beyond = store.list_scans(&q(9, 3)).await.expect("page 9");
    assert_eq!((beyond.items.len(), beyond.total), (0, 7));
    let all = store.list_scans(&ScanQuery::default()).await.expect("all");
    assert_eq!(all.items.len(), 7);
}

async fn list_filters_by_substring(store: Arc<dyn Store>) {
    for (name, target) in [
        ("a", "web-01.example"),
        ("b", "WEB-02.example"),
        ("c", "db.example"),
    ] {
        let mut s = scan("o", name);
        s.target = target.into();
        add(&store, &s).await;
    }
    let mut s = scan("o", "pct");
    s.display_name = "100% done_x".into();
    add(&store, &s).await;
    let q = |field, value: &str| ScanQuery {
        filter: Some((field, value.to_string())),
        sort_order: SortOrder::Ascend,
        sort_field: Some(ScanField::Name),
        ..ScanQuery::default()
    };
    let hits = store
        .list_scans(&q(ScanField::Target, "web"))
        .await
        .expect("web");
    assert_eq!((names(&hits), hits.total), (vec!["a", "b"], 2));
    let pct = store
        .list_scans(&q(ScanField::DisplayName, "0% d"))
        .await
        .expect("pct");
    assert_eq!(names(&pct), vec!["pct"]);
    let underscore = store
        .list_scans(&q(ScanField::DisplayName, "o_e"))
        .await
        .expect("_");
    assert!(underscore.items.is_empty(), "`_` must be literal");
    let state = store
        .list_scans(&q(ScanField::State, "creat"))
        .await
        .expect("state");
    assert_eq!(state.total, 4);
}

async fn list_sorts_both_ways(store: Arc<dyn Store>) {
    for name in ["b", "c", "a"] {
        add(&store, &scan("o", name)).await;
    }
    let q = |order| ScanQuery {
        sort_field: Some(ScanField::Name),
        sort_order: order,
        ..ScanQuery::default()
    };
    let asc = store.list_scans(&q(SortOrder::Ascend)).await.expect("asc");
    assert_eq!(names(&asc), vec!["a", "b", "c"]);
    let desc = store
        .list_scans(&q(SortOrder::Descend))
        .await
        .expect("desc");
    assert_eq!(names(&desc), vec!["c", "b", "a"]);
}

async fn list_by_asset_and_owner(store: Arc<dyn Store>) {
    for (owner, name, asset) in [
        ("o", "1", "vm"),
        ("o", "2", "vm"),
        ("o", "3", ""),
        ("p", "4", "vm"),
    ] {
        let mut s = scan(owner, name);
        s.asset = asset.into();
        add(&store, &s).await;
    }
    let by_asset = ScanQuery {
        owner: Some("o".into()),
        asset: Some("vm".into()),
        page: Some(1),
        page_size: Some(1),
        ..ScanQuery::default()
    };
    let page = store.list_scans(&by_asset).await.expect("asset");
    assert_eq!(page.total, 2);
    assert_eq!(page.items.len(), 2, "an asset query is not paginated");
    let owner_p = ScanQuery {
        owner: Some("p".into()),
        ..ScanQuery::default()
    };
    assert_eq!(
        names(&store.list_scans(&owner_p).await.expect("owner")),
        vec!["4"]
    );
}

async fn list_rejects_page_zero(store: Arc<dyn Store>) {
    let q = ScanQuery {
        page: Some(0),
        page_size: Some(10),
        ..ScanQuery::default()
    };
    assert_eq!(
        store.list_scans(&q).await.expect_err("p=0").kind(),
        ErrorKind::InvalidInput
    );
}

async fn lifecycle_start_claim_heartbeat_complete(store: Arc<dyn Store>) {
    let i = running(&store, "s", "tok").await;
    let claimed = store.get_scan(&i).await.expect("get");
    assert_eq!(claimed.state, ScanState::Running);
    assert_eq!(
        (claimed.runner.as_str(), claimed.attempt),
        ("runner-tok", 1)
    );
    assert!(claimed.started_time.is_some() && claimed.lease_until.is_some());
    let beat = StateChange::Heartbeat {
        token: "tok".into(),
        lease_until: clock::now() + Duration::seconds(120),
        progress: Progress {
            percent: Some(50.0),
            phase: "Connect Scan".into(),
        },
        partial_raw: Some("partial".into()),
    };
    let after = store.apply(&i, &beat).await.expect("heartbeat");
    assert_eq!(after.progress.percent, Some(50.0));
    assert_eq!(after.raw_result, "partial");
    let done = StateChange::Complete {
        token: "tok".into(),
        raw_result: "raw".into(),
        result: "{}".into(),
        summary: "1 ports found".into(),
    };
    store.apply(&i, &done).await.expect("complete");
    let s = store.get_scan(&i).await.expect("get");
    assert_eq!(s.state, ScanState::Completed);
    assert_eq!(
        (s.raw_result.as_str(), s.result_summary.as_str()),
        ("raw", "1 ports found")
    );
    assert!(s.finished_time.is_some() && s.lease_until.is_none() && s.lease_token.is_none());
    let restarted = store.apply(&i, &StateChange::Start).await.expect("restart");
    assert_eq!(restarted.state, ScanState::Pending);
    assert_eq!((restarted.result.as_str(), restarted.attempt), ("", 0));
    assert_eq!(restarted.command, "-sT -p 22");
}

async fn wrong_token_is_a_conflict(store: Arc<dyn Store>) {
    let i = running(&store, "s", "mine").await;
    let before = store.get_scan(&i).await.expect("get");
    let fail = StateChange::Fail {
        token: "theirs".into(),
        error: "boom".into(),
        raw_result: String::new(),
    };
    assert_eq!(
        store.apply(&i, &fail).await.expect_err("token").kind(),
        ErrorKind::Conflict
    );
    assert_eq!(store.get_scan(&i).await.expect("get"), before);
}

async fn forbidden_transition_changes_nothing(store: Arc<dyn Store>) {
    let i = id("o", "s");
    add(&store, &scan("o", "s")).await;
    let before = store.get_scan(&i).await.expect("get");
    for change in [claim("t"), StateChange::Cancel] {
        let err = store.apply(&i, &change).await.expect_err("forbidden");
        assert_eq!(err.kind(), ErrorKind::Conflict);
        assert!(err.to_string().contains("Created"), "{err}");
    }
    assert_eq!(store.get_scan(&i).await.expect("get"), before);
}

async fn concurrent_claims_have_one_winner(store: Arc<dyn Store>) {
    let i = id("o", "race");
    add(&store, &scan("o", "race")).await;
    store.apply(&i, &StateChange::Start).await.expect("start");
    let tasks: Vec<_> = (0..32)
        .map(|n| {
            let store = Arc::clone(&store);
            let i = i.clone();
            tokio::spawn(async move { store.apply(&i, &claim(&format!("t{n}"))).await })
        })
        .collect();
    let mut winners = Vec::new();
    for (n, task) in tasks.into_iter().enumerate() {
        match task.await.expect("join") {
            Ok(_) => winners.push(n),
            Err(e) => assert_eq!(e.kind(), ErrorKind::Conflict),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let s = store.get_scan(&i).await.expect("get");
    assert_eq!(s.runner, format!("runner-t{}", winners[0]));
    assert_eq!(s.attempt, 1);
}

async fn expired_leases_requeue_then_fail(store: Arc<dyn Store>) {
    let i = running(&store, "s", "t1").await;
    let later = store.clock().now() + Duration::seconds(3600);
    let early = StateChange::Expire {
        now: store.clock().now(),
        max_attempts: 2,
    };
    assert_eq!(
        store.apply(&i, &early).await.expect_err("live").kind(),
        ErrorKind::Conflict
    );
    assert!(
        store
            .expired_leases(store.clock().now())
            .await
            .expect("none")
            .is_empty()
    );
    assert_eq!(
        store.expired_leases(later).await.expect("one"),
        vec![i.clone()]
    );
    let expire = StateChange::Expire {
        now: later,
        max_attempts: 2,
    };
    let requeued = store.apply(&i, &expire).await.expect("requeue");
    assert_eq!((requeued.state, requeued.attempt), (ScanState::Pending, 1));
    assert!(requeued.runner.is_empty());
    store.apply(&i, &claim("t2")).await.expect("reclaim");
    let failed = store.apply(&i, &expire).await.expect("abandon");
    assert_eq!(failed.state, ScanState::Failed);
    assert_eq!(failed.error_text, super::RUNNER_LOST);
}

async fn pending_scans_oldest_first(store: Arc<dyn Store>) {
    for name in ["first", "second", "third"] {
        add(&store, &scan("o", name)).await;
        store
            .apply(&id("o", name), &StateChange::Start)
            .await
            .expect("start");
        let_time_pass(&store).await;
    }
    add(&store, &scan("o", "idle")).await;
    let pending = store.pending_scans(2).await.expect("pending");
    let got: Vec<&str> = pending.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(got, vec!["first", "second"]);
    assert_eq!(
        store.queue_depth().await.expect("depth"),
        3,
        "the idle scan is not queued"
    );
    add(&store, &scan("p", "other")).await;
    store
        .apply(&id("p", "other"), &StateChange::Start)
        .await
        .expect("start");
    let of_p = store
        .pending_scans_of(&["p".to_string()], 10)
        .await
        .expect("pending of p");
    let got: Vec<&str> = of_p.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(got, vec!["other"], "behind o's older scans");
    let of_o = store
        .pending_scans_of(&["o".to_string(), "x".to_string()], 2)
        .await
        .expect("pending of o");
    assert_eq!(of_o.len(), 2);
    assert!(of_o.iter().all(|s| s.owner == "o"));
}

async fn cancel_and_clear(store: Arc<dyn Store>) {
    let r = running(&store, "r", "t").await;
    let canceled = store
        .apply(&r, &StateChange::Cancel)
        .await
        .expect("cancel running");
    assert_eq!(canceled.state, ScanState::Canceled);
    assert!(canceled.lease_token.is_none());
    let cleared = store.apply(&r, &StateChange::Clear).await.expect("clear");
    assert_eq!(cleared.state, ScanState::Created);
    assert!(cleared.runner.is_empty() && cleared.started_time.is_none());
    assert_eq!(cleared.target, "127.0.0.1");
    let err = store
        .apply(&r, &StateChange::Cancel)
        .await
        .expect_err("cancel created");
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

async fn assets_crud(store: Arc<dyn Store>) {
    let mut a = Asset::new("o", "vm1");
    a.display_name = "web-01".into();
    a.properties.public_ip = "203.0.113.7".into();
    a.properties.ip_addresses = vec!["10.0.0.7".into()];
    store.add_asset(&a).await.expect("add");
    assert_eq!(
        store.add_asset(&a).await.expect_err("dup").kind(),
        ErrorKind::Conflict
    );
    let i = id("o", "vm1");
    assert_eq!(store.get_asset(&i).await.expect("get"), a);
    let mut changed = a.clone();
    changed.properties.private_ip = "10.0.0.7".into();
    let updated = store.update_asset(&i, &changed).await.expect("update");
    assert_eq!(store.get_asset(&i).await.expect("get"), updated);
    let mut b = Asset::new("o", "vm2");
    b.created_time = a.created_time + Duration::seconds(5);
    store.add_asset(&b).await.expect("add b");
    store.add_asset(&Asset::new("p", "x")).await.expect("add p");
    let listed: Vec<String> = store
        .list_assets(Some("o"))
        .await
        .expect("list")
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(listed, vec!["vm2", "vm1"]);
    assert_eq!(store.list_assets(None).await.expect("all").len(), 3);
    store.delete_asset(&i).await.expect("delete");
    assert_eq!(
        store.delete_asset(&i).await.expect_err("again").kind(),
        ErrorKind::NotFound
    );
}

async fn assets_are_read_by_name_at_once(store: Arc<dyn Store>) {
    let mut a = Asset::new("o", "vm1");
    a.display_name = "web-01".into();
    let b = Asset::new("o", "vm2");
    for asset in [&a, &b, &Asset::new("p", "vm1")] {
        store.add_asset(asset).await.expect("add");
    }
    let names = |v: &[&str]| v.iter().map(|n| (*n).to_owned()).collect::<Vec<String>>();
    let mut found = store
        .assets_named(
            "o",
            &names(&["vm2", "missing", "vm1", "vm1", "not/a name", ""]),
        )
        .await
        .expect("read");
    found.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(
        found,
        vec![a, b],
        "only o's assets, each once, absent names left out"
    );
    assert!(store.assets_named("o", &[]).await.expect("none").is_empty());
    assert!(
        store
            .assets_named("q", &names(&["vm1"]))
            .await
            .expect("other owner")
            .is_empty()
    );
}

async fn runs_append_in_order(store: Arc<dyn Store>) {
    add(&store, &scan("o", "s")).await;
    let i = id("o", "s");
    for attempt in 1..=3 {
        let run = ScanRun {
            owner: "o".into(),
            scan: "s".into(),
            seq: 0,
            attempt,
            runner: "r".into(),
            target: "127.0.0.1".into(),
            command: "-sT".into(),
            state: ScanState::Completed,
            started_time: Some(clock::now()),
            finished_time: Some(clock::now()),
            error_text: String::new(),
            raw_result: format!("run {attempt}"),
            result: "{}".into(),
            result_summary: String::new(),
            provider: None,
            asset: None,
            timeout_seconds: None,
            skipped: None,
            imported: false,
        };
        assert_eq!(
            store.append_run(&run).await.expect("append").seq,
            u64::from(attempt)
        );
    }
    let runs = store.list_runs(&i).await.expect("list");
    let raws: Vec<&str> = runs.iter().map(|r| r.raw_result.as_str()).collect();
    assert_eq!(raws, vec!["run 1", "run 2", "run 3"]);
    let orphan = ScanRun {
        scan: "missing".into(),
        ..runs[0].clone()
    };
    assert_eq!(
        store.append_run(&orphan).await.expect_err("orphan").kind(),
        ErrorKind::NotFound
    );
}

async fn rename_moves_the_scan_and_its_runs(store: Arc<dyn Store>) {
    add(&store, &scan("o", "s")).await;
    let (s, t) = (id("o", "s"), id("o", "t"));
    let run = ScanRun {
        owner: "o".into(),
        scan: "s".into(),
        seq: 0,
        attempt: 1,
        runner: "r".into(),
        target: "127.0.0.1".into(),
        command: "-sT".into(),
        state: ScanState::Completed,
        started_time: Some(clock::now()),
        finished_time: Some(clock::now()),
        error_text: String::new(),
        raw_result: "run 1".into(),
        result: "{}".into(),
        result_summary: String::new(),
        provider: None,
        asset: None,
        timeout_seconds: None,
        skipped: None,
        imported: false,
    };
    store.append_run(&run).await.expect("append");
    let before = store.get_scan(&s).await.expect("get");
    let_time_pass(&store).await;
    let renamed = store.rename_scan(&s, &t).await.expect("rename");
    assert_eq!(renamed.name, "t");
    assert_eq!(
        renamed.display_name, before.display_name,
        "configuration kept"
    );
    assert!(renamed.updated_time > before.updated_time);
    assert_eq!(store.get_scan(&t).await.expect("get"), renamed);
    let gone = store.get_scan(&s).await.expect_err("old name");
    assert_eq!(gone.kind(), ErrorKind::NotFound);
    let runs = store.list_runs(&t).await.expect("runs");
    assert_eq!(runs.len(), 1, "runs follow");
    assert_eq!(
        (runs[0].scan.as_str(), runs[0].raw_result.as_str()),
        ("t", "run 1")
    );
    assert!(store.list_runs(&s).await.expect("runs").is_empty());
    // Refused while active, to a name in use, to another owner, or from nowhere.
    add(&store, &scan("o", "u")).await;
    store.apply(&t, &StateChange::Start).await.expect("start");
    for (to, kind) in [
        (id("o", "v"), ErrorKind::Conflict),
        (id("other", "t"), ErrorKind::Conflict),
    ] {
        let err = store.rename_scan(&t, &to).await.expect_err("pending");
        assert_eq!(err.kind(), kind, "{err}");
    }
    store.apply(&t, &StateChange::Cancel).await.expect("cancel");
    let taken = store
        .rename_scan(&t, &id("o", "u"))
        .await
        .expect_err("taken");
    assert_eq!(taken.kind(), ErrorKind::Conflict, "{taken}");
    let moved = store
        .rename_scan(&t, &id("other", "t"))
        .await
        .expect_err("owner");
    assert_eq!(moved.kind(), ErrorKind::InvalidInput, "{moved}");
    let missing = store
        .rename_scan(&s, &id("o", "w"))
        .await
        .expect_err("missing");
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(
        store.get_scan(&t).await.expect("kept").state,
        ScanState::Canceled
    );
    assert_eq!(
        store
            .get_scan(&id("o", "u"))
            .await
            .expect("kept")
            .display_name,
        "Scan u"
    );
}

async fn release_returns_the_scan_to_the_queue(store: Arc<dyn Store>) {
    let i = running(&store, "s", "t").await;
    let wrong = StateChange::Release { token: "x".into() };
    assert_eq!(
        store.apply(&i, &wrong).await.expect_err("token").kind(),
        ErrorKind::Conflict
    );
    let released = store
        .apply(&i, &StateChange::Release { token: "t".into() })
        .await
        .expect("release");
    assert_eq!(released.state, ScanState::Pending);
    assert!(released.runner.is_empty() && released.lease_token.is_none());
    assert_eq!(store.pending_scans(10).await.expect("pending").len(), 1);
}

async fn pending_notes_touch_only_pending_scans(store: Arc<dyn Store>) {
    add(&store, &scan("o", "idle")).await;
    add(&store, &scan("o", "queued")).await;
    store
        .apply(&id("o", "queued"), &StateChange::Start)
        .await
        .expect("start");
    for name in ["idle", "queued"] {
        store
            .note_pending(
                &id("o", name),
                "no runner with IP 203.0.113.7 has been seen",
            )
            .await
            .expect("note");
    }
    assert_eq!(
        store
            .get_scan(&id("o", "idle"))
            .await
            .expect("get")
            .error_text,
        ""
    );
    let queued = store.get_scan(&id("o", "queued")).await.expect("get");
    assert_eq!(
        queued.error_text,
        "no runner with IP 203.0.113.7 has been seen"
    );
    let claimed = store
        .apply(&id("o", "queued"), &claim("t"))
        .await
        .expect("claim");
    assert_eq!(claimed.error_text, "", "a claim clears the reason");
}

async fn live_runners_are_listed(store: Arc<dyn Store>) {
    let runner = RunnerIdentity {
        name: "r1".into(),
        hostname: "web-01".into(),
        ips: vec!["10.0.0.7".parse().expect("ip")],
        public_ips: vec!["203.0.113.7".parse().expect("ip")],
        providers: vec![ProviderKind::Nmap],
        owners: Vec::new(),
    };
    let before = store.clock().now() - Duration::seconds(1);
    store.register_runner(&runner).await.expect("register");
    store.register_runner(&runner).await.expect("again");
    assert_eq!(
        store.live_runners(before).await.expect("live"),
        vec![runner]
    );
    let later = store.clock().now() + Duration::seconds(60);
    assert!(store.live_runners(later).await.expect("none").is_empty());
}

async fn queued(store: &Arc<dyn Store>, name: &str) -> RecordId {
    add(store, &scan("o", name)).await;
    let i = id("o", name);
    store.apply(&i, &StateChange::Start).await.expect("start");
    i
}

/// Stores that claim from the queue's head: oldest first, passing over what `decide` refuses,
/// taking nothing behind a scan it cannot decide, never more than the limit.
async fn claim_queued_takes_the_oldest_it_may_and_stops_where_it_cannot_tell(
    store: Arc<dyn Store>,
) {
    for name in ["q1", "no", "q2", "q3", "unsure", "q4"] {
        queued(&store, name).await;
        // Distinct queue times, so the order is the order of queueing.
        let_time_pass(&store).await;
    }
    let decide = |s: &Scan| match s.name.as_str() {
        "no" => Some(false),
        "unsure" => None,
        _ => Some(true),
    };
    let until = store.clock().now() + Duration::seconds(60);
    let Some(first) = store
        .claim_queued("head", until, 2, 10, &decide)
        .await
        .expect("claim_queued")
    else {
        return; // this store claims by id only
    };
    let names: Vec<&str> = first.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["q1", "q2"], "oldest first, refused passed over");
    assert!(
        first
            .iter()
            .all(|s| s.state == ScanState::Running && s.runner == "head")
    );
    let second = store
        .claim_queued("head", until, 5, 10, &decide)
        .await
        .expect("claim_queued")
        .expect("same store");
    let names: Vec<&str> = second.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["q3"], "nothing behind the undecided scan");
    for name in ["no", "unsure", "q4"] {
        let s = store.get_scan(&id("o", name)).await.expect("get");
        assert_eq!(s.state, ScanState::Pending, "{name} stays queued");
    }
}

async fn claim_many_takes_pending_in_order_up_to_limit(store: Arc<dyn Store>) {
    let a = queued(&store, "a").await;
    let b = queued(&store, "b").await;
    add(&store, &scan("o", "idle")).await;
    let taken = running(&store, "taken", "t0").await;
    let c = queued(&store, "c").await;
    let ids = vec![
        taken.clone(),
        id("o", "idle"),
        id("o", "gone"),
        b.clone(),
        a.clone(),
        c.clone(),
    ];
    let until = store.clock().now() + Duration::seconds(60);
    let got = store
        .claim_many(&ids, "batch", until, 2)
        .await
        .expect("claim_many");
    let names: Vec<&str> = got.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["b", "a"],
        "skips non-Pending and missing, keeps order"
    );
    let mut tokens = Vec::new();
    for s in &got {
        assert_eq!(
            (s.state, s.runner.as_str(), s.attempt),
            (ScanState::Running, "batch", 1)
        );
        let stored = store.get_scan(&s.id().expect("id")).await.expect("get");
        assert_eq!(
            stored.lease_token, s.lease_token,
            "returned token is the stored one"
        );
        tokens.push(s.lease_token.clone().expect("token"));
    }
    assert_ne!(tokens[0], tokens[1], "each claim has its own token");
    let untouched = store.get_scan(&c).await.expect("get");
    assert_eq!(untouched.state, ScanState::Pending, "beyond the limit");
    let held = store.get_scan(&taken).await.expect("get");
    assert_eq!(
        held.lease_token.as_deref(),
        Some("t0"),
        "another runner's claim stands"
    );
    assert!(
        store
            .claim_many(&[], "batch", until, 4)
            .await
            .expect("empty")
            .is_empty()
    );
}

async fn concurrent_batch_claims_are_disjoint(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for n in 0..40 {
        ids.push(queued(&store, &format!("q{n:02}")).await);
    }
    let ids = Arc::new(ids);
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = Arc::clone(&store);
            let ids = Arc::clone(&ids);
            tokio::spawn(async move {
                let until = store.clock().now() + Duration::seconds(60);
                store
                    .claim_many(&ids, &format!("w{n}"), until, 8)
                    .await
                    .expect("claim_many")
            })
        })
        .collect();
    let mut seen = std::collections::HashMap::new();
    for task in tasks {
        for s in task.await.expect("join") {
            assert!(
                seen.insert(s.name.clone(), s.runner.clone()).is_none(),
                "{} claimed twice",
                s.name
            );
        }
    }
    for (name, runner) in &seen {
        let stored = store.get_scan(&id("o", name)).await.expect("get");
        assert_eq!(
            &stored.runner, runner,
            "{name}: the stored claim is the returned one"
        );
        assert_eq!(stored.attempt, 1);
    }
    let left = store.pending_scans(100).await.expect("pending").len();
    assert_eq!(
        seen.len() + left,
        40,
        "every scan is claimed once or still queued"
    );
}

async fn finish_records_the_run_with_the_state(store: Arc<dyn Store>) {
    let i = running(&store, "s", "t").await;
    let wrong = StateChange::Complete {
        token: "x".into(),
        raw_result: "raw".into(),
        result: "{}".into(),
        summary: "done".into(),
    };
    assert_eq!(
        store.finish(&i, &wrong).await.expect_err("token").kind(),
        ErrorKind::Conflict
    );
    assert!(
        store.list_runs(&i).await.expect("runs").is_empty(),
        "nothing half-done"
    );
    let done = StateChange::Complete {
        token: "t".into(),
        raw_result: "raw".into(),
        result: "{}".into(),
        summary: "done".into(),
    };
    let s = store.finish(&i, &done).await.expect("finish");
    assert_eq!(s.state, ScanState::Completed);
    let runs = store.list_runs(&i).await.expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (
            runs[0].seq,
            runs[0].state,
            runs[0].raw_result.as_str(),
            runs[0].runner.as_str()
        ),
        (1, ScanState::Completed, "raw", "runner-t")
    );
    // A release puts the scan back in the queue and records no run.
    let r = running(&store, "r", "t2").await;
    let back = store
        .finish(&r, &StateChange::Release { token: "t2".into() })
        .await
        .expect("release");
    assert_eq!(back.state, ScanState::Pending);
    assert!(store.list_runs(&r).await.expect("runs").is_empty());
    // A failure is recorded with its error.
    store.apply(&r, &claim("t3")).await.expect("claim");
    let failed = StateChange::Fail {
        token: "t3".into(),
        error: "Error: boom".into(),
        raw_result: "partial".into(),
    };
    store.finish(&r, &failed).await.expect("fail");
    let runs = store.list_runs(&r).await.expect("runs");
    assert_eq!(
        (
            runs.len(),
            runs[0].state,
            runs[0].error_text.as_str(),
            runs[0].attempt
        ),
        (1, ScanState::Failed, "Error: boom", 2)
    );
}

async fn concurrent_finishes_each_get_their_own_answer(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for n in 0..24 {
        ids.push(running(&store, &format!("f{n:02}"), &format!("t{n}")).await);
    }
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let store = Arc::clone(&store);
            let i = i.clone();
            // Every third request carries a wrong token and must be refused alone.
            let token = if n % 3 == 0 {
                "wrong".to_string()
            } else {
                format!("t{n}")
            };
            let change = StateChange::Complete {
                token,
                raw_result: format!("raw {n}"),
                result: "{}".into(),
                summary: String::new(),
            };
            tokio::spawn(async move { store.finish(&i, &change).await })
        })
        .collect();
    for (n, task) in tasks.into_iter().enumerate() {
        let result = task.await.expect("join");
        let runs = store.list_runs(&ids[n]).await.expect("runs");
        if n % 3 == 0 {
            assert_eq!(result.expect_err("wrong token").kind(), ErrorKind::Conflict);
            assert!(runs.is_empty());
            let s = store.get_scan(&ids[n]).await.expect("get");
            assert_eq!(s.state, ScanState::Running);
        } else {
            let s = result.expect("finish");
            assert_eq!(
                (s.state, s.raw_result.clone()),
                (ScanState::Completed, format!("raw {n}"))
            );
            assert_eq!(runs.len(), 1);
            assert_eq!(runs[0].raw_result, format!("raw {n}"));
        }
    }
}

fn api_key(account: &str, access_key: &str) -> crate::model::ApiKeyRecord {
    crate::model::ApiKeyRecord {
        account: account.into(),
        name: "siem".into(),
        access_key: access_key.into(),
        secret_hash: "ab".repeat(32),
        secret_hint: "wxyz".into(),
        created_at: clock::now(),
        created_by: "alice".into(),
    }
}

async fn primary_users_and_api_keys(store: Arc<dyn Store>) {
    assert_eq!(store.primary_user("acme").await.expect("none"), None);
    store.set_primary_user("acme", "alice").await.expect("set");
    store
        .set_primary_user("acme", "bob")
        .await
        .expect("replace");
    assert_eq!(
        store.primary_user("acme").await.expect("get").as_deref(),
        Some("bob")
    );
    let key = api_key("acme", "CSAK0000000000000000000A");
    store.add_api_key(&key).await.expect("add");
    assert_eq!(
        store
            .add_api_key(&api_key("acme", "CSAK0000000000000000000B"))
            .await
            .expect_err("one per account")
            .kind(),
        ErrorKind::Conflict
    );
    assert_eq!(
        store
            .add_api_key(&api_key("other", "CSAK0000000000000000000A"))
            .await
            .expect_err("access keys are unique")
            .kind(),
        ErrorKind::Conflict
    );
    assert_eq!(store.api_key("acme").await.expect("get"), Some(key.clone()));
    assert_eq!(
        store
            .api_key_by_access_key("CSAK0000000000000000000A")
            .await
            .expect("by access key"),
        Some(key)
    );
    assert_eq!(
        store
            .api_key_by_access_key("CSAK0000000000000000000B")
            .await
            .expect("unknown"),
        None
    );
    assert!(store.delete_api_key("acme").await.expect("delete"));
    assert!(!store.delete_api_key("acme").await.expect("again"));
    assert_eq!(store.api_key("acme").await.expect("gone"), None);
}
