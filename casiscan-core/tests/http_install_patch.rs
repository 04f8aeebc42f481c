//! `POST /api/install-patch` on a real server: authentication, the owning account only,
//! Casibase's parameters plus the JSON body, and typed errors that queue nothing. The OS patch
//! scan reads a Debian tree this test writes (no package of the machine is touched: the job is
//! queued here, never claimed).

use std::path::Path;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;

use casiscan_core::Client;
use casiscan_core::http::AppState;
use casiscan_core::model::{ProviderKind, Scan, ScanState};
use casiscan_core::providers::ospatch::OsPatchProvider;
use casiscan_core::providers::patch_install::PatchInstallRequest;
use casiscan_core::providers::{Providers, RunContext};

mod serve;

use serve::call;

const TOKEN: &str = "admin-token-for-install-patch";

/// A Debian root: `foo` 1.0 and `bar` 1.0 installed; the security archive offers foo 1.1,
/// the main archive bar 2.0.
fn tree(root: &Path) {
    let dpkg = root.join("var/lib/dpkg");
    let lists = root.join("var/lib/apt/lists");
    std::fs::create_dir_all(&dpkg).expect("dpkg");
    std::fs::create_dir_all(&lists).expect("lists");
    let pkg = |name: &str, v: &str| {
        format!(
            "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {v}\n\n"
        )
    };
    std::fs::write(dpkg.join("status"), pkg("foo", "1.0") + &pkg("bar", "1.0")).expect("status");
    for (suite, label, name, v) in [
        ("bookworm-security", "Debian-Security", "foo", "1.1"),
        ("bookworm", "Debian", "bar", "2.0"),
    ] {
        let stem = format!("deb.example_debian_dists_{suite}");
        std::fs::write(
            lists.join(format!("{stem}_Release")),
            format!("Origin: Debian\nLabel: {label}\nSuite: {suite}\nCodename: {suite}\nDate: Sat, 05 Dec 2026 00:00:00 UTC\nArchitectures: amd64\nComponents: main\n"),
        )
        .expect("Release");
        std::fs::write(
            lists.join(format!("{stem}_main_binary-amd64_Packages")),
            format!("Package: {name}\nArchitecture: amd64\nVersion: {v}\nFilename: pool/{name}.deb\nSize: 1000\n\n"),
        )
        .expect("Packages");
    }
}

async fn start(root: &Path) -> (String, AppState) {
    let providers = Providers::new().with(Arc::new(OsPatchProvider::with_root(root)));
    let client = Client::open("memory:", providers).await.expect("client");
    let state = AppState::new(client, TOKEN).expect("state");
    (serve::serve_on_loopback(state.clone()).await, state)
}

