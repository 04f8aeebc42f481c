//! The nmap parser on hard inputs: generated files (truncated, control characters, rare states)
//! and the peers' known defects.

use std::path::{Path, PathBuf};

use casiscan_core::ErrorKind;
use casiscan_core::providers::nmap::{self, HostReader, ScriptItem};

/// What the in-test generator of nmap XML adds to a plain run of `hosts` hosts.
#[derive(Default)]
struct GenOptions {
    hosts: usize,
    /// Cut the document inside the host at three quarters (a killed nmap).
    truncate: bool,
    /// Numeric references to control bytes in service names, as nmap 7.94 wrote (nmap#2657).
    control_chars: bool,
    /// `closed|filtered` (idle scan) and `unfiltered` (ACK scan) ports too.
    rare_states: bool,
}

/// One host of the generated run: every element the DTD has that real fixtures lack (smurf,
/// owner, rpc fields), at fixed intervals so the counts are known without a random source.
fn generated_host(i: usize, o: &GenOptions) -> String {
    let addr = format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256);
    if i % 10 == 9 {
        return format!(
            "<host><status state=\"down\" reason=\"no-response\" reason_ttl=\"0\"/>\n\
             <address addr=\"{addr}\" addrtype=\"ipv4\"/>\n<hostnames>\n</hostnames>\n</host>\n"
        );
    }
    let mut h = format!(
        "<host starttime=\"1700000100\" endtime=\"1700000200\"><status state=\"up\" reason=\"syn-ack\" reason_ttl=\"63\"/>\n\
         <address addr=\"{addr}\" addrtype=\"ipv4\"/>\n\
         <address addr=\"00:50:56:00:{:02X}:{:02X}\" addrtype=\"mac\" vendor=\"VMware\"/>\n\
         <hostnames><hostname name=\"h{i}.example\" type=\"PTR\"/></hostnames>\n",
        i / 256 % 256,
        i % 256
    );
    if i.is_multiple_of(37) {
        h.push_str("<smurf responses=\"3\"/>\n");
    }
    h.push_str(
        "<ports><extraports state=\"closed\" count=\"995\">\
         <extrareasons reason=\"reset\" count=\"995\" proto=\"tcp\" ports=\"1-21,23-52\"/></extraports>\n",
    );
    let ssh_name = match (o.control_chars, i % 100, i % 50) {
        (true, 3, _) => "0M&#xec;&#x1;",
        (true, _, 3) => "ife-biteP&#x1b;",
        _ => "ssh",
    };
    h.push_str(&format!(
        "<port protocol=\"tcp\" portid=\"22\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"63\"/>\
         <service name=\"{ssh_name}\" product=\"OpenSSH\" version=\"9.2p1\" method=\"probed\" conf=\"10\">\
         <cpe>cpe:/a:openbsd:openssh:9.2p1</cpe></service>\
         <script id=\"ssh-hostkey\" output=\"&#xa;  256 aa:bb (ED25519)\"><table><elem key=\"type\">ssh-ed25519</elem></table></script></port>\n"
    ));
    if o.rare_states && i % 25 == 7 {
        h.push_str("<port protocol=\"tcp\" portid=\"25\"><state state=\"closed|filtered\" reason=\"no-ipid-change\" reason_ttl=\"0\"/></port>\n");
    }
    if o.rare_states && i % 25 == 8 {
        h.push_str("<port protocol=\"tcp\" portid=\"25\"><state state=\"unfiltered\" reason=\"reset\" reason_ttl=\"63\"/></port>\n");
    }
    h.push_str(
        "<port protocol=\"tcp\" portid=\"80\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"63\"/>\
         <service name=\"http\" product=\"nginx\" method=\"probed\" conf=\"10\"/>\
         <script id=\"http-title\" output=\"&#xc3;&#x9c;bersicht\"><elem key=\"title\">&#xc3;&#x9c;bersicht</elem></script></port>\n",
    );
    if i.is_multiple_of(5) {
        h.push_str(
            "<port protocol=\"tcp\" portid=\"111\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"63\"/>\
             <service name=\"rpcbind\" version=\"2-4\" method=\"probed\" conf=\"10\" proto=\"rpc\" rpcnum=\"100000\" lowver=\"2\" highver=\"4\"/></port>\n",
        );
    }
    if i.is_multiple_of(11) {
        h.push_str(
            "<port protocol=\"tcp\" portid=\"113\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"63\"/>\
             <owner name=\"root\"/><service name=\"ident\" method=\"table\" conf=\"3\"/></port>\n",
        );
    }
    h.push_str(
        "<port protocol=\"udp\" portid=\"53\"><state state=\"open|filtered\" reason=\"no-response\" reason_ttl=\"0\"/>\
         <service name=\"domain\" method=\"table\" conf=\"3\"/></port>\n</ports>\n\
         <times srtt=\"1200\" rttvar=\"300\" to=\"100000\"/>\n</host>\n",
    );
    h
}

