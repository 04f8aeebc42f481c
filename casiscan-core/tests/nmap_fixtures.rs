//! Every real nmap XML file in shared/fixtures parses, with host and port counts checked against
//! an independent count of the raw tags.

use std::path::{Path, PathBuf};

use casiscan_core::providers::nmap;

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/nmap/public");
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

#[test]
fn all_public_fixtures_parse_with_matching_counts() {
    let files = fixtures();
    assert!(
        files.len() >= 61,
        "expected the 61 shared fixtures, found {}",
        files.len()
    );
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
        match nmap::parse(&data) {
            Ok(run) => {
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
                let streamed = nmap::parse_file(path).expect("stream");
                assert_eq!(streamed, run, "{}", path.display());
                let mut json = Vec::new();
                nmap::write_json(path, &mut json).expect("write_json");
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
