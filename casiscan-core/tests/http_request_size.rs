//! What one request may carry, on a real server on 127.0.0.1:0: a body of exactly
//! `MAX_BODY_BYTES` is read and one byte more is a 413 in the envelope (an import has its own,
//! larger limit); a query string of exactly `MAX_QUERY_BYTES` is read and one byte more is a 414,
//! in Casibase's envelope under `/api` and in the export's under `/client`.

use reqwest::StatusCode;
use serde_json::json;

use casiscan_core::http::{MAX_BODY_BYTES, MAX_IMPORT_BYTES, MAX_QUERY_BYTES};

mod serve;

use serve::call;

const TOKEN: &str = "admin-token-for-tests";

async fn start() -> String {
    serve::serve_memory(TOKEN).await
}

/// A scan body padded with trailing spaces to exactly `len` bytes.
fn scan_body(name: &str, len: usize) -> Vec<u8> {
    let scan =
        json!({"owner": "acme", "name": name, "target": "127.0.0.1", "command": "-sT -p 22"});
    let mut body = serde_json::to_vec(&scan).expect("json");
    assert!(body.len() <= len);
    body.resize(len, b' ');
    body
}

/// A query string of exactly `len` bytes: `owner=acme&pad=xxx…`.
fn query_of(len: usize) -> String {
    let head = "owner=acme&pad=";
    format!("{head}{}", "x".repeat(len - head.len()))
}