/// A deterministic nmap 7.94-style document (the in-test stand-in for a large real scan).
fn generate_xml(o: &GenOptions) -> Vec<u8> {
    let args = "nmap -v -sS -sU --scanflags SYNECE -p T:1-1000,U:53 -oX scan.xml 10.0.0.0/8";
    let mut doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n\
         <!-- Nmap 7.94SVN scan initiated as: {args} -->\n\
         <nmaprun scanner=\"nmap\" args=\"{args}\" start=\"1700000000\" version=\"7.94SVN\" xmloutputversion=\"1.05\">\n\
         <scaninfo type=\"syn\" scanflags=\"SYNECE\" protocol=\"tcp\" numservices=\"1000\" services=\"1-1000\"/>\n\
         <scaninfo type=\"udp\" protocol=\"udp\" numservices=\"1\" services=\"53\"/>\n\
         <verbose level=\"1\"/>\n<debugging level=\"0\"/>\n\
         <target specification=\"bad..host.example\" status=\"skipped\" reason=\"invalid\"/>\n\
         <taskbegin task=\"SYN Stealth Scan\" time=\"1700000001\"/>\n\
         <taskend task=\"SYN Stealth Scan\" time=\"1700000002\" extrainfo=\"{} total ports\"/>\n",
        o.hosts * 1001
    );
    let cut = o.truncate.then(|| o.hosts * 3 / 4);
    for i in 0..o.hosts {
        let host = generated_host(i, o);
        if cut == Some(i) {
            doc.push_str(&host[..host.len() / 2]);
            return doc.into_bytes();
        }
        doc.push_str(&host);
    }
    let down = (0..o.hosts).filter(|i| i % 10 == 9).count();
    doc.push_str(&format!(
        "<runstats><finished time=\"1700000300\" elapsed=\"300.00\" exit=\"success\"/>\
         <hosts up=\"{}\" down=\"{down}\" total=\"{}\"/>\n</runstats>\n</nmaprun>\n",
        o.hosts - down,
        o.hosts
    ));
    doc.into_bytes()
}

fn generate(dir: &Path, name: &str, options: &GenOptions) -> PathBuf {
    let out = dir.join(name);
    std::fs::write(&out, generate_xml(options)).expect("write");
    out
}

fn count(data: &[u8], needle: &str) -> usize {
    String::from_utf8_lossy(data).matches(needle).count()
}

#[test]
fn truncated_scan_keeps_every_complete_host() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = generate(
        dir.path(),
        "cut.xml",
        &GenOptions {
            hosts: 300,
            truncate: true,
            ..GenOptions::default()
        },
    );
    let data = std::fs::read(&path).expect("read");
    let run = nmap::parse(&data).expect("a truncated file still parses");
    assert!(run.incomplete);
    assert!(run.runstats.is_none());
    assert_eq!(run.hosts.len(), count(&data, "</host>"));
    assert!(
        run.hosts.len() > 10 && run.hosts.len() < 300,
        "{}",
        run.hosts.len()
    );
    let streamed = nmap::parse_file(&path).expect("stream");
    assert_eq!(streamed.hosts.len(), run.hosts.len());
    assert!(streamed.incomplete);
}

#[test]
fn control_character_references_are_tolerated() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = generate(
        dir.path(),
        "cc.xml",
        &GenOptions {
            hosts: 200,
            control_chars: true,
            ..GenOptions::default()
        },
    );
    let data = std::fs::read(&path).expect("read");
    assert!(
        count(&data, "&#x1b;") + count(&data, "&#x1;") > 0,
        "the generator made none"
    );
    let run = nmap::parse(&data).expect("nmap 7.94 output parses");
    assert!(!run.incomplete);
    assert_eq!(run.hosts.len(), count(&data, "</host>"));
    let json = serde_json::to_string(&run).expect("json");
    assert!(
        json.contains("\\u001b") || json.contains("\\u0001"),
        "control chars kept"
    );
}

