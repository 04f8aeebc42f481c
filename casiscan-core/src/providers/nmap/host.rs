//! `<host>` and everything inside it.

use super::source::XmlInput;

use super::model::{
    AddrType, Address, ExtraPorts, ExtraReasons, Hop, Host, HostExtra, Hostname, Os, OsClass,
    OsMatch, Port, PortState, PortUsed, Sequence, Service, ServiceExtra, Status, TcpSequence,
    Times, Trace, Uptime,
};
use super::script::script;
use super::source::{Source, Step, Tag};
use super::walk::{close, each_child, text};

/// Reads a `<host>` (or `<hosthint>`) element whose start tag was just read.
pub fn host<R: XmlInput>(src: &mut Source<R>, start: &Tag, empty: bool) -> Step<Host> {
    let mut h = Host {
        starttime: src.num(start, b"starttime"),
        endtime: src.num(start, b"endtime"),
        ..Host::default()
    };
    // The rare parts are gathered unboxed and boxed at the end only if one is present.
    let mut x = HostExtra {
        timedout: src.attr(start, b"timedout").map(|v| v == "true"),
        comment: src.attr(start, b"comment"),
        ..HostExtra::default()
    };
    each_child(src, empty, |src, e, empty| {
        match e.local_name().into_inner() {
            b"status" => h.status = Some(status(src, &e)),
            b"address" => h.addresses.push(address(src, &e)),
            b"hostnames" => return hostnames(src, empty, &mut h.hostnames),
            b"smurf" => x.smurfs.extend(src.num::<u64>(&e, b"responses")),
            b"ports" => return ports(src, empty, &mut h),
            b"os" => {
                let mut os = Os::default();
                os_children(src, empty, &mut os)?;
                os.shrink();
                x.os = Some(os);
                return Ok(());
            }
            b"distance" => x.distance = src.num(&e, b"value"),
            b"uptime" => {
                x.uptime = Some(Uptime {
                    seconds: src.num(&e, b"seconds"),
                    lastboot: src.attr_unique(&e, b"lastboot"),
                })
            }
            b"tcpsequence" => {
                x.tcpsequence = Some(TcpSequence {
                    index: src.num(&e, b"index"),
                    difficulty: src.attr(&e, b"difficulty"),
                    values: src.attr_unique(&e, b"values"),
                    class: src.attr(&e, b"class"),
                })
            }
            b"ipidsequence" => x.ipidsequence = Some(sequence(src, &e)),
            b"tcptssequence" => x.tcptssequence = Some(sequence(src, &e)),
            b"hostscript" => {
                return each_child(src, empty, |src, s, empty| {
                    if s.local_name().into_inner() == b"script" {
                        x.hostscripts.push(script(src, &s, empty)?);
                        Ok(())
                    } else {
                        close(src, empty)
                    }
                });
            }
            b"trace" => {
                let mut t = Trace {
                    proto: src.attr(&e, b"proto"),
                    port: src.num(&e, b"port"),
                    hops: Vec::new(),
                };
                each_child(src, empty, |src, hop, empty| {
                    if hop.local_name().into_inner() == b"hop" {
                        t.hops.push(Hop {
                            ttl: src.num(&hop, b"ttl"),
                            rtt: src.num(&hop, b"rtt"),
                            ipaddr: src.attr_unique(&hop, b"ipaddr"),
                            host: src.attr_unique(&hop, b"host"),
                        });
                    }
                    close(src, empty)
                })?;
                t.hops.shrink_to_fit();
                x.trace = Some(t);
                return Ok(());
            }
            b"times" => {
                h.times = Some(Times {
                    srtt: src.num(&e, b"srtt"),
                    rttvar: src.num(&e, b"rttvar"),
                    to: src.num(&e, b"to"),
                })
            }
            _ => {}
        }
        close(src, empty)
    })?;
    trim(&mut h);
    x.smurfs.shrink_to_fit();
    x.hostscripts.shrink_to_fit();
    h.extra = x.boxed();
    Ok(h)
}