#[tokio::test]
async fn a_body_at_the_limit_is_read_and_one_byte_more_is_413_in_the_envelope() {
    assert_eq!(MAX_BODY_BYTES, 16 << 20);
    let base = start().await;
    let c = reqwest::Client::new();
    let add = |body: Vec<u8>| {
        c.post(format!("{base}/api/add-scan"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
    };
    let (st, v) = call(add(scan_body("at", MAX_BODY_BYTES))).await;
    assert_eq!(
        (st, v["status"].as_str()),
        (StatusCode::OK, Some("ok")),
        "{v}"
    );
    let (st, v) = call(add(scan_body("over", MAX_BODY_BYTES + 1))).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(v["status"], "error");
    assert!(
        v["msg"].as_str().expect("msg").contains("16777216 bytes"),
        "{v}"
    );
    let (st, v) = call(
        c.get(format!("{base}/api/get-scan?id=acme/over"))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "nothing of the refused body is stored: {v}"
    );
}

#[tokio::test]
async fn an_import_has_its_own_limit_and_one_byte_more_is_413() {
    assert_eq!(MAX_IMPORT_BYTES, 64 << 20);
    let base = start().await;
    let c = reqwest::Client::new();
    let import = |len: usize| {
        let mut xml = b"<nmaprun scanner=\"nmap\">".to_vec();
        xml.resize(len - b"</nmaprun>".len(), b'\n');
        xml.extend_from_slice(b"</nmaprun>");
        c.post(format!("{base}/api/import-scan-result?id=acme/imp"))
            .bearer_auth(TOKEN)
            .body(xml)
    };
    let r = import(MAX_BODY_BYTES + 1).send().await.expect("send");
    assert_ne!(
        r.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "an import may pass the general limit"
    );
    let r = import(MAX_IMPORT_BYTES).send().await.expect("send");
    assert_ne!(
        r.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "an import at its limit is read"
    );
    let (st, v) = call(import(MAX_IMPORT_BYTES + 1)).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert!(
        v["msg"]
            .as_str()
            .expect("msg")
            .contains(&MAX_IMPORT_BYTES.to_string()),
        "{v}"
    );
}

#[tokio::test]
async fn a_query_at_the_limit_is_read_and_one_byte_more_is_414_in_the_paths_envelope() {
    assert_eq!(MAX_QUERY_BYTES, 8192);
    let base = start().await;
    let c = reqwest::Client::new();
    let scans = |q: String| {
        c.get(format!("{base}/api/get-scans?{q}"))
            .bearer_auth(TOKEN)
    };
    let (st, v) = call(scans(query_of(MAX_QUERY_BYTES))).await;
    assert_eq!(
        (st, v["status"].as_str()),
        (StatusCode::OK, Some("ok")),
        "{v}"
    );
    let (st, v) = call(scans(query_of(MAX_QUERY_BYTES + 1))).await;
    assert_eq!(st, StatusCode::URI_TOO_LONG, "{v}");
    assert_eq!(v["status"], "error");
    assert!(
        v["msg"].as_str().expect("msg").contains("8193 bytes"),
        "{v}"
    );

    let export = |q: String| c.get(format!("{base}/client/v1/fetch-s3-logs?{q}"));
    let r = export(query_of(MAX_QUERY_BYTES))
        .send()
        .await
        .expect("send");
    assert_ne!(
        r.status(),
        StatusCode::URI_TOO_LONG,
        "at the limit the export reads the query"
    );
    let (st, v) = call(export(query_of(MAX_QUERY_BYTES + 1))).await;
    assert_eq!(st, StatusCode::URI_TOO_LONG, "{v}");
    assert_eq!(v["result"]["code"], "QUERY_TOO_LONG", "{v}");
    assert_eq!(v["status"], 414, "{v}");
}

/// A client over a fresh in-memory store holding `n` scans and `n` assets of `acme`.
async fn client_with(n: u32) -> casiscan_core::Client {
    use casiscan_core::model::{Asset, Scan};
    let client = casiscan_core::Client::open("memory:", casiscan_core::providers::Providers::new())
        .await
        .expect("client");
    for i in 0..n {
        let mut scan = Scan::new("acme", format!("s{i:05}"));
        scan.target = "127.0.0.1".into();
        client.add_scan(&scan).await.expect("add scan");
        client
            .add_asset(&Asset::new("acme", format!("a{i:05}")))
            .await
            .expect("add asset");
    }
    client
}

#[tokio::test]
async fn lists_answer_at_most_max_items_and_ask_for_pages_past_it() {
    use casiscan_core::http::AppState;
    use casiscan_core::model::ScanQuery;
    let limit = ScanQuery::MAX_ITEMS;
    assert_eq!(limit, 10_000);
    let client = client_with(limit).await;
    let base = serve::serve_on_loopback(AppState::new(client.clone(), TOKEN).expect("state")).await;
    let c = reqwest::Client::new();
    let get = |path: &str| c.get(format!("{base}/api/{path}")).bearer_auth(TOKEN);
    // Exactly the limit: every item, unpaged, for scans and assets.
    for list in ["get-scans", "get-assets"] {
        let (st, b) = call(get(&format!("{list}?owner=acme"))).await;
        assert_eq!(st, StatusCode::OK, "{list}: {}", b["msg"]);
        assert_eq!(
            b["data"].as_array().map(Vec::len),
            Some(limit as usize),
            "{list}"
        );
    }
    // One more of each: unpaged lists are refused (nothing truncated), pages still answer.
    let mut scan = casiscan_core::model::Scan::new("acme", "s-one-more");
    scan.target = "127.0.0.1".into();
    client.add_scan(&scan).await.expect("add scan");
    client
        .add_asset(&casiscan_core::model::Asset::new("acme", "a-one-more"))
        .await
        .expect("add asset");
    for list in ["get-scans", "get-assets"] {
        let (st, b) = call(get(&format!("{list}?owner=acme"))).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{list}: {b}");
        let msg = b["msg"].as_str().unwrap_or_default();
        assert!(
            msg.contains("10001") && msg.contains("ask for pages"),
            "{msg}"
        );
        let (st, b) = call(get(&format!("{list}?owner=acme&p=2&pageSize={limit}"))).await;
        assert_eq!(st, StatusCode::OK, "{list}: {}", b["msg"]);
        assert_eq!(b["data"].as_array().map(Vec::len), Some(1), "{list}");
        let (st, b) = call(get(&format!(
            "{list}?owner=acme&p=1&pageSize={}",
            limit + 1
        )))
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{list}: {b}");
        let msg = b["msg"].as_str().unwrap_or_default();
        assert!(msg.contains("a page holds"), "{msg}");
    }
}

/// A provider whose runs wait until the test lets them finish (what is tested is the server's
/// count of runs in flight, not a tool).
struct Gate(std::sync::Arc<tokio::sync::Semaphore>);

#[async_trait::async_trait]
impl casiscan_core::providers::Provider for Gate {
    fn kind(&self) -> casiscan_core::model::ProviderKind {
        casiscan_core::model::ProviderKind::Nmap
    }
    fn locality(&self) -> casiscan_core::providers::Locality {
        casiscan_core::providers::Locality::AnyRunner
    }
    async fn available(&self) -> bool {
        true
    }
    fn validate_command(&self, _: &str) -> casiscan_core::Result<()> {
        Ok(())
    }
    async fn run(
        &self,
        _: casiscan_core::providers::RunRequest,
        _: casiscan_core::providers::RunContext,
    ) -> casiscan_core::Result<casiscan_core::providers::ProviderOutput> {
        let _pass = self.0.acquire().await;
        Ok(casiscan_core::providers::ProviderOutput {
            raw_text: "done".into(),
            result: casiscan_core::model::ScanResult::Nmap(Default::default()),
            summary: "done".into(),
        })
    }
}

#[tokio::test]
async fn on_demand_scans_past_the_limit_are_429_and_queued_ones_are_not_counted() {
    use casiscan_core::http::AppState;
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let providers =
        casiscan_core::providers::Providers::new().with(std::sync::Arc::new(Gate(gate.clone())));
    let client = casiscan_core::Client::open("memory:", providers)
        .await
        .expect("client");
    let mut stored = casiscan_core::model::Scan::new("admin", "queued");
    stored.target = "127.0.0.1".into();
    client.add_scan(&stored).await.expect("add");
    let state = AppState::new(client, TOKEN)
        .expect("state")
        .with_max_on_demand_runs(2);
    let slots = state.on_demand.clone();
    let base = serve::serve_on_loopback(state).await;
    let c = reqwest::Client::new();
    let on_demand = || {
        c.post(format!(
            "{base}/api/scan-asset?target=127.0.0.1&provider=Nmap"
        ))
        .bearer_auth(TOKEN)
        .send()
    };
    // Two runs take both slots and wait at the gate.
    let first = tokio::spawn(on_demand());
    let second = tokio::spawn(on_demand());
    while slots.available_permits() > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let r = on_demand().await.expect("send");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let third: serde_json::Value = r.json().await.expect("json");
    assert_eq!(third["status"], "error");
    assert!(
        third["msg"]
            .as_str()
            .unwrap_or_default()
            .contains("retry later"),
        "{third}"
    );
    // Queueing a stored scan is not an on-demand run: accepted while the slots are taken.
    let (st, b) = call(
        c.post(format!(
            "{base}/api/scan-asset?saveToScan=true&id=admin/queued"
        ))
        .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(
        (st, b["data"]["state"].clone()),
        (StatusCode::OK, json!("Pending"))
    );
    // The runs finish and give their slots back: the next one runs.
    gate.add_permits(1000);
    for run in [first, second] {
        let r = run.await.expect("join").expect("send");
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = on_demand().await.expect("send");
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
}

#[tokio::test]
async fn record_fields_at_their_limit_are_stored_and_one_more_is_400() {
    use casiscan_core::model::{Asset, Scan};
    let base = start().await;
    let c = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        c.post(format!("{base}/api/{path}"))
            .bearer_auth(TOKEN)
            .json(&body)
    };
    let chars = Asset::MAX_FIELD_CHARS;
    let ips = |n: usize| vec!["10.0.0.1"; n];
    // `{"k":"…"}` is 8 bytes around the value.
    let extra = |n: usize| "x".repeat(Asset::MAX_EXTRA_BYTES - 8 + n);
    let cases = [
        (
            "displayName",
            json!({"displayName": "é".repeat(chars)}),
            json!({"displayName": "é".repeat(chars + 1)}),
        ),
        (
            "tag",
            json!({"tag": "t".repeat(chars)}),
            json!({"tag": "t".repeat(chars + 1)}),
        ),
        (
            "properties.ipAddresses",
            json!({"properties": {"ipAddresses": ips(Asset::MAX_IP_ADDRESSES)}}),
            json!({"properties": {"ipAddresses": ips(Asset::MAX_IP_ADDRESSES + 1)}}),
        ),
        (
            "properties.ipAddresses",
            json!({"properties": {"ipAddresses": ["1".repeat(Asset::MAX_IP_CHARS)]}}),
            json!({"properties": {"ipAddresses": ["1".repeat(Asset::MAX_IP_CHARS + 1)]}}),
        ),
        (
            "type",
            json!({"type": "t".repeat(chars)}),
            json!({"type": "t".repeat(chars + 1)}),
        ),
        (
            "properties",
            json!({"properties": {"k": extra(0)}}),
            json!({"properties": {"k": extra(1)}}),
        ),
    ];
    for (i, (field, at, over)) in cases.into_iter().enumerate() {
        for (n, fields, ok) in [(0, at, true), (1, over, false)] {
            let mut asset = json!({"owner": "acme", "name": format!("a{i}-{n}")});
            for (k, v) in fields.as_object().expect("object") {
                asset[k] = v.clone();
            }
            let (st, b) = call(post("add-asset", asset)).await;
            if ok {
                assert_eq!(st, StatusCode::OK, "{field} at the limit: {}", b["msg"]);
            } else {
                assert_eq!(st, StatusCode::BAD_REQUEST, "{field} past the limit: {b}");
                assert!(b["msg"].as_str().unwrap_or_default().contains(field), "{b}");
            }
        }
    }
    // An update is checked the same way.
    let (st, b) = call(post(
        "update-asset?id=acme/a0-0",
        json!({"owner": "acme", "name": "a0-0", "zone": "z".repeat(chars + 1)}),
    ))
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    let vm = json!({"owner": "acme", "name": "vm", "properties": {"publicIp": "127.0.0.1"}});
    assert_eq!(call(post("add-asset", vm)).await.0, StatusCode::OK);
    // Scans: text fields and the command (no provider yet, so no allowlist reads it).
    let (text, command) = (Scan::MAX_TEXT_CHARS, Scan::MAX_COMMAND_CHARS);
    for (field, max) in [
        ("displayName", text),
        ("target", text),
        ("asset", text),
        ("command", command),
    ] {
        for (n, len, status) in [
            (0, max, StatusCode::OK),
            (1, max + 1, StatusCode::BAD_REQUEST),
        ] {
            // A long target is checked in Asset mode (a typed one is a target of 255 at most).
            let mut scan = if field == "target" {
                json!({"targetMode": "Asset", "asset": "vm"})
            } else {
                json!({"targetMode": "Manual Input", "target": "127.0.0.1"})
            };
            scan["owner"] = json!("acme");
            scan["name"] = json!(format!("{field}-{n}"));
            scan["provider"] = json!("");
            scan[field] = json!("d".repeat(len));
            let (st, b) = call(post("add-scan", scan.clone())).await;
            assert_eq!(st, status, "{field} of {len}: {}", b["msg"]);
            if n == 1 {
                assert!(b["msg"].as_str().unwrap_or_default().contains(field), "{b}");
                // Updating a stored scan to it is refused the same way.
                scan["name"] = json!(format!("{field}-0"));
                let (st, b) = call(post(&format!("update-scan?id=acme/{field}-0"), scan)).await;
                assert_eq!(st, StatusCode::BAD_REQUEST, "{field}: {b}");
            }
        }
    }
}