#[test]
fn rare_port_states_are_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = generate(
        dir.path(),
        "rare.xml",
        &GenOptions {
            hosts: 200,
            rare_states: true,
            ..GenOptions::default()
        },
    );
    let run = nmap::parse_file(&path).expect("parse");
    let states: Vec<&str> = run
        .hosts
        .iter()
        .flat_map(|h| &h.ports)
        .filter_map(|p| p.state.as_ref()?.state.as_deref())
        .collect();
    assert!(states.contains(&"closed|filtered"));
    assert!(states.contains(&"unfiltered"));
    assert!(states.contains(&"open|filtered"));
}

#[test]
fn generator_covers_smurf_owner_target_and_rpc_fields() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = generate(
        dir.path(),
        "all.xml",
        &GenOptions {
            hosts: 400,
            ..GenOptions::default()
        },
    );
    let data = std::fs::read(&path).expect("read");
    let run = nmap::parse(&data).expect("parse");
    assert_eq!(run.targets.len(), count(&data, "<target "));
    let smurfs: usize = run.hosts.iter().map(|h| h.extra().smurfs.len()).sum();
    assert_eq!(smurfs, count(&data, "<smurf "));
    let owners = run
        .hosts
        .iter()
        .flat_map(|h| &h.ports)
        .filter(|p| p.owner.is_some())
        .count();
    assert_eq!(owners, count(&data, "<owner "));
    let rpc = run
        .hosts
        .iter()
        .flat_map(|h| &h.ports)
        .filter_map(|p| p.service.as_ref())
        .map(|s| s.extra())
        .filter(|x| x.rpcnum.is_some() && x.lowver.is_some() && x.highver.is_some())
        .count();
    assert_eq!(rpc, count(&data, "rpcnum="));
    assert!(
        run.scaninfos.iter().any(|s| s.scanflags.is_some())
            || !String::from_utf8_lossy(&data).contains("scanflags=")
    );
}

const DEFECTS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<nmaprun scanner="nmap" args="nmap -sS -sU 10.0.0.1" start="1700000000" version="7.94" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="2" services="22,80"/>
<scaninfo type="udp" protocol="udp" numservices="1" services="53"/>
<verbose level="0"/><debugging level="0"/>
<host><status state="up" reason="echo-reply" reason_ttl="0"/>
<address addr="10.0.0.1" addrtype="ipv4"/>
<address addr="fe80::1" addrtype="ipv6"/>
<hostnames><hostname name="web-&#xc3;&#x9c;.example" type="PTR"/></hostnames>
<ports><port protocol="tcp" portid="80"><state state="open" reason="syn-ack" reason_ttl="64"/>
<service name="http" product="&#xc3;&#x9c;bersicht &#xe2;&#x80;&#x93; Intranet" method="probed" conf="10"><cpe>cpe:/a:x:y</cpe><cpe>cpe:/a:x:z</cpe></service>
<script id="http-title" output="&#xc3;&#x9c;bersicht &amp;xxe; &#x1b;[0m">
<elem key="title">&#xc3;&#x9c;bersicht</elem>
<table key="b"><elem>1</elem><elem key="k">2 &lt; 3</elem></table>
<elem key="a">last</elem>
<table><table key="deep"><elem>x</elem></table></table>
</script></port>
<port protocol="udp" portid="53"><state state="open|filtered" reason="no-response" reason_ttl="0"/></port>
</ports>
<os><osmatch name="Linux 5.X" accuracy="100" line="1"><osclass vendor="Linux" osfamily="Linux" accuracy="100" type="general purpose"><cpe>cpe:/o:linux:linux_kernel:5</cpe></osclass><osclass vendor="Linux" osfamily="Linux" accuracy="91"/></osmatch></os>
<times srtt="100" rttvar="50" to="100000"/>
</host>
<host><status state="down" reason="no-response"/><address addr="10.0.0.2"/></host>
<runstats><finished time="1700000010" elapsed="10.00" summary="done" exit="success"/><hosts up="1" down="1" total="2"/></runstats>
</nmaprun>
"#;

