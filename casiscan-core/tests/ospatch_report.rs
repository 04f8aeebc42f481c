//! The one OS patch report: `ospatch::report(root, backend)` on the committed Debian and RPM
//! roots and the recorded Windows output gives the same keys, each backend's security verdict,
//! and stored results read back typed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use casiscan_core::ErrorKind;
use casiscan_core::lifecycle::ospatch_detections;
use casiscan_core::model::{ProviderKind, ScanResult};
use casiscan_core::providers::ospatch::{Backend, PatchReport, Verb, detect, report, scan};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/ospatch")
        .join(rel)
}

/// The three kinds of roots: Debian, RPM, recorded Windows Update output.
fn roots() -> [(Backend, PathBuf); 3] {
    [
        (Backend::Debian, testdata("debian")),
        (Backend::Rpm, testdata("rpm")),
        (Backend::Windows, testdata("windows/wua_full.json")),
    ]
}

fn keys(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn update<'a>(
    r: &'a PatchReport,
    name: &str,
) -> &'a casiscan_core::providers::ospatch::PatchUpdate {
    r.updates
        .iter()
        .find(|u| u.name == name)
        .unwrap_or_else(|| panic!("no update {name} in {:#?}", r.updates))
}

#[test]
fn every_backend_gives_the_same_keys() {
    let mut shapes = Vec::new();
    for (backend, root) in roots() {
        assert_eq!(detect(&root, false).expect("detected"), backend);
        let r = report(&root, None).expect("report");
        assert_eq!(r.backend, backend);
        assert!(!r.updates.is_empty(), "{backend}: {r:#?}");
        let v = serde_json::to_value(&r).expect("json");
        let update_keys: BTreeSet<_> = v["updates"]
            .as_array()
            .expect("updates")
            .iter()
            .map(keys)
            .collect();
        assert_eq!(
            update_keys.len(),
            1,
            "{backend}: one key set for every update"
        );
        shapes.push((
            keys(&v),
            update_keys,
            keys(&v["summary"]),
            keys(&v["reboot"]),
            keys(&v["installed"][0]),
        ));
        assert_eq!(report(&root, Some(backend)).expect("chosen"), r);
    }
    assert!(shapes.windows(2).all(|w| w[0] == w[1]), "{shapes:#?}");
    let top = &shapes[0].0;
    for key in [
        "backend",
        "os",
        "support",
        "installed",
        "updates",
        "reboot",
        "summary",
        "recommendations",
        "warnings",
    ] {
        assert!(top.contains(key), "{key} in {top:?}");
    }
    for key in ["isSecurity", "severity", "advisories", "cveIds", "held"] {
        assert!(shapes[0].1.iter().all(|k| k.contains(key)), "{key}");
    }
}

