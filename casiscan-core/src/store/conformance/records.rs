//! Conformance checks of findings and scan logs: written when runs finish, ids, deletion,
//! retention, paging.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::{add, claim, id, scan};
use crate::model::{
    AuditAction, AuditEntry, Disposition, DispositionKind, FindingKey, FindingQuery,
    LifecycleState, LogPageQuery, LogPosition, RecordId, ScanLog, ScanState, ScanStatus,
    SealStatus, Severity,
};
use crate::store::{StateChange, Store};

const HOST: &str = "10.0.0.5";

fn heartbleed() -> Value {
    json!({"id": "ssl-heartbleed", "output": "VULNERABLE: heartbleed", "items": [
        {"kind": "table", "key": "CVE-2014-0160", "items": [
            {"kind": "elem", "key": "title", "value": "The Heartbleed Bug"},
            {"kind": "elem", "key": "state", "value": "VULNERABLE"},
            {"kind": "table", "key": "ids", "items": [{"kind": "elem", "key": null, "value": "CVE:CVE-2014-0160"}]},
            {"kind": "elem", "key": "risk_factor", "value": "High"}
        ]}
    ]})
}

fn port(portid: u16, state: &str, scripts: Vec<Value>) -> Value {
    json!({"protocol": "tcp", "portid": portid, "state": {"state": state},
           "service": {"name": "svc", "product": "prod", "version": "1.0"}, "scripts": scripts})
}

/// A stored nmap result of `HOST` with `ports` (`incomplete` makes the run Partial).
fn result(ports: Vec<Value>, incomplete: bool) -> String {
    json!({"hosts": [], "summary": "", "nmap": {
        "args": "nmap -sV --script ssl-heartbleed -p 22,443 10.0.0.5",
        "scaninfos": [{"protocol": "tcp", "services": "22,443"}],
        "incomplete": incomplete,
        "hosts": [{"status": {"state": "up"}, "addresses": [{"addr": HOST, "addrtype": "ipv4"}],
                   "extraports": [], "ports": ports, "hostscripts": []}]
    }})
    .to_string()
}

/// Adds scan `name` of asset `asset` (once) and runs it to `end` (Complete with `result`, or a
/// failure when `None`).
async fn run(store: &Arc<dyn Store>, name: &str, asset: &str, result: Option<String>) -> ScanLog {
    let i = id("o", name);
    if store.get_scan(&i).await.is_err() {
        let mut s = scan("o", name);
        s.target = HOST.into();
        s.asset = asset.into();
        add(store, &s).await;
    }
    store.apply(&i, &StateChange::Start).await.expect("start");
    let token = format!("{name}-{}", uuid::Uuid::new_v4());
    store.apply(&i, &claim(&token)).await.expect("claim");
    let change = match result {
        Some(result) => StateChange::Complete {
            token,
            raw_result: String::new(),
            result,
            summary: String::new(),
        },
        None => StateChange::Fail {
            token,
            error: "Error: boom".into(),
            raw_result: String::new(),
        },
    };
    store.finish(&i, &change).await.expect("finish");
    last_log(store).await
}

fn window(store: &Arc<dyn Store>) -> (DateTime<Utc>, DateTime<Utc>) {
    let now = store.clock().now();
    (now - Duration::days(1), now + Duration::days(1))
}

/// Every log of account `o` around now, read in pages of `limit`.
async fn all_logs(store: &Arc<dyn Store>, limit: u32) -> Vec<ScanLog> {
    let (from, to) = window(store);
    let mut q = LogPageQuery {
        account: "o".into(),
        from,
        to,
        after: None,
        limit,
    };
    let mut out = Vec::new();
    loop {
        let page = store.scan_logs_page(&q).await.expect("page");
        let Some(last) = page.last() else {
            return out;
        };
        q.after = Some(position(last));
        out.extend(page);
    }
}

fn position(log: &ScanLog) -> LogPosition {
    LogPosition {
        scan_date: log.ended_at,
        log_id: log.log_id.expect("stored logs have ids"),
    }
}

async fn last_log(store: &Arc<dyn Store>) -> ScanLog {
    all_logs(store, 1000)
        .await
        .pop()
        .expect("the finished run has a log")
}