#[test]
fn peer_defects_are_fixed() {
    let run = nmap::parse(DEFECTS.as_bytes()).expect("parse");
    assert_eq!(run.scaninfos.len(), 2, "every scaninfo is kept");
    assert_eq!(run.scaninfos[1].scan_type.as_deref(), Some("udp"));
    let h = &run.hosts[0];
    assert_eq!(h.hostnames[0].name.as_deref(), Some("web-Ü.example"));
    let svc = h.ports[0].service.as_ref().expect("service");
    assert_eq!(svc.product.as_deref(), Some("Übersicht – Intranet"));
    assert_eq!(svc.cpes, vec!["cpe:/a:x:y", "cpe:/a:x:z"]);
    let script = &h.ports[0].scripts[0];
    assert_eq!(
        script.output.as_deref(),
        Some("Übersicht &xxe; \u{1b}[0m"),
        "no entity resolved"
    );
    let keys: Vec<Option<&str>> = script
        .items
        .iter()
        .map(|i| match i {
            ScriptItem::Elem { key, .. } | ScriptItem::Table { key, .. } => key.as_deref(),
            ScriptItem::Text { .. } => Some("text"),
        })
        .collect();
    assert_eq!(
        keys,
        vec![Some("title"), Some("b"), Some("a"), None],
        "order and keys kept"
    );
    match &script.items[1] {
        ScriptItem::Table { items, .. } => assert_eq!(
            items[1],
            ScriptItem::Elem {
                key: Some("k".into()),
                value: "2 < 3".into()
            }
        ),
        other => panic!("expected a table, got {other:?}"),
    }
    assert_eq!(
        h.ports[1].state.as_ref().and_then(|s| s.state.as_deref()),
        Some("open|filtered")
    );
    let os = h.extra().os.as_ref().expect("os");
    assert_eq!(os.osmatches[0].accuracy, Some(100));
    assert_eq!(os.osmatches[0].osclasses[1].accuracy, Some(91));
    let down = &run.hosts[1];
    let status = down.status.as_ref().expect("status");
    assert_eq!(status.reason_ttl, None, "absent is None, never 0");
    assert!(down.times.is_none() && down.extra().distance.is_none());
    assert_eq!(
        down.addresses[0].addrtype,
        nmap::AddrType::Ipv4,
        "the DTD default"
    );
    assert!(!run.incomplete);
}

#[test]
fn malformed_xml_reports_line_and_column() {
    let bad = "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\">\n<host><status state=\"up\"/>\n</hots>\n</nmaprun>";
    let err = nmap::parse(bad.as_bytes()).expect_err("mismatched tag");
    assert_eq!(err.kind(), ErrorKind::Parse);
    match err {
        casiscan_core::Error::Parse { line, column, .. } => {
            assert_eq!(line, Some(4), "{column:?}");
            assert!(column.is_some());
        }
        other => panic!("{other}"),
    }
}

/// The three ways in (bytes, a file, a stream) place the same error at the same line and column,
/// deep in a large file and before the root element alike.
#[test]
fn every_way_in_places_an_error_alike() {
    let position = |r: casiscan_core::Result<usize>| match r {
        Err(casiscan_core::Error::Parse { line, column, .. }) => (line, column),
        other => panic!("expected a parse error, got {other:?}"),
    };
    let mut deep = String::from("<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\">\n");
    for n in 0..3000 {
        deep.push_str(&format!(
            "<host><status state=\"up\"/>\n<address addr=\"10.0.{}.{}\" addrtype=\"ipv4\"/></host>\n",
            n / 256,
            n % 256
        ));
    }
    deep.push_str("<host><status state=\"up\"/>\n  <ports></port>\n</host>\n</nmaprun>\n");
    let early = "<?xml version=\"1.0\"?>\n<!-- a comment -->\n\n  <!x>\n<nmaprun>\n";
    let attr = "<nmaprun>\n<host>\n<ports><port protocol=\"tcp\" portid=22></port></ports></host></nmaprun>";
    let nested = format!(
        "<nmaprun>\n<host><ports><port protocol=\"tcp\" portid=\"1\"><script id=\"x\">\n\n{}",
        "<table>".repeat(200)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, doc, line) in [
        ("deep", deep.as_str(), 6004u64),
        ("early", early, 4),
        ("attribute", attr, 3),
        ("nesting", nested.as_str(), 4),
    ] {
        let path = dir.path().join(format!("{name}.xml"));
        std::fs::write(&path, doc).expect("write");
        let from_bytes = position(nmap::parse(doc.as_bytes()).map(|r| r.hosts.len()));
        let from_file = position(nmap::parse_file(&path).map(|r| r.hosts.len()));
        let from_stream = position(nmap::HostReader::new(doc.as_bytes()).and_then(|mut r| {
            let mut n = 0;
            while r.next_host()?.is_some() {
                n += 1;
            }
            Ok(n)
        }));
        assert_eq!(from_bytes.0, Some(line), "{name}: {from_bytes:?}");
        assert!(
            from_bytes.1.is_some_and(|c| c > 1),
            "{name}: {from_bytes:?}"
        );
        if name == "attribute" {
            assert_eq!(from_bytes.1, Some(29), "at the faulty attribute");
        }
        assert_eq!(from_file, from_bytes, "{name}: file");
        assert_eq!(from_stream, from_bytes, "{name}: stream");
    }
}

