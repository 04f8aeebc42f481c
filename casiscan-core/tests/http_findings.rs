//! `GET /api/get-findings`: stored findings over REST, filtered, paged and owner-checked.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use casiscan_core::Client;
use casiscan_core::http::AppState;
use casiscan_core::model::Scan;
use casiscan_core::providers::Providers;

mod runs;

mod serve;

const TOKEN: &str = "admin-token-for-tests";

async fn get(base: &str, path: &str, auth: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut r = reqwest::Client::new().get(format!("{base}{path}"));
    for (k, v) in auth {
        r = r.header(*k, *v);
    }
    let r = r.send().await.expect("send");
    (r.status(), r.json().await.expect("json"))
}

/// A server with one run (two open ports) for `acme` and one for `other`, and acme's key pair.
async fn setup() -> (String, AppState, (String, String)) {
    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    let state = AppState::new(client, TOKEN).expect("state");
    let base = serve::serve_on_loopback(state.clone()).await;
    let t = Utc
        .with_ymd_and_hms(2026, 3, 2, 8, 0, 0)
        .single()
        .expect("time");
    for owner in ["acme", "other"] {
        let mut scan = Scan::new(owner, "s");
        scan.target = "10.0.0.5".into();
        state.client.add_scan(&scan).await.expect("scan");
        let result = json!({"hosts": [{"ip": "10.0.0.5", "status": "up", "ports": [
            {"port": "22/tcp", "state": "open", "service": "ssh"},
            {"port": "443/tcp", "state": "open", "service": "https"}]}]});
        state
            .client
            .store()
            .append_run(&runs::completed(
                owner,
                "s",
                "10.0.0.5",
                Some(t),
                result.to_string(),
            ))
            .await
            .expect("run");
    }
    state
        .keys
        .set_primary_user("acme", "alice")
        .await
        .expect("primary");
    let k = state.keys.create("acme", "alice", "ci").await.expect("key");
    (
        base,
        state,
        (k.access_key.clone(), k.secret_key.to_string()),
    )
}

async fn post(base: &str, path: &str, auth: &[(&str, &str)], body: Value) -> (StatusCode, Value) {
    let mut r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body);
    for (k, v) in auth {
        r = r.header(*k, *v);
    }
    let r = r.send().await.expect("send");
    (r.status(), r.json().await.expect("json"))
}

#[tokio::test]
async fn findings_are_listed_per_account_with_filters_and_pages() {
    let (base, _state, (ak, sk)) = setup().await;
    let key = [("accessKey", ak.as_str()), ("secretKey", sk.as_str())];
    let bearer = format!("Bearer {TOKEN}");
    let admin = [("authorization", bearer.as_str())];

    let (st, b) = get(&base, "/api/get-findings", &admin).await;
    assert_eq!((st, b["data2"].clone()), (StatusCode::OK, json!(4)), "{b}");
    let (st, b) = get(&base, "/api/get-findings?pageSize=1&p=2", &key).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data2"], 2, "only the key's account");
    let items = b["data"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["account"], "acme");
    assert!(items[0]["alertId"].as_u64().is_some(), "{b}");
    let (_, b) = get(
        &base,
        "/api/get-findings?status=New&severity=info&asset=10.0.0.5",
        &key,
    )
    .await;
    assert_eq!(b["data2"], 2, "{b}");
    let (_, b) = get(&base, "/api/get-findings?status=closed", &key).await;
    assert_eq!(b["data2"], 0, "{b}");
    let (st, _) = get(&base, "/api/get-findings?owner=other", &key).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "another account's findings");
    let (st, _) = get(&base, "/api/get-findings", &[]).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // The largest page is answered; one more item a page is refused.
    let (st, b) = get(&base, "/api/get-findings?p=1&pageSize=1000", &key).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    for bad in [
        "status=gone",
        "severity=huge",
        "p=0",
        "pageSize=1001",
        "pageSize=x",
    ] {
        let (st, b) = get(&base, &format!("/api/get-findings?{bad}"), &key).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}: {b}");
        assert_eq!(b["status"], "error");
    }
}