/// Drops the spare capacity the lists grew while parsing: a large run keeps many hosts.
fn trim(h: &mut Host) {
    h.addresses.shrink_to_fit();
    h.hostnames.shrink_to_fit();
    h.extraports.shrink_to_fit();
    h.ports.shrink_to_fit();
    for p in &mut h.ports {
        p.scripts.shrink_to_fit();
    }
}

impl Os {
    /// Drops the spare capacity of the lists (a large run keeps one per host).
    fn shrink(&mut self) {
        self.portused.shrink_to_fit();
        self.osmatches.shrink_to_fit();
        self.osclasses.shrink_to_fit();
        self.osfingerprints.shrink_to_fit();
    }
}

/// Host states nmap.dtd allows.
const HOST_STATES: &[&str] = &["up", "down", "unknown", "skipped"];

/// Port protocols nmap.dtd allows.
const PORT_PROTOCOLS: &[&str] = &["ip", "tcp", "udp", "sctp"];

/// Address types nmap.dtd allows.
const ADDR_TYPES: &[&str] = &["ipv4", "ipv6", "mac"];

fn status<R: XmlInput>(src: &Source<R>, e: &Tag) -> Status {
    Status {
        state: src.choice(e, b"state", HOST_STATES, true),
        reason: src.attr(e, b"reason"),
        reason_ttl: src.num(e, b"reason_ttl"),
    }
}

fn address<R: XmlInput>(src: &Source<R>, e: &Tag) -> Address {
    if e.raw(b"addr").is_none() {
        src.invalid_attr(
            e,
            b"addr",
            None,
            super::violation::Problem::MissingAttribute,
        );
    }
    let addrtype = match src.choice(e, b"addrtype", ADDR_TYPES, false).as_deref() {
        Some("ipv6") => AddrType::Ipv6,
        Some("mac") => AddrType::Mac,
        _ => AddrType::Ipv4,
    };
    Address {
        addr: src.attr_unique(e, b"addr").unwrap_or_default(),
        addrtype,
        vendor: src.attr(e, b"vendor"),
    }
}

fn sequence<R: XmlInput>(src: &Source<R>, e: &Tag) -> Sequence {
    Sequence {
        class: src.attr(e, b"class"),
        values: src.attr_unique(e, b"values"),
    }
}

fn hostnames<R: XmlInput>(src: &mut Source<R>, empty: bool, out: &mut Vec<Hostname>) -> Step<()> {
    each_child(src, empty, |src, e, empty| {
        if e.local_name().into_inner() == b"hostname" {
            out.push(Hostname {
                name: src.attr_unique(&e, b"name"),
                name_type: src.attr(&e, b"type"),
            });
        }
        close(src, empty)
    })
}

fn ports<R: XmlInput>(src: &mut Source<R>, empty: bool, h: &mut Host) -> Step<()> {
    each_child(src, empty, |src, e, empty| {
        match e.local_name().into_inner() {
            b"extraports" => {
                let mut x = ExtraPorts {
                    state: src.attr(&e, b"state"),
                    count: src.num(&e, b"count"),
                    extrareasons: Vec::new(),
                };
                each_child(src, empty, |src, r, empty| {
                    if r.local_name().into_inner() == b"extrareasons" {
                        x.extrareasons.push(ExtraReasons {
                            reason: src.attr(&r, b"reason"),
                            count: src.num(&r, b"count"),
                            proto: src.attr(&r, b"proto"),
                            ports: src.attr_unique(&r, b"ports"),
                        });
                    }
                    close(src, empty)
                })?;
                x.extrareasons.shrink_to_fit();
                h.extraports.push(x);
                Ok(())
            }
            b"port" => {
                let p = port(src, &e, empty)?;
                h.ports.push(p);
                Ok(())
            }
            _ => close(src, empty),
        }
    })
}

