//! REST scope policies on a real server on 127.0.0.1:0: managed with the admin token only,
//! malformed entries a 400 naming the field, and every scan write (add, update, start,
//! scan-asset on demand and saved) refusing an out-of-scope target with 403 naming target and
//! rule.

use reqwest::StatusCode;
use serde_json::{Value, json};

mod serve;

use serve::call;

const TOKEN: &str = "admin-token-for-tests";

async fn start() -> String {
    serve::serve_memory(TOKEN).await
}

fn scan(name: &str, target: &str) -> Value {
    json!({"owner": "acme", "name": name, "target": target, "command": "-sT -p 22",
        "createdTime": "2026-01-01T00:00:00Z", "updatedTime": "2026-01-01T00:00:00Z"})
}

#[tokio::test]
async fn scope_is_admin_managed_and_every_scan_write_refuses_out_of_scope_targets() {
    let base = start().await;
    let c = reqwest::Client::new();
    let post = |p: &str| c.post(format!("{base}{p}")).bearer_auth(TOKEN);
    let policy = json!({"allow": ["10.0.0.0/8", "*.corp.example"], "deny": ["10.66.0.0/16"]});

    let (st, _) = call(
        c.post(format!("{base}/api/set-scope-policy?account=acme"))
            .json(&policy),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, b) = call(post("/api/set-scope-policy?account=acme").json(&policy)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"], policy);
    let (st, b) = call(
        c.get(format!("{base}/api/get-scope-policy?account=acme"))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!((st, &b["data"]), (StatusCode::OK, &policy));

    for (body, field) in [
        (
            json!({"allow": ["10.0.0.0/8", "bad entry!"]}),
            "scope.allow[1]",
        ),
        (json!({"deny": ["10.0.0.0/8", "10.1.2.3"]}), "scope.deny"),
    ] {
        let (st, b) = call(post("/api/set-scope-policy?account=acme").json(&body)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
        assert!(b["msg"].as_str().expect("msg").contains(field), "{b}");
    }
    let (_, b) = call(
        c.get(format!("{base}/api/get-scope-policy?account=acme"))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(b["data"], policy, "refused policies changed nothing");

    let (st, b) = call(post("/api/add-scan").json(&scan("ok", "10.1.1.1"))).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let refusals = [
        ("198.51.100.7", "not covered by any allowed entry"),
        ("10.66.0.9", "denied by `10.66.0.0/16`"),
        ("www.elsewhere.example", "not covered by any allowed entry"),
    ];
    for (target, rule) in refusals {
        let writes = [
            post("/api/add-scan").json(&scan("new", target)),
            post("/api/update-scan?id=acme/ok").json(&scan("ok", target)),
            post("/api/scan-asset").json(&scan("now", target)),
        ];
        for w in writes {
            let (st, b) = call(w).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{target}: {b}");
            let msg = b["msg"].as_str().expect("msg");
            assert!(msg.contains(target) && msg.contains(rule), "{msg}");
        }
    }
    // Start (also scan-asset saveToScan) after the policy tightened.
    let (st, _) =
        call(post("/api/set-scope-policy?account=acme").json(&json!({"allow": ["10.2.0.0/16"]})))
            .await;
    assert_eq!(st, StatusCode::OK);
    for path in [
        "/api/start-scan?id=acme/ok",
        "/api/scan-asset?saveToScan=true&id=acme/ok",
    ] {
        let (st, b) = call(post(path).json(&json!({}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{path}: {b}");
        assert!(b["msg"].as_str().expect("msg").contains("10.1.1.1"), "{b}");
    }
    let (st, _) = call(post("/api/delete-scope-policy?account=acme")).await;
    assert_eq!(st, StatusCode::OK);
    let (st, b) = call(post("/api/start-scan?id=acme/ok")).await;
    assert_eq!(st, StatusCode::OK, "no policy: today's behaviour: {b}");
}
