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