#[test]
fn hostile_nesting_is_refused_without_exhausting_the_stack() {
    let mut doc =
        String::from("<nmaprun><host><ports><port protocol=\"tcp\" portid=\"1\"><script id=\"x\">");
    for _ in 0..100_000 {
        doc.push_str("<table>");
    }
    let err = nmap::parse(doc.as_bytes()).expect_err("too deep");
    assert!(err.to_string().contains("nest"), "{err}");
}

#[test]
fn malformed_attributes_are_parse_errors_not_lost_values() {
    for tag in [
        "<port protocol=\"tcp\" portid=22/>",
        "<port protocol=\"tcp\" portid=\"22\" portid=\"23\"/>",
        "<port protocol=\"tcp\"portid=\"22\"/>",
        "<port protocol=\"t<cp\" portid=\"22\"/>",
        "<port protocol=\"tcp & udp\" portid=\"22\"/>",
    ] {
        let doc = format!("<nmaprun><host><ports>{tag}</ports></host></nmaprun>");
        let err = nmap::parse(doc.as_bytes()).expect_err(tag);
        assert_eq!(err.kind(), ErrorKind::Parse, "{tag}");
        assert!(err.to_string().contains("<port>"), "{tag}: {err}");
    }
}

#[test]
fn cdata_is_literal_text_and_references_are_decoded() {
    let doc = "<nmaprun><host><ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/>\
        <script id=\"s\" output=\"o\"><elem key=\"c\"><![CDATA[a &amp; b <x>]]></elem>\
        <elem key=\"mix\">pre<![CDATA[&lt;]]>post &amp; &#xc3;&#x9c;</elem>\
        <elem key=\"r\">a &lt; b</elem></script></port></ports></host>\
        <output type=\"interactive\"><![CDATA[raw &amp; <literal>]]></output></nmaprun>";
    let run = nmap::parse(doc.as_bytes()).expect("parse");
    let values: Vec<&str> = run.hosts[0].ports[0].scripts[0]
        .items
        .iter()
        .map(|i| match i {
            ScriptItem::Elem { value, .. } | ScriptItem::Text { value } => value.as_str(),
            ScriptItem::Table { .. } => "table",
        })
        .collect();
    assert_eq!(values, ["a &amp; b <x>", "pre&lt;post & Ü", "a < b"]);
    assert_eq!(run.outputs[0].text.as_str(), "raw &amp; <literal>");
}

#[test]
fn character_data_beside_nse_items_is_kept_in_order_and_whitespace_is_not() {
    let doc = "<nmaprun><host><hostscript><script id=\"s\" output=\"o\">\n  lead &amp; more \
        <elem key=\"k\">v</elem>\n<table>\n<elem>x</elem>\n in table <![CDATA[<raw>]]>\n</table>\n\
        tail</script></hostscript></host></nmaprun>";
    let run = nmap::parse(doc.as_bytes()).expect("parse");
    let items = &run.hosts[0].extra().hostscripts[0].items;
    let text = |value: &str| ScriptItem::Text {
        value: value.into(),
    };
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(items[0], text("lead & more"));
    assert_eq!(items[3], text("tail"));
    match &items[2] {
        ScriptItem::Table { items, .. } => {
            assert_eq!(items.len(), 2, "{items:?}");
            assert_eq!(items[1], text("in table <raw>"));
        }
        other => panic!("expected a table, got {other:?}"),
    }
    let json = serde_json::to_value(&items[0]).expect("json");
    assert_eq!(json["kind"], "text");
}

