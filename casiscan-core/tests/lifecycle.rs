//! Lifecycle: identity hash, transition table, the note's worked example, property tests, diff.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use casiscan_core::lifecycle::{
    Coverage, FindingMap, ScanOutcome, apply_outcome, diff_results, nmap_observations,
    ospatch_detections, unique_alert_id,
};
use casiscan_core::model::{
    FindingKey, LifecycleState, ProviderKind, ScanLog, ScanResult, ScanStatus, SealStatus, Severity,
};
use casiscan_core::providers::nmap::CasibaseResult;
use casiscan_core::providers::ospatch::PatchReport;

mod runs;

const HOST: &str = "10.0.0.5";

fn heartbleed(state: &str) -> Value {
    json!({"id": "ssl-heartbleed", "output": "VULNERABLE: heartbleed", "items": [
        {"kind": "table", "key": "CVE-2014-0160", "items": [
            {"kind": "elem", "key": "title", "value": "The Heartbleed Bug is a serious vulnerability"},
            {"kind": "elem", "key": "state", "value": state},
            {"kind": "table", "key": "ids", "items": [{"kind": "elem", "key": null, "value": "CVE:CVE-2014-0160"}]},
            {"kind": "elem", "key": "risk_factor", "value": "High"}
        ]}
    ]})
}

fn port(portid: u16, state: &str, version: &str, scripts: Vec<Value>) -> Value {
    json!({"protocol": "tcp", "portid": portid, "state": {"state": state},
           "service": {"name": "svc", "product": "prod", "version": version}, "scripts": scripts})
}

fn nmap_result(ports: Vec<Value>) -> Value {
    json!({"hosts": [], "summary": "", "nmap": {
        "args": "nmap -sV --script ssl-heartbleed -p 22,443 10.0.0.5",
        "scaninfos": [{"protocol": "tcp", "services": "22,443"}],
        "hosts": [{"status": {"state": "up"}, "addresses": [{"addr": HOST, "addrtype": "ipv4"}],
                   "extraports": [], "ports": ports, "hostscripts": []}]
    }})
}

/// An nmap result as stored, read back typed.
fn nmap(result: &Value) -> CasibaseResult {
    match ScanResult::from_stored(ProviderKind::Nmap, &result.to_string()).expect("nmap result") {
        ScanResult::Nmap(r) => r,
        ScanResult::OsPatch(_) | ScanResult::PatchInstall(_) => panic!("an nmap result"),
    }
}

/// An OS patch result stored by an earlier version (`report.updates`), read back typed.
fn patch(updates: Value) -> ScanResult {
    let stored = json!({"patches": [], "report": {"updates": updates}}).to_string();
    ScanResult::from_stored(ProviderKind::OsPatch, &stored).expect("OS patch result")
}

fn patch_report(updates: Value) -> PatchReport {
    match patch(updates) {
        ScanResult::OsPatch(r) => r.report.expect("report"),
        ScanResult::Nmap(_) | ScanResult::PatchInstall(_) => panic!("an OS patch result"),
    }
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0)
        .single()
        .expect("valid date")
}

fn outcome(n: u32, status: ScanStatus, result: &Value) -> ScanOutcome {
    let o = nmap_observations(&nmap(result));
    ScanOutcome {
        run_id: format!("admin/s#{n}"),
        account: "admin".into(),
        scan_id: "admin/s".into(),
        asset: "A".into(),
        target: HOST.into(),
        provider: ProviderKind::Nmap,
        status,
        started_at: at(n),
        ended_at: at(n),
        detections: o.detections,
        negatives: o.negatives,
        coverage: Coverage::Nmap(o.coverage),
    }
}

fn id_of(key: FindingKey) -> String {
    unique_alert_id("admin", "A", &key)
}

fn port_id(p: u16) -> String {
    id_of(FindingKey::NmapPort {
        host: HOST.into(),
        protocol: "tcp".into(),
        port: p,
    })
}

fn hb_id() -> String {
    id_of(FindingKey::NmapNse {
        host: HOST.into(),
        protocol: "tcp".into(),
        port: Some(443),
        script_id: "ssl-heartbleed".into(),
        vuln_key: "CVE-2014-0160".into(),
    })
}

fn status_of(log: &ScanLog, id: &str) -> Option<&'static str> {
    log.observations
        .iter()
        .find(|o| o.finding_id == id)
        .map(|o| o.open_status.label())
}

