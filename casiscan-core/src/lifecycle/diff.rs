//! Differences between two runs of a scan, like nmap's ndiff (hosts, ports, services, updates).

use std::collections::BTreeMap;

use serde::Serialize;

use super::fingerprint::normalize_host;
use super::ospatch::pending_updates;
use crate::model::ScanResult;

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
    /// Every category nmap's ndiff reports, when both runs kept their full nmap run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nmap: Option<crate::providers::nmap::RunDiff>,
}

impl RunDiff {
    /// True when nothing differs (ndiff exit code 0).
    pub fn is_empty(&self) -> bool {
        let nmap_empty = self
            .nmap
            .as_ref()
            .is_none_or(crate::providers::nmap::RunDiff::is_empty);
        nmap_empty
            && RunDiff {
                nmap: None,
                ..self.clone()
            } == RunDiff::default()
    }
}

type Hosts = BTreeMap<String, (bool, BTreeMap<String, (String, String)>)>;

fn hosts(result: &ScanResult) -> Hosts {
    let mut out = Hosts::new();
    let ScanResult::Nmap(result) = result else {
        return out;
    };
    for h in &result.hosts {
        let ports = h
            .ports
            .iter()
            .map(|p| {
                let service = format!(
                    "{} {}",
                    p.service.as_deref().unwrap_or_default(),
                    p.version.as_deref().unwrap_or_default()
                )
                .trim()
                .to_owned();
                (p.port.clone(), (p.state.clone(), service))
            })
            .collect();
        out.insert(normalize_host(&h.ip), (h.status == "up", ports));
    }
    out
}

fn updates(result: &ScanResult) -> BTreeMap<String, String> {
    match result {
        ScanResult::OsPatch(r) => r
            .report
            .iter()
            .flat_map(pending_updates)
            .map(|(k, v)| (k, v.to_owned()))
            .collect(),
        ScanResult::Nmap(_) | ScanResult::PatchInstall(_) => BTreeMap::new(),
    }
}

/// True when `result` holds its nmap run and that run says it did not scan `port` (`22/tcp`).
fn unscanned(result: &ScanResult, port: &str) -> bool {
    let ScanResult::Nmap(r) = result else {
        return false;
    };
    let (Some(run), Some((id, proto))) = (&r.nmap, port.split_once('/')) else {
        return false;
    };
    id.parse()
        .ok()
        .and_then(|id| crate::providers::nmap::scanned(run, id, proto))
        == Some(false)
}

/// Compares two results (nmap hosts and ports, OS patch updates of any backend).
pub fn diff_results(older: &ScanResult, newer: &ScanResult) -> RunDiff {
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
            // A port the newer run did not scan is unknown there, not closed.
            if os == "open" && !ports.contains_key(port) && *up && !unscanned(newer, port) {
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
    if let (ScanResult::Nmap(a), ScanResult::Nmap(b)) = (older, newer)
        && let (Some(a), Some(b)) = (&a.nmap, &b.nmap)
    {
        d.nmap = Some(crate::providers::nmap::diff(a, b));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::nmap::{self, casibase_result};

    fn recorded(name: &str) -> ScanResult {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/nmap/diff")
            .join(name);
        ScanResult::Nmap(casibase_result(nmap::parse_file(&path).expect("parse")))
    }

    #[test]
    fn stored_nmap_runs_get_ndiffs_categories_and_unscanned_ports_are_not_closed() {
        let (before, after) = (recorded("before.xml"), recorded("after.xml"));
        let d = diff_results(&before, &after);
        let host = "127.0.0.1".to_string();
        assert_eq!(
            d.ports_opened,
            [PortRef {
                host: host.clone(),
                port: "18081/tcp".into()
            }]
        );
        // 18080 was open before and is not in the newer run's port range: unknown, not closed.
        assert!(d.ports_closed.is_empty(), "{:?}", d.ports_closed);
        let full = d.nmap.as_ref().expect("both runs kept their nmap run");
        assert_eq!(full.hosts.len(), 1);
        assert_eq!(full.hosts[0].ports.len(), 3);
        let json = serde_json::to_value(&d).expect("json");
        assert!(json["hostsUp"].is_array() && json["nmap"]["hosts"].is_array());
        assert!(!d.is_empty());
        let same = diff_results(&before, &before);
        assert!(same.is_empty(), "{same:?}");
        assert!(same.nmap.is_some());
    }
}
