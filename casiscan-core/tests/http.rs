//! REST API: a real server on 127.0.0.1:0 driven by reqwest — every endpoint, auth failures,
//! concurrency, the export path, and the OpenAPI document checked against the router.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use casiscan_core::Client;
use casiscan_core::http::{AppState, OPENAPI, ServeConfig, serve, serve_with};
use casiscan_core::model::ScanQuery;
use casiscan_core::providers::Providers;

mod runs;

const TOKEN: &str = "admin-token-for-tests";

async fn start(public_reads: bool) -> (String, AppState) {
    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    let state = AppState::new(client, TOKEN)
        .expect("state")
        .with_public_reads(public_reads);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let s = state.clone();
    // These tests send many wrong credentials on purpose; the limit has its own test.
    let config = ServeConfig {
        auth_failures_per_minute: 1_000_000,
        ..ServeConfig::default()
    };
    tokio::spawn(async move { serve_with(listener, s, config).await });
    (format!("http://{addr}"), state)
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn call(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = req.send().await.expect("send");
    let status = r.status();
    let body: Value = r.json().await.expect("json body");
    (status, body)
}

fn scan(name: &str) -> Value {
    json!({"owner": "admin", "name": name, "target": "127.0.0.1", "provider": "Nmap", "command": "-p 22",
           "targetMode": "Manual Input", "state": "Created", "createdTime": "2026-01-01T00:00:00Z", "updatedTime": "2026-01-01T00:00:00Z"})
}

#[tokio::test]
async fn every_scan_and_asset_endpoint() {
    let (base, _) = start(false).await;
    let c = http();
    let post = |p: &str| c.post(format!("{base}{p}")).bearer_auth(TOKEN);
    let get = |p: &str| c.get(format!("{base}{p}")).bearer_auth(TOKEN);

    let (st, b) = call(post("/api/add-scan").json(&scan("s1"))).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "ok");
    call(post("/api/add-scan").json(&scan("s2"))).await;
    let (st, b) = call(post("/api/add-scan").json(&scan("s1"))).await;
    assert_eq!(st, StatusCode::CONFLICT, "duplicate: {b}");
    assert_eq!(b["status"], "error");

    let (st, b) = call(get(
        "/api/get-scans?owner=admin&p=1&pageSize=1&sortField=name&sortOrder=ascend",
    ))
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b["data2"], 2, "total in data2");
    assert_eq!(b["data"].as_array().map(Vec::len), Some(1));
    let (st, b) = call(get("/api/get-scan?id=admin/s1")).await;
    assert_eq!(
        (st, b["data"]["name"].clone()),
        (StatusCode::OK, json!("s1"))
    );
    let (st, _) = call(get("/api/get-scan?id=admin/nope")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = call(get("/api/get-scan?id=a/b/c")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    let mut changed = scan("s1");
    changed["command"] = json!("-p 80");
    let (st, b) = call(post("/api/update-scan?id=admin/s1").json(&changed)).await;
    assert_eq!(
        (st, b["data"]["command"].clone()),
        (StatusCode::OK, json!("-p 80"))
    );

    let (st, b) = call(post("/api/start-scan?id=admin/s1")).await;
    assert_eq!(
        (st, b["data"]["state"].clone()),
        (StatusCode::OK, json!("Pending"))
    );
    let (st, _) = call(post("/api/update-scan?id=admin/s1").json(&changed)).await;
    assert_eq!(
        st,
        StatusCode::CONFLICT,
        "config edits refused while Pending"
    );
    let (st, b) = call(post("/api/cancel-scan?id=admin/s1")).await;
    assert_eq!(
        (st, b["data"]["state"].clone()),
        (StatusCode::OK, json!("Canceled"))
    );
    let (st, b) = call(post("/api/clear-scan?id=admin/s1")).await;
    assert_eq!(
        (st, b["data"]["state"].clone()),
        (StatusCode::OK, json!("Created"))
    );
    let (st, b) = call(post("/api/scan-asset?saveToScan=true&id=admin/s2")).await;
    assert_eq!(
        (st, b["data"]["state"].clone()),
        (StatusCode::OK, json!("Pending"))
    );
    let (st, b) = call(post("/api/scan-asset").json(&scan("adhoc"))).await;
    assert_ne!(
        st,
        StatusCode::OK,
        "no provider registered: a typed error, {b}"
    );
    assert_eq!(b["status"], "error");
    let (st, _) = call(post("/api/delete-scan").json(&scan("s1"))).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = call(get("/api/get-scan?id=admin/s1")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let asset = json!({"owner": "admin", "name": "db01", "createdTime": "2026-01-01T00:00:00Z", "updatedTime": "2026-01-01T00:00:00Z", "displayName": "db01", "type": "Virtual Machine",
                       "properties": {"publicIp": "10.0.0.5"}});
    let (st, b) = call(post("/api/add-asset").json(&asset)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = call(get("/api/get-assets?owner=admin")).await;
    assert_eq!(
        (st, b["data"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    let (st, b) = call(get("/api/get-asset?id=admin/db01")).await;
    assert_eq!(
        (st, b["data"]["name"].clone()),
        (StatusCode::OK, json!("db01"))
    );
    let mut renamed = asset.clone();
    renamed["displayName"] = json!("db01 (prod)");
    let (st, b) = call(post("/api/update-asset?id=admin/db01").json(&renamed)).await;
    assert_eq!(
        (st, b["data"]["displayName"].clone()),
        (StatusCode::OK, json!("db01 (prod)"))
    );
    let (st, _) = call(post("/api/delete-asset").json(&asset)).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn every_auth_failure() {
    let (base, _) = start(false).await;
    let c = http();
    let writes = [
        "/api/add-scan",
        "/api/update-scan?id=admin/s",
        "/api/delete-scan",
        "/api/start-scan?id=admin/s",
        "/api/cancel-scan?id=admin/s",
        "/api/clear-scan?id=admin/s",
        "/api/scan-asset?saveToScan=true&id=admin/s",
        "/api/add-asset",
        "/api/update-asset?id=admin/a",
        "/api/delete-asset",
        "/api/set-primary-user?account=a&user=u",
        "/api/add-api-key?account=a&user=u&name=n",
        "/api/delete-api-key?account=a&user=u",
    ];
    for p in writes {
        for auth in [None, Some("wrong"), Some("")] {
            let mut req = c.post(format!("{base}{p}")).json(&scan("s"));
            if let Some(t) = auth {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            let (st, b) = call(req).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{p} with {auth:?}");
            // The texts Casibase's web UI recognises as a denial (`isResponseDenied`).
            let msg = if p.contains("primary-user") || p.contains("api-key") {
                casiscan_core::http::ADMIN_ONLY
            } else {
                casiscan_core::http::DENIED
            };
            assert_eq!(
                b,
                json!({"status": "error", "msg": msg, "data": null, "data2": null})
            );
        }
    }
    for p in [
        "/api/get-scans",
        "/api/get-scan?id=admin/s",
        "/api/get-assets",
        "/api/get-asset?id=admin/a",
        "/api/get-api-key?account=a",
    ] {
        let (st, _) = call(c.get(format!("{base}{p}"))).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{p}");
    }
    let (public, _) = start(true).await;
    let (st, _) = call(c.get(format!("{public}/api/get-scans"))).await;
    assert_eq!(st, StatusCode::OK, "reads public when configured");
    let (st, _) = call(c.post(format!("{public}/api/add-scan")).json(&scan("x"))).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "writes never public");
}

#[tokio::test]
async fn keys_and_log_export_over_http() {
    let (base, state) = start(false).await;
    let c = http();
    let post = |p: &str| c.post(format!("{base}{p}")).bearer_auth(TOKEN);
    call(post("/api/set-primary-user?account=admin&user=alice")).await;
    let (st, _) = call(post("/api/add-api-key?account=admin&user=bob&name=siem")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, b) = call(post("/api/add-api-key?account=admin&user=alice&name=siem")).await;
    assert_eq!(st, StatusCode::OK);
    let (ak, sk) = (
        b["data"]["accessKey"].as_str().expect("ak").to_owned(),
        b["data"]["secretKey"].as_str().expect("sk").to_owned(),
    );
    let (st, _) = call(post("/api/add-api-key?account=admin&user=alice&name=again")).await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, b) = call(
        c.get(format!("{base}/api/get-api-key?account=admin"))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        !b.to_string().contains(&sk[5..]),
        "secret never returned again"
    );
    assert_eq!(b["data"]["accessKey"], ak.as_str());
    assert!(b["data"].get("secretHash").is_none(), "nor its hash: {b}");

    // One finished run of 2026-02-01 in the store.
    call(post("/api/add-scan").json(&scan("s"))).await;
    let t = Utc
        .with_ymd_and_hms(2026, 2, 1, 10, 0, 0)
        .single()
        .expect("time");
    let result = json!({"hosts": [{"ip": "10.0.0.5", "status": "up", "ports": [{"port": "22/tcp", "state": "open", "service": "ssh"}]}]});
    state
        .client
        .store()
        .append_run(&casiscan_core::model::ScanRun {
            asset: Some("db01".into()),
            ..runs::completed("admin", "s", "10.0.0.5", Some(t), result.to_string())
        })
        .await
        .expect("append run");

    let fetch = |q: &str, a: Option<&str>, s: Option<&str>| {
        let mut r = c.get(format!("{base}/client/v1/fetch-s3-logs?{q}"));
        if let Some(a) = a {
            r = r.header("accessKey", a);
        }
        if let Some(s) = s {
            r = r.header("secretKey", s);
        }
        r
    };
    let (st, b) = call(fetch(
        "date=2026-02-01&minSeverity=info",
        Some(&ak),
        Some(&sk),
    ))
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        b["result"]["data"][0]["Vulnerabilities"][0]["OpenStatus"],
        "New"
    );
    let (st, b) = call(fetch("date=2026-02-01", Some(&ak), None)).await;
    assert_eq!(
        (st, b["result"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("MISSING_CREDENTIALS"))
    );
    let (st, b) = call(fetch("date=2026-02-01", Some(&ak), Some("cssk_wrong"))).await;
    assert_eq!(
        (st, b["result"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("INVALID_CREDENTIALS"))
    );
    let (st, b) = call(fetch("date=2026-2-1", Some(&ak), Some(&sk))).await;
    assert_eq!(
        (st, b["result"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_DATE_FORMAT"))
    );
    let r = fetch("date=2026-02-01&format=jsonl", Some(&ak), Some(&sk))
        .send()
        .await
        .expect("send");
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");

    let (st, _) = call(post("/api/delete-api-key?account=admin&user=alice")).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = call(fetch("date=2026-02-01", Some(&ak), Some(&sk))).await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "deleted key is refused at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests() {
    let (base, _) = start(false).await;
    let c = http();
    let mut tasks = Vec::new();
    for i in 0..32 {
        let (c, base) = (c.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            call(
                c.post(format!("{base}/api/add-scan"))
                    .bearer_auth(TOKEN)
                    .json(&scan(&format!("c{i}"))),
            )
            .await
            .0
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("join"), StatusCode::OK);
    }
    // Concurrent starts of one scan: exactly one wins, the rest get a conflict.
    let mut starts = Vec::new();
    for _ in 0..8 {
        let (c, base) = (c.clone(), base.clone());
        starts.push(tokio::spawn(async move {
            call(
                c.post(format!("{base}/api/start-scan?id=admin/c0"))
                    .bearer_auth(TOKEN),
            )
            .await
            .0
        }));
    }
    let mut codes = Vec::new();
    for t in starts {
        codes.push(t.await.expect("join"));
    }
    assert_eq!(
        codes.iter().filter(|c| **c == StatusCode::OK).count(),
        1,
        "{codes:?}"
    );
    let (_, b) = call(
        c.get(format!("{base}/api/get-scans?owner=admin"))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(b["data2"], 32);
}

#[tokio::test]
async fn openapi_document_matches_the_router() {
    let (base, _) = start(false).await;
    let doc: Value = serde_json::from_str(OPENAPI).expect("valid JSON");
    assert_eq!(doc["openapi"], "3.0.3");
    let served: Value = http()
        .get(format!("{base}/api/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(served, doc);
    let paths = doc["paths"].as_object().expect("paths");
    assert_eq!(paths.len(), 38, "every route documented");
    for (path, ops) in paths {
        for (method, op) in ops.as_object().expect("ops") {
            assert!(op["responses"].is_object(), "{method} {path} has responses");
            // Every documented route exists: unauthenticated calls get 401/400/200, never 404/405.
            let req = match method.as_str() {
                "get" => http().get(format!("{base}{path}")),
                _ => http().post(format!("{base}{path}")).json(&json!({})),
            };
            let st = req.send().await.expect("send").status();
            assert!(
                st != StatusCode::NOT_FOUND && st != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}: {st}"
            );
            for r in op["responses"].as_object().expect("responses").values() {
                if let Some(sref) = r
                    .pointer("/content/application~1json/schema/$ref")
                    .and_then(Value::as_str)
                {
                    let name = sref.trim_start_matches("#/components/schemas/");
                    assert!(
                        doc["components"]["schemas"].get(name).is_some(),
                        "{sref} resolves"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn export_reads_stored_run_history() {
    use casiscan_core::model::ScanRun;
    let (base, state) = start(false).await;
    let c = http();
    call(
        c.post(format!("{base}/api/add-scan"))
            .bearer_auth(TOKEN)
            .json(&scan("hist")),
    )
    .await;
    let t = Utc
        .with_ymd_and_hms(2026, 3, 5, 8, 0, 0)
        .single()
        .expect("time");
    let result = json!({"hosts": [{"ip": "127.0.0.1", "status": "up", "ports": [{"port": "22/tcp", "state": "open", "service": "ssh"}]}]});
    state
        .client
        .store()
        .append_run(&ScanRun {
            asset: Some("db01".into()),
            ..runs::completed("admin", "hist", "127.0.0.1", Some(t), result.to_string())
        })
        .await
        .expect("append run");
    let mut db01 = casiscan_core::model::Asset::new("admin", "db01");
    db01.display_name = "db01 (prod)".into();
    db01.tag = "prod, dc-east".into();
    state.client.add_asset(&db01).await.expect("asset");
    state
        .keys
        .set_primary_user("admin", "alice")
        .await
        .expect("primary");
    let k = state
        .keys
        .create("admin", "alice", "siem")
        .await
        .expect("key");
    let (st, b) = call(
        c.get(format!(
            "{base}/client/v1/fetch-s3-logs?date=2026-03-05&minSeverity=info"
        ))
        .header("accessKey", &k.access_key)
        .header("secretKey", &k.secret_key),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let log = &b["result"]["data"][0];
    assert_eq!(log["ScanlogId"], 1, "the store's integer id");
    assert_eq!(log["Vulnerabilities"][0]["UniqueAlertId"], 1);
    assert_eq!(log["Vulnerabilities"][0]["FoundOn"], "127.0.0.1:22/tcp");
    assert_eq!(
        log["ServiceId"], "admin/db01",
        "the asset has no provider id"
    );
    assert_eq!(log["ApplicationName"], "db01 (prod)");
    assert_eq!(log["groups"], json!(["dc-east", "prod"]));
    assert_eq!(log["URL"], "127.0.0.1");
}

#[tokio::test]
async fn an_api_key_writes_and_reads_only_its_own_account() {
    let (base, state) = start(false).await;
    let c = http();
    state
        .keys
        .set_primary_user("admin", "alice")
        .await
        .expect("primary");
    let k = state
        .keys
        .create("admin", "alice", "ci")
        .await
        .expect("key");
    let with_key = |req: reqwest::RequestBuilder| {
        req.header("accessKey", &k.access_key)
            .header("secretKey", &k.secret_key)
    };
    let post = |p: &str| with_key(c.post(format!("{base}{p}")));
    let get = |p: &str| with_key(c.get(format!("{base}{p}")));

    let (st, b) = call(post("/api/add-scan").json(&scan("mine"))).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, _) = call(post("/api/start-scan?id=admin/mine")).await;
    assert_eq!(st, StatusCode::OK);
    let (st, b) = call(get("/api/get-scan?id=admin/mine")).await;
    assert_eq!(
        (st, b["data"]["state"].clone()),
        (StatusCode::OK, json!("Pending"))
    );

    // Another account's records: refused, whatever the route.
    let mut theirs = scan("theirs");
    theirs["owner"] = json!("other");
    let (st, _) = call(
        c.post(format!("{base}/api/add-scan"))
            .bearer_auth(TOKEN)
            .json(&theirs),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "the admin may write any account");
    let (st, b) = call(post("/api/add-scan").json(&theirs)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    for p in [
        "/api/start-scan?id=other/theirs",
        "/api/cancel-scan?id=other/theirs",
        "/api/clear-scan?id=other/theirs",
        "/api/update-scan?id=other/theirs",
        "/api/scan-asset?saveToScan=true&id=other/theirs",
    ] {
        let (st, _) = call(post(p).json(&theirs)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
    }
    let (st, _) = call(post("/api/delete-scan").json(&theirs)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = call(get("/api/get-scan?id=other/theirs")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = call(get("/api/get-scans?owner=other")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, b) = call(get("/api/get-scans")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b["data2"], 1, "only the key's own account is listed: {b}");
    // Key management stays with the admin token.
    let (st, _) = call(post("/api/delete-api-key?account=admin&user=alice")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // A wrong secret is the same 401 as no credentials.
    let (st, b) = call(
        c.post(format!("{base}/api/add-scan"))
            .header("accessKey", &k.access_key)
            .header("secretKey", "cssk_wrong")
            .json(&scan("x")),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{b}");
}

#[tokio::test]
async fn the_diff_of_two_stored_runs() {
    let (base, state) = start(false).await;
    let c = http();
    call(
        c.post(format!("{base}/api/add-scan"))
            .bearer_auth(TOKEN)
            .json(&scan("d")),
    )
    .await;
    let get = |p: &str| c.get(format!("{base}{p}")).bearer_auth(TOKEN);
    let (st, b) = call(get("/api/get-scan-diff?id=admin/d")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "no runs yet: {b}");
    for ports in [
        json!([{"port": "22/tcp", "state": "open", "service": "ssh"}]),
        json!([
        {"port": "22/tcp", "state": "closed", "service": "ssh"},
        {"port": "80/tcp", "state": "open", "service": "http"}]),
    ] {
        let result = json!({"hosts": [{"ip": "127.0.0.1", "status": "up", "ports": ports}]});
        state
            .client
            .store()
            .append_run(&runs::completed(
                "admin",
                "d",
                "127.0.0.1",
                None,
                result.to_string(),
            ))
            .await
            .expect("append");
    }
    let (st, b) = call(get("/api/get-scan-diff?id=admin/d")).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["portsOpened"][0]["port"], "80/tcp");
    assert_eq!(b["data"]["portsClosed"][0]["port"], "22/tcp");
    let (st, b) = call(get("/api/get-scan-diff?id=admin/d&from=2&to=1")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b["data"]["portsOpened"][0]["port"], "22/tcp", "reversed");
    let (st, _) = call(get("/api/get-scan-diff?id=admin/d&from=1&to=9")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = call(get("/api/get-scan-diff?id=admin/d&from=x")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

/// A server over a SQLite file in `dir` (the memory store is what `start` uses).
async fn start_sqlite(dir: &std::path::Path) -> String {
    let db = dir.join("http.db");
    let client = Client::open(db.to_str().expect("utf8"), Providers::new())
        .await
        .expect("client");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(
        async move { serve(listener, AppState::new(client, TOKEN).expect("state")).await },
    );
    format!("http://{addr}")
}

#[tokio::test]
async fn get_scans_answers_400_for_an_overlong_filter_or_an_overflowing_page() {
    let dir = tempfile::tempdir().expect("tmp");
    let (memory, _) = start(false).await;
    let sqlite = start_sqlite(dir.path()).await;
    let c = http();
    let at_cap = "a".repeat(ScanQuery::MAX_FILTER_CHARS);
    let over_cap = "a".repeat(ScanQuery::MAX_FILTER_CHARS + 1);
    // Past SQLite's own LIKE limit (50,000 bytes), which used to surface as a 500.
    let huge = "%".repeat(60_000);
    let max = u32::MAX;
    for base in [&memory, &sqlite] {
        let get = |q: &str| {
            c.get(format!("{base}/api/get-scans?{q}"))
                .bearer_auth(TOKEN)
        };
        call(
            c.post(format!("{base}/api/add-scan"))
                .bearer_auth(TOKEN)
                .json(&scan("s1")),
        )
        .await;
        let (st, b) = call(get(&format!("field=name&value={at_cap}"))).await;
        assert_eq!(st, StatusCode::OK, "{base}: {b}");
        let (st, b) = call(get(&format!("field=name&value={over_cap}"))).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{base}: {b}");
        let msg = b["msg"].as_str().unwrap_or_default();
        assert!(msg.contains("longer than 256 characters"), "{msg}");
        // A query string that long is refused before any handler reads it.
        let (st, b) = call(get(&format!("field=target&value={huge}"))).await;
        assert_eq!(st, StatusCode::URI_TOO_LONG, "{base}: {b}");
        let msg = b["msg"].as_str().unwrap_or_default();
        assert!(msg.contains("longer than the 8192 accepted"), "{msg}");
        let limit = ScanQuery::MAX_ITEMS;
        for q in [
            format!("p={max}&pageSize={max}"),
            format!("p=1&pageSize={}", limit + 1),
        ] {
            let (st, b) = call(get(&q)).await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{base} {q}: {b}");
            let msg = b["msg"].as_str().unwrap_or_default();
            assert!(msg.contains("over the 10000 scans a page holds"), "{msg}");
        }
        for q in ["p=99999999999999999999&pageSize=1", "p=1&pageSize=-1"] {
            let (st, b) = call(get(q)).await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{base} {q}: {b}");
            assert!(
                b["msg"].as_str().unwrap_or_default().contains("invalid"),
                "{b}"
            );
        }
        // The largest page and the last page answer normally.
        for q in [
            format!("p=1&pageSize={limit}"),
            format!("p={max}&pageSize=1"),
            format!("p={max}&pageSize={limit}"),
        ] {
            let (st, b) = call(get(&q)).await;
            assert_eq!(
                (st, b["data2"].clone()),
                (StatusCode::OK, json!(1)),
                "{q}: {b}"
            );
        }
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_accepted_in_any_case() {
    let (base, _) = start(false).await;
    let c = http();
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let (st, b) = call(
            c.get(format!("{base}/api/get-scans"))
                .header("authorization", format!("{scheme} {TOKEN}")),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{scheme}: {b}");
    }
    let (st, _) = call(
        c.get(format!("{base}/api/get-scans"))
            .header("authorization", format!("Basic {TOKEN}")),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deleting_a_key_as_another_user_speaks_of_deleting() {
    let (base, _) = start(false).await;
    let c = http();
    let post = |p: &str| c.post(format!("{base}{p}")).bearer_auth(TOKEN);
    call(post("/api/set-primary-user?account=acme&user=alice")).await;
    let (st, b) = call(post("/api/add-api-key?account=acme&user=alice&name=k")).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = call(post("/api/delete-api-key?account=acme&user=mallory")).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["msg"], "Only the primary user can delete an API key.");
    let (st, b) = call(post("/api/add-api-key?account=acme&user=mallory&name=k")).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["msg"], "Only the primary user can generate an API key.");
}

#[tokio::test]
async fn metrics_are_served_to_the_admin_only_when_enabled() {
    let (base, _) = start(false).await;
    let url = format!("{base}/metrics");
    let (status, _) = call(http().get(&url).bearer_auth(TOKEN)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not enabled");

    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    let state = AppState::new(client, TOKEN)
        .expect("state")
        .with_metrics(std::sync::Arc::new(|| {
            "casiscan_claims_total 7\n".to_string()
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/metrics", listener.local_addr().expect("addr"));
    tokio::spawn(async move { serve(listener, state).await });
    let (status, _) = call(http().get(&url)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let r = http()
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/plain")
    );
    assert_eq!(r.text().await.expect("text"), "casiscan_claims_total 7\n");
}

#[tokio::test]
async fn an_imported_nmap_file_is_a_run_that_the_export_shows() {
    let (base, state) = start(false).await;
    let c = http();
    let xml = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/nmap/diff/before.xml"
    ))
    .expect("fixture");
    let import = |body: Vec<u8>| {
        c.post(format!("{base}/api/import-scan-result?id=admin/imp"))
            .header("content-type", "application/xml")
            .body(body)
    };
    // Authenticated like every write.
    assert_eq!(
        import(xml.clone()).send().await.expect("send").status(),
        StatusCode::UNAUTHORIZED
    );
    call(
        c.post(format!("{base}/api/add-scan"))
            .bearer_auth(TOKEN)
            .json(&scan("imp")),
    )
    .await;
    // The runs' day is read between these two instants (a run at midnight UTC is on either day).
    let day_before = Utc::now().format("%Y-%m-%d").to_string();
    let (st, b) = call(import(b"<nmaprun><host><<<".to_vec()).bearer_auth(TOKEN)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    assert!(b["msg"].as_str().expect("msg").contains("line"), "{b}");
    let (st, b) = call(import(xml.clone()).bearer_auth(TOKEN)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["state"], "Completed");
    assert_eq!(b["data"]["runner"], "(import)");
    let runs = state.client.list_runs("admin/imp").await.expect("runs");
    assert_eq!(runs.len(), 1, "the malformed file stored nothing");
    assert!(runs[0].imported);

    state
        .keys
        .set_primary_user("admin", "alice")
        .await
        .expect("primary");
    let k = state
        .keys
        .create("admin", "alice", "siem")
        .await
        .expect("key");
    let day_after = Utc::now().format("%Y-%m-%d");
    let (st, b) = call(
        c.get(format!(
            "{base}/client/v1/fetch-s3-logs?fromDate={day_before}&toDate={day_after}&minSeverity=info"
        ))
        .header("accessKey", &k.access_key)
        .header("secretKey", &k.secret_key),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let logs = b["result"]["data"].as_array().expect("logs");
    assert_eq!(logs.len(), 1, "{b}");
    assert!(
        !logs[0]["Vulnerabilities"]
            .as_array()
            .expect("vulns")
            .is_empty(),
        "{b}"
    );
}
