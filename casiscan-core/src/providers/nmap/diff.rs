//! The difference between two nmap runs, in every category nmap's `ndiff` reports.
//!
//! Hosts are paired as ndiff pairs them: by their first address and first host name, both runs
//! sorted by that key, equal keys paired in order (a target listed twice is compared twice). A
//! port listed in one run only is compared against `None`, which ndiff prints as "unknown":
//! [`PortDiff::scanned_after`] tells whether the newer run scanned it at all.

use serde::{Deserialize, Serialize};

use super::diff_side::{HostSide, HostView, PortKey, PortSide};
use super::model::{NmapRun, Script, Text};
use super::port_list::scanned;

/// A value before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change<T> {
    /// In the older run.
    pub before: T,
    /// In the newer run.
    pub after: T,
}

/// A field of the run itself (outside hosts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunField {
    /// `nmaprun@scanner`.
    Scanner,
    /// `nmaprun@version`.
    Version,
    /// `nmaprun@args`.
    Args,
    /// `nmaprun@start`, Unix seconds.
    Start,
    /// `finished@time`, Unix seconds.
    End,
    /// The scan types, `type/protocol` per `<scaninfo>`.
    ScanTypes,
    /// `hosts@up` of runstats.
    HostsUp,
    /// `hosts@down` of runstats.
    HostsDown,
    /// `hosts@total` of runstats.
    HostsTotal,
}

/// A changed run field, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Which field.
    pub field: RunField,
    /// Its value in the older run.
    pub before: Option<String>,
    /// Its value in the newer run.
    pub after: Option<String>,
}

/// A script whose output differs, or that ran in one run only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptDiff {
    /// Script id.
    pub id: Text,
    /// Its output in the older run (`None`: it did not run).
    pub before: Option<Text>,
    /// Its output in the newer run (`None`: it did not run).
    pub after: Option<Text>,
}

/// What changed about a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortChange {
    /// Listed only in the newer run (unknown before).
    Appeared,
    /// Listed only in the older run (unknown now).
    Vanished,
    /// Its state changed.
    State,
    /// Its service (name, product, version, extra information) changed.
    Service,
    /// A script's output changed, or a script ran in one run only.
    Scripts,
}

/// One port that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortDiff {
    /// Port number.
    pub portid: u32,
    /// `tcp`, `udp`, `sctp`, `ip`.
    pub protocol: Text,
    /// The port in the older run (`None`: not listed, i.e. unknown or summarised).
    pub before: Option<PortSide>,
    /// The port in the newer run (`None`: not listed).
    pub after: Option<PortSide>,
    /// Whether the newer run's scan covered this port (`None`: the run does not say).
    pub scanned_after: Option<bool>,
    /// Every kind of change, in [`PortChange`] order.
    pub changes: Vec<PortChange>,
    /// Script output differences.
    pub scripts: Vec<ScriptDiff>,
}

/// What changed about a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostChange {
    /// Only in the newer run.
    Appeared,
    /// Only in the older run.
    Vanished,
    /// Its state (`up`, `down`) changed.
    State,
    /// Its IP addresses changed.
    Addresses,
    /// Its MAC address changed.
    Mac,
    /// Its host names changed.
    Hostnames,
    /// Its summarised ports (`extraports`) changed.
    Extraports,
    /// A listed port changed.
    Ports,
    /// Its OS matches changed.
    Os,
    /// A host script's output changed.
    Scripts,
}

/// One host that differs (or, in [`RunDiff::unchanged`], the count of those that do not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostDiff {
    /// The host in the older run (`None`: absent).
    pub before: Option<HostSide>,
    /// The host in the newer run (`None`: absent).
    pub after: Option<HostSide>,
    /// Every kind of change, in [`HostChange`] order.
    pub changes: Vec<HostChange>,
    /// Listed ports that differ, by number then protocol.
    pub ports: Vec<PortDiff>,
    /// Host script differences.
    pub scripts: Vec<ScriptDiff>,
    /// ndiff's cost of this host's changes (its exit status is 1 when any host costs > 0).
    pub cost: u64,
}

impl HostDiff {
    /// The name ndiff prints for the host (the newer run's, when present).
    pub fn name(&self) -> String {
        self.after
            .as_ref()
            .or(self.before.as_ref())
            .map_or_else(|| "<no name>".into(), HostSide::display_name)
    }
}

/// Everything that differs between an older and a newer nmap run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunDiff {
    /// Changed run fields.
    pub run: Vec<FieldChange>,
    /// Pre-scan script differences.
    pub prescripts: Vec<ScriptDiff>,
    /// Hosts that differ, in ndiff's order (by address, then host name).
    pub hosts: Vec<HostDiff>,
    /// How many paired hosts did not change.
    pub unchanged: u64,
    /// Post-scan script differences.
    pub postscripts: Vec<ScriptDiff>,
}

impl RunDiff {
    /// True when nothing differs at all, run fields and scripts included.
    pub fn is_empty(&self) -> bool {
        self.run.is_empty()
            && self.prescripts.is_empty()
            && self.hosts.is_empty()
            && self.postscripts.is_empty()
    }

