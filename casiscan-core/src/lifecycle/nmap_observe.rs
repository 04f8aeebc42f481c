//! Detections and coverage from an nmap run: open ports and NSE vulnerability results.

use std::collections::{HashMap, HashSet};

use super::engine::{ScanOutcome, ScanStatus};
use super::finding::{Detection, Finding, FindingKind, Severity};
use crate::providers::nmap::{AddrType, Host, NmapRun, Port, Script, ScriptItem};

fn host_ip(h: &Host) -> Option<String> {
    let a = h.addresses.iter().find(|a| a.addrtype != AddrType::Mac)?;
    Some(
        a.addr
            .parse::<std::net::IpAddr>()
            .map_or_else(|_| a.addr.to_lowercase(), |ip| ip.to_string()),
    )
}

fn up(h: &Host) -> bool {
    h.status.as_ref().and_then(|s| s.state.as_deref()) == Some("up")
}

fn port_state(p: &Port) -> &str {
    p.state
        .as_ref()
        .and_then(|s| s.state.as_deref())
        .unwrap_or("unknown")
}

fn elem<'a>(items: &'a [ScriptItem], key: &str) -> Option<&'a str> {
    items.iter().find_map(|i| match i {
        ScriptItem::Elem {
            key: Some(k),
            value,
        } if k == key => Some(value.as_str()),
        _ => None,
    })
}

fn table<'a>(items: &'a [ScriptItem], key: &str) -> Option<&'a [ScriptItem]> {
    items.iter().find_map(|i| match i {
        ScriptItem::Table {
            key: Some(k),
            items,
        } if k == key => Some(items.as_slice()),
        _ => None,
    })
}

/// A vulns-library table: `(key, title, state, severity, cvss)`.
fn vulns(script: &Script) -> Vec<(String, String, String, Severity, Option<f64>)> {
    let mut out = Vec::new();
    for item in &script.items {
        let ScriptItem::Table { key, items } = item else {
            continue;
        };
        let Some(state) = elem(items, "state") else {
            continue;
        };
        let vuln_key = key.clone().unwrap_or_default().trim().to_uppercase();
        let title = elem(items, "title").unwrap_or(&vuln_key).to_string();
        let cvss = table(items, "scores").and_then(|s| {
            ["CVSSv4", "CVSSv3", "CVSS", "CVSSv2"]
                .iter()
                .find_map(|k| elem(s, k)?.trim().parse::<f64>().ok())
        });
        let severity = match (cvss, elem(items, "risk_factor")) {
            (Some(c), _) => Severity::from_cvss(c),
            (None, Some(r)) if r.eq_ignore_ascii_case("high") => Severity::High,
            (None, Some(r)) if r.eq_ignore_ascii_case("low") => Severity::Low,
            (None, Some(_)) => Severity::Medium,
            (None, None) if state.contains("Exploitable") => Severity::High,
            (None, None) => Severity::Medium,
        };
        out.push((vuln_key, title, state.to_string(), severity, cvss));
    }
    out
}

/// Port ranges nmap scanned, per protocol, from `<scaninfo services>`.
fn scanned(run: &NmapRun) -> HashMap<String, Vec<(u32, u32)>> {
    let mut out: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
    for info in &run.scaninfos {
        let (Some(proto), Some(services)) = (&info.protocol, &info.services) else {
            continue;
        };
        for part in services.split(',') {
            let (lo, hi) = part.split_once('-').unwrap_or((part, part));
            if let (Ok(lo), Ok(hi)) = (lo.trim().parse(), hi.trim().parse()) {
                out.entry(proto.clone()).or_default().push((lo, hi));
            }
        }
    }
    out
}

/// Scripts selected for the run: every script id seen, and those named with `--script`.
fn selected_scripts(run: &NmapRun) -> HashSet<String> {
    let mut out: HashSet<String> = run
        .hosts
        .iter()
        .flat_map(|h| {
            h.ports
                .iter()
                .flat_map(|p| &p.scripts)
                .chain(&h.hostscripts)
        })
        .filter_map(|s| s.id.clone())
        .collect();
    let args: Vec<&str> = run
        .args
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    for (i, a) in args.iter().enumerate() {
        let names = match a.strip_prefix("--script=") {
            Some(v) => Some(v),
            None if *a == "--script" => args.get(i + 1).copied(),
            None => None,
        };
        out.extend(
            names
                .into_iter()
                .flat_map(|n| n.split(','))
                .map(|n| n.trim().to_lowercase()),
        );
    }
    out
}

