//! `GET /api/get-findings`: stored findings over REST, filtered, paged and owner-checked.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use casiscan_core::Client;
use casiscan_core::http::{AppState, serve};
use casiscan_core::model::{Scan, ScanRun, ScanState};
use casiscan_core::providers::Providers;

const TOKEN: &str = "admin-token-for-tests";

async fn get(base: &str, path: &str, auth: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut r = reqwest::Client::new().get(format!("{base}{path}"));
    for (k, v) in auth {
        r = r.header(*k, *v);
    }
    let r = r.send().await.expect("send");
    (r.status(), r.json().await.expect("json"))
}

#[tokio::test]
async fn findings_are_listed_per_account_with_filters_and_pages() {
    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    let state = AppState::new(client, TOKEN).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let s = state.clone();
    tokio::spawn(async move { serve(listener, s).await });
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
            .append_run(&ScanRun {
                owner: owner.into(),
                scan: "s".into(),
                seq: 0,
                attempt: 1,
                runner: "r".into(),
                target: "10.0.0.5".into(),
                command: String::new(),
                state: ScanState::Completed,
                started_time: Some(t),
                finished_time: Some(t),
                error_text: String::new(),
                raw_result: String::new(),
                result: result.to_string(),
                result_summary: String::new(),
                provider: None,
                asset: None,
                timeout_seconds: None,
                skipped: None,
            })
            .await
            .expect("run");
    }
    state
        .keys
        .set_primary_user("acme", "alice")
        .await
        .expect("primary");
    let k = state.keys.create("acme", "alice", "ci").await.expect("key");
    let secret = k.secret_key.to_string();
    let key = [
        ("accessKey", k.access_key.as_str()),
        ("secretKey", secret.as_str()),
    ];
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
