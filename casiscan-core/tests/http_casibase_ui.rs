//! The calls Casibase's web UI makes to its scan, provider and asset endpoints, replayed against a
//! real `casiscan` server on 127.0.0.1:0 with real nmap on a loopback port this test opens.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use casiscan_core::Client;
use casiscan_core::http::{AppState, serve};
use casiscan_core::providers::{Providers, nmap::NmapProvider};

const TOKEN: &str = "admin-token-for-ui-tests";

async fn start() -> String {
    let providers = Providers::new().with(Arc::new(NmapProvider::new()));
    let client = Client::open("memory:", providers).await.expect("client");
    let state = AppState::new(client, TOKEN).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { serve(listener, state).await });
    base
}

async fn call(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = req.bearer_auth(TOKEN).send().await.expect("send");
    let status = r.status();
    (status, r.json().await.expect("json body"))
}

#[tokio::test]
async fn providers_are_listed_as_casibase_records_and_a_scan_may_name_one() {
    let base = start().await;
    let c = reqwest::Client::new();
    let (st, b) = call(c.get(format!("{base}/api/get-providers?owner=admin&p=&pageSize="))).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let records = b["data"].as_array().expect("records");
    let types: Vec<&str> = records.iter().filter_map(|r| r["type"].as_str()).collect();
    assert_eq!(types, ["Nmap", "OS Patch"]);
    for r in records {
        assert_eq!(r["category"], "Scan");
        assert_eq!(r["owner"], "admin");
    }
    let (st, b) = call(c.get(format!(
        "{base}/api/get-providers?owner=admin&p=2&pageSize=1"
    )))
    .await;
    assert_eq!((st, b["data2"].clone()), (StatusCode::OK, json!(2)));
    assert_eq!(b["data"][0]["name"], "provider_os_patch");
    let (st, b) = call(c.get(format!("{base}/api/get-provider?id=admin/provider_nmap"))).await;
    assert_eq!(
        (st, b["data"]["type"].clone()),
        (StatusCode::OK, json!("Nmap"))
    );
    let (st, b) = call(c.get(format!("{base}/api/get-provider?id=admin/provider_nessus"))).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(
        b["msg"].as_str().unwrap_or("").contains("provider_nessus"),
        "{b}"
    );

    // The page's new scan: no times (the server sets them), a provider record's name.
    let new_scan = json!({"owner": "admin", "name": "scan_ui", "displayName": "New Scan",
        "provider": "provider_nmap", "targetMode": "Manual Input", "target": "127.0.0.1",
        "command": "-sT -Pn -p 9"});
    let (st, b) = call(c.post(format!("{base}/api/add-scan")).json(&new_scan)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, b) = call(c.get(format!("{base}/api/get-scan?id=admin/scan_ui"))).await;
    assert_eq!(b["data"]["provider"], "Nmap", "resolved to its kind");
    assert_eq!(b["data"]["state"], "Created");
    assert!(
        b["data"]["createdTime"]
            .as_str()
            .is_some_and(|t| t.starts_with("20"))
    );
    let unknown = json!({"owner": "admin", "name": "scan_bad", "provider": "provider_nessus"});
    let (st, _) = call(c.post(format!("{base}/api/add-scan")).json(&unknown)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn scan_asset_queues_a_stored_scan_or_runs_one_from_the_query_parameters() {
    let base = start().await;
    let c = reqwest::Client::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let stored = json!({"owner": "admin", "name": "web", "provider": "Nmap",
        "target": "127.0.0.1", "command": format!("-sT -Pn -p {port}")});
    call(c.post(format!("{base}/api/add-scan")).json(&stored)).await;
    let (st, b) = call(c.post(format!(
        "{base}/api/scan-asset?scan=admin/web&saveToScan=true"
    )))
    .await;
    assert_eq!(
        (st, b["data"]["state"].clone()),
        (StatusCode::OK, json!("Pending")),
        "{b}"
    );
    let (st, _) = call(c.post(format!(
        "{base}/api/scan-asset?scan=admin/nope&saveToScan=true"
    )))
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // On demand, with only query parameters, as the scan widget sends it.
    let url = format!(
        "{base}/api/scan-asset?saveToScan=false&provider=provider_nmap&targetMode=Manual%20Input\
         &target=127.0.0.1&asset=&command=-sT%20-Pn%20-p%20{port}"
    );
    let (st, b) = call(c.post(&url)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let data = &b["data"];
    assert!(
        data["rawResult"]
            .as_str()
            .is_some_and(|r| r.contains(&port.to_string())),
        "{b}"
    );
    assert!(!data["runner"].as_str().unwrap_or("").is_empty());
    assert!(
        data["resultSummary"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(
        data["result"].to_string().contains(&port.to_string()),
        "{b}"
    );

    // The same checks as every other entry point: a smuggled option is refused, nothing runs.
    let secret = std::env::temp_dir().join(format!("casiscan-ui-{}", std::process::id()));
    let hostile = format!(
        "{base}/api/scan-asset?saveToScan=false&provider=Nmap&target=127.0.0.1&command=-oN%20{}",
        secret.display()
    );
    let (st, _) = call(c.post(&hostile)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(!secret.exists());
    let (st, b) = call(c.post(format!("{base}/api/scan-asset?targetMode=Nowhere&target=x"))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(
        b["msg"].as_str().unwrap_or("").contains("targetMode"),
        "{b}"
    );
    // Without credentials nothing runs.
    let r = c.post(&url).send().await.expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    drop(listener);
}

#[tokio::test]
async fn assets_page_and_filter_and_cloud_import_says_it_is_not_supported() {
    let base = start().await;
    let c = reqwest::Client::new();
    for (name, kind) in [
        ("db01", "Virtual Machine"),
        ("db02", "Virtual Machine"),
        ("web01", "Other"),
    ] {
        let asset = json!({"owner": "admin", "name": name, "displayName": name, "type": kind});
        let (st, b) = call(c.post(format!("{base}/api/add-asset")).json(&asset)).await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
    let (st, b) = call(c.get(format!("{base}/api/get-assets?owner=admin&p=1&pageSize=2"))).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(b["data2"], 3, "total in data2");
    let (_, b) = call(c.get(format!("{base}/api/get-assets?owner=admin&p=2&pageSize=2"))).await;
    assert_eq!(b["data"].as_array().map(Vec::len), Some(1));
    let (_, b) = call(c.get(format!(
        "{base}/api/get-assets?owner=admin&field=type&value=virtual&p=1&pageSize=10"
    )))
    .await;
    assert_eq!(b["data2"], 2, "{b}");
    let (_, b) = call(c.get(format!("{base}/api/get-assets?owner=admin"))).await;
    assert_eq!(b["data"].as_array().map(Vec::len), Some(3), "unpaged: all");

    let (st, b) = call(c.post(format!("{base}/api/scan-assets?owner=admin&provider=aws"))).await;
    assert_eq!(st, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(b["status"], "error");
    assert!(
        b["msg"].as_str().unwrap_or("").contains("not supported"),
        "{b}"
    );
}