    /// ndiff's total cost: host changes only (ndiff exits 0 when it is 0, else 1).
    pub fn cost(&self) -> u64 {
        self.hosts.iter().map(|h| h.cost).sum()
    }
}

/// Compares an older run `a` with a newer run `b` as nmap's ndiff does.
pub fn diff(a: &NmapRun, b: &NmapRun) -> RunDiff {
    let mut out = RunDiff {
        run: run_fields(a, b),
        prescripts: script_diffs(
            &super::diff_side::sorted_scripts(&a.prescripts),
            &super::diff_side::sorted_scripts(&b.prescripts),
        ),
        postscripts: script_diffs(
            &super::diff_side::sorted_scripts(&a.postscripts),
            &super::diff_side::sorted_scripts(&b.postscripts),
        ),
        ..RunDiff::default()
    };
    let sorted = |run: &NmapRun| {
        let mut views: Vec<HostView> = run.hosts.iter().map(HostView::of).collect();
        // Stable: hosts of one key keep their order, so a target listed twice pairs in order.
        views.sort_by_key(HostView::key);
        views
    };
    let (va, vb) = (sorted(a), sorted(b));
    let budget = super::line_diff::Budget::default();
    let (mut i, mut j) = (0, 0);
    loop {
        use std::cmp::Ordering;
        let (x, y) = (va.get(i), vb.get(j));
        // A host without address or name matches nothing (its key sorts first).
        let order = match (x.map(HostView::key), y.map(HostView::key)) {
            (None, None) => break,
            (Some(_), None) | (Some(None), Some(_)) => Ordering::Less,
            (None, Some(_)) | (Some(Some(_)), Some(None)) => Ordering::Greater,
            (Some(Some(kx)), Some(Some(ky))) => kx.cmp(&ky),
        };
        let pair = match order {
            Ordering::Less => (x, None),
            Ordering::Greater => (None, y),
            Ordering::Equal => (x, y),
        };
        i += usize::from(pair.0.is_some());
        j += usize::from(pair.1.is_some());
        let host = host_diff(pair.0, pair.1, b, &budget);
        if host.cost > 0 {
            out.hosts.push(host);
        } else {
            out.unchanged += 1;
        }
    }
    out
}