fn row(log: &ScanLog) -> [Option<&'static str>; 3] {
    [
        status_of(log, &port_id(22)),
        status_of(log, &port_id(443)),
        status_of(log, &hb_id()),
    ]
}

#[test]
fn worked_example_from_the_note() {
    let mut f = FindingMap::new();
    let p22 = || port(22, "open", "8.9", vec![]);
    let s1 = apply_outcome(
        &mut f,
        &outcome(
            1,
            ScanStatus::Success,
            &nmap_result(vec![
                p22(),
                port(443, "open", "1.0", vec![heartbleed("VULNERABLE")]),
            ]),
        ),
    );
    assert_eq!(row(&s1), [Some("New"), Some("New"), Some("New")]);
    assert_eq!(s1.total_found(), 3);
    assert_eq!(s1.seal, SealStatus::Fail, "heartbleed is high");

    let s2 = apply_outcome(
        &mut f,
        &outcome(
            2,
            ScanStatus::Success,
            &nmap_result(vec![p22(), port(443, "open", "1.0", vec![])]),
        ),
    );
    assert_eq!(row(&s2), [Some("Opened"), Some("Opened"), Some("Closed")]);
    assert_eq!(s2.total_found(), 2);
    assert_eq!(s2.seal, SealStatus::Pass);

    let s3 = apply_outcome(
        &mut f,
        &outcome(3, ScanStatus::Partial, &nmap_result(vec![p22()])),
    );
    assert_eq!(row(&s3), [Some("Opened"), None, None]);
    assert_eq!(
        f[&port_id(443)].state,
        LifecycleState::Open,
        "unchanged OPEN"
    );
    assert_eq!(s3.seal, SealStatus::Fail, "partial never passes");

    let s4 = apply_outcome(&mut f, &outcome(4, ScanStatus::Error, &json!({})));
    assert_eq!(row(&s4), [None, None, None]);
    assert!(s4.observations.is_empty());

    let s5 = apply_outcome(
        &mut f,
        &outcome(
            5,
            ScanStatus::Success,
            &nmap_result(vec![
                p22(),
                port(443, "open", "1.0", vec![heartbleed("VULNERABLE")]),
            ]),
        ),
    );
    assert_eq!(
        row(&s5),
        [Some("Opened"), Some("Opened"), Some("Re-Opened")]
    );
    assert_eq!(f[&hb_id()].reopen_count, 1);

    let s6 = apply_outcome(
        &mut f,
        &outcome(
            6,
            ScanStatus::Success,
            &nmap_result(vec![p22(), port(443, "filtered", "", vec![])]),
        ),
    );
    assert_eq!(row(&s6), [Some("Opened"), Some("Closed"), Some("Closed")]);
    assert_eq!(s6.seal, SealStatus::Pass);
    assert_eq!(s6.total_found(), 1);

    let s7 = apply_outcome(
        &mut f,
        &outcome(
            7,
            ScanStatus::Success,
            &nmap_result(vec![p22(), port(443, "open|filtered", "", vec![])]),
        ),
    );
    assert_eq!(row(&s7), [Some("Opened"), None, None]);
    assert_eq!(
        f[&port_id(443)].state,
        LifecycleState::Closed,
        "still CLOSED"
    );
}

#[test]
fn banner_change_marks_changed_not_new() {
    let mut f = FindingMap::new();
    apply_outcome(
        &mut f,
        &outcome(
            1,
            ScanStatus::Success,
            &nmap_result(vec![port(22, "open", "8.9", vec![])]),
        ),
    );
    let log = apply_outcome(
        &mut f,
        &outcome(
            2,
            ScanStatus::Success,
            &nmap_result(vec![port(22, "open", "9.6", vec![])]),
        ),
    );
    assert_eq!(f.len(), 1);
    assert_eq!(log.observations[0].open_status, LifecycleState::Open);
    assert!(log.observations[0].changed);
    let same = apply_outcome(
        &mut f,
        &outcome(
            3,
            ScanStatus::Success,
            &nmap_result(vec![port(22, "open", "9.6", vec![])]),
        ),
    );
    assert!(!same.observations[0].changed);
}

