//! Observations from an nmap run's typed result: open ports, NSE vulns, vulners rows, coverage.

use std::collections::BTreeSet;

use serde_json::Value;

use super::fingerprint::{normalize_host, normalize_id, normalize_title};
use super::outcome::{Detection, HostCoverage, NmapCoverage};
use crate::model::{Cvss, CvssVersion, FindingKey, Severity, SeveritySource};
use crate::providers::nmap::{AddrType, CasibaseResult, NmapRun, Port, Script, ScriptItem};

/// Detections, explicit negatives and coverage read from one nmap result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NmapObservations {
    /// Things found.
    pub detections: Vec<Detection>,
    /// `NOT VULNERABLE` entries.
    pub negatives: Vec<FindingKey>,
    /// What the run covered.
    pub coverage: NmapCoverage,
}

/// Reads the full run under `nmap` when present, else Casibase's `hosts[].ports[]`.
pub fn nmap_observations(result: &CasibaseResult) -> NmapObservations {
    let mut out = NmapObservations::default();
    match &result.nmap {
        Some(run) => read_full(run, &mut out),
        None => read_casibase(result, &mut out),
    }
    out
}

fn read_casibase(result: &CasibaseResult, out: &mut NmapObservations) {
    for h in &result.hosts {
        let host = normalize_host(&h.ip);
        let mut cov = HostCoverage {
            up: h.status == "up",
            ..HostCoverage::default()
        };
        for p in &h.ports {
            let Some((num, proto)) = p.port.split_once('/') else {
                continue;
            };
            let Ok(port) = num.parse::<u16>() else {
                continue;
            };
            let proto = proto.to_ascii_lowercase();
            if p.state == "open" {
                let service = p.service.as_deref().unwrap_or("unknown");
                out.detections.push(port_detection(
                    &host,
                    &proto,
                    port,
                    service,
                    serde_json::json!({"service": service, "version": p.version}),
                ));
            }
            cov.ports.insert((proto, port), p.state.clone());
        }
        out.coverage.hosts.insert(host, cov);
    }
}

fn read_full(run: &NmapRun, out: &mut NmapObservations) {
    for si in &run.scaninfos {
        let proto = si.protocol.as_deref().unwrap_or("tcp").to_ascii_lowercase();
        let ranges = out.coverage.scanned.entry(proto).or_default();
        ranges.extend(si.services.as_deref().map(parse_ranges).unwrap_or_default());
    }
    out.coverage.scripts = selected_scripts(run.args.as_deref().unwrap_or_default());
    for h in &run.hosts {
        let addr = h
            .addresses
            .iter()
            .find(|a| a.addrtype != AddrType::Mac)
            .map_or("", |a| a.addr.as_str());
        let host = normalize_host(addr);
        // A host that hit --host-timeout reported nothing reliable: it covers nothing.
        let timed_out = h.extra().timedout == Some(true);
        let up = !timed_out && h.status.as_ref().and_then(|st| st.state.as_deref()) == Some("up");
        // Unlisted ports count as closed only when nmap accounted for the host's ports at all.
        let accounted = !h.extraports.is_empty() || !h.ports.is_empty();
        let unlisted_closed = accounted
            && h.extraports.iter().all(|e| {
                matches!(
                    e.state.as_deref().unwrap_or_default(),
                    "closed" | "filtered" | "closed|filtered"
                )
            });
        let mut cov = HostCoverage {
            up,
            unlisted_closed,
            ..HostCoverage::default()
        };
        for p in &h.ports {
            read_port(&host, p, &mut cov, out);
        }
        for script in &h.extra().hostscripts {
            read_script(&host, None, script, out);
        }
        out.coverage.hosts.insert(host, cov);
    }
}