fn host_diff(
    a: Option<&HostView>,
    b: Option<&HostView>,
    run_b: &NmapRun,
    budget: &super::line_diff::Budget,
) -> HostDiff {
    let side = |v: Option<&HostView>| v.map(|v| v.side.clone());
    let empty = HostSide {
        state: None,
        addresses: Vec::new(),
        mac: None,
        hostnames: Vec::new(),
        extraports: Vec::new(),
        os: Vec::new(),
        script_count: 0,
    };
    let sa = a.map_or(&empty, |v| &v.side);
    let sb = b.map_or(&empty, |v| &v.side);
    let mut changes = Vec::new();
    let mut cost = 0u64;
    match (a, b) {
        (None, Some(_)) => changes.push(HostChange::Appeared),
        (Some(_), None) => changes.push(HostChange::Vanished),
        _ => {}
    }
    if sa.state != sb.state {
        changes.push(HostChange::State);
        cost += 1;
    }
    let id_parts = [
        (sa.addresses != sb.addresses, HostChange::Addresses),
        (sa.mac != sb.mac, HostChange::Mac),
        (sa.hostnames != sb.hostnames, HostChange::Hostnames),
    ];
    let mut id_changed = false;
    for (changed, kind) in id_parts {
        if changed {
            changes.push(kind);
            id_changed = true;
        }
    }
    cost += u64::from(id_changed);
    if sa.extraports != sb.extraports {
        changes.push(HostChange::Extraports);
        cost += 1;
    }
    let no_ports = std::collections::BTreeMap::new();
    let pa = a.map_or(&no_ports, |v| &v.ports);
    let pb = b.map_or(&no_ports, |v| &v.ports);
    let mut keys: Vec<&PortKey> = pa.keys().chain(pb.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut ports = Vec::new();
    for key in keys {
        let (x, y) = (pa.get(key), pb.get(key));
        let state_a = x.map(|(p, _)| p.state.as_str());
        let state_b = y.map(|(p, _)| p.state.as_str());
        if sa.is_extraports(state_a) && sb.is_extraports(state_b) {
            continue;
        }
        if let Some(port) = port_diff(key, x, y, run_b) {
            cost += port_cost(&port);
            ports.push(port);
        }
    }
    if !ports.is_empty() {
        changes.push(HostChange::Ports);
    }
    let os_cost = super::line_diff::changed_runs(&sa.os, &sb.os, budget);
    if os_cost > 0 {
        changes.push(HostChange::Os);
        cost += os_cost;
    }
    let scripts = script_diffs(
        a.map_or(&[][..], |v| &v.scripts),
        b.map_or(&[][..], |v| &v.scripts),
    );
    if !scripts.is_empty() {
        changes.push(HostChange::Scripts);
        cost += scripts.len() as u64;
    }
    HostDiff {
        before: side(a),
        after: side(b),
        changes,
        ports,
        scripts,
        cost,
    }
}

/// ndiff's cost of a port: one per changed state and service, one per script difference.
fn port_cost(p: &PortDiff) -> u64 {
    let state = p.before.as_ref().map(|s| &s.state) != p.after.as_ref().map(|s| &s.state);
    let service = match (&p.before, &p.after) {
        (Some(x), Some(y)) => !x.service.same(&y.service),
        (Some(x), None) | (None, Some(x)) => !x.service.same(&Default::default()),
        (None, None) => false,
    };
    u64::from(state) + u64::from(service) + p.scripts.len() as u64
}

type PortEntry = (PortSide, Vec<Script>);

fn port_diff(
    key: &PortKey,
    a: Option<&PortEntry>,
    b: Option<&PortEntry>,
    run_b: &NmapRun,
) -> Option<PortDiff> {
    let scripts = script_diffs(a.map_or(&[][..], |(_, s)| s), b.map_or(&[][..], |(_, s)| s));
    let mut changes = Vec::new();
    match (a, b) {
        (None, Some(_)) => changes.push(PortChange::Appeared),
        (Some(_), None) => changes.push(PortChange::Vanished),
        (Some((x, _)), Some((y, _))) => {
            if x.state != y.state {
                changes.push(PortChange::State);
            }
            if !x.service.same(&y.service) {
                changes.push(PortChange::Service);
            }
        }
        (None, None) => {}
    }
    if !scripts.is_empty() {
        changes.push(PortChange::Scripts);
    }
    let port = PortDiff {
        portid: key.0,
        protocol: key.1.clone(),
        before: a.map(|(p, _)| p.clone()),
        after: b.map(|(p, _)| p.clone()),
        scanned_after: match b {
            Some(_) => Some(true),
            None => scanned(run_b, key.0, &key.1),
        },
        changes,
        scripts,
    };
    (port_cost(&port) > 0).then_some(port)
}

/// Pairs two script lists sorted by id (then output) as ndiff does: by id, in order.
fn script_diffs(a: &[Script], b: &[Script]) -> Vec<ScriptDiff> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    let id = |s: &Script| s.id.clone().unwrap_or_default();
    while i < a.len() || j < b.len() {
        let (x, y) = (a.get(i), b.get(j));
        let order = match (x, y) {
            (Some(x), Some(y)) => x.id.cmp(&y.id),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match (order, x, y) {
            (std::cmp::Ordering::Less, Some(x), _) => {
                out.push(ScriptDiff {
                    id: id(x),
                    before: x.output.clone(),
                    after: None,
                });
                i += 1;
            }
            (std::cmp::Ordering::Greater, _, Some(y)) => {
                out.push(ScriptDiff {
                    id: id(y),
                    before: None,
                    after: y.output.clone(),
                });
                j += 1;
            }
            (_, Some(x), Some(y)) => {
                if x.output != y.output {
                    out.push(ScriptDiff {
                        id: id(x),
                        before: x.output.clone(),
                        after: y.output.clone(),
                    });
                }
                i += 1;
                j += 1;
            }
            _ => break,
        }
    }
    out
}

fn run_fields(a: &NmapRun, b: &NmapRun) -> Vec<FieldChange> {
    let text = |t: &Option<Text>| t.as_ref().map(|t| t.to_string());
    let num = |n: Option<i64>| n.map(|n| n.to_string());
    let end = |r: &NmapRun| {
        r.runstats
            .as_ref()
            .and_then(|s| s.finished.as_ref())
            .and_then(|f| f.time)
    };
    let counts = |r: &NmapRun| r.runstats.as_ref().and_then(|s| s.hosts.clone());
    let scan_types = |r: &NmapRun| {
        (!r.scaninfos.is_empty()).then(|| {
            r.scaninfos
                .iter()
                .map(|s| {
                    format!(
                        "{}/{}",
                        s.scan_type.as_deref().unwrap_or("?"),
                        s.protocol.as_deref().unwrap_or("?")
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    let count = |r: &NmapRun, f: fn(&super::model::HostCounts) -> Option<u64>| {
        counts(r).as_ref().and_then(f).map(|n| n.to_string())
    };
    let fields = [
        (RunField::Scanner, text(&a.scanner), text(&b.scanner)),
        (RunField::Version, text(&a.version), text(&b.version)),
        (RunField::Args, text(&a.args), text(&b.args)),
        (RunField::Start, num(a.start), num(b.start)),
        (RunField::End, num(end(a)), num(end(b))),
        (RunField::ScanTypes, scan_types(a), scan_types(b)),
        (RunField::HostsUp, count(a, |c| c.up), count(b, |c| c.up)),
        (
            RunField::HostsDown,
            count(a, |c| c.down),
            count(b, |c| c.down),
        ),
        (
            RunField::HostsTotal,
            count(a, |c| c.total),
            count(b, |c| c.total),
        ),
    ];
    fields
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(field, before, after)| FieldChange {
            field,
            before,
            after,
        })
        .collect()
}
