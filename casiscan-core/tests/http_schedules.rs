//! REST schedules: `POST /api/set-scan-schedule` on a real server on 127.0.0.1:0 — set, read
//! back on the scan, removed, refused without credentials, bad input a 400 naming the field.

use reqwest::StatusCode;
use serde_json::{Value, json};

mod serve;

use serve::call;

const TOKEN: &str = "admin-token-for-tests";

async fn start() -> String {
    serve::serve_memory(TOKEN).await
}

#[tokio::test]
async fn set_scan_schedule_sets_shows_refuses_and_removes() {
    let base = start().await;
    let c = reqwest::Client::new();
    let post = |p: &str| c.post(format!("{base}{p}")).bearer_auth(TOKEN);
    let get = |p: &str| c.get(format!("{base}{p}")).bearer_auth(TOKEN);
    let scan = json!({"owner": "admin", "name": "s1", "target": "127.0.0.1", "command": "-p 22",
        "createdTime": "2026-01-01T00:00:00Z", "updatedTime": "2026-01-01T00:00:00Z"});
    let (st, b) = call(post("/api/add-scan").json(&scan)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert!(b["data"]["schedule"].is_null(), "{b}");

    let schedule = json!({"kind": "cron", "expression": "0 3 * * *", "timeZone": "Europe/Paris",
        "missedSlots": "runOnce", "jitterSeconds": 20});
    let (st, b) = call(
        c.post(format!("{base}/api/set-scan-schedule?id=admin/s1"))
            .json(&schedule),
    )
    .await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "every write is authenticated: {b}"
    );
    let (st, b) = call(post("/api/set-scan-schedule?id=admin/s1").json(&schedule)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["schedule"]["expression"], "0 3 * * *");
    assert!(b["data"]["schedule"]["nextRunTime"].is_string(), "{b}");

    let (_, b) = call(get("/api/get-scan?id=admin/s1")).await;
    let stored = b["data"]["schedule"].clone();
    assert_eq!(stored["timeZone"], "Europe/Paris");
    assert_eq!(stored["missedSlots"], "runOnce");
    let (_, b) = call(get("/api/get-scans?owner=admin")).await;
    assert_eq!(b["data"][0]["schedule"], stored, "{b}");

    let bad = [
        (
            json!({"kind": "cron", "expression": "0 3 * *"}),
            "schedule.expression",
        ),
        (
            json!({"kind": "cron", "expression": "0 3 * * *", "timeZone": "Paris"}),
            "schedule.timeZone",
        ),
        (
            json!({"kind": "interval", "everySeconds": 10}),
            "schedule.everySeconds",
        ),
        (
            json!({"kind": "interval", "everySeconds": 600, "jitterSeconds": 600}),
            "schedule.jitterSeconds",
        ),
    ];
    for (body, field) in bad {
        let (st, b) = call(post("/api/set-scan-schedule?id=admin/s1").json(&body)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}: {b}");
        assert!(b["msg"].as_str().expect("msg").contains(field), "{b}");
        let (_, now) = call(get("/api/get-scan?id=admin/s1")).await;
        assert_eq!(now["data"]["schedule"], stored, "{body} changed nothing");
    }
    let (st, b) =
        call(post("/api/set-scan-schedule?id=admin/s1").json(&json!({"kind": "weekly"}))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    let (st, _) = call(post("/api/set-scan-schedule?id=admin/missing").json(&schedule)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, b) = call(post("/api/set-scan-schedule?id=admin/s1").json(&Value::Null)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert!(b["data"]["schedule"].is_null());
    let (_, b) = call(get("/api/get-scan?id=admin/s1")).await;
    assert!(b["data"]["schedule"].is_null(), "{b}");
}