#[test]
fn garbage_and_empty_input_are_parse_errors() {
    for bad in ["", "not xml at all", "<html><body/></html>", "<nmaprun/>"] {
        let err = nmap::parse(bad.as_bytes()).expect_err(bad);
        assert_eq!(err.kind(), ErrorKind::Parse, "{bad}");
    }
}

#[test]
fn streaming_reader_yields_header_hosts_then_runstats() {
    let mut reader = HostReader::new(DEFECTS.as_bytes()).expect("header");
    assert_eq!(reader.run().version.as_deref(), Some("7.94"));
    assert!(reader.run().runstats.is_none());
    let hosts: Vec<_> = reader.by_ref().collect::<Result<_, _>>().expect("hosts");
    assert_eq!(hosts.len(), 2);
    let trailer = reader.finish().expect("finish");
    assert_eq!(
        trailer.runstats.and_then(|r| r.hosts).and_then(|h| h.total),
        Some(2)
    );
    assert!(trailer.hosts.is_empty());
}

/// `next_entry` yields host hints in document order and keeps none; `next_host` keeps them.
#[test]
fn host_hints_stream_through_next_entry_and_are_kept_by_next_host() {
    let doc = "<nmaprun>\
        <hosthint><status state=\"up\"/><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/></hosthint>\
        <host><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/></host>\
        <hosthint><address addr=\"10.0.0.2\" addrtype=\"ipv4\"/></hosthint>\
        <host><address addr=\"10.0.0.2\" addrtype=\"ipv4\"/></host></nmaprun>";
    let addr = |h: &nmap::Host| h.addresses[0].addr.to_string();
    let mut reader = HostReader::new(doc.as_bytes()).expect("header");
    let mut seen = Vec::new();
    while let Some(entry) = reader.next_entry().expect("entry") {
        seen.push(match entry {
            nmap::Entry::Host(h) => format!("host {}", addr(&h)),
            nmap::Entry::HostHint(h) => format!("hint {}", addr(&h)),
        });
    }
    assert_eq!(
        seen,
        [
            "hint 10.0.0.1",
            "host 10.0.0.1",
            "hint 10.0.0.2",
            "host 10.0.0.2"
        ]
    );
    assert!(reader.run().hosthints.is_empty());
    let mut reader = HostReader::new(doc.as_bytes()).expect("header");
    assert_eq!(reader.by_ref().count(), 2);
    let hints: Vec<String> = reader.run().hosthints.iter().map(addr).collect();
    assert_eq!(hints, ["10.0.0.1", "10.0.0.2"]);
    assert_eq!(
        nmap::parse(doc.as_bytes()).expect("parse").hosthints.len(),
        2
    );
}

/// Random truncations and byte mutations of every real fixture never panic: each gives a run or
/// a typed error.
#[test]
fn mutated_fixtures_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/nmap");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "xml") {
                files.push(p);
            }
        }
    }
    let mut seed = 0x1234_5678_9abc_def1u64;
    let mut rand = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let mut cases = 0;
    for path in &files {
        let data = std::fs::read(path).expect("read");
        for _ in 0..20 {
            let mut bytes = data[..rand(data.len() + 1)].to_vec();
            for _ in 0..rand(4) {
                if !bytes.is_empty() {
                    let at = rand(bytes.len());
                    let alphabet = b"<>&;\"'/=\0\xff#x";
                    bytes[at] = alphabet[rand(alphabet.len())];
                }
            }
            let outcome = std::panic::catch_unwind(|| nmap::parse(&bytes).map(|r| r.hosts.len()));
            assert!(outcome.is_ok(), "{} panicked on a mutation", path.display());
            cases += 1;
        }
    }
    assert!(
        files.len() >= 40,
        "the fixtures of testdata/nmap: {}",
        files.len()
    );
    assert_eq!(cases, files.len() * 20);
}