fn key_port(p: u16) -> FindingKey {
    FindingKey::NmapPort {
        host: HOST.into(),
        protocol: "tcp".into(),
        port: p,
    }
}

fn key_heartbleed() -> FindingKey {
    FindingKey::NmapNse {
        host: HOST.into(),
        protocol: "tcp".into(),
        port: Some(443),
        script_id: "ssl-heartbleed".into(),
        vuln_key: "CVE-2014-0160".into(),
    }
}

fn status(log: &ScanLog, key: &FindingKey) -> Option<&'static str> {
    log.observations
        .iter()
        .find(|o| &o.key == key)
        .map(|o| o.open_status.label())
}

fn alert_id(log: &ScanLog, key: &FindingKey) -> Option<u64> {
    log.observations
        .iter()
        .find(|o| &o.key == key)
        .and_then(|o| o.alert_id)
}

fn row(log: &ScanLog) -> [Option<&'static str>; 3] {
    [
        status(log, &key_port(22)),
        status(log, &key_port(443)),
        status(log, &key_heartbleed()),
    ]
}

/// The lifecycle's worked example, with every run finished through the store.
pub(super) async fn finished_runs_record_the_worked_example(store: Arc<dyn Store>) {
    let p22 = || port(22, "open", vec![]);
    let hb = || port(443, "open", vec![heartbleed()]);
    let s1 = run(&store, "s", "A", Some(result(vec![p22(), hb()], false))).await;
    assert_eq!(row(&s1), [Some("New"), Some("New"), Some("New")]);
    assert_eq!(
        (s1.status, s1.seal),
        (ScanStatus::Success, SealStatus::Fail)
    );
    let ids: Vec<u64> = [key_port(22), key_port(443), key_heartbleed()]
        .iter()
        .map(|k| alert_id(&s1, k).expect("stored findings have ids"))
        .collect();
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 3, "{ids:?}");

    let s2 = run(
        &store,
        "s",
        "A",
        Some(result(vec![p22(), port(443, "open", vec![])], false)),
    )
    .await;
    assert_eq!(row(&s2), [Some("Opened"), Some("Opened"), Some("Closed")]);
    assert_eq!(s2.seal, SealStatus::Pass);
    let s3 = run(&store, "s", "A", Some(result(vec![p22()], true))).await;
    assert_eq!(s3.status, ScanStatus::Partial);
    assert_eq!(row(&s3), [Some("Opened"), None, None]);
    let s4 = run(&store, "s", "A", None).await;
    assert_eq!(s4.status, ScanStatus::Error);
    assert!(s4.observations.is_empty());
    let s5 = run(&store, "s", "A", Some(result(vec![p22(), hb()], false))).await;
    assert_eq!(
        row(&s5),
        [Some("Opened"), Some("Opened"), Some("Re-Opened")]
    );
    let s6 = run(
        &store,
        "s",
        "A",
        Some(result(vec![p22(), port(443, "filtered", vec![])], false)),
    )
    .await;
    assert_eq!(row(&s6), [Some("Opened"), Some("Closed"), Some("Closed")]);
    assert_eq!(s6.seal, SealStatus::Pass);
    // The same finding keeps its UniqueAlertId across runs.
    for (log, key, n) in [
        (&s5, key_port(22), 0),
        (&s5, key_heartbleed(), 2),
        (&s6, key_port(443), 1),
    ] {
        assert_eq!(alert_id(log, &key), Some(ids[n]), "{key:?}");
    }
    // One log per run, ids increasing, the run recorded with it.
    let logs = all_logs(&store, 2).await;
    let log_ids: Vec<u64> = logs.iter().filter_map(|l| l.log_id).collect();
    assert_eq!(log_ids.len(), 6);
    assert!(log_ids.windows(2).all(|w| w[0] < w[1]), "{log_ids:?}");
    assert_eq!(store.list_runs(&id("o", "s")).await.expect("runs").len(), 6);
}