/// Builds the lifecycle input of one nmap run.
pub fn nmap_outcome(run: &NmapRun, status: ScanStatus) -> ScanOutcome {
    let mut detections = Vec::new();
    let mut negatives = Vec::new();
    let mut states: HashMap<(String, String, String), String> = HashMap::new();
    let mut up_hosts = HashSet::new();
    for h in &run.hosts {
        let Some(ip) = host_ip(h) else { continue };
        if up(h) {
            up_hosts.insert(ip.clone());
        }
        for p in &h.ports {
            let proto = p
                .protocol
                .clone()
                .unwrap_or_else(|| "tcp".into())
                .to_lowercase();
            let port = p.portid.map(|n| n.to_string()).unwrap_or_default();
            states.insert(
                (ip.clone(), proto.clone(), port.clone()),
                port_state(p).to_string(),
            );
            let found_on = format!("{ip}:{port}/{proto}");
            if port_state(p) == "open" {
                let svc = p.service.as_ref();
                let name = svc
                    .and_then(|s| s.name.clone())
                    .unwrap_or_else(|| "unknown".into());
                let detail = svc
                    .map(|s| {
                        [&s.product, &s.version, &s.extrainfo]
                            .into_iter()
                            .flatten()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default();
                detections.push(Detection {
                    kind: FindingKind::NmapPort,
                    key: vec![ip.clone(), proto.clone(), port.clone()],
                    title: format!("Open port {port}/{proto} ({name})"),
                    severity: Severity::Info,
                    cvss: None,
                    found_on: found_on.clone(),
                    detail,
                });
            }
            script_findings(
                &p.scripts,
                [&ip, &proto, &port],
                &found_on,
                &mut detections,
                &mut negatives,
            );
        }
        script_findings(
            &h.hostscripts,
            [&ip, "", "host"],
            &ip,
            &mut detections,
            &mut negatives,
        );
    }
    let scanned = scanned(run);
    let selected = selected_scripts(run);
    let covers = move |f: &Finding| -> bool {
        let [host, proto, port, rest @ ..] = f.key.as_slice() else {
            return false;
        };
        if !up_hosts.contains(host) {
            return false;
        }
        let in_scope = port.parse::<u32>().is_ok_and(|n| {
            scanned
                .get(proto)
                .is_some_and(|r| r.iter().any(|(lo, hi)| (*lo..=*hi).contains(&n)))
        });
        let state = states
            .get(&(host.clone(), proto.clone(), port.clone()))
            .map(String::as_str);
        // A scanned port that is not listed was summarised in extraports: closed or filtered.
        let gone = in_scope
            && matches!(
                state,
                None | Some("closed" | "filtered" | "closed|filtered")
            );
        match f.kind {
            super::finding::FindingKind::NmapPort => gone,
            super::finding::FindingKind::NmapNse => {
                let script = rest.first().map(String::as_str).unwrap_or("");
                gone || ((state == Some("open") || port == "host") && selected.contains(script))
            }
            super::finding::FindingKind::OsPatchAdvisory => false,
        }
    };
    ScanOutcome {
        status,
        detections,
        negatives,
        covers: Box::new(covers),
    }
}

fn script_findings(
    scripts: &[Script],
    [ip, proto, port]: [&str; 3],
    found_on: &str,
    detections: &mut Vec<Detection>,
    negatives: &mut Vec<Vec<String>>,
) {
    for s in scripts {
        let id = s.id.clone().unwrap_or_default().to_lowercase();
        for (vuln, title, state, severity, cvss) in vulns(s) {
            let key = vec![
                ip.to_string(),
                proto.to_string(),
                port.to_string(),
                id.clone(),
                vuln.clone(),
            ];
            if state.starts_with("NOT VULNERABLE") {
                negatives.push(key);
                continue;
            }
            if !state.contains("VULNERABLE") {
                continue;
            }
            detections.push(Detection {
                kind: FindingKind::NmapNse,
                key,
                title: format!("{vuln} ({id}): {title}"),
                severity,
                cvss,
                found_on: found_on.to_string(),
                detail: state,
            });
        }
    }
}