#[test]
fn not_vulnerable_closes_even_in_a_partial_scan() {
    let mut f = FindingMap::new();
    apply_outcome(
        &mut f,
        &outcome(
            1,
            ScanStatus::Success,
            &nmap_result(vec![port(443, "open", "1", vec![heartbleed("VULNERABLE")])]),
        ),
    );
    let log = apply_outcome(
        &mut f,
        &outcome(
            2,
            ScanStatus::Partial,
            &nmap_result(vec![port(
                443,
                "open",
                "1",
                vec![heartbleed("NOT VULNERABLE")],
            )]),
        ),
    );
    assert_eq!(status_of(&log, &hb_id()), Some("Closed"));
}

#[test]
fn fingerprint_is_length_prefixed_and_normalised() {
    let k = |h: &str| FindingKey::NmapPort {
        host: h.into(),
        protocol: "tcp".into(),
        port: 1,
    };
    assert_ne!(
        unique_alert_id("ab", "c", &k("x")),
        unique_alert_id("a", "bc", &k("x"))
    );
    let id = unique_alert_id("a", "b", &k("x"));
    assert_eq!(id.len(), 32);
    assert!(
        id.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    // IPv6 spelled two ways → same host key after extraction.
    let r = |ip: &str| json!({"hosts": [{"ip": ip, "status": "up", "ports": [{"port": "22/tcp", "state": "open"}]}]});
    let a = nmap_observations(&nmap(&r("2001:DB8:0:0::1")));
    let b = nmap_observations(&nmap(&r("2001:db8::1")));
    assert_eq!(a.detections[0].key, b.detections[0].key);
}

#[test]
fn severity_bands_and_sources() {
    assert_eq!(Severity::from_cvss(0.0), Severity::Info);
    assert_eq!(Severity::from_cvss(0.1), Severity::Low);
    assert_eq!(Severity::from_cvss(3.9), Severity::Low);
    assert_eq!(Severity::from_cvss(4.0), Severity::Medium);
    assert_eq!(Severity::from_cvss(7.0), Severity::High);
    assert_eq!(Severity::from_cvss(9.0), Severity::Critical);
    let open = nmap_observations(&nmap(&nmap_result(vec![port(22, "open", "1", vec![])])));
    assert_eq!(open.detections[0].severity, Severity::Info);
    let vulners = json!({"id": "vulners", "items": [{"kind": "table", "key": "cpe:/a:openbsd:openssh:8.9", "items": [
        {"kind": "table", "key": null, "items": [
            {"kind": "elem", "key": "id", "value": "cve-2023-38408"},
            {"kind": "elem", "key": "cvss", "value": "9.8"},
            {"kind": "elem", "key": "type", "value": "cve"}]}]}]});
    let o = nmap_observations(&nmap(&nmap_result(vec![port(
        22,
        "open",
        "8.9",
        vec![vulners],
    )])));
    let v = o
        .detections
        .iter()
        .find(|d| matches!(d.key, FindingKey::NmapVulners { .. }))
        .expect("vulners row");
    assert_eq!(v.severity, Severity::Critical);
    assert_eq!(v.cvss.map(|c| c.base_score), Some(9.8));
    let patch = ospatch_detections(&patch_report(json!([
        {"name": "openssl", "arch": "amd64", "installedVersion": "3.0.1", "candidateVersion": "3.0.2",
         "isSecurity": true, "advisories": ["dsa-5678-1"], "cveIds": ["CVE-2024-1"], "severity": "Important"},
        {"name": "vim", "arch": "amd64", "installedVersion": "9", "candidateVersion": "9.1", "isSecurity": false, "advisories": []},
        {"name": "zlib", "arch": "amd64", "installedVersion": "1", "candidateVersion": "2", "isSecurity": true, "advisories": []}])));
    assert_eq!(patch.len(), 2);
    assert_eq!(patch[0].severity, Severity::High);
    assert!(
        matches!(&patch[0].key, FindingKey::OsPatchAdvisory { advisory_id, .. } if advisory_id == "DSA-5678-1")
    );
    assert_eq!(patch[1].severity, Severity::Medium);
    assert!(
        matches!(&patch[1].key, FindingKey::OsPatchAdvisory { advisory_id, .. } if advisory_id == "PKG-UPDATE:zlib")
    );
}

/// xorshift64*: deterministic pseudo-random sequences for property-style tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn property_no_close_on_partial_and_reopen_only_after_close() {
    let ports = [22u16, 80, 443, 8080];
    let states = ["open", "closed", "filtered", "open|filtered"];
    for seed in 1..=200u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut f = FindingMap::new();
        for n in 1..=12u32 {
            let status = [
                ScanStatus::Success,
                ScanStatus::SuccessTimeOver,
                ScanStatus::Partial,
                ScanStatus::Error,
            ][rng.pick(4) as usize];
            let mut listed: Vec<Value> = Vec::new();
            for &p in &ports {
                if rng.pick(3) != 0 {
                    listed.push(port(p, states[rng.pick(4) as usize], "1", vec![]));
                }
            }
            let before = f.clone();
            let log = apply_outcome(&mut f, &outcome(n, status, &nmap_result(listed)));
            for o in &log.observations {
                let prev = before.get(&o.finding_id).map(|x| x.state);
                match o.open_status {
                    LifecycleState::Closed => {
                        assert!(
                            status.is_authoritative(),
                            "seed {seed}: closed on {status:?}"
                        );
                        assert!(prev.is_some_and(|s| s.is_active()));
                    }
                    LifecycleState::Reopened => {
                        assert_eq!(prev, Some(LifecycleState::Closed), "seed {seed}")
                    }
                    LifecycleState::New => assert_eq!(prev, None, "seed {seed}"),
                    LifecycleState::Open => {
                        assert!(prev.is_some_and(|s| s.is_active()), "seed {seed}")
                    }
                }
            }
            if status == ScanStatus::Error {
                assert_eq!(before, f, "seed {seed}: error run changed findings");
            }
            if !status.is_authoritative() {
                for (id, old) in &before {
                    if old.state.is_active() {
                        assert!(f[id].state.is_active(), "seed {seed}: partial closed {id}");
                    }
                }
            }
        }
    }
}