/// Two runners finishing runs of the same asset at once leave one finding per identity.
pub(super) async fn concurrent_finishes_of_one_asset_keep_findings_consistent(
    store: Arc<dyn Store>,
) {
    // Two runs at once, then six (more runs of one scope than a store may write at once).
    for (round, width) in [(0u16, 2), (1, 2), (2, 2), (3, 2), (4, 6), (5, 6)] {
        let p = 1000 + round;
        let mut ids = Vec::new();
        for n in 0..width {
            let name = format!("c{round}-{n}");
            let mut s = scan("o", &name);
            s.target = HOST.into();
            s.asset = "shared".into();
            add(&store, &s).await;
            let i = id("o", &name);
            store.apply(&i, &StateChange::Start).await.expect("start");
            store.apply(&i, &claim(&name)).await.expect("claim");
            ids.push((i, name));
        }
        let tasks: Vec<_> = ids
            .into_iter()
            .map(|(i, token)| {
                let store = Arc::clone(&store);
                let change = StateChange::Complete {
                    token,
                    raw_result: String::new(),
                    result: result(vec![port(p, "open", vec![])], false),
                    summary: String::new(),
                };
                tokio::spawn(async move { store.finish(&i, &change).await })
            })
            .collect();
        for t in tasks {
            let done = t.await.expect("join").expect("both finishes succeed");
            assert_eq!(done.state, ScanState::Completed);
        }
        let logs = all_logs(&store, 1000).await;
        let rows: Vec<(&str, Option<u64>)> = logs
            .iter()
            .filter_map(|l| {
                let key = key_port(p);
                Some((status(l, &key)?, alert_id(l, &key)))
            })
            .collect();
        assert_eq!(rows.len(), width, "{rows:?}");
        let mut labels: Vec<&str> = rows.iter().map(|r| r.0).collect();
        labels.sort_unstable();
        let mut expected = vec!["New"];
        expected.resize(width, "Opened");
        assert_eq!(labels, expected, "applied one after the other");
        assert!(
            rows[0].1.is_some() && rows.iter().all(|r| r.1 == rows[0].1),
            "{rows:?}"
        );
    }
}

/// Ids are never reused, even after their rows were pruned.
pub(super) async fn ids_are_never_reused(store: Arc<dyn Store>) {
    let first = run(
        &store,
        "a",
        "A",
        Some(result(vec![port(22, "open", vec![])], false)),
    )
    .await;
    let (log1, alert1) = (first.log_id, alert_id(&first, &key_port(22)));
    store
        .delete_scan(&id("o", "a"), false)
        .await
        .expect("delete");
    store
        .delete_asset(&RecordId::new("o", "A").expect("id"))
        .await
        .ok();
    let far = store.clock().now() + Duration::days(10);
    store.prune(far).await.expect("prune");
    assert!(all_logs(&store, 10).await.is_empty());
    let second = run(
        &store,
        "b",
        "B",
        Some(result(vec![port(22, "open", vec![])], false)),
    )
    .await;
    assert!(second.log_id > log1, "{:?} after {log1:?}", second.log_id);
    assert!(alert_id(&second, &key_port(22)) > alert1);
}

/// Deleting a scan (and its asset) keeps its logs and findings until retention removes them.
pub(super) async fn logs_outlive_their_scan_until_pruned(store: Arc<dyn Store>) {
    let mut asset = crate::model::Asset::new("o", "A");
    asset.display_name = "A".into();
    store.add_asset(&asset).await.expect("asset");
    let log = run(
        &store,
        "s",
        "A",
        Some(result(vec![port(22, "open", vec![])], false)),
    )
    .await;
    store
        .delete_scan(&id("o", "s"), false)
        .await
        .expect("delete");
    store
        .delete_asset(&RecordId::new("o", "A").expect("id"))
        .await
        .expect("delete asset");
    assert_eq!(all_logs(&store, 10).await, vec![log.clone()], "kept");
    let before = store.clock().now() - Duration::days(1);
    assert_eq!(store.prune(before).await.expect("prune").logs, 0);
    assert_eq!(all_logs(&store, 10).await.len(), 1, "within retention");
    let pruned = store
        .prune(store.clock().now() + Duration::seconds(1))
        .await
        .expect("prune");
    assert_eq!((pruned.logs, pruned.findings), (1, 1));
    assert!(
        all_logs(&store, 10).await.is_empty(),
        "gone after retention"
    );
}

