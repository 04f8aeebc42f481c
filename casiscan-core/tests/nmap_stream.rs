//! Streamed output equals the whole-document JSON: compact JSON byte for byte, and JSON lines
//! that reassemble into the parsed run, on every fixture (interrupted and lenient ones too).

use std::path::{Path, PathBuf};

use casiscan_core::providers::nmap::{self, NmapRun, ParseOptions};
use serde_json::Value;

fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/nmap")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "xml")
                && !path.to_string_lossy().contains("defused")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Rebuilds the run from its JSON lines.
fn reassemble(lines: &str) -> NmapRun {
    let mut run = serde_json::Map::new();
    let (mut hosts, mut hints) = (Vec::new(), Vec::new());
    let all: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON value per line"))
        .collect();
    assert!(
        all.first().is_some_and(|l| l.get("header").is_some()),
        "header first"
    );
    assert!(
        all.last().is_some_and(|l| l.get("trailer").is_some()),
        "trailer last"
    );
    for line in all {
        let Value::Object(line) = line else {
            panic!("not an object")
        };
        let (kind, value) = line.into_iter().next().expect("one key");
        match (kind.as_str(), value) {
            ("header" | "trailer", Value::Object(fields)) => run.extend(fields),
            ("host", h) => hosts.push(h),
            ("hosthint", h) => hints.push(h),
            (other, _) => panic!("unexpected line {other}"),
        }
    }
    run.insert("hosts".into(), Value::Array(hosts));
    run.insert("hosthints".into(), Value::Array(hints));
    serde_json::from_value(Value::Object(run)).expect("a run")
}

#[test]
fn compact_json_and_json_lines_equal_the_whole_document() {
    let files = fixtures();
    assert!(files.len() >= 46);
    for path in &files {
        let options = ParseOptions {
            lenient: path.to_string_lossy().contains("invalid_services"),
        };
        let whole = nmap::parse_file_with(path, options).expect("parse");
        let mut compact = Vec::new();
        nmap::write_json_compact(path, &mut compact, options).expect("compact");
        assert_eq!(
            String::from_utf8(compact).expect("utf-8"),
            serde_json::to_string(&whole).expect("json"),
            "{}",
            path.display()
        );
        let mut lines = Vec::new();
        nmap::write_json_lines(path, &mut lines, options).expect("lines");
        let lines = String::from_utf8(lines).expect("utf-8");
        assert_eq!(
            lines.lines().count(),
            whole.hosts.len() + whole.hosthints.len() + 2
        );
        assert_eq!(reassemble(&lines), whole, "{}", path.display());
    }
}

#[test]
fn json_lines_stop_at_an_error_placed_like_the_parser_places_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<nmaprun>\n<host/>\n<host></hots>\n").expect("write");
    let mut out = Vec::new();
    let err = nmap::write_json_lines(&bad, &mut out, ParseOptions::default()).expect_err("bad");
    assert_eq!(
        err.to_string(),
        nmap::parse_file(&bad).expect_err("bad").to_string()
    );
    let written = String::from_utf8(out).expect("utf-8");
    assert_eq!(
        written.lines().count(),
        2,
        "header and the first host: {written}"
    );
}
