//! `nmap::diff` against nmap's own `ndiff` (Debian package `ndiff`, see scripts/install-deps.sh)
//! on pairs of real scans: the same report, line for line, and the same verdict (exit status).

use std::path::{Path, PathBuf};
use std::process::Command;

use std::collections::BTreeSet;

use casiscan_core::providers::nmap::{self, HostChange, ParseOptions, PortChange};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/nmap")
}

/// What `ndiff --text a b` printed and its exit status, or `None` when ndiff itself crashed
/// (it raises TypeError on a host or port with two script results, nmap#2930).
fn ndiff(a: &Path, b: &Path) -> Option<(String, i32)> {
    let out = Command::new("ndiff")
        .arg("--text")
        .arg(a)
        .arg(b)
        .env("TZ", "UTC")
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .expect("ndiff is installed (scripts/install-deps.sh test)");
    let code = out.status.code().expect("exit status");
    if code == 2 {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("TypeError"),
            "ndiff failed on {a:?} {b:?}: {err}"
        );
        return None;
    }
    Some((String::from_utf8(out.stdout).expect("utf-8"), code))
}

/// Our report and verdict for the same pair.
fn ours(a: &Path, b: &Path) -> (String, i32, nmap::RunDiff) {
    let ra = nmap::parse_file_with(a, ParseOptions::LENIENT).expect("a");
    let rb = nmap::parse_file_with(b, ParseOptions::LENIENT).expect("b");
    let d = nmap::diff(&ra, &rb);
    let text = nmap::diff_text(&ra, &rb, &d);
    (text, i32::from(d.cost() > 0), d)
}

/// Pairs worth comparing: every ordered pair of the recorded scans (one target network scanned
/// in many ways), and each file with its neighbour in the other fixture folders, both ways.
fn pairs() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for dir in [
        "recorded",
        "python-libnmap",
        "nmap_xml_parser",
        "Ullaakut-nmap",
        "diff",
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(testdata().join(dir))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| {
            p.extension().is_some_and(|e| e == "xml")
                && !p.to_string_lossy().contains("defused")
                && !p.to_string_lossy().contains("scan_error")
                // ndiff cannot read an interrupted scan.
                && !p.to_string_lossy().contains("incomplete")
                // Breaks nmap.dtd; ndiff crashes on it.
                && !p.to_string_lossy().contains("invalid_services")
        });
        files.sort();
        if dir == "recorded" || dir == "diff" {
            for a in &files {
                for b in &files {
                    if a != b {
                        out.push((a.clone(), b.clone()));
                    }
                }
            }
        } else {
            for w in files.windows(2) {
                out.push((w[0].clone(), w[1].clone()));
                out.push((w[1].clone(), w[0].clone()));
            }
        }
    }
    out
}

#[test]
fn the_report_and_verdict_match_ndiff_on_real_scan_pairs() {
    let pairs = pairs();
    let (mut compared, mut crashed, mut failures) = (0, 0, Vec::new());
    let (mut host_kinds, mut port_kinds) = (BTreeSet::new(), BTreeSet::new());
    let mut differing = 0;
    for (a, b) in &pairs {
        let Some((want, code)) = ndiff(a, b) else {
            crashed += 1;
            continue;
        };
        compared += 1;
        let (got, got_code, d) = ours(a, b);
        differing += got_code;
        for h in &d.hosts {
            host_kinds.extend(h.changes.iter().copied());
            for p in &h.ports {
                port_kinds.extend(p.changes.iter().copied());
            }
        }
        if got != want || got_code != code {
            failures.push(format!(
                "{} -> {}: exit {got_code} vs ndiff {code}\n--- ours\n{got}--- ndiff\n{want}",
                a.display(),
                b.display()
            ));
        }
    }
    assert!(
        compared >= 100,
        "only {compared} pairs compared ({crashed} crashed ndiff)"
    );
    // The pairs exercise every category, and most of them differ.
    assert!(differing * 2 > compared, "{differing} of {compared} differ");
    let every_host_kind = BTreeSet::from([
        HostChange::Appeared,
        HostChange::Vanished,
        HostChange::State,
        HostChange::Addresses,
        HostChange::Mac,
        HostChange::Hostnames,
        HostChange::Extraports,
        HostChange::Ports,
        HostChange::Os,
        HostChange::Scripts,
    ]);
    assert_eq!(host_kinds, every_host_kind);
    let every_port_kind = BTreeSet::from([
        PortChange::Appeared,
        PortChange::Vanished,
        PortChange::State,
        PortChange::Service,
        PortChange::Scripts,
    ]);
    assert_eq!(port_kinds, every_port_kind);
    assert!(
        failures.is_empty(),
        "{} of {compared} pairs differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(6)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_port_the_newer_run_did_not_scan_is_unknown_not_closed() {
    let dir = testdata().join("diff");
    let (_, code, d) = ours(&dir.join("before.xml"), &dir.join("after.xml"));
    assert_eq!(code, 1);
    assert_eq!(d.hosts.len(), 1);
    let host = &d.hosts[0];
    let port = |id: u32| host.ports.iter().find(|p| p.portid == id).expect("port");
    let gone = port(18080);
    assert_eq!(
        (gone.after.as_ref(), gone.scanned_after),
        (None, Some(false))
    );
    assert_eq!(gone.changes, [PortChange::Vanished]);
    let new = port(18081);
    assert_eq!(new.before, None);
    assert_eq!(new.changes, [PortChange::Appeared, PortChange::Scripts]);
    let ssh = port(18022);
    assert_eq!(ssh.changes, [PortChange::Service, PortChange::Scripts]);
    assert_eq!(ssh.scripts[0].id, "banner");
    assert_eq!(ssh.scripts[0].after.as_deref(), Some("SSH-2.0-casiscan_B"));
    assert!(
        host.scripts
            .iter()
            .any(|s| s.id == "fcrdns" && s.before.is_none())
    );
    let fields: Vec<nmap::RunField> = d.run.iter().map(|f| f.field).collect();
    assert!(fields.contains(&nmap::RunField::Args) && fields.contains(&nmap::RunField::Start));
    let json = serde_json::to_string(&d).expect("json");
    assert_eq!(
        serde_json::from_str::<nmap::RunDiff>(&json).expect("read"),
        d
    );
}

/// Hosts pair by first address then name, in order: a target listed twice is compared twice.
#[test]
fn a_target_listed_twice_is_compared_twice_in_order() {
    let run = |states: [&str; 2]| {
        let hosts: String = states
            .iter()
            .map(|s| {
                format!(
                    "<host><status state=\"{s}\" reason=\"x\" reason_ttl=\"0\"/>\
                     <address addr=\"10.0.0.1\" addrtype=\"ipv4\"/></host>"
                )
            })
            .collect();
        nmap::parse(format!("<nmaprun>{hosts}</nmaprun>").as_bytes()).expect("parse")
    };
    let d = nmap::diff(&run(["up", "up"]), &run(["up", "down"]));
    assert_eq!((d.hosts.len(), d.unchanged), (1, 1));
    assert_eq!(d.hosts[0].changes, [HostChange::State]);
    assert_eq!(d.cost(), 1);
    let same = nmap::diff(&run(["up", "down"]), &run(["up", "down"]));
    assert!(same.is_empty() && same.unchanged == 2);
}