/// Every element the streamed JSON writes: tasks between hosts, hints, scripts, OS, trace, trailer.
const RICH: &str = r#"<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -A -v 10.0.0.0/30" start="1700000000" startstr="Tue Nov 14" version="7.94" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="2" services="22,80"/>
<verbose level="1"/><debugging level="0"/>
<target specification="bad.example" status="skipped" reason="invalid"/>
<prescript><script id="broadcast" output="pre"><elem key="k">v</elem></script></prescript>
<taskbegin task="Ping Scan" time="1700000001"/>
<hosthint><status state="up" reason="arp-response" reason_ttl="0"/><address addr="10.0.0.1" addrtype="ipv4"/></hosthint>
<taskend task="Ping Scan" time="1700000002" extrainfo="1 total hosts"/>
<host starttime="1700000003" endtime="1700000009" comment="lab" timedout="false"><status state="up" reason="syn-ack" reason_ttl="64"/>
<address addr="10.0.0.1" addrtype="ipv4"/><address addr="00:11:22:33:44:55" addrtype="mac" vendor="Acme"/>
<hostnames><hostname name="a.example" type="PTR"/></hostnames><smurf responses="2"/>
<ports><extraports state="closed" count="998"><extrareasons reason="resets" count="998" proto="tcp" ports="1-21"/></extraports>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" product="OpenSSH" version="9.2" extrainfo="Debian" ostype="Linux" method="probed" conf="10" tunnel="ssl"><cpe>cpe:/a:openbsd:openssh:9.2</cpe></service>
<script id="ssh-hostkey" output="key"><table><elem key="type">rsa</elem></table></script></port></ports>
<os><portused state="open" proto="tcp" portid="22"/><osmatch name="Linux 5.X" accuracy="100" line="1"><osclass type="general purpose" vendor="Linux" osfamily="Linux" osgen="5.X" accuracy="100"><cpe>cpe:/o:linux:linux_kernel:5</cpe></osclass></osmatch><osfingerprint fingerprint="OS:SCAN"/></os>
<uptime seconds="100" lastboot="Tue Nov 14"/><distance value="1"/>
<tcpsequence index="260" difficulty="Good luck!" values="1,2"/><ipidsequence class="All zeros" values="0,0"/><tcptssequence class="1000HZ" values="3,4"/>
<hostscript><script id="smb" output="host"/></hostscript>
<trace port="22" proto="tcp"><hop ttl="1" ipaddr="10.0.0.1" rtt="0.1" host="a.example"/></trace>
<times srtt="130" rttvar="50" to="100000"/></host>
<taskbegin task="SYN Stealth Scan" time="1700000010"/>
<host/>
<host><status state="down" reason="no-response"/><address addr="10.0.0.2" addrtype="ipv4"/><hostnames/></host>
<taskend task="SYN Stealth Scan" time="1700000011"/>
<postscript><script id="post" output="done"/></postscript>
<output type="interactive">text</output>
<runstats><finished time="1700000012" timestr="Tue Nov 14" elapsed="12.5" summary="Nmap done" exit="success"/><hosts up="1" down="1" total="2"/></runstats>
</nmaprun>
"#;

fn streamed(path: &Path) -> casiscan_core::Result<String> {
    let mut out = Vec::new();
    nmap::write_json(path, &mut out)?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

/// `write_json` writes host by host exactly the bytes of the whole run's pretty JSON, for a rich
/// run, an interrupted one, hosts only, hints only and none at all.
#[test]
fn streamed_json_is_the_whole_run_json_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tmp");
    let cut = &RICH[..RICH.find("<host/>").expect("cut point") + 20];
    let cases = [
        ("rich", RICH.to_string()),
        ("interrupted", cut.to_string()),
        (
            "empty hosts",
            format!("<nmaprun>{}</nmaprun>", "<host/>".repeat(1000)),
        ),
        (
            "hints only",
            "<nmaprun><hosthint/><hosthint><status state=\"up\"/></hosthint></nmaprun>".into(),
        ),
        ("nothing", "<nmaprun scanner=\"nmap\"></nmaprun>".into()),
    ];
    for (name, doc) in cases {
        let path = dir.path().join(format!("{name}.xml"));
        std::fs::write(&path, &doc).expect("write");
        let whole =
            serde_json::to_string_pretty(&nmap::parse_file(&path).expect(name)).expect("json");
        assert_eq!(streamed(&path).expect(name), whole, "{name}");
    }
    let rich = nmap::parse(RICH.as_bytes()).expect("rich");
    assert_eq!(
        (rich.hosts.len(), rich.hosthints.len(), rich.tasks.len()),
        (3, 1, 4)
    );
    assert_eq!(rich.hosts[0].extra().distance, Some(1));
    assert!(rich.hosts[1].extra.is_none(), "an empty host boxes nothing");
}