#[test]
fn diff_between_runs_like_ndiff() {
    let a = json!({"hosts": [
        {"ip": "10.0.0.1", "status": "up", "ports": [
            {"port": "22/tcp", "state": "open", "service": "ssh", "version": "OpenSSH 8.9"},
            {"port": "80/tcp", "state": "open", "service": "http"}]},
        {"ip": "10.0.0.2", "status": "up", "ports": []}]});
    let b = json!({"hosts": [
        {"ip": "10.0.0.1", "status": "up", "ports": [
            {"port": "22/tcp", "state": "open", "service": "ssh", "version": "OpenSSH 9.6"},
            {"port": "80/tcp", "state": "closed", "service": "http"},
            {"port": "443/tcp", "state": "open", "service": "https"}]},
        {"ip": "10.0.0.2", "status": "down"},
        {"ip": "10.0.0.3", "status": "up"}]});
    let (a, b) = (ScanResult::Nmap(nmap(&a)), ScanResult::Nmap(nmap(&b)));
    let d = diff_results(&a, &b);
    assert_eq!(d.hosts_up, ["10.0.0.3"]);
    assert_eq!(d.hosts_down, ["10.0.0.2"]);
    assert_eq!(d.ports_opened.len(), 1);
    assert_eq!(d.ports_opened[0].port, "443/tcp");
    assert_eq!(d.ports_closed[0].port, "80/tcp");
    assert_eq!(d.services_changed[0].after, "open ssh OpenSSH 9.6");
    assert!(d.updates_appeared.is_empty());
    assert!(diff_results(&a, &a).is_empty());
    let a = patch(json!([{"name": "openssl", "arch": "amd64", "candidateVersion": "3.0.2"}]));
    let b = patch(json!([{"name": "curl", "arch": "amd64", "candidateVersion": "8"}]));
    let d = diff_results(&a, &b);
    assert_eq!(d.updates_appeared, ["curl amd64"]);
    assert_eq!(d.updates_applied, ["openssl amd64"]);
    assert!(d.ports_opened.is_empty());
    assert!(diff_results(&a, &a).is_empty());
}

