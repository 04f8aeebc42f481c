//! Differences between two runs of a scan, like nmap's ndiff (hosts, ports, services, updates).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::fingerprint::normalize_host;
use super::ospatch::pending_updates;

/// A port of a host, e.g. host `10.0.0.1`, port `22/tcp`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PortRef {
    /// Normalised host address.
    pub host: String,
    /// `port/proto`.
    pub port: String,
}

/// A change of one port's state or service between two runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortChange {
    /// Which port.
    #[serde(flatten)]
    pub port: PortRef,
    /// `state service version` before (empty when unlisted).
    pub before: String,
    /// `state service version` after (empty when unlisted).
    pub after: String,
}

/// The difference between an older and a newer run result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDiff {
    /// Hosts up now but not before (down or absent).
    pub hosts_up: Vec<String>,
    /// Hosts up before but not now.
    pub hosts_down: Vec<String>,
    /// Ports open now but not before.
    pub ports_opened: Vec<PortRef>,
    /// Ports open before but not now.
    pub ports_closed: Vec<PortRef>,
    /// Ports open in both whose service name or version changed.
    pub services_changed: Vec<PortChange>,
    /// Pending updates (`name arch`) that appeared.
    pub updates_appeared: Vec<String>,
    /// Pending updates that disappeared (applied).
    pub updates_applied: Vec<String>,
}

impl RunDiff {
    /// True when nothing differs (ndiff exit code 0).
    pub fn is_empty(&self) -> bool {
        *self == RunDiff::default()
    }
}

type Hosts = BTreeMap<String, (bool, BTreeMap<String, (String, String)>)>;

fn hosts(result: &Value) -> Hosts {
    let mut out = Hosts::new();
    for h in result
        .get("hosts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ip = normalize_host(h.get("ip").and_then(Value::as_str).unwrap_or_default());
        let up = h.get("status").and_then(Value::as_str) == Some("up");
        let mut ports = BTreeMap::new();
        for p in h
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let get = |k: &str| {
                p.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let service = format!("{} {}", get("service"), get("version"))
                .trim()
                .to_owned();
            ports.insert(get("port"), (get("state"), service));
        }
        out.insert(ip, (up, ports));
    }
    out
}

fn updates(result: &Value) -> BTreeMap<String, String> {
    pending_updates(result)
        .into_iter()
        .map(|u| {
            (
                format!("{} {}", u.name, u.arch).trim().to_owned(),
                u.candidate,
            )
        })
        .collect()
}

/// Compares two structured results (nmap `hosts[]`, OS patch updates of any backend).
pub fn diff_results(older: &Value, newer: &Value) -> RunDiff {
    let mut d = RunDiff::default();
    let (a, b) = (hosts(older), hosts(newer));
    let empty = BTreeMap::new();
    for (ip, (up, ports)) in &b {
        let before = a.get(ip);
        if *up && !before.is_some_and(|(u, _)| *u) {
            d.hosts_up.push(ip.clone());
        }
        let old_ports = before.map_or(&empty, |(_, p)| p);
        for (port, (state, svc)) in ports {
            let r = PortRef {
                host: ip.clone(),
                port: port.clone(),
            };
            match old_ports.get(port) {
                Some((os, _)) if os != "open" && state == "open" => d.ports_opened.push(r),
                None if state == "open" => d.ports_opened.push(r),
                Some((os, _)) if os == "open" && state != "open" => d.ports_closed.push(r),
                Some((os, osvc)) if os == "open" && state == "open" && osvc != svc => {
                    d.services_changed.push(PortChange {
                        port: r,
                        before: format!("{os} {osvc}").trim().to_owned(),
                        after: format!("{state} {svc}").trim().to_owned(),
                    });
                }
                _ => {}
            }
        }
        for (port, (os, _)) in old_ports {
            if os == "open" && !ports.contains_key(port) && *up {
                d.ports_closed.push(PortRef {
                    host: ip.clone(),
                    port: port.clone(),
                });
            }
        }
    }
    for (ip, (up, _)) in &a {
        if *up && !b.get(ip).is_some_and(|(u, _)| *u) {
            d.hosts_down.push(ip.clone());
        }
    }
    let (ua, ub) = (updates(older), updates(newer));
    d.updates_appeared = ub
        .keys()
        .filter(|k| !ua.contains_key(*k))
        .cloned()
        .collect();
    d.updates_applied = ua
        .keys()
        .filter(|k| !ub.contains_key(*k))
        .cloned()
        .collect();
    d
}
