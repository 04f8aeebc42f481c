//! Strict and lenient parsing: values that break nmap.dtd, and truncation told from bad XML.

use casiscan_core::providers::nmap::{self, HostReader, ParseOptions, Problem, Violation};
use casiscan_core::{Error, ErrorKind};

/// A run whose second line holds `port`, a `<port>` tag with its content.
fn doc(port: &str) -> String {
    format!(
        "<nmaprun scanner=\"nmap\">\n<host><status state=\"up\" reason=\"syn-ack\" reason_ttl=\"0\"/>\
         <address addr=\"10.0.0.1\" addrtype=\"ipv4\"/><ports>{port}</ports></host>\n\
         <runstats><finished time=\"1\"/><hosts up=\"1\" down=\"0\" total=\"1\"/></runstats>\n</nmaprun>\n"
    )
}

const STATE: &str = "<state state=\"open\" reason=\"syn-ack\" reason_ttl=\"64\"/>";

/// The violation a strict parse fails with, the same through bytes, a file and a stream.
fn strict_violation(text: &str) -> Violation {
    let from_bytes = match nmap::parse(text.as_bytes()) {
        Err(Error::NmapDtd(v)) => *v,
        other => panic!("expected a DTD violation for {text:?}, got {other:?}"),
    };
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("run.xml");
    std::fs::write(&path, text).expect("write");
    let from_file = nmap::parse_file(&path).expect_err("file");
    assert_eq!(from_file.kind(), ErrorKind::Parse);
    assert_eq!(
        from_file.to_string(),
        format!("parse error: invalid nmap XML: {from_bytes}")
    );
    let from_stream = HostReader::new(text.as_bytes()).and_then(|mut r| {
        while r.next_host()?.is_some() {}
        Ok(())
    });
    match from_stream {
        Err(Error::NmapDtd(v)) => assert_eq!(*v, from_bytes, "stream"),
        other => panic!("stream: {other:?}"),
    }
    from_bytes
}

#[test]
fn a_non_numeric_or_empty_portid_is_an_error_naming_element_line_and_column() {
    for value in ["A2", "", "-1", "99999999999"] {
        let text = doc(&format!(
            "<port protocol=\"tcp\" portid=\"{value}\">{STATE}</port>"
        ));
        let v = strict_violation(&text);
        assert_eq!(v.element, "port");
        assert_eq!(v.attribute.as_deref(), Some("portid"));
        assert_eq!(v.value.as_deref(), Some(value));
        assert_eq!(v.problem, Problem::NotANumber);
        let line_start = text.find('\n').expect("two lines") + 1;
        let portid_at = text.find("portid").expect("portid");
        assert_eq!(v.offset, portid_at as u64);
        let column = (portid_at - line_start + 1) as u64;
        assert_eq!((v.line, v.column), (Some(2), Some(column)), "{value}");
    }
}

#[test]
fn a_port_without_state_or_with_an_unknown_protocol_is_an_error() {
    let v = strict_violation(&doc("<port protocol=\"tcp\" portid=\"22\"></port>"));
    assert_eq!(
        (v.element.as_str(), v.attribute.as_deref(), v.problem),
        ("port", Some("state"), Problem::MissingElement)
    );
    assert_eq!(v.line, Some(2));
    let v = strict_violation(&doc(&format!(
        "<port protocol=\"tpc\" portid=\"22\">{STATE}</port>"
    )));
    assert_eq!(
        (v.attribute.as_deref(), v.value.as_deref(), v.problem),
        (Some("protocol"), Some("tpc"), Problem::NotAllowed)
    );
    let v = strict_violation(&doc(&format!("<port portid=\"22\">{STATE}</port>")));
    assert_eq!(
        (v.attribute.as_deref(), v.problem),
        (Some("protocol"), Problem::MissingAttribute)
    );
    let v = strict_violation(&doc(&format!("<port protocol=\"udp\">{STATE}</port>")));
    assert_eq!(
        (v.attribute.as_deref(), v.problem),
        (Some("portid"), Problem::MissingAttribute)
    );
}

#[test]
fn host_status_address_type_and_numbers_outside_ports_are_checked_too() {
    let bad_state = doc("").replace("state=\"up\"", "state=\"sideways\"");
    let v = strict_violation(&bad_state);
    assert_eq!(
        (v.element.as_str(), v.problem),
        ("status", Problem::NotAllowed)
    );
    let bad_type = doc("").replace("addrtype=\"ipv4\"", "addrtype=\"ipx\"");
    let v = strict_violation(&bad_type);
    assert_eq!(
        (v.element.as_str(), v.value.as_deref()),
        ("address", Some("ipx"))
    );
    let bad_total = doc("").replace("total=\"1\"", "total=\"one\"");
    let v = strict_violation(&bad_total);
    assert_eq!((v.element.as_str(), v.line), ("hosts", Some(3)));
}