fn read_port(host: &str, p: &Port, cov: &mut HostCoverage, out: &mut NmapObservations) {
    let Some(port) = p.portid.and_then(|n| u16::try_from(n).ok()) else {
        return;
    };
    let proto = p.protocol.as_deref().unwrap_or("tcp").to_ascii_lowercase();
    let state = p
        .state
        .as_ref()
        .and_then(|st| st.state.as_deref())
        .unwrap_or("unknown");
    let svc = p.service.as_ref();
    if svc.is_some_and(|s| s.version.is_some() || s.product.is_some()) {
        cov.versioned.insert((proto.clone(), port));
    }
    cov.ports.insert((proto.clone(), port), state.to_owned());
    if state != "open" {
        return;
    }
    let text = |f: fn(&crate::providers::nmap::Service) -> Option<&str>| svc.and_then(f);
    let name = text(|s| s.name.as_deref()).unwrap_or("unknown");
    let evidence = serde_json::json!({
        "service": name, "product": text(|s| s.product.as_deref()),
        "version": text(|s| s.version.as_deref()), "extrainfo": text(|s| s.extrainfo.as_deref()),
        "tunnel": text(|s| s.extra().tunnel.as_deref()),
    });
    out.detections
        .push(port_detection(host, &proto, port, name, evidence));
    for script in &p.scripts {
        read_script(host, Some((&proto, port)), script, out);
    }
}

fn port_detection(host: &str, proto: &str, port: u16, service: &str, ev: Value) -> Detection {
    Detection {
        key: FindingKey::NmapPort {
            host: host.to_owned(),
            protocol: proto.to_owned(),
            port,
        },
        title: format!("Open port {port}/{proto} ({service})"),
        severity: Severity::Info,
        severity_source: SeveritySource::Default,
        cvss: None,
        found_on: format!("{}:{port}/{proto}", bracket(host)),
        evidence: ev,
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// The value of the first `<elem key="key">` among `items`.
fn elem<'a>(items: &'a [ScriptItem], key: &str) -> Option<&'a str> {
    items.iter().find_map(|i| match i {
        ScriptItem::Elem {
            key: Some(k),
            value,
        } if k.as_str() == key => Some(value.as_str()),
        _ => None,
    })
}

/// The `<table>`s among `items`, as (key, children).
fn tables(items: &[ScriptItem]) -> impl Iterator<Item = (Option<&str>, &[ScriptItem])> {
    items.iter().filter_map(|i| match i {
        ScriptItem::Table { key, items } => Some((key.as_deref(), items.as_slice())),
        _ => None,
    })
}

/// The children of the first `<table key="key">` among `items`.
fn subtable<'a>(items: &'a [ScriptItem], key: &str) -> Option<&'a [ScriptItem]> {
    tables(items).find(|(k, _)| *k == Some(key)).map(|(_, t)| t)
}

/// (key, value) of every elem or text among `items`.
fn values(items: &[ScriptItem]) -> impl Iterator<Item = (Option<&str>, &str)> {
    items.iter().filter_map(|i| match i {
        ScriptItem::Elem { key, value } => Some((key.as_deref(), value.as_str())),
        ScriptItem::Text { value } => Some((None, value.as_str())),
        ScriptItem::Table { .. } => None,
    })
}

fn read_script(host: &str, port: Option<(&str, u16)>, script: &Script, out: &mut NmapObservations) {
    let Some(id) = script.id.as_deref().map(str::to_ascii_lowercase) else {
        return;
    };
    out.coverage.scripts.insert(id.clone());
    let found_on = match port {
        Some((proto, p)) => format!("{}:{p}/{proto}", bracket(host)),
        None => bracket(host),
    };
    if id == "vulners" {
        if let Some((proto, p)) = port {
            read_vulners(host, proto, p, script, &found_on, out);
        }
        return;
    }
    for (table_key, t) in tables(&script.items) {
        let Some(state) = elem(t, "state") else {
            continue;
        };
        let title = elem(t, "title").unwrap_or_else(|| table_key.unwrap_or_default());
        let Some(vuln_key) = vuln_key(t, table_key, title) else {
            continue;
        };
        let key = FindingKey::NmapNse {
            host: host.to_owned(),
            protocol: port.map(|(pr, _)| pr.to_owned()).unwrap_or_default(),
            port: port.map(|(_, p)| p),
            script_id: id.clone(),
            vuln_key: vuln_key.clone(),
        };
        let state_u = state.trim().to_ascii_uppercase();
        if state_u.starts_with("NOT VULNERABLE") {
            out.negatives.push(key);
            continue;
        }
        if !state_u.contains("VULNERABLE") {
            continue;
        }
        let (severity, source, cvss) = nse_severity(t, &state_u);
        out.detections.push(Detection {
            key,
            title: format!("{vuln_key} ({id})"),
            severity,
            severity_source: source,
            cvss,
            found_on: found_on.clone(),
            evidence: serde_json::json!({"state": state, "title": title, "output": script.output.as_deref()}),
        });
    }
}

