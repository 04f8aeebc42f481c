//! One `<host>` or `<port>` element parsed on its own, outside a whole run.

use super::model::{Host, NmapRun, Port};
use super::reader::parse;
use crate::error::{Error, Result};

/// Parses one `<host>…</host>` element (strictly, as inside a run).
pub fn parse_host(xml: &[u8]) -> Result<Host> {
    let run = wrapped(b"<nmaprun>", xml, b"</nmaprun>")?;
    let mut hosts = only_hosts(run, "<host>")?;
    match (hosts.pop(), hosts.is_empty()) {
        (Some(host), true) => Ok(host),
        _ => Err(not_one("<host>")),
    }
}

/// Parses one `<port>…</port>` element (strictly, as inside a host's `<ports>`).
pub fn parse_port(xml: &[u8]) -> Result<Port> {
    let run = wrapped(b"<nmaprun><host><ports>", xml, b"</ports></host></nmaprun>")?;
    let mut hosts = only_hosts(run, "<port>")?;
    let host = match (hosts.pop(), hosts.is_empty()) {
        (Some(host), true) => host,
        _ => return Err(not_one("<port>")),
    };
    let mut ports = host.ports.clone();
    let port = ports.pop().ok_or_else(|| not_one("<port>"))?;
    let alone = Host {
        ports: vec![port.clone()],
        ..Host::default()
    };
    if host != alone {
        return Err(not_one("<port>"));
    }
    Ok(port)
}

fn wrapped(head: &[u8], xml: &[u8], tail: &[u8]) -> Result<NmapRun> {
    let mut doc = Vec::with_capacity(head.len() + xml.len() + tail.len());
    doc.extend_from_slice(head);
    doc.extend_from_slice(xml);
    doc.extend_from_slice(tail);
    parse(&doc)
}

/// The hosts of a wrapped fragment, refusing anything the fragment added outside them.
fn only_hosts(mut run: NmapRun, what: &str) -> Result<Vec<Host>> {
    let hosts = std::mem::take(&mut run.hosts);
    if run != NmapRun::default() {
        return Err(not_one(what));
    }
    Ok(hosts)
}

fn not_one(what: &str) -> Error {
    Error::invalid(
        format!("{what} fragment"),
        format!("expected exactly one {what} element and nothing else"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORT: &str = r#"<port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/><service name="ssh" product="OpenSSH" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh</cpe></service></port>"#;

    #[test]
    fn a_port_alone_and_in_a_host() {
        let port = parse_port(PORT.as_bytes()).unwrap();
        assert_eq!(port.portid, Some(22));
        let host = parse_host(
            format!(r#"<host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/><ports>{PORT}</ports></host>"#)
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(host.ports, vec![port]);
    }

    #[test]
    fn anything_but_one_element_is_refused() {
        assert!(parse_port(format!("{PORT}{PORT}").as_bytes()).is_err());
        assert!(parse_host(b"<host></host><host></host>").is_err());
        assert!(parse_host(b"").is_err());
        assert!(
            parse_port(b"</ports><address addr=\"1.2.3.4\" addrtype=\"ipv4\"/><ports>").is_err()
        );
        assert!(matches!(parse_host(b"<host><<"), Err(Error::Parse { .. })));
    }
}