#[test]
fn lenient_parsing_drops_each_bad_value_with_a_warning() {
    let text = doc(&format!(
        "<port protocol=\"tcp\" portid=\"A2\">{STATE}</port>\
         <port protocol=\"tcp\" portid=\"\">{STATE}</port>\
         <port protocol=\"tcp\" portid=\"23\"></port>\
         <port protocol=\"xyz\" portid=\"24\">{STATE}</port>\
         <port protocol=\"tcp\" portid=\"25\">{STATE}</port>"
    ));
    let run = nmap::parse_with(text.as_bytes(), ParseOptions::LENIENT).expect("lenient");
    let ports = &run.hosts[0].ports;
    assert_eq!(ports.len(), 5, "every port is kept");
    let ids: Vec<Option<u32>> = ports.iter().map(|p| p.portid).collect();
    assert_eq!(ids, [None, None, Some(23), Some(24), Some(25)]);
    assert!(ports[2].state.is_none());
    assert_eq!(ports[3].protocol, None);
    let got: Vec<(Option<&str>, Option<&str>, Problem)> = run
        .warnings
        .iter()
        .map(|w| (w.attribute.as_deref(), w.value.as_deref(), w.problem))
        .collect();
    assert_eq!(
        got,
        [
            (Some("portid"), Some("A2"), Problem::NotANumber),
            (Some("portid"), Some(""), Problem::NotANumber),
            (Some("state"), None, Problem::MissingElement),
            (Some("protocol"), Some("xyz"), Problem::NotAllowed),
        ]
    );
    assert!(
        run.warnings
            .iter()
            .all(|w| w.line == Some(2) && w.column.is_some())
    );
    // The same warnings, placed alike, from a file and from a line-counting stream.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lenient.xml");
    std::fs::write(&path, &text).expect("write");
    let from_file = nmap::parse_file_with(&path, ParseOptions::LENIENT).expect("file");
    assert_eq!(from_file, run);
    let mut reader =
        HostReader::with_options(text.as_bytes(), ParseOptions::LENIENT).expect("stream");
    while reader.next_host().expect("host").is_some() {}
    assert_eq!(reader.run().warnings, run.warnings);
    // A strict parse of the same document fails on the first of them.
    let strict = strict_violation(&text);
    assert_eq!(strict, run.warnings[0]);
    // Warnings are part of the JSON, streamed or whole.
    let whole = serde_json::to_string_pretty(&run).expect("json");
    let mut streamed = Vec::new();
    nmap::write_json_with(&path, &mut streamed, ParseOptions::LENIENT).expect("stream json");
    assert_eq!(String::from_utf8(streamed).expect("utf-8"), whole);
    assert!(whole.contains("\"problem\": \"not_a_number\""), "{whole}");
}

#[test]
fn a_valid_run_has_no_warnings_either_way() {
    let text = doc(&format!(
        "<port protocol=\"tcp\" portid=\"22\">{STATE}</port>"
    ));
    let strict = nmap::parse(text.as_bytes()).expect("strict");
    let lenient = nmap::parse_with(text.as_bytes(), ParseOptions::LENIENT).expect("lenient");
    assert!(strict.warnings.is_empty());
    assert_eq!(strict, lenient);
}

#[test]
fn truncation_is_only_a_prefix_of_well_formed_xml() {
    let head = "<nmaprun scanner=\"nmap\"><host><status state=\"up\" reason=\"x\" reason_ttl=\"0\"/></host><host>";
    for cut in [
        "",
        "<",
        "<addr",
        "<address addr=\"10.0",
        "<address addr=\"10.0.0.1\" ",
        "<address addr=\"10.0.0.1\"/",
        "</ho",
        "<!-- a comm",
        "<ports><port protocol=\"tcp\" portid=\"22\"><state state=\"open\"",
    ] {
        let text = format!("{head}{cut}");
        let run = nmap::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{cut:?}: {e}"));
        assert!(run.incomplete, "{cut:?}");
        assert_eq!(run.hosts.len(), 1, "{cut:?}");
    }
    for bad in [
        "<<<",
        "<<",
        "< host",
        "<address addr=10",
        "<1",
        "<address addr=\"x\"y",
    ] {
        let text = format!("{head}{bad}");
        let err = nmap::parse(text.as_bytes()).expect_err(bad);
        assert_eq!(err.kind(), ErrorKind::Parse, "{bad}");
        let (line, column) = err.position();
        assert_eq!(line, Some(1), "{bad}: {err}");
        assert!(
            column.is_some_and(|c| c as usize > head.len()),
            "{bad}: {err}"
        );
        let mut reader = HostReader::new(text.as_bytes()).expect("header");
        assert!(reader.next_host().expect("first host").is_some());
        assert!(reader.next_host().is_err(), "{bad}: stream");
    }
}

#[test]
fn a_float_that_is_not_finite_is_refused_strictly_and_dropped_leniently() {
    // Rust reads these as floats; nmap never writes them and JSON cannot hold them (the
    // nmap_import fuzz target found a stored result losing `percent="inf"`).
    for value in ["inf", "-inf", "NaN", "infinity", "1e999"] {
        let text = doc(&format!(
            "<port protocol=\"tcp\" portid=\"22\">{STATE}</port>"
        ))
        .replace(
            "<finished time=\"1\"/>",
            &format!("<finished time=\"1\" elapsed=\"{value}\"/>"),
        );
        let v = strict_violation(&text);
        assert_eq!(v.element, "finished", "{value}");
        assert_eq!(v.attribute.as_deref(), Some("elapsed"));
        assert_eq!(v.value.as_deref(), Some(value));
        assert_eq!(v.problem, Problem::NotANumber);
        let run = nmap::parse_with(text.as_bytes(), ParseOptions::LENIENT).expect("lenient");
        let finished = run
            .runstats
            .as_ref()
            .and_then(|r| r.finished.as_ref())
            .expect("finished");
        assert_eq!(finished.elapsed, None, "{value}");
        assert_eq!(run.warnings.len(), 1, "{value}");
        let json = serde_json::to_string(&run).expect("json");
        let back: nmap::NmapRun = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, run, "{value}");
    }
    // A finite value is kept.
    let text = doc(&format!(
        "<port protocol=\"tcp\" portid=\"22\">{STATE}</port>"
    ))
    .replace(
        "<finished time=\"1\"/>",
        "<finished time=\"1\" elapsed=\"0.25\"/>",
    );
    let run = nmap::parse(text.as_bytes()).expect("strict");
    let elapsed = run
        .runstats
        .and_then(|r| r.finished)
        .and_then(|f| f.elapsed);
    assert_eq!(elapsed, Some(0.25));
}
