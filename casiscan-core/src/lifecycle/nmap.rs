//! Observations from an nmap run's structured `result`: open ports, NSE vulns, vulners rows, coverage.

use std::collections::BTreeSet;

use serde_json::Value;

use super::fingerprint::{normalize_host, normalize_id, normalize_title};
use super::outcome::{Detection, HostCoverage, NmapCoverage};
use crate::model::{Cvss, CvssVersion, FindingKey, Severity, SeveritySource};

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

/// Reads the full model under `result.nmap` when present, else Casibase's `hosts[].ports[]` keys.
pub fn nmap_observations(result: &Value) -> NmapObservations {
    let mut out = NmapObservations::default();
    match result.get("nmap") {
        Some(run) if run.is_object() => read_full(run, &mut out),
        _ => read_casibase(result, &mut out),
    }
    out
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn read_casibase(result: &Value, out: &mut NmapObservations) {
    for h in arr(result, "hosts") {
        let host = normalize_host(s(h, "ip").unwrap_or_default());
        let mut cov = HostCoverage {
            up: s(h, "status") == Some("up"),
            ..HostCoverage::default()
        };
        for p in arr(h, "ports") {
            let Some((num, proto)) = s(p, "port").and_then(|x| x.split_once('/')) else {
                continue;
            };
            let Ok(port) = num.parse::<u16>() else {
                continue;
            };
            let proto = proto.to_ascii_lowercase();
            let state = s(p, "state").unwrap_or("unknown").to_owned();
            if state == "open" {
                let service = s(p, "service").unwrap_or("unknown");
                out.detections.push(port_detection(
                    &host,
                    &proto,
                    port,
                    service,
                    serde_json::json!({"service": service, "version": s(p, "version")}),
                ));
            }
            cov.ports.insert((proto, port), state);
        }
        out.coverage.hosts.insert(host, cov);
    }
}

fn read_full(run: &Value, out: &mut NmapObservations) {
    for si in arr(run, "scaninfos") {
        let proto = s(si, "protocol").unwrap_or("tcp").to_ascii_lowercase();
        let ranges = out.coverage.scanned.entry(proto).or_default();
        ranges.extend(s(si, "services").map(parse_ranges).unwrap_or_default());
    }
    out.coverage.scripts = selected_scripts(s(run, "args").unwrap_or_default());
    for h in arr(run, "hosts") {
        let addr = arr(h, "addresses")
            .iter()
            .find(|a| {
                !s(a, "addrtype")
                    .unwrap_or_default()
                    .eq_ignore_ascii_case("mac")
            })
            .and_then(|a| s(a, "addr"))
            .unwrap_or_default();
        let host = normalize_host(addr);
        // A host that hit --host-timeout reported nothing reliable: it covers nothing.
        let timed_out = h.get("timedout").and_then(Value::as_bool) == Some(true);
        let up = !timed_out && h.get("status").and_then(|st| s(st, "state")) == Some("up");
        let extraports = arr(h, "extraports");
        // Unlisted ports count as closed only when nmap accounted for the host's ports at all.
        let accounted = !extraports.is_empty() || !arr(h, "ports").is_empty();
        let unlisted_closed = accounted
            && extraports.iter().all(|e| {
                matches!(
                    s(e, "state").unwrap_or_default(),
                    "closed" | "filtered" | "closed|filtered"
                )
            });
        let mut cov = HostCoverage {
            up,
            unlisted_closed,
            ..HostCoverage::default()
        };
        for p in arr(h, "ports") {
            read_port(&host, p, &mut cov, out);
        }
        for script in arr(h, "hostscripts") {
            read_script(&host, None, script, out);
        }
        out.coverage.hosts.insert(host, cov);
    }
}

fn read_port(host: &str, p: &Value, cov: &mut HostCoverage, out: &mut NmapObservations) {
    let Some(port) = p
        .get("portid")
        .and_then(Value::as_u64)
        .and_then(|n| u16::try_from(n).ok())
    else {
        return;
    };
    let proto = s(p, "protocol").unwrap_or("tcp").to_ascii_lowercase();
    let state = p
        .get("state")
        .and_then(|st| s(st, "state"))
        .unwrap_or("unknown");
    let svc = p.get("service").cloned().unwrap_or(Value::Null);
    if svc.get("version").is_some() || svc.get("product").is_some() {
        cov.versioned.insert((proto.clone(), port));
    }
    cov.ports.insert((proto.clone(), port), state.to_owned());
    if state != "open" {
        return;
    }
    let name = s(&svc, "name").unwrap_or("unknown");
    let evidence = serde_json::json!({
        "service": name, "product": s(&svc, "product"), "version": s(&svc, "version"),
        "extrainfo": s(&svc, "extrainfo"), "tunnel": s(&svc, "tunnel"),
    });
    out.detections
        .push(port_detection(host, &proto, port, name, evidence));
    for script in arr(p, "scripts") {
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

/// A script's structured items as (key, value) elems and (key, children) tables.
fn items(v: &Value) -> &[Value] {
    arr(v, "items")
}

fn elem<'a>(table: &'a Value, key: &str) -> Option<&'a str> {
    items(table)
        .iter()
        .find(|i| s(i, "kind") == Some("elem") && s(i, "key") == Some(key))
        .and_then(|i| s(i, "value"))
}

fn subtable<'a>(table: &'a Value, key: &str) -> Option<&'a Value> {
    items(table)
        .iter()
        .find(|i| s(i, "kind") == Some("table") && s(i, "key") == Some(key))
}