fn port<R: XmlInput>(src: &mut Source<R>, start: &Tag, empty: bool) -> Step<Port> {
    let mut p = Port {
        protocol: src.choice(start, b"protocol", PORT_PROTOCOLS, true),
        portid: src.required_num(start, b"portid"),
        ..Port::default()
    };
    each_child(src, empty, |src, e, empty| {
        match e.local_name().into_inner() {
            b"state" => {
                p.state = Some(PortState {
                    state: src.attr(&e, b"state"),
                    reason: src.attr(&e, b"reason"),
                    reason_ttl: src.num(&e, b"reason_ttl"),
                    reason_ip: src.attr_unique(&e, b"reason_ip"),
                })
            }
            b"owner" => p.owner = src.attr(&e, b"name"),
            b"service" => {
                let mut s = service(src, &e);
                each_child(src, empty, |src, c, empty| {
                    if c.local_name().into_inner() == b"cpe" {
                        s.cpes.push(text(src, empty)?);
                        Ok(())
                    } else {
                        close(src, empty)
                    }
                })?;
                s.cpes.shrink_to_fit();
                p.service = Some(s);
                return Ok(());
            }
            b"script" => {
                p.scripts.push(script(src, &e, empty)?);
                return Ok(());
            }
            _ => {}
        }
        close(src, empty)
    })?;
    if p.state.is_none() {
        src.missing_child(start, "state");
    }
    Ok(p)
}

fn service<R: XmlInput>(src: &Source<R>, e: &Tag) -> Service {
    let extra = ServiceExtra {
        tunnel: src.attr(e, b"tunnel"),
        proto: src.attr(e, b"proto"),
        rpcnum: src.num(e, b"rpcnum"),
        lowver: src.num(e, b"lowver"),
        highver: src.num(e, b"highver"),
        hostname: src.attr(e, b"hostname"),
        devicetype: src.attr(e, b"devicetype"),
        servicefp: src.attr_unique(e, b"servicefp"),
    };
    Service {
        name: src.attr(e, b"name"),
        conf: src.num(e, b"conf"),
        method: src.attr(e, b"method"),
        version: src.attr(e, b"version"),
        product: src.attr(e, b"product"),
        extrainfo: src.attr(e, b"extrainfo"),
        ostype: src.attr(e, b"ostype"),
        cpes: Vec::new(),
        extra: extra.boxed(),
    }
}

fn os_children<R: XmlInput>(src: &mut Source<R>, empty: bool, os: &mut Os) -> Step<()> {
    each_child(src, empty, |src, e, empty| {
        match e.local_name().into_inner() {
            b"portused" => {
                os.portused.push(PortUsed {
                    state: src.attr(&e, b"state"),
                    proto: src.attr(&e, b"proto"),
                    portid: src.num(&e, b"portid"),
                });
                close(src, empty)
            }
            b"osmatch" => {
                let mut m = OsMatch {
                    name: src.attr(&e, b"name"),
                    accuracy: src.num(&e, b"accuracy"),
                    line: src.num(&e, b"line"),
                    osclasses: Vec::new(),
                };
                each_child(src, empty, |src, c, empty| {
                    if c.local_name().into_inner() == b"osclass" {
                        m.osclasses.push(osclass(src, &c, empty)?);
                        Ok(())
                    } else {
                        close(src, empty)
                    }
                })?;
                m.osclasses.shrink_to_fit();
                os.osmatches.push(m);
                Ok(())
            }
            b"osclass" => {
                let c = osclass(src, &e, empty)?;
                os.osclasses.push(c);
                Ok(())
            }
            b"osfingerprint" => {
                os.osfingerprints
                    .extend(src.attr_unique(&e, b"fingerprint"));
                close(src, empty)
            }
            _ => close(src, empty),
        }
    })
}

fn osclass<R: XmlInput>(src: &mut Source<R>, e: &Tag, empty: bool) -> Step<OsClass> {
    let mut c = OsClass {
        vendor: src.attr(e, b"vendor"),
        osgen: src.attr(e, b"osgen"),
        device_type: src.attr(e, b"type"),
        accuracy: src.num(e, b"accuracy"),
        osfamily: src.attr(e, b"osfamily"),
        cpes: Vec::new(),
    };
    each_child(src, empty, |src, x, empty| {
        if x.local_name().into_inner() == b"cpe" {
            c.cpes.push(text(src, empty)?);
            Ok(())
        } else {
            close(src, empty)
        }
    })?;
    c.cpes.shrink_to_fit();
    Ok(c)
}