/// Paging by position returns every log exactly once while runs keep finishing.
pub(super) async fn pages_return_every_log_once_while_runs_finish(store: Arc<dyn Store>) {
    let ports = || Some(result(vec![port(22, "open", vec![])], false));
    let mut finished = 0;
    for n in 0..7 {
        run(&store, &format!("p{n}"), &format!("asset{n}"), ports()).await;
        finished += 1;
    }
    let (from, to) = window(&store);
    let mut q = LogPageQuery {
        account: "o".into(),
        from,
        to,
        after: None,
        limit: 3,
    };
    let mut seen = Vec::new();
    loop {
        let page = store.scan_logs_page(&q).await.expect("page");
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        q.after = Some(position(last));
        seen.extend(page.iter().filter_map(|l| l.log_id));
        if finished < 12 {
            run(&store, &format!("p{finished}"), "late", ports()).await;
            finished += 1;
        }
    }
    let unique: BTreeSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "none twice: {seen:?}");
    assert_eq!(seen.len(), finished, "every log: {seen:?}");
    // Another account's logs are not listed.
    q.account = "other".into();
    q.after = None;
    assert!(store.scan_logs_page(&q).await.expect("page").is_empty());
}

/// A canceled run and a run whose runner was lost are recorded too.
pub(super) async fn canceled_and_lost_runs_are_recorded(store: Arc<dyn Store>) {
    let i = id("o", "c");
    let mut s = scan("o", "c");
    s.target = HOST.into();
    add(&store, &s).await;
    store.apply(&i, &StateChange::Start).await.expect("start");
    store.apply(&i, &claim("t1")).await.expect("claim");
    store.apply(&i, &StateChange::Cancel).await.expect("cancel");
    let canceled = last_log(&store).await;
    assert_eq!(canceled.status, ScanStatus::Error);
    assert_eq!(canceled.scan_id, "o/c");
    store.apply(&i, &StateChange::Start).await.expect("start");
    store.apply(&i, &claim("t2")).await.expect("claim");
    let expire = StateChange::Expire {
        now: store.clock().now() + Duration::days(1),
        max_attempts: 1,
    };
    let failed = store.apply(&i, &expire).await.expect("lost");
    assert_eq!(failed.state, ScanState::Failed);
    let lost = last_log(&store).await;
    assert!(lost.log_id > canceled.log_id);
    assert_eq!(store.list_runs(&i).await.expect("runs").len(), 2);
}

