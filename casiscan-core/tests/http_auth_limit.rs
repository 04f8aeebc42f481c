//! The failed-authentication limit of the REST server: a real server on 127.0.0.1 and real
//! clients on other loopback addresses (127.0.0.2, …), so that "per client address" is real.

use std::net::{IpAddr, SocketAddr};

use casiscan_core::Client;
use casiscan_core::http::{AppState, CorsConfig, ServeConfig, serve_with};

/// The web UI's origin allowed by the test server's CORS.
const UI: &str = "http://ui.example";
use casiscan_core::keys::KeyRing;
use casiscan_core::providers::Providers;
use serde_json::Value;

const ADMIN: &str = "admin-token-for-tests";
const LIMIT: u32 = 3;

/// A server allowing [`LIMIT`] failures a minute, and the key pair of account `acme`.
async fn start() -> (SocketAddr, String, String) {
    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    let keys = KeyRing::new(std::sync::Arc::clone(client.store()));
    keys.set_primary_user("acme", "alice")
        .await
        .expect("primary");
    let issued = keys.create("acme", "alice", "siem").await.expect("key");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    // A web UI origin: the limiter's answers must carry its CORS headers like any other.
    let cors = CorsConfig::new(&[UI.to_owned()], false).expect("cors");
    let state = AppState::new(client, ADMIN).expect("state").with_cors(cors);
    let config = ServeConfig {
        auth_failures_per_minute: LIMIT,
        ..ServeConfig::default()
    };
    tokio::spawn(async move { serve_with(listener, state, config).await });
    (addr, issued.access_key, issued.secret_key)
}

/// An HTTP client whose connections leave from `from`.
fn http_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().expect("ip"))
        .build()
        .expect("http client")
}

/// `GET path` with the key pair; status, `Retry-After` and the JSON body.
async fn get(
    http: &reqwest::Client,
    addr: SocketAddr,
    path: &str,
    access: &str,
    secret: &str,
) -> (u16, Option<u64>, Value) {
    let r = http
        .get(format!("http://{addr}{path}"))
        .header("accessKey", access)
        .header("secretKey", secret)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, retry, r.json().await.expect("json body"))
}

#[tokio::test]
async fn wrong_secrets_from_one_address_get_429_until_the_quota_refills_and_others_are_served() {
    let (addr, access, secret) = start().await;
    let attacker = http_from("127.0.0.2");
    for _ in 0..LIMIT {
        let (status, _, _) = get(&attacker, addr, "/api/get-scans", "AKnotakey", "wrong").await;
        assert_eq!(status, 401);
    }
    let (status, retry, body) = get(&attacker, addr, "/api/get-scans", "AKnotakey2", "x").await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["status"], "error");
    assert!(
        body["msg"]
            .as_str()
            .unwrap_or_default()
            .contains("too many failed"),
        "{body}"
    );
    let retry = retry.expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    // While blocked, even the right secret is refused: guessing cannot go on behind the 429s.
    let (status, _, _) = get(&attacker, addr, "/api/get-scans", &access, &secret).await;
    assert_eq!(status, 429);
    // A browser page of the allowed origin can read the 429 (its CORS headers are there).
    let r = attacker
        .get(format!("http://{addr}/api/get-scans"))
        .header("Origin", UI)
        .header("accessKey", "AKnotakey3")
        .header("secretKey", "x")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(
        r.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(UI)
    );
    // Another address with the right pair is served.
    let (status, _, body) = get(
        &http_from("127.0.0.3"),
        addr,
        "/api/get-scans",
        &access,
        &secret,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn one_access_key_guessed_from_many_addresses_is_limited_per_key() {
    let (addr, access, secret) = start().await;
    for i in 0..LIMIT {
        let from = http_from(&format!("127.0.1.{}", i + 1));
        let (status, _, _) = get(&from, addr, "/api/get-scans", &access, "wrong-secret").await;
        assert_eq!(status, 401);
    }
    let fresh = http_from("127.0.1.200");
    let (status, retry, _) = get(&fresh, addr, "/api/get-scans", &access, "wrong-again").await;
    assert_eq!(status, 429);
    assert!(retry.is_some());
    // The key is blocked from every address, even with its right secret, for now.
    let (status, _, _) = get(
        &http_from("127.0.1.201"),
        addr,
        "/api/get-scans",
        &access,
        &secret,
    )
    .await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn the_export_answers_429_in_its_own_envelope_and_requests_without_credentials_do_not_count()
{
    let (addr, _, _) = start().await;
    let http = http_from("127.0.2.1");
    // Requests that present no credentials are plain 401s and never block the address.
    for _ in 0..(LIMIT * 3) {
        let r = http
            .get(format!("http://{addr}/api/get-scans"))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 401);
    }
    let path = "/client/v1/fetch-s3-logs?date=2026-12-01";
    for _ in 0..LIMIT {
        let (status, _, body) = get(&http, addr, path, "AKwrong", "wrong").await;
        assert_eq!(status, 401, "{body}");
    }
    let (status, retry, body) = get(&http, addr, path, "AKwrong", "wrong").await;
    assert_eq!(status, 429, "{body}");
    assert!(retry.is_some());
    assert_eq!(body["status"], 429);
    assert_eq!(body["result"]["code"], "TOO_MANY_ATTEMPTS");
    // A wrong admin token counts the same way.
    let other = http_from("127.0.2.2");
    let mut statuses = Vec::new();
    for _ in 0..=LIMIT {
        let r = other
            .get(format!("http://{addr}/api/get-scans"))
            .bearer_auth("not-the-admin-token")
            .send()
            .await
            .expect("request");
        statuses.push(r.status().as_u16());
    }
    let mut expected = vec![401; LIMIT as usize];
    expected.push(429);
    assert_eq!(statuses, expected);
}
