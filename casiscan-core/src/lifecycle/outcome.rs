//! What a completed run contributes: detections, explicit negatives and coverage.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::model::{Cvss, FindingKey, ProviderKind, ScanStatus, Severity, SeveritySource};

/// One thing a run found.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Identity fields.
    pub key: FindingKey,
    /// Human title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Where the severity came from.
    pub severity_source: SeveritySource,
    /// CVSS base score, if any.
    pub cvss: Option<Cvss>,
    /// Location (`ip:port/proto`, `ip`, package URL).
    pub found_on: String,
    /// Volatile attributes; a change here marks the finding changed, never new.
    pub evidence: serde_json::Value,
}

/// Final port states of one host in an nmap run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostCoverage {
    /// Host status was `up`.
    pub up: bool,
    /// Listed ports: (protocol, port) → final state text (`open`, `closed`, `open|filtered`, …).
    pub ports: BTreeMap<(String, u16), String>,
    /// Ports with a detected service version (the `vulners` portrule needs one).
    pub versioned: BTreeSet<(String, u16)>,
    /// Every unlisted port was summarised as closed or filtered (`extraports`).
    pub unlisted_closed: bool,
}

/// For which keys absence is evidence in an nmap run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NmapCoverage {
    /// Normalised host → its port states.
    pub hosts: BTreeMap<String, HostCoverage>,
    /// Scanned port set per protocol, as inclusive ranges (from `scaninfo services`).
    pub scanned: BTreeMap<String, Vec<(u16, u16)>>,
    /// Selected NSE script ids and categories, lower-case.
    pub scripts: BTreeSet<String>,
}

/// Coverage of a run, per provider.
#[derive(Debug, Clone, PartialEq)]
pub enum Coverage {
    /// nmap: hosts, port sets and scripts.
    Nmap(NmapCoverage),
    /// OS patch: the package inventory was read completely.
    OsPatch {
        /// Inventory fully read.
        inventory_complete: bool,
    },
}

/// Everything the lifecycle needs from one completed run.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOutcome {
    /// Run id (becomes the `ScanlogId`).
    pub run_id: String,
    /// Account (scan owner).
    pub account: String,
    /// Scan id `owner/name`.
    pub scan_id: String,
    /// Asset name, or the target when the scan has no asset.
    pub asset: String,
    /// Scanned target.
    pub target: String,
    /// Provider.
    pub provider: ProviderKind,
    /// Export status (decides authority).
    pub status: ScanStatus,
    /// Run start.
    pub started_at: DateTime<Utc>,
    /// Run completion.
    pub ended_at: DateTime<Utc>,
    /// Detections.
    pub detections: Vec<Detection>,
    /// Keys explicitly reported as not vulnerable.
    pub negatives: Vec<FindingKey>,
    /// What the run covered.
    pub coverage: Coverage,
}

const CLOSED_STATES: [&str; 3] = ["closed", "filtered", "closed|filtered"];

impl NmapCoverage {
    fn port_gone(&self, host: &str, proto: &str, port: u16) -> Option<bool> {
        let h = self.hosts.get(host).filter(|h| h.up)?;
        match h.ports.get(&(proto.to_owned(), port)) {
            Some(state) => Some(CLOSED_STATES.contains(&state.as_str())),
            None => Some(h.unlisted_closed && self.in_scanned(proto, port)),
        }
    }

    fn port_open(&self, host: &str, proto: &str, port: u16) -> bool {
        self.hosts
            .get(host)
            .and_then(|h| h.ports.get(&(proto.to_owned(), port)))
            .is_some_and(|s| s == "open")
    }

    fn in_scanned(&self, proto: &str, port: u16) -> bool {
        self.scanned
            .get(proto)
            .is_some_and(|r| r.iter().any(|&(a, b)| a <= port && port <= b))
    }

    /// True when the script ran (by id) or a category that contains vuln scripts was selected.
    pub fn script_selected(&self, script_id: &str) -> bool {
        self.scripts.contains(script_id)
            || self.scripts.contains("vuln")
            || self.scripts.contains("all")
    }

    /// True when absence of `key` in this run is evidence that it is gone.
    pub fn covers(&self, key: &FindingKey) -> bool {
        match key {
            FindingKey::NmapPort {
                host,
                protocol,
                port,
            } => self.port_gone(host, protocol, *port) == Some(true),
            FindingKey::NmapNse {
                host,
                protocol,
                port,
                script_id,
                ..
            } => match port {
                Some(p) => match self.port_gone(host, protocol, *p) {
                    Some(true) => true,
                    Some(false) => {
                        self.port_open(host, protocol, *p) && self.script_selected(script_id)
                    }
                    None => false,
                },
                None => {
                    self.hosts.get(host).is_some_and(|h| h.up) && self.script_selected(script_id)
                }
            },
            FindingKey::NmapVulners {
                host,
                protocol,
                port,
                ..
            } => match self.port_gone(host, protocol, *port) {
                Some(true) => true,
                Some(false) => {
                    self.port_open(host, protocol, *port)
                        && self.script_selected("vulners")
                        && self
                            .hosts
                            .get(host)
                            .is_some_and(|h| h.versioned.contains(&(protocol.clone(), *port)))
                }
                None => false,
            },
            FindingKey::OsPatchAdvisory { .. } => false,
        }
    }
}

impl ScanOutcome {
    /// True when this run's absence of `key` closes it (authoritative and covering).
    pub fn covers(&self, key: &FindingKey) -> bool {
        if !self.status.is_authoritative() {
            return false;
        }
        match (&self.coverage, key) {
            (Coverage::Nmap(c), _) => c.covers(key),
            (Coverage::OsPatch { inventory_complete }, FindingKey::OsPatchAdvisory { .. }) => {
                *inventory_complete
            }
            (Coverage::OsPatch { .. }, _) => false,
        }
    }
}
