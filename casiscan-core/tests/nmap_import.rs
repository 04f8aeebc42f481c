//! An existing nmap XML file imported as a run on SQLite: state, typed result, raw form,
//! findings and scan log as for an executed run, marked imported; bad input stores nothing.

use casiscan_core::model::{FindingQuery, IMPORT_RUNNER, ProviderKind, Scan, ScanState};
use casiscan_core::providers::Providers;
use casiscan_core::{Client, ErrorKind};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/nmap/diff");

fn xml(name: &str) -> Vec<u8> {
    std::fs::read(format!("{TESTDATA}/{name}")).expect("fixture")
}

async fn client(dir: &tempfile::TempDir) -> Client {
    let db = format!("sqlite:{}", dir.path().join("c.db").display());
    Client::open(&db, Providers::new()).await.expect("client")
}

async fn nmap_scan(c: &Client, name: &str) -> Scan {
    let mut scan = Scan::new("admin", name);
    scan.target = "127.0.0.1".into();
    scan.command = "-p 22".into();
    c.add_scan(&scan).await.expect("add")
}

#[tokio::test]
async fn an_imported_run_is_stored_and_exported_as_an_executed_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let c = client(&dir).await;
    nmap_scan(&c, "imp").await;
    // The run's day is read between this instant and the query (midnight UTC may fall between).
    let day_before = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let scan = c
        .import_nmap_run("admin/imp", xml("before.xml"))
        .await
        .expect("import");
    assert_eq!(scan.state, ScanState::Completed);
    assert_eq!(scan.runner, IMPORT_RUNNER);
    assert!(scan.finished_time.is_some());
    assert!(
        scan.raw_result.contains("<nmaprun"),
        "the file is the raw form"
    );
    assert!(!scan.result_summary.is_empty());
    let runs = c.list_runs("admin/imp").await.expect("runs");
    assert_eq!(runs.len(), 1);
    assert!(runs[0].imported, "marked imported in the history");
    let run = runs[0].nmap_run().expect("the typed run is kept");
    assert_eq!(
        run,
        casiscan_core::providers::nmap::parse(&xml("before.xml")).expect("parse")
    );
    // Findings and the scan log, as the store records them at the end of a run.
    let findings = c
        .list_findings(&FindingQuery {
            owner: Some("admin".into()),
            ..FindingQuery::default()
        })
        .await
        .expect("findings");
    assert!(findings.total > 0, "open ports are findings");
    let day_after = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let logs = c
        .scan_logs_by_day("admin", &day_before, &day_after, None, 100)
        .await
        .expect("logs");
    assert_eq!(logs.logs.len(), 1, "one scan log for the imported run");
    assert_eq!(logs.logs[0].scan_id, "admin/imp");
    assert!(!logs.logs[0].observations.is_empty());

    // A second import is the next run; the stored runs diff as the files do.
    c.import_nmap_run("admin/imp", xml("after.xml"))
        .await
        .expect("second import");
    let (older, newer) = c.run_pair("admin/imp", None, None).await.expect("pair");
    assert_eq!((older.seq, newer.seq), (1, 2));
    let d = c.diff_runs("admin/imp", None, None).await.expect("diff");
    let files = casiscan_core::providers::nmap::diff(
        &casiscan_core::providers::nmap::parse(&xml("before.xml")).expect("a"),
        &casiscan_core::providers::nmap::parse(&xml("after.xml")).expect("b"),
    );
    assert_eq!(d.nmap.as_ref(), Some(&files));
}

/// `before.xml` with a comment inserted before its end so that it is exactly `len` bytes long.
fn padded(len: usize) -> Vec<u8> {
    let xml = String::from_utf8(xml("before.xml")).expect("UTF-8");
    let end = xml.rfind("</nmaprun>").expect("end tag");
    let (head, tail) = xml.split_at(end);
    let frame = head.len() + "<!--\n".len() + "-->\n".len() + tail.len();
    let mut body = "padding line\n".repeat((len - frame) / 13);
    body.push_str(&" ".repeat(len - frame - body.len()));
    let out = format!("{head}<!--\n{body}-->\n{tail}");
    assert_eq!(out.len(), len);
    out.into_bytes()
}