#[test]
fn replay_of_stored_runs_is_deterministic() {
    use casiscan_core::lifecycle::replay;
    use casiscan_core::model::{Scan, ScanRun, ScanState};
    let mut scan = Scan::new("admin", "s");
    scan.target = HOST.into();
    let run = |seq: u64, day: u32, state: ScanState, ports: Vec<Value>| ScanRun {
        seq,
        state,
        ..runs::completed(
            "admin",
            "s",
            HOST,
            Some(at(day)),
            nmap_result(ports).to_string(),
        )
    };
    let runs = vec![
        run(
            2,
            2,
            ScanState::Completed,
            vec![port(22, "closed", "", vec![])],
        ),
        run(
            1,
            1,
            ScanState::Completed,
            vec![port(22, "open", "1", vec![])],
        ),
        run(3, 3, ScanState::Failed, vec![]),
    ];
    let (findings, logs) = replay(&[(scan.clone(), runs.clone())]);
    assert_eq!(logs.len(), 3);
    assert_eq!(
        logs[0].observations[0].open_status,
        LifecycleState::New,
        "ordered by finish time"
    );
    assert_eq!(logs[1].observations[0].open_status, LifecycleState::Closed);
    assert_eq!(
        logs[2].status,
        ScanStatus::Partial,
        "failed run with results"
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(
        replay(&[(scan.clone(), runs.clone())]).1,
        logs,
        "same history, same logs"
    );

    // Runs that recorded their configuration keep their logs when the scan is edited later.
    let recorded: Vec<ScanRun> = runs
        .iter()
        .cloned()
        .map(|mut r| {
            r.provider = Some(ProviderKind::Nmap);
            r.asset = Some(String::new());
            r.timeout_seconds = Some(scan.timeout_seconds);
            r
        })
        .collect();
    let mut edited = scan;
    edited.provider = Some(ProviderKind::OsPatch);
    edited.asset = "another-asset".into();
    assert_eq!(
        replay(&[(edited, recorded)]).1,
        logs,
        "edits do not rewrite history"
    );
}

#[test]
fn a_timed_out_or_empty_host_closes_nothing_and_makes_the_run_partial() {
    use casiscan_core::lifecycle::scan_status;
    use casiscan_core::model::{ScanRun, ScanState};
    let mut findings = FindingMap::new();
    let open = nmap_result(vec![port(22, "open", "1", vec![])]);
    let first = apply_outcome(&mut findings, &outcome(1, ScanStatus::Success, &open));
    assert_eq!(status_of(&first, &port_id(22)), Some("New"));

    // The same host, up, with neither ports nor extraports: nothing is known about port 22.
    let empty = nmap_result(vec![]);
    let second = apply_outcome(&mut findings, &outcome(2, ScanStatus::Success, &empty));
    assert_eq!(status_of(&second, &port_id(22)), None, "not closed");

    // The host hit --host-timeout: even with a closed extraports summary nothing closes.
    let mut timed_out = nmap_result(vec![]);
    timed_out["nmap"]["hosts"][0]["timedout"] = json!(true);
    timed_out["nmap"]["hosts"][0]["extraports"] = json!([{"state": "closed", "count": 2}]);
    let third = apply_outcome(&mut findings, &outcome(3, ScanStatus::Success, &timed_out));
    assert_eq!(status_of(&third, &port_id(22)), None, "not closed");
    let run = |result: &Value, state: ScanState| ScanRun {
        seq: 1,
        state,
        ..runs::completed("admin", "s", HOST, Some(at(3)), result.to_string())
    };
    assert_eq!(
        scan_status(
            &run(&timed_out, ScanState::Completed),
            &ScanResult::Nmap(nmap(&timed_out)),
            600
        ),
        ScanStatus::Partial
    );
    assert_eq!(
        scan_status(
            &run(&open, ScanState::Completed),
            &ScanResult::Nmap(nmap(&open)),
            600
        ),
        ScanStatus::Success
    );
    // A failed nmap run whose result has its keys but no host up observed nothing: Error.
    let nothing = json!({"hosts": [], "summary": "", "nmap": {"hosts": []}});
    assert_eq!(
        scan_status(
            &run(&nothing, ScanState::Failed),
            &ScanResult::Nmap(nmap(&nothing)),
            600
        ),
        ScanStatus::Error
    );
    // With the port closed and the host fully accounted for, the finding closes.
    let closed = nmap_result(vec![port(22, "closed", "", vec![])]);
    let fourth = apply_outcome(&mut findings, &outcome(4, ScanStatus::Success, &closed));
    assert_eq!(status_of(&fourth, &port_id(22)), Some("Closed"));
}
