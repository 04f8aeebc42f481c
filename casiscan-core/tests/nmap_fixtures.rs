//! Every real nmap XML file in testdata/nmap parses, with host and port counts checked against
//! an independent count of the raw tags; the files recorded by scripts/record-nmap-fixtures.sh are
//! also checked against their own runstats and against what the script's listeners offer.

use std::path::{Path, PathBuf};

use casiscan_core::providers::nmap;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/nmap")
}

fn fixtures() -> Vec<PathBuf> {
    let root = testdata();
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "xml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Counts `<tag` openings outside comments, the independent check on the parser.
fn count_tags(data: &[u8], tag: &str) -> usize {
    let text = String::from_utf8_lossy(data);
    let mut without_comments = String::with_capacity(text.len());
    let mut rest = &text[..];
    while let Some(start) = rest.find("<!--") {
        without_comments.push_str(&rest[..start]);
        rest = rest[start..]
            .find("-->")
            .map_or("", |end| &rest[start + end + 3..]);
    }
    without_comments.push_str(rest);
    let needle = format!("<{tag}");
    without_comments
        .match_indices(&needle)
        .filter(|(i, _)| {
            let next = without_comments.as_bytes().get(i + needle.len()).copied();
            matches!(next, Some(b' ' | b'>' | b'/' | b'\n' | b'\r' | b'\t'))
        })
        .count()
}

/// Fixtures that are not nmap output (libnmap's XXE tests): they must be refused cleanly.
const NOT_NMAP: [&str; 2] = ["defused_et_included.xml", "defused_et_local_includer.xml"];

/// Fixtures written by hand that break nmap.dtd (ports without a protocol): a strict parse
/// refuses them, a lenient one reads them with warnings.
const BREAKS_DTD: [&str; 1] = ["scan_invalid_services.xml"];

#[test]
fn all_public_fixtures_parse_with_matching_counts() {
    let files = fixtures();
    // 34 copied files (26 python-libnmap, 4 nmap_xml_parser, 4 Ullaakut-nmap; see NOTICE), the
    // 12 scans of scripts/record-nmap-fixtures.sh and the 2 of scripts/record-nmap-diff-fixtures.sh.
    assert_eq!(files.len(), 48, "the fixtures of {}", testdata().display());
    let mut failures = Vec::new();
    for path in &files {
        let data = std::fs::read(path).expect("read");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if NOT_NMAP.contains(&name) {
            let err = nmap::parse(&data).expect_err("not nmap output must be refused");
            assert_eq!(err.kind(), casiscan_core::ErrorKind::Parse, "{name}");
            assert!(err.to_string().contains("<nmaprun>"), "{err}");
            continue;
        }
        let options = if BREAKS_DTD.contains(&name) {
            match nmap::parse(&data) {
                Err(casiscan_core::Error::NmapDtd(v)) => assert!(v.line.is_some(), "{name}"),
                other => panic!("{name}: a strict parse must refuse it, got {other:?}"),
            }
            nmap::ParseOptions::LENIENT
        } else {
            nmap::ParseOptions::STRICT
        };
        match nmap::parse_with(&data, options) {
            Ok(run) => {
                assert_eq!(run.warnings.is_empty(), !options.lenient, "{name}");
                let ports: usize = run.hosts.iter().map(|h| h.ports.len()).sum();
                let want_hosts = count_tags(&data, "host");
                let want_ports = count_tags(&data, "port");
                if run.hosts.len() != want_hosts || ports != want_ports {
                    failures.push(format!(
                        "{}: hosts {} vs {want_hosts}, ports {ports} vs {want_ports}",
                        path.display(),
                        run.hosts.len()
                    ));
                }
                let streamed = nmap::parse_file_with(path, options).expect("stream");
                assert_eq!(streamed, run, "{}", path.display());
                let mut json = Vec::new();
                nmap::write_json_with(path, &mut json, options).expect("write_json");
                let whole = serde_json::to_string_pretty(&run).expect("json");
                assert!(
                    json == whole.as_bytes(),
                    "write_json differs on {}",
                    path.display()
                );
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// The value of `attr` in the first `<tag ...>` of `data`, read without the parser.
fn first_attr(data: &str, tag: &str, attr: &str) -> Option<String> {
    let start = data.find(&format!("<{tag} "))?;
    let element = &data[start..start + data[start..].find('>')?];
    let at = element.find(&format!(" {attr}=\""))? + attr.len() + 3;
    Some(element[at..at + element[at..].find('"')?].to_string())
}

fn recorded(name: &str) -> (String, nmap::NmapRun) {
    let path = testdata().join("recorded").join(name);
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let run = nmap::parse(data.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
    (data, run)
}

fn state_of<'a>(host: &'a nmap::Host, proto: &str, port: u32) -> Option<&'a str> {
    host.ports
        .iter()
        .find(|p| p.portid == Some(port) && p.protocol.as_deref() == Some(proto))?
        .state
        .as_ref()?
        .state
        .as_deref()
}

/// Each recorded scan against its own `<runstats>`: hosts up as counted by nmap are the hosts
/// the parser reports up, and a verbose scan lists every host it counted.
#[test]
fn recorded_scans_agree_with_their_runstats() {
    let dir = testdata().join("recorded");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("recorded dir")
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 12, "{names:?}");
    for name in &names {
        let (data, run) = recorded(name);
        assert_eq!(run.version.as_deref(), Some("7.93"), "{name}");
        assert!(!run.incomplete, "{name}");
        let number = |attr: &str| -> usize {
            first_attr(&data, "hosts", attr)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name}: runstats hosts@{attr}"))
        };
        let up = run
            .hosts
            .iter()
            .filter(|h| h.status.as_ref().and_then(|s| s.state.as_deref()) == Some("up"))
            .count();
        assert_eq!(up, number("up"), "{name}: hosts up");
        assert!(run.hosts.len() <= number("total"), "{name}");
        let verbose = first_attr(&data, "verbose", "level").is_some_and(|l| l != "0");
        let list_scan = data.contains(" -sL ");
        if verbose || list_scan {
            assert_eq!(
                run.hosts.len(),
                number("total"),
                "{name}: every host listed"
            );
        }
    }
}

/// What the recording script's target offers (tcp 22, 80, 8080 and udp 53, 9999 open, the rest
/// closed; 10.99.1.10-14 up, .8, .9, .15 and .200 down) is what the parsed scans say.
#[test]
fn recorded_scans_show_what_the_script_opened() {
    let (_, connect) = recorded("connect.xml");
    let host = &connect.hosts[0];
    for (port, want) in [
        (21, "closed"),
        (22, "open"),
        (23, "closed"),
        (79, "closed"),
        (80, "open"),
        (81, "closed"),
        (443, "closed"),
        (8080, "open"),
    ] {
        assert_eq!(state_of(host, "tcp", port), Some(want), "tcp {port}");
    }

    let (_, udp) = recorded("udp.xml");
    let host = &udp.hosts[0];
    assert_eq!(state_of(host, "udp", 53), Some("open"));
    assert_eq!(state_of(host, "udp", 9999), Some("open"));
    assert_eq!(state_of(host, "udp", 10000), Some("closed"));

    let (_, ipv6) = recorded("ipv6.xml");
    let host = &ipv6.hosts[0];
    assert_eq!(host.addresses[0].addrtype, nmap::AddrType::Ipv6);
    assert_eq!(host.addresses[0].addr.to_string(), "fd99:1::10");
    assert_eq!(state_of(host, "tcp", 22), Some("open"));
    assert_eq!(state_of(host, "tcp", 81), Some("closed"));

    let (_, version) = recorded("version.xml");
    let ssh = version.hosts[0].ports[0].service.as_ref().expect("service");
    assert_eq!(ssh.name.as_deref(), Some("ssh"));
    assert_eq!(ssh.product.as_deref(), Some("OpenSSH"));

    let (_, script) = recorded("script.xml");
    let titles: Vec<&str> = script.hosts[0]
        .ports
        .iter()
        .flat_map(|p| &p.scripts)
        .filter(|s| s.id.as_deref() == Some("http-title"))
        .filter_map(|s| s.output.as_deref())
        .collect();
    assert_eq!(titles, ["casiscan fixture"]);

    let (_, trace) = recorded("traceroute.xml");
    let hops = &trace.hosts[0].extra().trace.as_ref().expect("trace").hops;
    assert_eq!(hops.len(), 2, "scanner -> router -> target");
    assert_eq!(hops[1].ipaddr.as_deref(), Some("10.99.1.10"));

    let (_, sweep) = recorded("sweep.xml");
    let mut up: Vec<String> = sweep
        .hosts
        .iter()
        .filter(|h| h.status.as_ref().and_then(|s| s.state.as_deref()) == Some("up"))
        .map(|h| h.addresses[0].addr.to_string())
        .collect();
    up.sort();
    assert_eq!(
        up,
        [
            "10.99.1.10",
            "10.99.1.11",
            "10.99.1.12",
            "10.99.1.13",
            "10.99.1.14"
        ]
    );

    let (_, multi) = recorded("multi.xml");
    assert_eq!(multi.hosts.len(), 5);
    for host in &multi.hosts {
        assert_eq!(state_of(host, "tcp", 80), Some("open"));
        assert_eq!(state_of(host, "tcp", 81), Some("closed"));
        assert_eq!(state_of(host, "udp", 10000), Some("closed"));
    }

    let (_, down) = recorded("down.xml");
    assert!(down.hosts.is_empty(), "a down host is listed only with -v");
    let (_, down) = recorded("down-verbose.xml");
    assert_eq!(
        down.hosts[0]
            .status
            .as_ref()
            .and_then(|s| s.state.as_deref()),
        Some("down")
    );
    let (_, list) = recorded("list.xml");
    assert_eq!(list.hosts.len(), 8, "a /29 listed");
    let (_, os) = recorded("os.xml");
    assert!(
        !os.hosts[0]
            .extra()
            .os
            .as_ref()
            .expect("os")
            .osmatches
            .is_empty()
    );
}