#[tokio::test]
async fn an_imported_file_of_exactly_four_mib_is_kept_whole_and_a_byte_more_is_cut() {
    let dir = tempfile::tempdir().expect("tmp");
    let c = client(&dir).await;
    nmap_scan(&c, "imp").await;
    // The documented cap on the raw result (README: 4 MiB), on the client's import path.
    let cap = 4 << 20;
    let whole = padded(cap);
    let scan = c
        .import_nmap_run("admin/imp", whole.clone())
        .await
        .expect("import");
    assert!(scan.raw_result.as_bytes() == whole, "kept whole at the cap");
    let over = padded(cap + 1);
    let scan = c
        .import_nmap_run("admin/imp", over.clone())
        .await
        .expect("import");
    let cut = over[..cap]
        .iter()
        .rposition(|&b| b == b'\n')
        .expect("a line end")
        + 1;
    assert!(scan.raw_result.as_bytes().starts_with(&over[..cut]));
    assert_eq!(
        &scan.raw_result[cut..],
        format!(
            "<!-- casiscan: the imported file (4194305 bytes) was cut after {cut} bytes; the raw result is capped at 4194304 bytes -->\n"
        )
    );
}

#[tokio::test]
async fn bad_input_is_a_typed_error_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let c = client(&dir).await;
    nmap_scan(&c, "imp").await;
    let bad: [&[u8]; 4] = [
        b"",
        b"<nmaprun><host><<<",
        b"<html></html>",
        br#"<nmaprun><host><ports><port protocol="tcp" portid="A2"><state state="open"/></port></ports></host></nmaprun>"#,
    ];
    for xml in bad {
        let e = c
            .import_nmap_run("admin/imp", xml.to_vec())
            .await
            .expect_err("malformed");
        assert_eq!(e.kind(), ErrorKind::Parse, "{e}");
    }
    let failed = br#"<nmaprun><runstats><finished time="1" exit="error" errormsg="boom"/></runstats></nmaprun>"#;
    let e = c
        .import_nmap_run("admin/imp", failed.to_vec())
        .await
        .expect_err("nmap failed");
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("boom"), "{e}");

    let mut patch = Scan::new("admin", "patch");
    patch.provider = Some(ProviderKind::OsPatch);
    patch.target = "127.0.0.1".into();
    c.add_scan(&patch).await.expect("add");
    let e = c
        .import_nmap_run("admin/patch", xml("before.xml"))
        .await
        .expect_err("not nmap");
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let mut bare = Scan::new("admin", "bare");
    bare.provider = None;
    bare.target = "127.0.0.1".into();
    c.add_scan(&bare)
        .await
        .expect("a scan without a provider is valid");
    let e = c
        .import_nmap_run("admin/bare", xml("before.xml"))
        .await
        .expect_err("no provider");
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("has no provider"), "{e}");
    assert!(c.list_runs("admin/bare").await.expect("runs").is_empty());

    c.start_scan("admin/imp").await.expect("pending");
    let e = c
        .import_nmap_run("admin/imp", xml("before.xml"))
        .await
        .expect_err("pending");
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert!(e.to_string().contains("Pending"), "{e}");
    let e = c
        .import_nmap_run("admin/missing", xml("before.xml"))
        .await
        .expect_err("missing");
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");

    assert!(c.list_runs("admin/imp").await.expect("runs").is_empty());
    assert!(c.list_runs("admin/patch").await.expect("runs").is_empty());
    assert_eq!(
        c.get_scan("admin/imp").await.expect("scan").state,
        ScanState::Pending
    );
    let findings = c
        .list_findings(&FindingQuery::default())
        .await
        .expect("findings");
    assert_eq!(findings.total, 0);
}
