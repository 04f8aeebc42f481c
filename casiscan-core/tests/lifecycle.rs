//! The findings lifecycle: the worked example of the design note, and its rules as properties.

use casiscan_core::lifecycle::{
    Finding, LifecycleState, ScanStatus, Severity, apply_scan, nmap_outcome,
};
use casiscan_core::providers::nmap;

const SCOPE: [&str; 3] = ["admin", "asset-a", "Nmap"];

fn port(n: u16, state: &str, script: &str) -> String {
    format!(
        "<port protocol=\"tcp\" portid=\"{n}\"><state state=\"{state}\"/><service name=\"svc{n}\"/>{script}</port>"
    )
}

const HEARTBLEED: &str = "<script id=\"ssl-heartbleed\" output=\"VULNERABLE\"><table key=\"CVE-2014-0160\">\
    <elem key=\"title\">The Heartbleed Bug</elem><elem key=\"state\">VULNERABLE</elem>\
    <table key=\"scores\"><elem key=\"CVSSv2\">5.0</elem></table></table></script>";

fn run(ports: &[String]) -> nmap::NmapRun {
    let xml = format!(
        "<nmaprun args=\"nmap -sV --script ssl-heartbleed -p 22,443 10.0.0.5\">\
         <scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"2\" services=\"22,443\"/>\
         <host><status state=\"up\"/><address addr=\"10.0.0.5\" addrtype=\"ipv4\"/><ports>{}</ports></host></nmaprun>",
        ports.concat()
    );
    nmap::parse(xml.as_bytes()).expect("parse")
}

/// `(found_on or title marker, state)` of every observation of one scan, sorted.
fn apply(
    findings: &mut Vec<Finding>,
    ports: &[String],
    status: ScanStatus,
) -> Vec<(String, LifecycleState)> {
    let outcome = nmap_outcome(&run(ports), status);
    let mut seen: Vec<(String, LifecycleState)> = apply_scan(&SCOPE, findings, &outcome)
        .into_iter()
        .map(|o| {
            let label = if o.finding.title.starts_with("CVE") {
                "heartbleed".to_string()
            } else {
                o.finding.key[2].clone()
            };
            (label, o.finding.state)
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    seen
}

#[test]
fn worked_example_from_the_design_note() {
    use LifecycleState::*;
    let mut f = Vec::new();
    let s = |v: &[(&str, LifecycleState)]| {
        v.iter()
            .map(|(a, b)| (a.to_string(), *b))
            .collect::<Vec<_>>()
    };
    let s1 = apply(
        &mut f,
        &[port(22, "open", ""), port(443, "open", HEARTBLEED)],
        ScanStatus::Success,
    );
    assert_eq!(
        s1,
        s(&[("22", New), ("443", New), ("heartbleed", New)]),
        "S1"
    );
    let s2 = apply(
        &mut f,
        &[port(22, "open", ""), port(443, "open", "")],
        ScanStatus::Success,
    );
    assert_eq!(
        s2,
        s(&[("22", Opened), ("443", Opened), ("heartbleed", Closed)]),
        "S2: script ran, no output"
    );
    let s3 = apply(&mut f, &[port(22, "open", "")], ScanStatus::Partial);
    assert_eq!(
        s3,
        s(&[("22", Opened)]),
        "S3: a partial scan closes nothing"
    );
    let s4 = apply(&mut f, &[], ScanStatus::Error);
    assert!(s4.is_empty(), "S4: an error scan changes nothing");
    let s5 = apply(
        &mut f,
        &[port(22, "open", ""), port(443, "open", HEARTBLEED)],
        ScanStatus::Success,
    );
    assert_eq!(
        s5,
        s(&[("22", Opened), ("443", Opened), ("heartbleed", ReOpened)]),
        "S5"
    );
    let s6 = apply(
        &mut f,
        &[port(22, "open", ""), port(443, "filtered", "")],
        ScanStatus::Success,
    );
    assert_eq!(
        s6,
        s(&[("22", Opened), ("443", Closed), ("heartbleed", Closed)]),
        "S6: service gone"
    );
    let s7 = apply(
        &mut f,
        &[port(22, "open", ""), port(443, "open|filtered", "")],
        ScanStatus::Success,
    );
    assert_eq!(
        s7,
        s(&[("22", Opened)]),
        "S7: open|filtered is not evidence either way"
    );
    let bleed = f
        .iter()
        .find(|x| x.title.starts_with("CVE"))
        .expect("heartbleed");
    assert_eq!(
        (bleed.severity, bleed.cvss, bleed.reopen_count),
        (Severity::Medium, Some(5.0), 1)
    );
    assert_eq!(
        f.iter().find(|x| x.key[2] == "22").expect("22").severity,
        Severity::Info,
        "an open port alone is info"
    );
}

#[test]
fn ids_are_stable_and_changes_are_not_new() {
    let mut f = Vec::new();
    let first = nmap_outcome(&run(&[port(22, "open", "")]), ScanStatus::Success);
    let id = apply_scan(&SCOPE, &mut f, &first)[0].finding.id.clone();
    assert_eq!(id.len(), 32);
    let banner = "<port protocol=\"tcp\" portid=\"22\"><state state=\"open\"/><service name=\"ssh\" product=\"OpenSSH\" version=\"9.6\"/></port>";
    let again = nmap_outcome(&run(&[banner.to_string()]), ScanStatus::Success);
    let obs = apply_scan(&SCOPE, &mut f, &again);
    assert_eq!(
        obs[0].finding.id, id,
        "same host, protocol and port: same finding"
    );
    assert_eq!(obs[0].finding.state, LifecycleState::Opened);
    assert!(obs[0].changed, "a new banner marks it changed, not new");
    let other_asset = apply_scan(&["admin", "asset-b", "Nmap"], &mut Vec::new(), &first);
    assert_ne!(other_asset[0].finding.id, id);
}

#[test]
fn partial_and_failed_scans_never_close_whatever_they_miss() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..200 {
        let mut f = Vec::new();
        apply(
            &mut f,
            &[port(22, "open", ""), port(443, "open", HEARTBLEED)],
            ScanStatus::Success,
        );
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let ports: Vec<String> = [(22, seed & 1), (443, seed & 2)]
            .iter()
            .filter(|(_, keep)| *keep != 0)
            .map(|(n, _)| port(*n, if seed & 4 != 0 { "closed" } else { "open" }, ""))
            .collect();
        let status = if seed & 8 != 0 {
            ScanStatus::Partial
        } else {
            ScanStatus::Error
        };
        let obs = apply(&mut f, &ports, status);
        assert!(
            obs.iter().all(|(_, s)| *s != LifecycleState::Closed),
            "{status:?} closed something: {obs:?}"
        );
        assert!(f.iter().all(|x| x.state != LifecycleState::Closed));
    }
}
