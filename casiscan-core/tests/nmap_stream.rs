//! Streamed output equals the whole-document JSON: compact JSON that deserializes to the parsed
//! run, and JSON lines that reassemble into it, on every fixture (interrupted and lenient ones
//! too), from a file or a pipe.

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
        let streamed: NmapRun = serde_json::from_slice(&compact).expect("one JSON document");
        assert_eq!(streamed, whole, "{}", path.display());
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

#[test]
fn compact_json_stops_at_an_error_placed_like_the_parser_places_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.xml");
    std::fs::write(
        &bad,
        "<nmaprun scanner=\"nmap\">\n<host/>\n<hosthint/>\n<host></hots>\n",
    )
    .expect("write");
    let mut out = Vec::new();
    let err = nmap::write_json_compact(&bad, &mut out, ParseOptions::default()).expect_err("bad");
    assert_eq!(
        err.to_string(),
        nmap::parse_file(&bad).expect_err("bad").to_string()
    );
    let written = String::from_utf8(out).expect("utf-8");
    assert!(
        written.starts_with("{\"scanner\":\"nmap\"") && written.contains("\"hosts\":["),
        "{written}"
    );
    assert!(
        !written.contains("hosthints"),
        "nothing after the hosts is written: {written}"
    );
}

/// Both streamed forms read a pipe once, and place an error in it by its own line count.
#[test]
fn a_pipe_is_read_once_and_its_errors_are_placed() {
    let good = fixtures()
        .into_iter()
        .find(|p| p.ends_with("recorded/multi.xml"))
        .expect("multi.xml");
    let whole = nmap::parse_file(&good).expect("parse");
    let dir = tempfile::tempdir().expect("tmp");
    let bad_text = "<nmaprun>\n<host/>\n<host></hots>\n";
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, bad_text).expect("write");
    let expected = nmap::parse_file(&bad).expect_err("bad").to_string();
    type Writer = fn(&Path, &mut Vec<u8>, ParseOptions) -> casiscan_core::Result<()>;
    let writers: [(&str, Writer); 2] = [
        ("compact", |p, o, opt| nmap::write_json_compact(p, o, opt)),
        ("lines", |p, o, opt| nmap::write_json_lines(p, o, opt)),
    ];
    for (name, write) in writers {
        let fifo = dir.path().join(format!("{name}.fifo"));
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.expect("mkfifo").success());
        let feed = |content: Vec<u8>| {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, content).expect("feed the pipe"))
        };
        let feeder = feed(std::fs::read(&good).expect("read"));
        let mut out = Vec::new();
        write(&fifo, &mut out, ParseOptions::default()).expect(name);
        feeder.join().expect("feeder");
        let text = String::from_utf8(out).expect("utf-8");
        let run = if name == "compact" {
            serde_json::from_str(&text).expect("json")
        } else {
            reassemble(&text)
        };
        assert_eq!(run, whole, "{name}");
        let feeder = feed(bad_text.as_bytes().to_vec());
        let err = write(&fifo, &mut Vec::new(), ParseOptions::default()).expect_err(name);
        feeder.join().expect("feeder");
        assert_eq!(err.to_string(), expected, "{name}");
    }
}

/// An nmap file of `hosts` hosts (a host hint before every tenth), each with a few ports and a
/// script, far more than one batch of the writer's parsing thread by count and by bytes.
fn many_hosts(hosts: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" args=\"nmap -p 1-3 10.0.0.0/20\" \
         start=\"1700000000\" version=\"7.93\" xmloutputversion=\"1.05\">\n\
         <scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"3\" services=\"1-3\"/>\n",
    );
    for i in 0..hosts {
        let addr = format!("10.0.{}.{}", i / 250, i % 250 + 1);
        if i % 10 == 0 {
            xml.push_str(&format!(
                "<hosthint><status state=\"up\" reason=\"arp-response\" reason_ttl=\"0\"/>\
                 <address addr=\"{addr}\" addrtype=\"ipv4\"/><hostnames/></hosthint>\n"
            ));
        }
        xml.push_str(&format!(
            "<host starttime=\"1700000001\" endtime=\"1700000002\">\
             <status state=\"up\" reason=\"syn-ack\" reason_ttl=\"64\"/>\
             <address addr=\"{addr}\" addrtype=\"ipv4\"/>\
             <hostnames><hostname name=\"h{i}.example\" type=\"PTR\"/></hostnames><ports>"
        ));
        for port in 1..=3 {
            xml.push_str(&format!(
                "<port protocol=\"tcp\" portid=\"{port}\"><state state=\"open\" reason=\"syn-ack\" \
                 reason_ttl=\"64\"/><service name=\"svc{port}\" product=\"p{i}\" method=\"probed\" \
                 conf=\"10\"/><script id=\"banner\" output=\"host {i} port {port} &amp; more\"/></port>"
            ));
        }
        xml.push_str("</ports><times srtt=\"100\" rttvar=\"50\" to=\"100000\"/></host>\n");
    }
    xml.push_str(
        "<runstats><finished time=\"1700000003\" timestr=\"x\" elapsed=\"3\" exit=\"success\"/>\
         <hosts up=\"1\" down=\"0\" total=\"1\"/></runstats>\n</nmaprun>\n",
    );
    xml
}