#[tokio::test]
async fn install_patch_over_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    tree(dir.path());
    let (base, state) = start(dir.path()).await;
    let client = &state.client;
    let mut scan = Scan::new("acme", "patches");
    scan.provider = Some(ProviderKind::OsPatch);
    scan.target = "127.0.0.1".into();
    scan.command = "available".into();
    client.add_scan(&scan).await.expect("add");
    let c = reqwest::Client::new();
    let post = |p: &str| c.post(format!("{base}{p}")).bearer_auth(TOKEN);

    // Not finished yet: 409, nothing queued.
    let (st, b) = call(post("/api/install-patch?scan=acme/patches&patchId=foo")).await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert!(
        b["msg"].as_str().unwrap_or_default().contains("Created"),
        "{b}"
    );

    let done = client
        .run_scan("acme/patches", RunContext::detached())
        .await
        .expect("scan");
    assert_eq!(done.state, ScanState::Completed, "{}", done.error_text);

    // Unauthenticated and another account's key: refused.
    let (st, _) = call(c.post(format!(
        "{base}/api/install-patch?scan=acme/patches&patchId=foo"
    )))
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    call(post("/api/set-primary-user?account=other&user=eve")).await;
    let (st, b) = call(post("/api/add-api-key?account=other&user=eve&name=k")).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (ak, sk) = (
        b["data"]["accessKey"].as_str().expect("ak").to_owned(),
        b["data"]["secretKey"].as_str().expect("sk").to_owned(),
    );
    let (st, b) = call(
        c.post(format!(
            "{base}/api/install-patch?scan=acme/patches&patchId=foo"
        ))
        .header("accessKey", ak.as_str())
        .header("secretKey", sk.as_str()),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "another account's scan: {b}");

    // Bad input names what is wrong; nothing is queued.
    for (path, body, code, needle) in [
        (
            "/api/install-patch?scan=acme/patches&patchId=baz",
            json!(null),
            StatusCode::BAD_REQUEST,
            "`baz`",
        ),
        (
            "/api/install-patch?scan=acme/patches&provider=provider_nmap&patchId=foo",
            json!(null),
            StatusCode::BAD_REQUEST,
            "OS Patch provider",
        ),
        (
            "/api/install-patch?scan=acme/patches",
            json!({"allSecurity": true, "updates": ["foo"]}),
            StatusCode::BAD_REQUEST,
            "not both",
        ),
        (
            "/api/install-patch?scan=acme/patches",
            json!({"updates": ["foo"], "reboot": true}),
            StatusCode::BAD_REQUEST,
            "unknown field",
        ),
        (
            "/api/install-patch?scan=acme/nope&patchId=foo",
            json!(null),
            StatusCode::NOT_FOUND,
            "nope",
        ),
        (
            "/api/install-patch?patchId=foo",
            json!(null),
            StatusCode::BAD_REQUEST,
            "missing parameter scan",
        ),
    ] {
        let mut req = post(path);
        if !body.is_null() {
            req = req.json(&body);
        }
        let (st, b) = call(req).await;
        assert_eq!(st, code, "{path}: {b}");
        assert!(
            b["msg"].as_str().unwrap_or_default().contains(needle),
            "{path}: {b}"
        );
    }
    let listed = client
        .list_scans(&casiscan_core::model::ScanQuery::default())
        .await
        .expect("list");
    assert_eq!(listed.total, 1, "nothing was queued");

    // Casibase's parameters: one patch by id, dry run in the query.
    let (st, b) = call(post(
        "/api/install-patch?scan=acme/patches&provider=provider_os_patch&patchId=bar&dryRun=true",
    ))
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["state"], "Pending");
    assert_eq!(b["data"]["provider"], "OS Patch Install");
    assert_eq!(b["data"]["target"], "127.0.0.1");
    assert_eq!(b["data2"]["status"], "Pending");
    let request =
        PatchInstallRequest::from_command(b["data"]["command"].as_str().expect("command"))
            .expect("request");
    assert!(request.dry_run);
    assert_eq!(request.source_scan, "acme/patches");
    assert_eq!(request.updates.len(), 1);
    assert_eq!(request.updates[0].name, "bar");
    assert_eq!(request.updates[0].version.as_deref(), Some("2.0"));

    // The body: every security update (foo only).
    let (st, b) = call(
        post("/api/install-patch?scan=patches&owner=acme").json(&json!({"allSecurity": true})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let request =
        PatchInstallRequest::from_command(b["data"]["command"].as_str().expect("command"))
            .expect("request");
    assert!(!request.dry_run);
    let names: Vec<(&str, Option<&str>)> = request
        .updates
        .iter()
        .map(|u| (u.name.as_str(), u.version.as_deref()))
        .collect();
    assert_eq!(names, [("foo", Some("1.1"))]);
    assert!(request.updates[0].is_security);

    // A job is not a source, and jobs are not made by hand.
    let job = b["data"]["name"].as_str().expect("job name").to_owned();
    let (st, b) = call(post(&format!(
        "/api/install-patch?scan=acme/{job}&patchId=foo"
    )))
    .await;
    assert_ne!(st, StatusCode::OK, "{b}");
    let hand = json!({"owner": "acme", "name": "hand", "target": "127.0.0.1", "provider": "OS Patch Install", "command": "{}"});
    let (st, b) = call(post("/api/add-scan").json(&hand)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    assert!(
        b["msg"]
            .as_str()
            .unwrap_or_default()
            .contains("install-patch"),
        "{b}"
    );
    // Nor run on demand by scan-asset, with a body or with the UI's query parameters.
    let on_demand = [
        post("/api/scan-asset").json(&hand),
        post(
            "/api/scan-asset?owner=acme&provider=acme/OS%20Patch%20Install&target=127.0.0.1&command=%7B%7D",
        ),
    ];
    for request in on_demand {
        let (st, b) = call(request).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
        assert!(
            b["msg"]
                .as_str()
                .unwrap_or_default()
                .contains("install-patch"),
            "{b}"
        );
    }
}
