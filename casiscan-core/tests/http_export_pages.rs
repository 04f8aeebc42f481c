//! The log export read page by page from the store: cursors across pages while runs keep
//! finishing, refused cursors and page sizes, JSON lines streamed over every page.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use casiscan_core::Client;
use casiscan_core::http::AppState;
use casiscan_core::model::Scan;
use casiscan_core::providers::Providers;

mod runs;

mod serve;

const TOKEN: &str = "admin-token-for-tests";

struct Server {
    base: String,
    state: AppState,
    keys: (String, String),
    other: (String, String),
}

async fn start() -> Server {
    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    let state = AppState::new(client, TOKEN).expect("state");
    let base = serve::serve_on_loopback(state.clone()).await;
    let mut keys = Vec::new();
    for account in ["acme", "other"] {
        state
            .keys
            .set_primary_user(account, "alice")
            .await
            .expect("primary");
        let k = state
            .keys
            .create(account, "alice", "siem")
            .await
            .expect("key");
        keys.push((k.access_key.clone(), k.secret_key.to_string()));
    }
    let mut other = Scan::new("other", "s");
    other.target = "10.0.0.9".into();
    state.client.add_scan(&other).await.expect("scan");
    let server = Server {
        base,
        state,
        keys: keys.remove(0),
        other: keys.remove(0),
    };
    // The other account has logs of its own on the same day.
    finish(&server, "other", "s", day(2)).await;
    server
}

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 8, 0, 0)
        .single()
        .expect("time")
}

/// Records one finished run of `owner/name` at `t` (the scan is added the first time).
async fn finish(s: &Server, owner: &str, name: &str, t: DateTime<Utc>) {
    let store = s.state.client.store();
    if store
        .get_scan(&format!("{owner}/{name}").parse().expect("id"))
        .await
        .is_err()
    {
        let mut scan = Scan::new(owner, name);
        scan.target = "10.0.0.5".into();
        store.add_scan(&scan).await.expect("scan");
    }
    let result = json!({"hosts": [{"ip": "10.0.0.5", "status": "up",
        "ports": [{"port": "443/tcp", "state": "open", "service": "https"}]}]});
    store
        .append_run(&runs::completed(
            owner,
            name,
            "10.0.0.5",
            Some(t),
            result.to_string(),
        ))
        .await
        .expect("run");
}

async fn fetch(s: &Server, query: &str) -> (StatusCode, String) {
    fetch_as(s, &s.keys, query).await
}

async fn fetch_as(s: &Server, keys: &(String, String), query: &str) -> (StatusCode, String) {
    let r = reqwest::Client::new()
        .get(format!("{}/client/v1/fetch-s3-logs?{query}", s.base))
        .header("accessKey", &keys.0)
        .header("secretKey", &keys.1)
        .send()
        .await
        .expect("send");
    (r.status(), r.text().await.expect("body"))
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).expect("json")
}

fn ids(body: &Value) -> Vec<u64> {
    body["result"]["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|d| d["ScanlogId"].as_u64().expect("integer ScanlogId"))
        .collect()
}

fn code(body: &str) -> Value {
    json_of(body)["result"]["code"].clone()
}

#[tokio::test]
async fn pages_carry_every_log_once_while_runs_keep_finishing() {
    let s = start().await;
    for n in 0..5i64 {
        finish(&s, "acme", &format!("s{n}"), day(2) + Duration::minutes(n)).await;
    }
    let (st, body) = fetch(&s, "date=2026-03-02&pageSize=2").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let mut page = json_of(&body);
    assert_eq!(page["status"], 200);
    assert_eq!(page["result"]["success"], "Scan logs fetched successfully.");
    let mut seen = ids(&page);
    let mut finished = 5;
    while let Some(cursor) = page["casiscan"]["nextCursor"].as_str().map(str::to_owned) {
        assert_eq!(ids(&page).len(), 2, "a full page before a cursor");
        // A run finishing meanwhile (later the same day) is read on a later page.
        if finished < 8 {
            finish(
                &s,
                "acme",
                "late",
                day(2) + Duration::hours(2) + Duration::minutes(finished),
            )
            .await;
            finished += 1;
        }
        let (st, body) = fetch(&s, &format!("date=2026-03-02&pageSize=2&cursor={cursor}")).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        page = json_of(&body);
        seen.extend(ids(&page));
    }
    let unique: BTreeSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "none twice: {seen:?}");
    assert_eq!(seen.len() as i64, finished, "every log: {seen:?}");
    // One page that holds everything has no cursor.
    let (_, body) = fetch(&s, "date=2026-03-02").await;
    let all = json_of(&body);
    assert!(all.get("casiscan").is_none(), "{all}");
    assert_eq!(ids(&all), seen);
}