#[test]
fn many_batches_of_hosts_arrive_whole_and_in_order() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("many.xml");
    let xml = many_hosts(3_000);
    assert!(xml.len() > 2 * 1024 * 1024, "several batches by bytes");
    std::fs::write(&path, xml).expect("write");
    let whole = nmap::parse_file(&path).expect("parse");
    assert_eq!((whole.hosts.len(), whole.hosthints.len()), (3_000, 300));
    let mut compact = Vec::new();
    nmap::write_json_compact(&path, &mut compact, ParseOptions::default()).expect("compact");
    let streamed: NmapRun = serde_json::from_slice(&compact).expect("one JSON document");
    assert_eq!(streamed, whole);
    let mut lines = Vec::new();
    nmap::write_json_lines(&path, &mut lines, ParseOptions::default()).expect("lines");
    assert_eq!(reassemble(&String::from_utf8(lines).expect("utf-8")), whole);
}

/// An output that takes `room` bytes, then fails as a closed pipe does.
struct ClosedAfter {
    room: usize,
}

impl std::io::Write for ClosedAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.room == 0 {
            return Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_output_stops_the_pass_with_its_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("many.xml");
    std::fs::write(&path, many_hosts(3_000)).expect("write");
    for room in [0, 10_000] {
        let started = std::time::Instant::now();
        let err = nmap::write_json_compact(&path, ClosedAfter { room }, ParseOptions::default())
            .expect_err("compact");
        assert!(err.to_string().contains("JSON output"), "{err}");
        let err = nmap::write_json_lines(&path, ClosedAfter { room }, ParseOptions::default())
            .expect_err("lines");
        assert!(err.to_string().contains("JSON output"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }
}

/// Both streamed forms of `xml` give what the whole-document parser gives: the same run, or
/// the same error at the same line and column.
fn streams_like_the_parser(name: &str, xml: &[u8]) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("odd.xml");
    std::fs::write(&path, xml).expect("write");
    let whole = nmap::parse_file(&path);
    let mut compact = Vec::new();
    let streamed = nmap::write_json_compact(&path, &mut compact, ParseOptions::default());
    let mut lines = Vec::new();
    let lined = nmap::write_json_lines(&path, &mut lines, ParseOptions::default());
    match whole {
        Ok(whole) => {
            streamed.unwrap_or_else(|e| panic!("{name}: compact failed: {e}"));
            lined.unwrap_or_else(|e| panic!("{name}: lines failed: {e}"));
            let run: NmapRun = serde_json::from_slice(&compact).expect("one JSON document");
            assert_eq!(run, whole, "{name}: compact");
            let lines = String::from_utf8(lines).expect("utf-8");
            assert_eq!(reassemble(&lines), whole, "{name}: lines");
        }
        Err(e) => {
            let e = e.to_string();
            assert_eq!(streamed.expect_err(name).to_string(), e, "{name}: compact");
            assert_eq!(lined.expect_err(name).to_string(), e, "{name}: lines");
        }
    }
}

/// `many_hosts(n)` with `odd` in place of the `at`-th occurrence of `find`.
fn altered(hosts: usize, find: &str, at: usize, odd: &str) -> Vec<u8> {
    let xml = many_hosts(hosts);
    let (start, _) = xml.match_indices(find).nth(at).expect("occurrence");
    format!("{}{odd}{}", &xml[..start], &xml[start + find.len()..]).into_bytes()
}

/// Hosts are parsed apart on other threads when the machine has cores to spare; what cannot be
/// split with certainty (comments and markup hidden in a host, an end tag inside a value, a
/// declared encoding, a truncation) and every error read exactly as the whole-document parser
/// reads them, errors placed at the same line and column.
#[test]
fn odd_and_broken_files_stream_as_the_parser_reads_them() {
    let host = "<host starttime=";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("plain", many_hosts(800).into_bytes()),
        (
            "comment in a host",
            altered(
                800,
                host,
                600,
                "<host><!-- </host> --><status state=\"up\"/></host><host starttime=",
            ),
        ),
        (
            "end tag in a value",
            altered(800, "host 700 port 2", 0, "host </host><host> 700"),
        ),
        (
            "processing instruction in a host",
            altered(800, "<hostnames>", 500, "<?x </host>?><hostnames>"),
        ),
        (
            "CDATA in a host",
            altered(800, "<hostnames>", 40, "<![CDATA[</host>]]><hostnames>"),
        ),
        (
            "comments between hosts",
            altered(800, host, 400, "<!-- a --><!----><host starttime="),
        ),
        (
            "tasks between hosts",
            altered(
                800,
                host,
                450,
                "<taskprogress task=\"SYN\" time=\"1\" percent=\"5\"/>\n<host starttime=",
            ),
        ),
        ("truncated in a host", {
            let xml = many_hosts(800).into_bytes();
            xml[..xml.len() * 2 / 3].to_vec()
        }),
        (
            "an error in a late host",
            altered(800, "portid=\"2\"", 700, "portid=\"A2\""),
        ),
        (
            "an error in an early host",
            altered(800, "portid=\"2\"", 3, "portid=\"\""),
        ),
        (
            "broken markup in a late host",
            altered(800, "</ports>", 750, "</port>"),
        ),
        (
            "broken markup between hosts",
            altered(800, host, 790, "<<host starttime="),
        ),
        ("Latin-1 declared", {
            let xml = altered(
                800,
                "<?xml version=\"1.0\"?>",
                0,
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
            );
            String::from_utf8(xml)
                .expect("ascii")
                .replace("more", "m\u{e9}re")
                .chars()
                .map(|c| c as u8)
                .collect()
        }),
        (
            "a DOCTYPE with an internal subset",
            altered(
                800,
                "<nmaprun ",
                0,
                "<!DOCTYPE nmaprun [ <!ENTITY e \"x\"> ]>\n<nmaprun ",
            ),
        ),
        (
            "a nested host",
            altered(
                800,
                "<hostnames>",
                300,
                "<host><status state=\"up\"/></host><hostnames>",
            ),
        ),
        (
            "an empty host",
            altered(800, host, 500, "<host/><host starttime="),
        ),
        (
            "a long blank run between hosts",
            altered(
                800,
                host,
                300,
                &format!("{}<host starttime=", " ".repeat(200_000)),
            ),
        ),
        (
            "a DOCTYPE whose literal holds a host",
            altered(
                800,
                host,
                200,
                "<!DOCTYPE x '> <host><status state=\"up\"/></host> '>\n<host starttime=",
            ),
        ),
        ("an encoding named twice", {
            let xml = altered(
                800,
                "<?xml version=\"1.0\"?>",
                0,
                "<?xml version=\"1.0\" x-encoding=\"utf-8\" encoding=\"ISO-8859-1\"?>",
            );
            let xml = String::from_utf8(xml).expect("ascii");
            xml.replace("more", "m\u{e9}re").into_bytes()
        }),
        (
            "an end tag whose quoted value holds a host",
            altered(
                800,
                host,
                100,
                "<a></a x=\"> <host></host> \"><host starttime=",
            ),
        ),
    ];
    for (name, xml) in &cases {
        streams_like_the_parser(name, xml);
    }
}

/// Inputs the `nmap_split` fuzz target found where the split pass and the parser disagreed.
#[test]
fn fuzz_findings_stream_as_the_parser_reads_them() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nmap_split");
    let mut found = 0;
    for entry in std::fs::read_dir(&dir).expect("dir") {
        let path = entry.expect("entry").path();
        let xml = std::fs::read(&path).expect("read");
        streams_like_the_parser(&path.display().to_string(), &xml);
        found += 1;
    }
    assert!(found >= 1);
}