/// A parse error is found before anything is written, placed like `parse_file` places it.
#[test]
fn streamed_json_reports_errors_before_writing() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<nmaprun>\n<host/>\n<host></hots>\n").expect("write");
    let mut out = Vec::new();
    let err = nmap::write_json(&bad, &mut out).expect_err("bad");
    assert!(out.is_empty(), "nothing written before the error");
    assert_eq!(
        err.to_string(),
        nmap::parse_file(&bad).expect_err("bad").to_string()
    );
    assert!(err.to_string().contains("line 3"), "{err}");
    let missing = nmap::write_json(&dir.path().join("none.xml"), &mut out).expect_err("missing");
    assert_eq!(missing.kind(), ErrorKind::Io);
}

/// A run whose one port's script holds `tables` nested tables (the script is at depth 5).
fn nested_tables(tables: usize) -> String {
    let mut doc = String::from(
        "<nmaprun><host><ports><port protocol=\"tcp\" portid=\"1\"><state state=\"open\"/><script id=\"x\" output=\"\">",
    );
    doc.push_str(&"<table>".repeat(tables));
    doc.push_str(&"</table>".repeat(tables));
    doc.push_str("</script></port></ports></host></nmaprun>");
    doc
}

#[test]
fn nesting_at_the_depth_limit_parses_and_one_level_more_is_refused() {
    let at_limit = nested_tables(nmap::MAX_DEPTH - 5);
    let run = nmap::parse(at_limit.as_bytes()).expect("at the limit");
    assert_eq!(run.hosts[0].ports[0].scripts.len(), 1);
    let streamed = HostReader::new(at_limit.as_bytes())
        .expect("header")
        .count();
    assert_eq!(streamed, 1);
    let over = nested_tables(nmap::MAX_DEPTH - 4);
    let err = nmap::parse(over.as_bytes()).expect_err("one level too deep");
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(
        err.to_string()
            .contains(&format!("deeper than {}", nmap::MAX_DEPTH)),
        "{err}"
    );
    let streamed: Vec<_> = HostReader::new(over.as_bytes()).expect("header").collect();
    assert!(
        streamed.iter().any(Result::is_err),
        "the stream refuses it too"
    );
}

/// A run with one host whose hostname attribute is `len` bytes long.
fn long_attribute(len: usize) -> Vec<u8> {
    let mut doc = b"<nmaprun><host><status state=\"up\"/><hostnames><hostname name=\"".to_vec();
    doc.resize(doc.len() + len, b'a');
    doc.extend_from_slice(b"\" type=\"user\"/></hostnames></host></nmaprun>");
    doc
}

#[test]
fn an_attribute_up_to_the_event_limit_is_kept_whole_and_a_longer_one_is_refused() {
    // The event is the whole tag, `<hostname name="` + value + `" type="user"/>`: the largest
    // value kept is the limit less those 31 bytes, to the byte, and one more byte is refused.
    let tag = br#"<hostname name="" type="user"/>"#.len();
    assert_eq!(tag, 31);
    let kept = nmap::MAX_EVENT_BYTES - tag;
    let doc = long_attribute(kept);
    let run = nmap::parse(&doc).expect("at the limit");
    let name = run.hosts[0].hostnames[0].name.as_ref().expect("name");
    assert_eq!(name.len(), kept);
    let streamed: Vec<_> = HostReader::new(doc.as_slice()).expect("header").collect();
    assert!(
        matches!(streamed.as_slice(), [Ok(h)] if h.hostnames[0].name.as_ref().map(|n| n.len()) == Some(kept)),
        "the stream keeps it whole too"
    );
    drop((doc, run, streamed));
    let over = long_attribute(kept + 1);
    let Err(err) = nmap::parse(&over) else {
        panic!("an attribute one byte over the limit was accepted");
    };
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(
        err.to_string()
            .contains(&format!("larger than {} bytes", nmap::MAX_EVENT_BYTES)),
        "{err}"
    );
    let streamed = HostReader::new(over.as_slice()).expect("header").next();
    assert!(
        matches!(streamed, Some(Err(_))),
        "the stream refuses it too"
    );
}