/// Stored findings are listed by UniqueAlertId, filtered and paged in the store; those of a
/// deleted asset are left out.
pub(super) async fn findings_are_listed_filtered_and_paged(store: Arc<dyn Store>) {
    let ports = |ps: &[u16]| {
        Some(result(
            ps.iter().map(|p| port(*p, "open", vec![])).collect(),
            false,
        ))
    };
    run(&store, "a", "A", ports(&[22, 80, 443])).await;
    run(&store, "b", "B", ports(&[22])).await;
    run(&store, "a", "A", ports(&[22, 80, 443])).await;
    let all = store
        .list_findings(&FindingQuery::default())
        .await
        .expect("list");
    assert_eq!(all.total, 4);
    let ids: Vec<Option<u64>> = all.items.iter().map(|f| f.alert_id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let q = |asset: Option<&str>, status, page: Option<u32>, size: Option<u32>| FindingQuery {
        owner: Some("o".into()),
        asset: asset.map(str::to_owned),
        status,
        severity: None,
        page,
        page_size: size,
    };
    let a = store
        .list_findings(&q(Some("A"), None, Some(2), Some(2)))
        .await
        .expect("page 2");
    assert_eq!((a.total, a.items.len()), (3, 1));
    let opened = store
        .list_findings(&q(None, Some(LifecycleState::Open), None, None))
        .await
        .expect("open");
    assert_eq!(opened.total, 3, "A's three were seen twice");
    let new = store
        .list_findings(&q(None, Some(LifecycleState::New), None, None))
        .await
        .expect("new");
    assert_eq!(
        new.items
            .iter()
            .map(|f| f.asset.as_str())
            .collect::<Vec<_>>(),
        ["B"]
    );
    let mut other = q(None, None, None, None);
    other.owner = Some("nobody".into());
    assert_eq!(store.list_findings(&other).await.expect("none").total, 0);
    let mut b = crate::model::Asset::new("o", "B");
    b.display_name = "B".into();
    store.add_asset(&b).await.expect("asset");
    store
        .delete_asset(&RecordId::new("o", "B").expect("id"))
        .await
        .expect("delete");
    assert_eq!(
        store
            .list_findings(&FindingQuery::default())
            .await
            .expect("list")
            .total,
        3
    );
    let bad = q(None, None, Some(0), None);
    assert_eq!(
        store.list_findings(&bad).await.expect_err("page 0").kind(),
        crate::ErrorKind::InvalidInput
    );
}

fn heartbleed_titled(title: &str) -> Value {
    let mut v = heartbleed();
    v["items"][0]["items"][0]["value"] = json!(title);
    v
}

fn disposition(
    kind: DispositionKind,
    at: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
) -> Disposition {
    Disposition {
        kind,
        reason: "behind the WAF".into(),
        user: "alice".into(),
        at,
        expires,
        evidence: String::new(),
    }
}

fn entry(alert_id: u64, account: &str, d: Option<Disposition>, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        alert_id,
        account: account.into(),
        action: if d.is_some() {
            AuditAction::Set
        } else {
            AuditAction::Cleared
        },
        user: "alice".into(),
        at,
        disposition: d,
    }
}

/// A disposition keeps a finding out of the totals and the seal until it expires or the
/// finding re-opens with other evidence; every change is audited; the seal threshold is per
/// account.
pub(super) async fn dispositions_suppress_until_expiry_or_new_evidence(store: Arc<dyn Store>) {
    let found = || {
        Some(result(
            vec![
                port(22, "open", vec![]),
                port(443, "open", vec![heartbleed()]),
            ],
            false,
        ))
    };
    let s1 = run(&store, "s", "A", found()).await;
    assert_eq!((s1.seal, s1.total_found()), (SealStatus::Fail, 3));
    let hb = alert_id(&s1, &key_heartbleed()).expect("id");
    let now = store.clock().now();
    let accepted = disposition(
        DispositionKind::AcceptedRisk,
        now,
        Some(now + Duration::hours(1)),
    );
    // Another account cannot touch it, and nothing changes.
    let err = store
        .set_disposition(&entry(hb, "intruder", Some(accepted.clone()), now))
        .await
        .expect_err("other account");
    assert_eq!(err.kind(), crate::ErrorKind::NotFound);
    assert!(
        store
            .finding_audit("o", hb)
            .await
            .expect("audit")
            .is_empty()
    );
    assert_eq!(
        store
            .get_finding("intruder", hb)
            .await
            .expect_err("hidden")
            .kind(),
        crate::ErrorKind::NotFound
    );
    let f = store
        .set_disposition(&entry(hb, "o", Some(accepted), now))
        .await
        .expect("set");
    let d = f.disposition.clone().expect("kept");
    assert_eq!(d.evidence, f.detail_hash, "the store records the evidence");
    let s2 = run(&store, "s", "A", found()).await;
    let row = s2
        .observations
        .iter()
        .find(|o| o.key == key_heartbleed())
        .expect("row");
    assert_eq!(row.suppressed, Some(DispositionKind::AcceptedRisk));
    assert_eq!((s2.seal, s2.total_found()), (SealStatus::Pass, 2));

    // Expired: it counts again.
    let now = store.clock().now();
    let brief = disposition(
        DispositionKind::AcceptedRisk,
        now,
        Some(now + Duration::milliseconds(1)),
    );
    store
        .set_disposition(&entry(hb, "o", Some(brief), now))
        .await
        .expect("set");
    super::let_time_pass(&store).await;
    let s3 = run(&store, "s", "A", found()).await;
    assert_eq!((s3.seal, s3.total_found()), (SealStatus::Fail, 3));

    // Re-opened with other evidence: the disposition lapses.
    let now = store.clock().now();
    let fp = disposition(DispositionKind::FalsePositive, now, None);
    store
        .set_disposition(&entry(hb, "o", Some(fp), now))
        .await
        .expect("set");
    let closing = Some(result(
        vec![port(22, "open", vec![]), port(443, "open", vec![])],
        false,
    ));
    let s4 = run(&store, "s", "A", closing).await;
    assert_eq!(status(&s4, &key_heartbleed()), Some("Closed"));
    let other = Some(result(
        vec![
            port(22, "open", vec![]),
            port(443, "open", vec![heartbleed_titled("Heartbleed, again")]),
        ],
        false,
    ));
    let s5 = run(&store, "s", "A", other).await;
    assert_eq!(status(&s5, &key_heartbleed()), Some("Re-Opened"));
    assert_eq!(s5.seal, SealStatus::Fail, "the disposition no longer holds");
    assert!(
        store
            .get_finding("o", hb)
            .await
            .expect("finding")
            .disposition
            .is_none()
    );
    let actions: Vec<AuditAction> = store
        .finding_audit("o", hb)
        .await
        .expect("audit")
        .iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            AuditAction::Set,
            AuditAction::Set,
            AuditAction::Set,
            AuditAction::Lapsed
        ]
    );

    // The account's own seal threshold: high findings pass when only critical ones fail.
    assert_eq!(
        store.seal_threshold("o").await.expect("default"),
        Severity::High
    );
    store
        .set_seal_threshold("o", Severity::Critical)
        .await
        .expect("threshold");
    assert_eq!(
        store.seal_threshold("o").await.expect("set"),
        Severity::Critical
    );
    assert_eq!(
        store.seal_threshold("p").await.expect("other"),
        Severity::High
    );
    let s6 = run(&store, "s", "A", found()).await;
    assert_eq!((s6.seal, s6.total_found()), (SealStatus::Pass, 3));
    // Clearing is audited too.
    let f = store
        .set_disposition(&entry(hb, "o", None, store.clock().now()))
        .await
        .expect("clear");
    assert!(f.disposition.is_none());
    assert_eq!(store.finding_audit("o", hb).await.expect("audit").len(), 5);
}