/// CVE id if any, else the first other id sorted, else the normalised title; never `NMAP-<n>`.
fn vuln_key(t: &[ScriptItem], table_key: Option<&str>, title: &str) -> Option<String> {
    let mut ids: Vec<String> = subtable(t, "ids")
        .map(|ids| values(ids).map(|(_, v)| normalize_id(v)).collect())
        .unwrap_or_default();
    ids.sort();
    if let Some(cve) = ids.iter().find(|i| i.starts_with("CVE:")) {
        return Some(cve.trim_start_matches("CVE:").to_owned());
    }
    if let Some(first) = ids.first() {
        return Some(first.clone());
    }
    let table_key = table_key.map(normalize_id).unwrap_or_default();
    if table_key.starts_with("CVE-") {
        return Some(table_key);
    }
    let title = normalize_title(title);
    (!title.is_empty()).then_some(title)
}

fn nse_severity(t: &[ScriptItem], state_u: &str) -> (Severity, SeveritySource, Option<Cvss>) {
    let scores = subtable(t, "scores").map(|sc| {
        values(sc)
            .filter_map(|(key, value)| {
                let v = value.trim().parse::<f64>().ok()?;
                Cvss::new(v, CvssVersion::from_key(key.unwrap_or("CVSS")))
            })
            .collect::<Vec<_>>()
    });
    if let Some(best) = scores.and_then(Cvss::best) {
        return (
            Severity::from_cvss(best.base_score),
            SeveritySource::Cvss,
            Some(best),
        );
    }
    if let Some(sev) = elem(t, "risk_factor").and_then(Severity::from_vendor_rating) {
        return (sev, SeveritySource::RiskFactor, None);
    }
    let sev = if state_u.contains("EXPLOITABLE") {
        Severity::High
    } else {
        Severity::Medium
    };
    (sev, SeveritySource::NseState, None)
}

fn read_vulners(
    host: &str,
    proto: &str,
    port: u16,
    script: &Script,
    on: &str,
    out: &mut NmapObservations,
) {
    for (cpe_key, cpe) in tables(&script.items) {
        let product = cpe_key.unwrap_or_default();
        for (_, row) in tables(cpe) {
            let Some(id) = elem(row, "id").map(normalize_id) else {
                continue;
            };
            let cvss = elem(row, "cvss")
                .and_then(|c| c.trim().parse::<f64>().ok())
                .and_then(|c| Cvss::new(c, CvssVersion::Unknown));
            let (severity, source) = match cvss {
                Some(c) => (Severity::from_cvss(c.base_score), SeveritySource::Cvss),
                None => (Severity::Medium, SeveritySource::Default),
            };
            out.detections.push(Detection {
                key: FindingKey::NmapVulners {
                    host: host.to_owned(),
                    protocol: proto.to_owned(),
                    port,
                    vuln_id: id.clone(),
                },
                title: format!("{id} in {product}"),
                severity,
                severity_source: source,
                cvss,
                found_on: on.to_owned(),
                evidence: serde_json::json!({"cpe": product, "is_exploit": elem(row, "is_exploit"), "type": elem(row, "type")}),
            });
        }
    }
}

/// Port ranges from `scaninfo services` (`"1-1000,3389"`).
pub fn parse_ranges(services: &str) -> Vec<(u16, u16)> {
    services
        .split(',')
        .filter_map(|part| {
            let part = part.trim();
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        })
        .collect()
}

/// Script names and categories selected by `--script`, plus `default` for `-sC`/`-A`.
pub fn selected_scripts(args: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut words = args.split_whitespace();
    while let Some(w) = words.next() {
        let list = if let Some(v) = w.strip_prefix("--script=") {
            Some(v.to_owned())
        } else if w == "--script" {
            words.next().map(str::to_owned)
        } else {
            None
        };
        if w == "-sC" || w == "-A" {
            out.insert("default".to_owned());
        }
        for name in list.iter().flat_map(|l| l.split(',')) {
            let name = name.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}
