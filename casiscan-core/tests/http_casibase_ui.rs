//! The calls Casibase's web UI makes to its scan, provider and asset endpoints, replayed against a
//! real `casiscan` server on 127.0.0.1:0 with real nmap on a loopback port this test opens.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use casiscan_core::Client;
use casiscan_core::http::{AppState, CorsConfig, DENIED, TrustedProxy, serve};
use casiscan_core::providers::ospatch::OsPatchProvider;
use casiscan_core::providers::{Providers, nmap::NmapProvider};
use casiscan_core::runner::{RunnerIdentity, WorkerConfig};

const TOKEN: &str = "admin-token-for-ui-tests";

async fn start() -> String {
    start_with(Providers::new().with(Arc::new(NmapProvider::new())), |s| s)
        .await
        .0
}

/// A server over a fresh in-memory client with `providers`, its state shaped by `configure`.
async fn start_with(
    providers: Providers,
    configure: impl FnOnce(AppState) -> AppState,
) -> (String, Client) {
    let client = Client::open("memory:", providers).await.expect("client");
    let state = configure(AppState::new(client.clone(), TOKEN).expect("state"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { serve(listener, state).await });
    (base, client)
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
    // Named as a stored scan's provider reads, so the pages find a scan's record by name.
    let names: Vec<&str> = records.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["Nmap", "OS Patch"]);
    for r in records {
        assert_eq!(r["category"], "Scan");
        assert_eq!(r["owner"], "admin");
    }
    let (st, b) = call(c.get(format!(
        "{base}/api/get-providers?owner=admin&p=2&pageSize=1"
    )))
    .await;
    assert_eq!((st, b["data2"].clone()), (StatusCode::OK, json!(2)));
    assert_eq!(b["data"][0]["name"], "OS Patch");
    // A page past the end, however far (the offset saturates: it overflowed before).
    let max = usize::MAX;
    let (st, b) = call(c.get(format!(
        "{base}/api/get-providers?owner=admin&p={max}&pageSize={max}"
    )))
    .await;
    assert_eq!((st, b["data"].clone()), (StatusCode::OK, json!([])), "{b}");
    for id in ["admin/provider_nmap", "admin/Nmap"] {
        let (st, b) = call(c.get(format!("{base}/api/get-provider?id={id}"))).await;
        assert_eq!(
            (st, b["data"]["type"].clone(), b["data"]["name"].clone()),
            (StatusCode::OK, json!("Nmap"), json!("Nmap")),
            "{id}"
        );
    }
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
        "{base}/api/scan-asset?provider=admin%2FNmap&targetMode=Manual%20Input\
         &target=127.0.0.1&command=-sT%20-Pn%20-p%20{port}"
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
    // The widget hands `result` to the renderer, which JSON.parse()s it: a string.
    let result: Value = serde_json::from_str(data["result"].as_str().expect("result is text"))
        .expect("result parses");
    assert_eq!(
        result["hosts"][0]["ports"][0]["port"],
        format!("{port}/tcp"),
        "{result}"
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
    // The table's column sorters: sortField/sortOrder over the JSON names.
    for (order, first) in [("ascend", "db01"), ("descend", "web01")] {
        let (_, b) = call(c.get(format!(
            "{base}/api/get-assets?owner=admin&p=1&pageSize=10&field=&value=&sortField=name&sortOrder={order}"
        )))
        .await;
        assert_eq!(b["data"][0]["name"], first, "{order}");
    }
    // The list page's new asset (AssetListPage.newAsset).
    let new_asset = json!({"owner": "admin", "name": "asset_abc123",
        "createdTime": "2026-12-05T16:45:00+00:00", "updatedTime": "2026-12-05T16:45:00+00:00",
        "displayName": "New Asset - abc123", "provider": "", "id": "", "type": "Virtual Machine",
        "region": "", "zone": "", "state": "Active", "tag": "", "username": "", "password": "",
        "properties": "{}"});
    let (st, b) = call(c.post(format!("{base}/api/add-asset")).json(&new_asset)).await;
    assert_eq!(
        (st, b["data"]["properties"].clone()),
        (StatusCode::OK, json!("")),
        "{b}"
    );

    let (st, b) = call(c.post(format!("{base}/api/scan-assets?owner=admin&provider=aws"))).await;
    assert_eq!(st, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(b["status"], "error");
    assert!(
        b["msg"].as_str().unwrap_or("").contains("not supported"),
        "{b}"
    );
}

/// The body the scan list page's "Add" button sends (`ScanListPage.newScan`).
fn new_scan_as_the_page_sends_it(name: &str) -> Value {
    json!({"owner": "admin", "name": name, "createdTime": "2026-12-05T16:45:00+00:00",
        "updatedTime": "2026-12-05T16:45:00+00:00", "displayName": "New Scan - abc123",
        "provider": "", "targetMode": "Manual Input", "target": "127.0.0.1", "asset": "",
        "state": "Created", "runner": "", "errorText": "", "command": "", "rawResult": "",
        "result": "", "resultSummary": ""})
}

/// Polls `get-scan` as the scan widget does until the scan is Completed or Failed.
async fn poll_until_done(c: &reqwest::Client, base: &str, id: &str) -> Value {
    let began = std::time::Instant::now();
    while began.elapsed() < Duration::from_secs(60) {
        let (_, b) = call(c.get(format!("{base}/api/get-scan?id={id}"))).await;
        if matches!(b["data"]["state"].as_str(), Some("Completed" | "Failed")) {
            return b["data"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("scan {id} did not finish");
}

#[tokio::test]
async fn the_scan_pages_create_start_save_clear_and_rename_a_scan() {
    let (base, client) =
        start_with(Providers::new().with(Arc::new(NmapProvider::new())), |s| s).await;
    let c = reqwest::Client::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();

    // Add: the page's new scan, without a provider, is a valid Created scan.
    let (st, b) = call(
        c.post(format!("{base}/api/add-scan"))
            .json(&new_scan_as_the_page_sends_it("scan_ui")),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (b["data"]["provider"].clone(), b["data"]["state"].clone()),
        (json!(""), json!("Created"))
    );
    // It cannot start until a provider is set, however it is started.
    let scan_button = format!(
        "{base}/api/scan-asset?provider=&targetMode=Manual%20Input&scan=admin%2Fscan_ui\
         &target=127.0.0.1&saveToScan=true"
    );
    for url in [
        scan_button.clone(),
        format!("{base}/api/start-scan?id=admin/scan_ui"),
    ] {
        let (st, b) = call(c.post(&url)).await;
        assert_eq!(
            (st, b["status"].clone()),
            (StatusCode::BAD_REQUEST, json!("error")),
            "{url}"
        );
        let msg = b["msg"].as_str().unwrap_or_default();
        assert!(
            msg.contains("admin/scan_ui") && msg.contains("no provider"),
            "{msg}"
        );
    }
    let (_, b) = call(c.get(format!("{base}/api/get-scan?id=admin/scan_ui"))).await;
    assert_eq!(b["data"]["state"], "Created", "nothing was queued");

    // The widget picks the first provider record and its command; Save stores them.
    let (_, providers) = call(c.get(format!("{base}/api/get-providers?owner=admin"))).await;
    let mut page = b["data"].clone();
    page["provider"] = providers["data"][0]["name"].clone();
    page["command"] = json!(format!("-sT -Pn -p {port}"));
    let (st, b) = call(
        c.post(format!("{base}/api/update-scan?id=admin/scan_ui"))
            .json(&page),
    )
    .await;
    assert_eq!(
        (st, b["data"]["provider"].clone()),
        (StatusCode::OK, json!("Nmap")),
        "{b}"
    );

    // Scan: queued (no worker yet, so it stays Pending).
    let (st, b) = call(c.post(&scan_button)).await;
    assert_eq!(
        (st, b["data"]["state"].clone()),
        (StatusCode::OK, json!("Pending")),
        "{b}"
    );
    // Saving or renaming while Pending changes nothing and says why in the envelope the
    // page reads (ScanBackend parses the JSON whatever the HTTP status).
    for (field, value) in [("displayName", "edited"), ("name", "scan_other")] {
        let mut edit = page.clone();
        edit[field] = json!(value);
        let (st, b) = call(
            c.post(format!("{base}/api/update-scan?id=admin/scan_ui"))
                .json(&edit),
        )
        .await;
        assert_eq!(
            (st, b["status"].clone()),
            (StatusCode::CONFLICT, json!("error")),
            "{field}"
        );
        assert!(
            b["msg"].as_str().unwrap_or_default().contains("Pending"),
            "{b}"
        );
    }
    let (_, b) = call(c.get(format!("{base}/api/get-scan?id=admin/scan_ui"))).await;
    assert_eq!(
        (b["data"]["displayName"].clone(), b["data"]["state"].clone()),
        (page["displayName"].clone(), json!("Pending"))
    );
    let (st, _) = call(c.get(format!("{base}/api/get-scan?id=admin/scan_other"))).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // A real worker runs it; the widget polls get-scan until it is done.
    let mut config = WorkerConfig::new(RunnerIdentity::detect(client.providers()).await);
    config.poll = Duration::from_millis(20);
    let stop = CancellationToken::new();
    let worker = client.worker(config);
    let run = tokio::spawn({
        let stop = stop.clone();
        async move { worker.run(stop).await }
    });
    let done = poll_until_done(&c, &base, "admin/scan_ui").await;
    stop.cancel();
    run.await.expect("join").expect("worker");
    assert_eq!(done["state"], "Completed", "{done}");
    assert!(!done["runner"].as_str().unwrap_or_default().is_empty());
    // What NmapResultRenderer reads, with Casibase's values.
    let result: Value =
        serde_json::from_str(done["result"].as_str().expect("text")).expect("JSON text");
    let host = &result["hosts"][0];
    assert_eq!(
        (host["ip"].clone(), host["status"].clone()),
        (json!("127.0.0.1"), json!("up"))
    );
    let listed = &host["ports"][0];
    assert_eq!(listed["port"], format!("{port}/tcp"));
    assert_eq!(listed["state"], "open");
    assert_eq!(
        listed["service"], "unknown",
        "as nmap prints a port it cannot name"
    );
    let summary = result["summary"].as_str().unwrap_or_default();
    assert!(
        summary.starts_with("1 IP address (1 host up) scanned in"),
        "{summary}"
    );
    assert!(host["latency"].as_str().is_some_and(|l| l.ends_with('s')));
    assert_eq!(done["resultSummary"], "1 ports found");
    assert!(
        done["rawResult"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("{port}"))
    );
    // The list page finds the scan's provider record by name.
    let (_, list) = call(c.get(format!(
        "{base}/api/get-scans?owner=admin&p=1&pageSize=10&field=&value=&sortField=&sortOrder="
    )))
    .await;
    assert_eq!(list["data"][0]["provider"], providers["data"][0]["name"]);

    // Clear: the page blanks the results, sets Created, and the next Save stores that.
    let mut cleared = done.clone();
    for field in [
        "result",
        "rawResult",
        "runner",
        "errorText",
        "resultSummary",
    ] {
        cleared[field] = json!("");
    }
    cleared["state"] = json!("Created");
    let (st, b) = call(
        c.post(format!("{base}/api/update-scan?id=admin/scan_ui"))
            .json(&cleared),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (
            b["data"]["state"].clone(),
            b["data"]["result"].clone(),
            b["data"]["runner"].clone()
        ),
        (json!("Created"), json!(""), json!(""))
    );
    // A save of the completed page without Clear keeps the results (only Created clears).
    assert_eq!(
        client.list_runs("admin/scan_ui").await.expect("runs").len(),
        1
    );

    // Rename: the page edits `name` and saves to the old id.
    let mut renamed = cleared.clone();
    renamed["name"] = json!("scan_renamed");
    let (st, b) = call(
        c.post(format!("{base}/api/update-scan?id=admin/scan_ui"))
            .json(&renamed),
    )
    .await;
    assert_eq!(
        (st, b["data"]["name"].clone()),
        (StatusCode::OK, json!("scan_renamed")),
        "{b}"
    );
    let (st, _) = call(c.get(format!("{base}/api/get-scan?id=admin/scan_ui"))).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, b) = call(c.get(format!("{base}/api/get-scan?id=admin/scan_renamed"))).await;
    assert_eq!(
        (st, b["data"]["provider"].clone()),
        (StatusCode::OK, json!("Nmap"))
    );
    assert_eq!(
        client
            .list_runs("admin/scan_renamed")
            .await
            .expect("runs")
            .len(),
        1,
        "runs follow"
    );
    // A taken name is refused, both scans unchanged.
    call(
        c.post(format!("{base}/api/add-scan"))
            .json(&new_scan_as_the_page_sends_it("scan_b")),
    )
    .await;
    let (st, b) = call(
        c.post(format!("{base}/api/update-scan?id=admin/scan_b"))
            .json(&{
                let mut v = new_scan_as_the_page_sends_it("scan_renamed");
                v["displayName"] = json!("takeover");
                v
            }),
    )
    .await;
    assert_eq!(
        (st, b["status"].clone()),
        (StatusCode::CONFLICT, json!("error")),
        "{b}"
    );
    let (_, b) = call(c.get(format!("{base}/api/get-scan?id=admin/scan_renamed"))).await;
    assert_eq!(b["data"]["displayName"], page["displayName"]);
    drop(listener);
}

/// A Debian root with `foo` 1.0-1 installed and 1.0-2 offered by a security source.
fn debian_tree(root: &Path) {
    let dpkg = root.join("var/lib/dpkg");
    let lists = root.join("var/lib/apt/lists");
    std::fs::create_dir_all(&dpkg).expect("mkdir");
    std::fs::create_dir_all(&lists).expect("mkdir");
    let stanza = |name: &str, version: &str| {
        format!(
            "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\nDescription: test\n\n"
        )
    };
    std::fs::write(
        dpkg.join("status"),
        stanza("dpkg", "1.21.22") + &stanza("foo", "1.0-1"),
    )
    .expect("status");
    let prefix = "ex.org_security_dists_stable-security";
    std::fs::write(
        lists.join(format!("{prefix}_Release")),
        "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nCodename: stable-security\nDate: Sat, 21 Nov 2026 10:00:00 UTC\n",
    )
    .expect("release");
    std::fs::write(
        lists.join(format!("{prefix}_main_binary-amd64_Packages")),
        "Package: foo\nArchitecture: amd64\nVersion: 1.0-2\nSize: 1000\n\n",
    )
    .expect("packages");
}

#[tokio::test]
async fn os_patch_results_come_as_the_os_patch_renderer_reads_them() {
    let dir = tempfile::tempdir().expect("tmp");
    debian_tree(dir.path());
    let providers = Providers::new().with(Arc::new(OsPatchProvider::with_root(dir.path())));
    let (base, _) = start_with(providers, |s| s).await;
    let c = reqwest::Client::new();
    let url = format!(
        "{base}/api/scan-asset?provider=admin%2FOS%20Patch&targetMode=Manual%20Input\
         &target=127.0.0.1&command=available"
    );
    let (st, b) = call(c.post(&url)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    // OsPatchResultRenderer: JSON.parse(result), an array of patch rows.
    let rows: Value =
        serde_json::from_str(b["data"]["result"].as_str().expect("text")).expect("JSON");
    let rows = rows.as_array().expect("an array of patches");
    let foo = rows
        .iter()
        .find(|r| r["title"].as_str().is_some_and(|t| t.contains("foo")))
        .expect("foo");
    assert_eq!(foo["status"], "Available", "{foo}");
    for key in [
        "kb",
        "size",
        "rebootRequired",
        "isMandatory",
        "description",
        "categories",
    ] {
        assert!(foo.get(key).is_some(), "{key} in {foo}");
    }
    assert_eq!(b["data"]["resultSummary"], "1 available patches found");
    let report: Value =
        serde_json::from_str(b["data"]["resultReport"].as_str().expect("report text"))
            .expect("JSON");
    assert!(report.is_object(), "{report}");
}

#[tokio::test]
async fn assets_keep_their_login_and_answer_properties_as_text_and_the_password_masked() {
    let (base, client) = start_with(Providers::new(), |s| s).await;
    let c = reqwest::Client::new();
    // AssetEditPage edits properties as JSON text (formatted with two spaces).
    let asset = json!({"owner": "admin", "name": "vm1", "displayName": "vm1", "type": "Virtual Machine",
        "username": "root", "password": "s3cret",
        "properties": "{\n  \"publicIp\": \"127.0.0.1\",\n  \"cpu\": 2\n}"});
    let (st, b) = call(c.post(format!("{base}/api/add-asset")).json(&asset)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["password"], "***");
    let (_, b) = call(c.get(format!("{base}/api/get-asset?id=admin/vm1"))).await;
    let page = b["data"].clone();
    assert_eq!(
        (page["username"].clone(), page["password"].clone()),
        (json!("root"), json!("***"))
    );
    let props: Value =
        serde_json::from_str(page["properties"].as_str().expect("text")).expect("JSON text");
    assert_eq!(
        (props["publicIp"].clone(), props["cpu"].clone()),
        (json!("127.0.0.1"), json!(2))
    );
    let (_, list) = call(c.get(format!("{base}/api/get-assets?owner=admin"))).await;
    assert_eq!(list["data"][0]["password"], "***");
    assert!(!list.to_string().contains("s3cret"), "never in clear");
    // Save as the page sends it back: the mask keeps the stored password.
    let mut edit = page.clone();
    edit["username"] = json!("admin");
    let (st, b) = call(
        c.post(format!("{base}/api/update-asset?id=admin/vm1"))
            .json(&edit),
    )
    .await;
    assert_eq!(
        (st, b["data"]["username"].clone()),
        (StatusCode::OK, json!("admin")),
        "{b}"
    );
    let stored = client.get_asset("admin/vm1").await.expect("asset");
    assert_eq!(stored.password.expose(), "s3cret");
    assert_eq!(
        stored.properties.public_ip, "127.0.0.1",
        "typed in the store"
    );
    edit["password"] = json!("n3w");
    call(
        c.post(format!("{base}/api/update-asset?id=admin/vm1"))
            .json(&edit),
    )
    .await;
    assert_eq!(
        client
            .get_asset("admin/vm1")
            .await
            .expect("asset")
            .password
            .expose(),
        "n3w"
    );
    // An asset without properties answers "" (the editor shows an empty text).
    call(
        c.post(format!("{base}/api/add-asset"))
            .json(&json!({"owner": "admin", "name": "bare"})),
    )
    .await;
    let (_, b) = call(c.get(format!("{base}/api/get-asset?id=admin/bare"))).await;
    assert_eq!(
        (
            b["data"]["properties"].clone(),
            b["data"]["password"].clone()
        ),
        (json!(""), json!(""))
    );
}

#[tokio::test]
async fn a_trusted_proxy_names_the_user_and_others_are_denied_as_the_ui_expects() {
    let nmap = || Providers::new();
    let proxy =
        |addr: &str| TrustedProxy::new("X-Forwarded-User", &[addr.to_string()]).expect("proxy");
    // The proxy on loopback: its header signs the user in, with no token.
    let (base, _) = start_with(nmap(), |s| s.with_trusted_proxy(proxy("127.0.0.1"))).await;
    let c = reqwest::Client::new();
    let r = c
        .get(format!("{base}/api/get-scans?owner=admin"))
        .header("X-Forwarded-User", "alice")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .post(format!("{base}/api/add-scan"))
        .header("X-Forwarded-User", "alice")
        .json(&new_scan_as_the_page_sends_it("scan_p"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    // The app's start: get-account names the signed-in user, an admin of the scan pages.
    let r = c
        .get(format!("{base}/api/get-account"))
        .header("X-Forwarded-User", "alice")
        .send()
        .await
        .expect("send");
    let b: Value = r.json().await.expect("json");
    assert_eq!(
        (b["data"]["name"].clone(), b["data"]["isAdmin"].clone()),
        (json!("alice"), json!(true)),
        "{b}"
    );
    let r = c
        .get(format!("{base}/api/get-account"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Without the header: denied with the text Casibase's isResponseDenied recognises.
    let r = c
        .get(format!("{base}/api/get-scans?owner=admin"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let b: Value = r.json().await.expect("json");
    assert_eq!(
        (b["status"].clone(), b["msg"].clone()),
        (json!("error"), json!(DENIED))
    );
    // Key management stays with the admin token.
    let r = c
        .get(format!("{base}/api/get-api-key?account=admin"))
        .header("X-Forwarded-User", "alice")
        .send()
        .await
        .expect("send");
    let b: Value = r.json().await.expect("json");
    assert_eq!(b["msg"], "this operation requires admin privilege");

    // The header from anywhere else than the proxy is ignored.
    let (base, _) = start_with(nmap(), |s| s.with_trusted_proxy(proxy("192.0.2.10"))).await;
    let r = c
        .get(format!("{base}/api/get-scans?owner=admin"))
        .header("X-Forwarded-User", "alice")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Same origin: a browser request from another origin is denied, from this one served.
    let (base, _) = start_with(nmap(), |s| {
        s.with_trusted_proxy(proxy("127.0.0.1"))
            .with_same_origin(true)
    })
    .await;
    let host = base.trim_start_matches("http://").to_string();
    let from = |origin: String| {
        c.post(format!("{base}/api/add-scan"))
            .header("X-Forwarded-User", "alice")
            .header("Origin", origin)
            .json(&new_scan_as_the_page_sends_it("scan_o"))
    };
    let r = from("http://evil.example".into())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let b: Value = r.json().await.expect("json");
    assert_eq!(b["msg"], DENIED);
    let r = from(format!("http://{host}")).send().await.expect("send");
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn cors_is_off_by_default_and_answers_only_the_configured_origins() {
    let c = reqwest::Client::new();
    let preflight = |base: &str, origin: &str| {
        c.request(reqwest::Method::OPTIONS, format!("{base}/api/add-scan"))
            .header("Origin", origin.to_string())
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
    };
    let (base, _) = start_with(Providers::new(), |s| s).await;
    let r = preflight(&base, "http://ui.example")
        .send()
        .await
        .expect("send");
    assert!(
        r.headers().get("access-control-allow-origin").is_none(),
        "off by default"
    );

    let cors = CorsConfig::new(&["http://ui.example".into()], true).expect("cors");
    let (base, _) = start_with(Providers::new(), |s| s.with_cors(cors)).await;
    let r = preflight(&base, "http://ui.example")
        .send()
        .await
        .expect("send");
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://ui.example"
    );
    assert_eq!(r.headers()["access-control-allow-credentials"], "true");
    let r = preflight(&base, "http://evil.example")
        .send()
        .await
        .expect("send");
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = c
        .get(format!("{base}/api/get-scans"))
        .header("Origin", "http://ui.example")
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send");
    assert_eq!(
        (
            r.status(),
            r.headers()["access-control-allow-origin"].to_str().ok()
        ),
        (StatusCode::OK, Some("http://ui.example"))
    );
}