fn read_script(host: &str, port: Option<(&str, u16)>, script: &Value, out: &mut NmapObservations) {
    let Some(id) = s(script, "id").map(str::to_ascii_lowercase) else {
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
    for t in items(script)
        .iter()
        .filter(|i| s(i, "kind") == Some("table"))
    {
        let Some(state) = elem(t, "state") else {
            continue;
        };
        let title = elem(t, "title").unwrap_or_else(|| s(t, "key").unwrap_or_default());
        let Some(vuln_key) = vuln_key(t, title) else {
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
            evidence: serde_json::json!({"state": state, "title": title, "output": s(script, "output")}),
        });
    }
}

/// CVE id if any, else the first other id sorted, else the normalised title; never `NMAP-<n>`.
fn vuln_key(t: &Value, title: &str) -> Option<String> {
    let mut ids: Vec<String> = subtable(t, "ids")
        .map(|ids| {
            items(ids)
                .iter()
                .filter_map(|i| s(i, "value"))
                .map(normalize_id)
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    if let Some(cve) = ids.iter().find(|i| i.starts_with("CVE:")) {
        return Some(cve.trim_start_matches("CVE:").to_owned());
    }
    if let Some(first) = ids.first() {
        return Some(first.clone());
    }
    let table_key = s(t, "key").map(normalize_id).unwrap_or_default();
    if table_key.starts_with("CVE-") {
        return Some(table_key);
    }
    let title = normalize_title(title);
    (!title.is_empty()).then_some(title)
}

fn nse_severity(t: &Value, state_u: &str) -> (Severity, SeveritySource, Option<Cvss>) {
    let scores = subtable(t, "scores").map(|sc| {
        items(sc)
            .iter()
            .filter_map(|i| {
                let v = s(i, "value")?.trim().parse::<f64>().ok()?;
                Cvss::new(v, CvssVersion::from_key(s(i, "key").unwrap_or("CVSS")))
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
    script: &Value,
    on: &str,
    out: &mut NmapObservations,
) {
    for cpe in items(script)
        .iter()
        .filter(|i| s(i, "kind") == Some("table"))
    {
        let product = s(cpe, "key").unwrap_or_default();
        for row in items(cpe).iter().filter(|i| s(i, "kind") == Some("table")) {
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