#[test]
fn each_backend_makes_its_security_verdict_once() {
    let deb = report(&testdata("debian"), None).expect("debian");
    assert_eq!(deb.os.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
    assert!(
        update(&deb, "openssl").is_security,
        "a security-archive version"
    );
    let vim = update(&deb, "vim");
    assert!(!vim.is_security);
    assert_eq!(vim.held, Some(true));
    assert!(
        deb.warnings
            .iter()
            .any(|w| w.starts_with("unknown: updates[].severity"))
    );

    let rpm = report(&testdata("rpm"), None).expect("rpm");
    assert_eq!(rpm.os.as_deref(), Some("Rocky Linux 9.4 (Blue Onyx)"));
    let demo = update(&rpm, "demo");
    assert!(demo.is_security);
    assert_eq!(demo.severity.as_deref(), Some("Important"));
    assert_eq!(demo.advisories, ["LAB-2024:0001"]);
    assert_eq!(demo.cve_ids, ["CVE-2024-0001", "CVE-2024-0002"]);
    assert!(!update(&rpm, "tool").is_security, "a bugfix advisory");
    assert_eq!(rpm.summary.security_updates_count, Some(1));
    assert!(rpm.support.is_none());
    assert!(
        rpm.warnings
            .iter()
            .any(|w| w.starts_with("unknown: support"))
    );

    let win = report(&testdata("windows/wua_full.json"), None).expect("windows");
    let cu = update(&win, "KB5037782");
    assert!(cu.is_security);
    assert_eq!(cu.severity.as_deref(), Some("Critical"));
    assert_eq!(cu.installed_version, None);
    assert_eq!(win.reboot.required, Some(true));
    assert!(win.warnings.iter().any(|w| w.starts_with("unknown: os")));

    let found: Vec<String> = [&deb, &rpm, &win]
        .into_iter()
        .flat_map(ospatch_detections)
        .map(|d| d.title)
        .collect();
    assert_eq!(
        found,
        [
            "PKG-UPDATE:openssl: security update for openssl missing",
            "LAB-2024:0001: security update for demo missing",
            "KB5037782: security update for KB5037782 missing",
            "KB5035849: security update for KB5035849 missing",
        ]
    );
}

#[test]
fn a_directory_of_recorded_output_a_wrong_backend_and_an_empty_root() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::copy(
        testdata("windows/wua_full.json"),
        dir.path().join("wua.json"),
    )
    .expect("copy");
    assert_eq!(
        detect(dir.path(), false).expect("detected"),
        Backend::Windows
    );
    assert_eq!(
        report(dir.path(), None).expect("dir"),
        report(&testdata("windows/wua_full.json"), None).expect("file")
    );
    let e = report(&testdata("debian"), Some(Backend::Rpm)).expect_err("no rpmdb");
    assert!(e.to_string().contains("rpmdb.sqlite"), "{e}");
    let e = report(&testdata("debian"), Some(Backend::Windows)).expect_err("no recording");
    assert!(e.to_string().contains("only on Windows"), "{e}");
    let empty = tempfile::tempdir().expect("tmp");
    let e = report(empty.path(), None).expect_err("nothing");
    assert_eq!(e.kind(), ErrorKind::Provider);
    assert!(e.to_string().contains("var/lib/dpkg/status"), "{e}");
    assert!(e.to_string().contains("rpmdb.sqlite"), "{e}");
    assert!("centos".parse::<Backend>().is_err());
    assert_eq!("RPM".parse::<Backend>().expect("rpm"), Backend::Rpm);
}

#[test]
fn stored_results_read_back_typed_and_keep_casibase_rows() {
    for (_, root) in roots() {
        let result = ScanResult::OsPatch(scan(&root, None).expect("scan").into_result(Verb::All));
        let text = result.to_stored().expect("stored");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            keys(&v),
            BTreeSet::from(["patches".into(), "report".into()])
        );
        for row in v["patches"].as_array().expect("rows") {
            for key in ["title", "kb", "size", "status", "categories", "isInstalled"] {
                assert!(row.get(key).is_some(), "{key} in {row}");
            }
        }
        let back = ScanResult::from_stored(ProviderKind::OsPatch, &text).expect("typed");
        assert_eq!(back, result);
    }
    let e = ScanResult::from_stored(ProviderKind::OsPatch, "[1,2]").expect_err("not a result");
    assert_eq!(e.kind(), ErrorKind::Parse);
}

#[test]
fn an_nmap_result_round_trips_through_its_stored_text() {
    let xml = br#"<nmaprun scanner="nmap" args="nmap -sV --script vulners 10.0.0.1" startstr="x">
<scaninfo type="connect" protocol="tcp" numservices="1" services="22"/>
<host><status state="up" reason="syn-ack"/><address addr="10.0.0.1" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/>
<service name="ssh" product="OpenSSH" version="9.2p1" method="probed" conf="10"/>
<script id="vulners" output="x"><table key="cpe:/a:openbsd:openssh:9.2p1"><table>
<elem key="id">CVE-2023-38408</elem><elem key="cvss">9.8</elem></table></table></script>
</port></ports></host><runstats><finished time="1" timestr="t" summary="done" exit="success"/></runstats></nmaprun>"#;
    let run = casiscan_core::providers::nmap::parse(xml).expect("xml");
    let result = ScanResult::Nmap(casiscan_core::providers::nmap::casibase_result(run));
    let text = result.to_stored().expect("stored");
    let back = ScanResult::from_stored(ProviderKind::Nmap, &text).expect("typed");
    assert_eq!(back, result);
    let ScanResult::Nmap(r) = back else {
        panic!("an nmap result");
    };
    let o = casiscan_core::lifecycle::nmap_observations(&r);
    assert_eq!(o.detections.len(), 2, "{:#?}", o.detections);
    assert_eq!(r.hosts[0].ports[0].port, "22/tcp");
}
