//! Issue 23 through REST with an account's API key: every nmap option bypass, risky script and
//! too-wide target is refused with 400, and nothing of it is stored.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use casiscan_core::Client;
use casiscan_core::http::AppState;
use casiscan_core::providers::{Providers, nmap::NmapProvider};

mod serve;

const TOKEN: &str = "admin-token-for-tests";

async fn start() -> (String, AppState) {
    let providers = Providers::new().with(Arc::new(NmapProvider::new()));
    let client = Client::open("memory:", providers).await.expect("client");
    let state = AppState::new(client, TOKEN).expect("state");
    (serve::serve_on_loopback(state.clone()).await, state)
}

fn scan(name: &str, target: &str, command: &str) -> Value {
    json!({"owner": "acme", "name": name, "target": target, "provider": "Nmap", "command": command,
           "targetMode": "Manual Input", "state": "Created",
           "createdTime": "2026-01-01T00:00:00Z", "updatedTime": "2026-01-01T00:00:00Z"})
}

fn hostile_commands(secret: &std::path::Path) -> Vec<String> {
    let table = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/hostile_nmap_commands.txt"
    );
    std::fs::read_to_string(table)
        .expect("fixture")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.replace("{SECRET}", &secret.display().to_string()))
        .collect()
}

#[tokio::test]
async fn an_account_key_cannot_smuggle_any_nmap_option() {
    let (base, state) = start().await;
    state
        .keys
        .set_primary_user("acme", "alice")
        .await
        .expect("primary");
    let key = state.keys.create("acme", "alice", "ci").await.expect("key");
    let c = reqwest::Client::new();
    let post = |path: &str| {
        c.post(format!("{base}{path}"))
            .header("accessKey", &key.access_key)
            .header("secretKey", &key.secret_key)
    };
    let call = |req: reqwest::RequestBuilder| async move {
        let r = req.send().await.expect("send");
        let status = r.status();
        (status, r.json::<Value>().await.expect("json"))
    };

    let dir = tempfile::tempdir().expect("tmp");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "10.66.66.66 canary-from-a-file\n").expect("secret");
    let (st, b) = call(post("/api/add-scan").json(&scan("fine", "127.0.0.1", "-sT -p 22"))).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    // Safe scripts chosen by name or by nmap's curated default set pass (nmap's script.db).
    for (name, command) in [("banner", "--script banner -p 22"), ("dflt", "-sC -p 22")] {
        let (st, b) = call(post("/api/add-scan").json(&scan(name, "127.0.0.1", command))).await;
        assert_eq!(st, StatusCode::OK, "{command}: {b}");
        let (st, _) = call(post("/api/delete-scan").json(&scan(name, "127.0.0.1", command))).await;
        assert_eq!(st, StatusCode::OK);
    }

    let mut refused = 0;
    for (i, command) in hostile_commands(&secret).iter().enumerate() {
        let name = format!("evil{i}");
        let (st, b) = call(post("/api/add-scan").json(&scan(&name, "127.0.0.1", command))).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "add-scan {command:?}: {b}");
        let (st, b) =
            call(post("/api/update-scan?id=acme/fine").json(&scan("fine", "127.0.0.1", command)))
                .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "update-scan {command:?}: {b}");
        let (st, b) = call(post("/api/scan-asset").json(&scan("fine", "127.0.0.1", command))).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "scan-asset {command:?}: {b}");
        assert!(!b.to_string().contains("canary"), "{b}");
        refused += 1;
    }
    assert!(refused >= 80);

    for (target, command) in [
        ("0.0.0.0/0", "-sL -n"),
        ("10.0.0.0/8", "-sL -n"),
        ("224.0.0.1", "-sn"),
        ("255.255.255.255", "-sn"),
        ("127.0.0.1", "--script exploit"),
        ("127.0.0.1", "--script=http-*"),
        ("127.0.0.1", "--script-args=userdb=/etc/passwd"),
        ("127.0.0.1", "--script true"),
        ("127.0.0.1", "--script TRUE"),
        ("127.0.0.1", "--script \"not safe\""),
        ("127.0.0.1", "--script vuln"),
        ("127.0.0.1", "--script safe"),
        ("127.0.0.1", "--script broadcast-ping"),
        ("127.0.0.1", "--script banner --script-args newtargets"),
        ("127.0.0.1", "--dns-servers 10.0.0.53"),
        ("0x0", "-sn"),
        ("0xe0000001", "-sn"),
        ("localhost/0", "-sn"),
        ("::ffff:0.0.0.0", "-6 -sn"),
        ("::/127", "-6 -sn"),
    ] {
        let (st, b) = call(post("/api/add-scan").json(&scan("wide", target, command))).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{target} {command}: {b}");
    }
    // Script rules nested deep (exponential time before rules were read with a memo: this
    // request never returned) and past the rule's token limit: both refused at once.
    for levels in [40, 130] {
        let command = format!(
            "--script \"{}vuln{}\"",
            "(".repeat(levels),
            ")".repeat(levels)
        );
        let started = std::time::Instant::now();
        let (st, b) = call(post("/api/add-scan").json(&scan("deep", "127.0.0.1", &command))).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{levels} levels: {b}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{levels} levels"
        );
    }

    let (st, b) = call(
        c.get(format!("{base}/api/get-scans?owner=acme"))
            .header("accessKey", &key.access_key)
            .header("secretKey", &key.secret_key),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b["data2"], 1, "only the fine scan is stored: {b}");
    assert_eq!(b["data"][0]["command"], "-sT -p 22");
    assert!(!b.to_string().contains("canary"));
}