#[tokio::test]
async fn dispositions_and_the_seal_threshold_are_owner_checked_and_audited() {
    let (base, _state, (ak, sk)) = setup().await;
    let key = [("accessKey", ak.as_str()), ("secretKey", sk.as_str())];
    let bearer = format!("Bearer {TOKEN}");
    let admin = [("authorization", bearer.as_str())];
    let (_, b) = get(&base, "/api/get-findings?owner=other", &admin).await;
    let theirs = b["data"][0]["alertId"].as_u64().expect("other's finding");
    let (_, b) = get(&base, "/api/get-findings", &key).await;
    let mine = b["data"][0]["alertId"].as_u64().expect("own finding");
    let body = json!({"kind": "Accepted Risk", "reason": "lab host", "user": "alice",
                      "expires": "2099-01-01T00:00:00Z"});

    // Another account's finding: refused, nothing stored.
    let (st, _) = post(
        &base,
        &format!("/api/set-finding-disposition?owner=other&id={theirs}"),
        &key,
        body.clone(),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = post(
        &base,
        &format!("/api/set-finding-disposition?id={theirs}"),
        &key,
        body.clone(),
    )
    .await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "an id of another account is not found"
    );
    let (_, b) = get(
        &base,
        &format!("/api/get-finding-audit?owner=other&id={theirs}"),
        &admin,
    )
    .await;
    assert_eq!(b["data"], json!([]), "nothing stored: {b}");

    for bad in [
        json!({"kind": "Ignored", "reason": "x", "user": "alice"}),
        json!({"kind": "False Positive", "reason": " ", "user": "alice"}),
        json!({"kind": "False Positive", "reason": "x", "user": "alice", "expires": "2001-01-01T00:00:00Z"}),
        json!({"kind": "False Positive", "reason": "x", "user": "alice", "extra": 1}),
    ] {
        let (st, b) = post(
            &base,
            &format!("/api/set-finding-disposition?id={mine}"),
            &key,
            bad.clone(),
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}: {b}");
    }
    let (st, b) = post(
        &base,
        &format!("/api/set-finding-disposition?id={mine}"),
        &key,
        body,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["disposition"]["kind"], "Accepted Risk");
    assert_eq!(b["data"]["disposition"]["user"], "alice");
    let (st, b) = post(
        &base,
        &format!("/api/clear-finding-disposition?id={mine}&user=bob"),
        &key,
        json!({}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert!(b["data"].get("disposition").is_none(), "{b}");
    let (_, b) = get(&base, &format!("/api/get-finding-audit?id={mine}"), &key).await;
    let actions: Vec<&str> = b["data"]
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["set", "cleared"]);

    let (_, b) = get(&base, "/api/get-seal-threshold", &key).await;
    assert_eq!(b["data"], "high");
    let (st, _) = post(
        &base,
        "/api/set-seal-threshold?severity=critical",
        &key,
        json!({}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (_, b) = get(&base, "/api/get-seal-threshold", &key).await;
    assert_eq!(b["data"], "critical");
    let (st, _) = post(
        &base,
        "/api/set-seal-threshold?owner=other&severity=low",
        &key,
        json!({}),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = post(
        &base,
        "/api/set-seal-threshold?severity=extreme",
        &key,
        json!({}),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = post(
        &base,
        "/api/set-seal-threshold?severity=low",
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "the admin names the account");
    let (_, b) = get(&base, "/api/get-seal-threshold?owner=other", &admin).await;
    assert_eq!(b["data"], "high", "other accounts keep theirs");
}

#[tokio::test]
async fn a_finding_keeps_at_most_max_audit_entries_of_user_changes() {
    use casiscan_core::model::{AuditAction, AuditEntry, Disposition, DispositionKind};
    let (base, state, (ak, sk)) = setup().await;
    let key = [("accessKey", ak.as_str()), ("secretKey", sk.as_str())];
    let (_, b) = get(&base, "/api/get-findings", &key).await;
    let mine = b["data"][0]["alertId"].as_u64().expect("own finding");
    let max = Disposition::MAX_AUDIT_ENTRIES;
    assert_eq!(max, 10_000);
    // Entries straight into the store, up to one short of the cap.
    for _ in 0..max - 1 {
        let entry = AuditEntry {
            alert_id: mine,
            account: "acme".into(),
            action: AuditAction::Cleared,
            user: "bob".into(),
            at: Utc::now(),
            disposition: None,
        };
        state
            .client
            .store()
            .set_disposition(&entry)
            .await
            .expect("entry");
    }
    // The last entry that fits, then every change refused, nothing appended.
    state
        .client
        .set_disposition(
            "acme",
            mine,
            DispositionKind::FalsePositive,
            "lab",
            "alice",
            None,
        )
        .await
        .expect("the 10000th entry");
    let err = state
        .client
        .clear_disposition("acme", mine, "bob")
        .await
        .expect_err("full");
    assert_eq!(err.kind(), casiscan_core::ErrorKind::Conflict, "{err}");
    assert!(err.to_string().contains("the most kept (10000)"), "{err}");
    let (st, b) = post(
        &base,
        &format!("/api/set-finding-disposition?id={mine}"),
        &key,
        json!({"kind": "Accepted Risk", "reason": "lab host", "user": "alice"}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    let (st, b) = get(&base, &format!("/api/get-finding-audit?id={mine}"), &key).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"].as_array().map(Vec::len), Some(max));
    assert_eq!(
        b["data"][max - 1]["action"],
        "set",
        "{}",
        b["data"][max - 1]
    );
}