#[tokio::test]
async fn refused_cursors_and_page_sizes_use_the_seed_envelope() {
    let s = start().await;
    for n in 0..3i64 {
        finish(&s, "acme", "s", day(2) + Duration::minutes(n)).await;
    }
    let (_, body) = fetch(&s, "date=2026-03-02&pageSize=1").await;
    let cursor = json_of(&body)["casiscan"]["nextCursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let mut forged = cursor.clone().into_bytes();
    forged[10] = if forged[10] == b'0' { b'1' } else { b'0' };
    let forged = String::from_utf8(forged).expect("ascii");
    let other = s.other.clone();
    for (keys, query, expected) in [
        (
            &s.keys,
            format!("date=2026-03-02&cursor={forged}"),
            "INVALID_CURSOR",
        ),
        (
            &s.keys,
            "date=2026-03-02&cursor=not-a-cursor".to_owned(),
            "INVALID_CURSOR",
        ),
        (
            &s.keys,
            format!("date=2026-03-03&cursor={cursor}"),
            "CURSOR_MISMATCH",
        ),
        (
            &s.keys,
            format!("date=2026-03-02&minSeverity=info&cursor={cursor}"),
            "CURSOR_MISMATCH",
        ),
        (
            &other,
            format!("date=2026-03-02&cursor={cursor}"),
            "CURSOR_MISMATCH",
        ),
        (
            &s.keys,
            "date=2026-03-02&pageSize=0".to_owned(),
            "INVALID_PAGE_SIZE",
        ),
        (
            &s.keys,
            "date=2026-03-02&pageSize=5001".to_owned(),
            "INVALID_PAGE_SIZE",
        ),
        (
            &s.keys,
            "date=2026-03-02&pageSize=ten".to_owned(),
            "INVALID_PAGE_SIZE",
        ),
    ] {
        let (st, body) = fetch_as(&s, keys, &query).await;
        assert_eq!(
            (st, code(&body)),
            (StatusCode::BAD_REQUEST, json!(expected)),
            "{query}: {body}"
        );
        let v = json_of(&body);
        assert_eq!(v["status"], 400);
        assert_eq!(v["result"]["data"], json!([]));
    }
    let (st, body) = fetch(&s, "date=2026-03-02&pageSize=5000").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ids(&json_of(&body)).len(), 3, "only this account's logs");
    let (st, body) = fetch(&s, &format!("date=2026-03-02&pageSize=1&cursor={cursor}")).await;
    assert_eq!(st, StatusCode::OK, "the genuine cursor still works: {body}");
}

#[tokio::test]
async fn json_lines_and_ocsf_stream_every_page() {
    let s = start().await;
    for n in 0..7i64 {
        finish(&s, "acme", &format!("s{n}"), day(2) + Duration::minutes(n)).await;
    }
    let (st, body) = fetch(
        &s,
        "date=2026-03-02&format=jsonl&pageSize=2&minSeverity=info",
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let lines: Vec<Value> = body.lines().map(json_of).collect();
    assert_eq!(lines.len(), 7, "{body}");
    let ids: BTreeSet<u64> = lines
        .iter()
        .filter_map(|l| l["ScanlogId"].as_u64())
        .collect();
    assert_eq!(ids.len(), 7);
    let (st, body) = fetch(
        &s,
        "date=2026-03-02&format=ocsf&pageSize=3&minSeverity=info",
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body.lines().count(), 7, "one open port per log: {body}");
    let (st, body) = fetch(&s, "date=2026-03-09&format=jsonl").await;
    assert_eq!(
        (st, code(&body)),
        (StatusCode::NOT_FOUND, json!("NO_LOGS_FOUND"))
    );
}