/// A finding's audit stops at `Disposition::MAX_AUDIT_ENTRIES`: changes sent at once when one
/// entry is left add exactly one, the others are refused (`Conflict`), nothing is cut.
pub(super) async fn the_audit_cap_holds_under_concurrent_changes(store: Arc<dyn Store>) {
    let s1 = run(
        &store,
        "s",
        "A",
        Some(result(vec![port(443, "open", vec![heartbleed()])], false)),
    )
    .await;
    let hb = alert_id(&s1, &key_heartbleed()).expect("id");
    let max = crate::model::Disposition::MAX_AUDIT_ENTRIES;
    let now = store.clock().now();
    // Fill all but one entry, sixteen changes in flight at a time.
    let mut left = max - 1;
    while left > 0 {
        let wave = left.min(16);
        for set in changes_at_once(&store, hb, now, wave).await {
            set.expect("room left");
        }
        left -= wave;
    }
    let mut taken = 0;
    for raced in changes_at_once(&store, hb, now, 8).await {
        match raced {
            Ok(_) => taken += 1,
            Err(e) => {
                assert_eq!(e.kind(), crate::ErrorKind::Conflict, "{e}");
                assert!(e.to_string().contains("the most kept (10000)"), "{e}");
            }
        }
    }
    assert_eq!(taken, 1, "one change fits the last entry");
    assert_eq!(
        store.finding_audit("o", hb).await.expect("audit").len(),
        max
    );
}

/// `n` clears of finding `alert_id` of account `o` sent at once; their answers.
async fn changes_at_once(
    store: &Arc<dyn Store>,
    alert_id: u64,
    at: chrono::DateTime<chrono::Utc>,
    n: usize,
) -> Vec<crate::Result<crate::model::Finding>> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let store = Arc::clone(store);
        tasks.spawn(async move { store.set_disposition(&entry(alert_id, "o", None, at)).await });
    }
    tasks.join_all().await
}
