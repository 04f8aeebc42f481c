//! What nmap's ndiff compares of a host and a port: the view of one run that a diff pairs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{AddrType, Host, Port, Script, Text};

/// A host as a diff sees it in one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSide {
    /// `up`, `down`, … (`None`: the run has no `<status>`, which ndiff calls unknown).
    pub state: Option<Text>,
    /// IPv4 and IPv6 addresses, sorted (IPv4 first), without repeats.
    pub addresses: Vec<Text>,
    /// The MAC address, if any.
    pub mac: Option<Text>,
    /// Host names, sorted, without repeats.
    pub hostnames: Vec<Text>,
    /// Ports not listed one by one: `(state, count)` in file order, one entry per state.
    pub extraports: Vec<ExtraCount>,
    /// OS match names, best first.
    pub os: Vec<Text>,
    /// How many host scripts reported output.
    pub script_count: usize,
}

/// How many ports of one state a run did not list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraCount {
    /// Their state (`None` when the file gave none).
    pub state: Option<Text>,
    /// How many.
    pub count: u64,
}

/// A port as a diff sees it in one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortSide {
    /// Its state (`open`, `closed`, `open|filtered`, …).
    pub state: Text,
    /// What version detection (or the services table) named it.
    pub service: ServiceSide,
}

/// The service fields ndiff shows; `tunnel` is shown but not compared.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ServiceSide {
    /// Service name.
    pub name: Option<Text>,
    /// Product.
    pub product: Option<Text>,
    /// Version.
    pub version: Option<Text>,
    /// Extra information.
    pub extrainfo: Option<Text>,
    /// `ssl` when tunnelled.
    pub tunnel: Option<Text>,
}

impl ServiceSide {
    /// Equal as ndiff compares services (name, product, version, extra information).
    pub fn same(&self, other: &ServiceSide) -> bool {
        (&self.name, &self.product, &self.version, &self.extrainfo)
            == (
                &other.name,
                &other.product,
                &other.version,
                &other.extrainfo,
            )
    }

    /// nmap's SERVICE column: `ssl/http`.
    pub fn name_string(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.tunnel, &self.name]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// nmap's VERSION column: `OpenSSH 9.2p1 (protocol 2.0)`.
    pub fn version_string(&self) -> Option<String> {
        let mut parts: Vec<String> = [&self.product, &self.version]
            .into_iter()
            .filter_map(|p| p.as_deref().map(str::to_owned))
            .collect();
        if let Some(extra) = &self.extrainfo {
            parts.push(format!("({extra})"));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// A port's identity: protocol number order as ndiff sorts them, by number then protocol.
pub type PortKey = (u32, Text);

/// The parts of one host a diff compares, with its ports and scripts.
pub(crate) struct HostView {
    pub side: HostSide,
    pub ports: BTreeMap<PortKey, (PortSide, Vec<Script>)>,
    pub scripts: Vec<Script>,
}

impl HostView {
    /// Projects a host; ports without a number, protocol or state are left out, as ndiff does.
    pub fn of(host: &Host) -> Self {
        let mut ips: Vec<(u8, Text)> = Vec::new();
        let mut mac = None;
        for a in &host.addresses {
            match a.addrtype {
                AddrType::Ipv4 => ips.push((0, a.addr.clone())),
                AddrType::Ipv6 => ips.push((1, a.addr.clone())),
                AddrType::Mac => mac = mac.or_else(|| Some(a.addr.clone())),
            }
        }
        ips.sort();
        ips.dedup();
        let mut hostnames: Vec<Text> = host
            .hostnames
            .iter()
            .filter_map(|h| h.name.clone())
            .collect();
        hostnames.sort();
        hostnames.dedup();
        let mut extraports: Vec<ExtraCount> = Vec::new();
        for x in &host.extraports {
            let count = x.count.unwrap_or(0);
            match extraports.iter_mut().find(|e| e.state == x.state) {
                Some(e) => e.count = count,
                None => extraports.push(ExtraCount {
                    state: x.state.clone(),
                    count,
                }),
            }
        }
        let os = host
            .extra()
            .os
            .iter()
            .flat_map(|os| &os.osmatches)
            .filter_map(|m| m.name.clone())
            .collect();
        let ports = host.ports.iter().filter_map(port_view).collect();
        let scripts = sorted_scripts(&host.extra().hostscripts);
        HostView {
            side: HostSide {
                state: host.status.as_ref().and_then(|s| s.state.clone()),
                addresses: ips.into_iter().map(|(_, a)| a).collect(),
                mac,
                hostnames,
                extraports,
                os,
                script_count: scripts.len(),
            },
            ports,
            scripts,
        }
    }

    /// ndiff's host identity: its first address, then its first host name (`None` when it has
    /// neither: such a host matches no other).
    pub fn key(&self) -> Option<(Option<Text>, Option<Text>)> {
        let first_address = self
            .side
            .addresses
            .first()
            .or(self.side.mac.as_ref())
            .cloned();
        let first_name = self.side.hostnames.first().cloned();
        (first_address.is_some() || first_name.is_some()).then_some((first_address, first_name))
    }
}

impl HostSide {
    /// True when ndiff leaves a port of this state out (its state is unknown or summarised).
    pub fn is_extraports(&self, state: Option<&str>) -> bool {
        state.is_none_or(|s| {
            self.extraports
                .iter()
                .any(|e| e.state.as_deref() == Some(s))
        })
    }

    /// The name ndiff prints: `names (addresses)`, addresses alone, or `<no name>`.
    pub fn display_name(&self) -> String {
        let addresses: Vec<&str> = self
            .addresses
            .iter()
            .chain(self.mac.as_ref())
            .map(Text::as_str)
            .collect();
        let addresses = addresses.join(", ");
        let names = self
            .hostnames
            .iter()
            .map(Text::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        match (names.is_empty(), addresses.is_empty()) {
            (false, false) => format!("{names} ({addresses})"),
            (false, true) => names,
            (true, false) => addresses,
            (true, true) => "<no name>".into(),
        }
    }
}

fn port_view(p: &Port) -> Option<(PortKey, (PortSide, Vec<Script>))> {
    let state = p.state.as_ref()?.state.clone()?;
    let key = (p.portid?, p.protocol.clone()?);
    let service = p
        .service
        .as_ref()
        .map_or_else(ServiceSide::default, |s| ServiceSide {
            name: s.name.clone(),
            product: s.product.clone(),
            version: s.version.clone(),
            extrainfo: s.extrainfo.clone(),
            tunnel: s.extra().tunnel.clone(),
        });
    Some((
        key,
        (PortSide { state, service }, sorted_scripts(&p.scripts)),
    ))
}

/// Scripts with an id and output, sorted by id then output (the order ndiff compares them in).
pub(crate) fn sorted_scripts(scripts: &[Script]) -> Vec<Script> {
    let mut out: Vec<Script> = scripts
        .iter()
        .filter(|s| s.id.is_some() && s.output.is_some())
        .cloned()
        .collect();
    out.sort_by(|a, b| (&a.id, &a.output).cmp(&(&b.id, &b.output)));
    out
}
