//! The REST server of the tests on a free loopback port, and the call that reads its envelope.

use casiscan_core::Client;
use casiscan_core::http::{AppState, serve};
use casiscan_core::providers::Providers;
use reqwest::StatusCode;
use serde_json::Value;

/// Serves `state` on 127.0.0.1 (a free port) in the background; the server's base URL.
pub async fn serve_on_loopback(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { serve(listener, state).await });
    base
}

/// Serves a fresh in-memory store with admin token `token` on loopback; the base URL.
#[allow(dead_code)] // not every test binary that serves starts an in-memory one
pub async fn serve_memory(token: &str) -> String {
    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    serve_on_loopback(AppState::new(client, token).expect("state")).await
}

/// Sends `req`; the answer's status and JSON body.
#[allow(dead_code)] // not every test binary that serves reads envelopes through it
pub async fn call(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = req.send().await.expect("send");
    let status = r.status();
    (status, r.json().await.expect("json body"))
}
