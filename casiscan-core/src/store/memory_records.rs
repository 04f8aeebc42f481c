//! Findings and scan logs of the memory store, with the ids and deletion marks the SQL stores
//! keep in columns.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::lifecycle::{FindingMap, FindingScope, SEAL_FAIL_SEVERITY, record_run};
use crate::model::{
    AuditEntry, Finding, FindingQuery, LogPageQuery, Page, Pruned, Scan, ScanLog, ScanRun, Severity,
};

/// A stored finding and when its asset was deleted.
#[derive(Debug, Clone)]
struct KeptFinding {
    finding: Finding,
    deleted: Option<DateTime<Utc>>,
}

/// A stored scan log, the scan it came from and when that scan or asset was deleted.
#[derive(Debug, Clone)]
struct KeptLog {
    log: ScanLog,
    owner: String,
    scan: String,
    deleted: Option<DateTime<Utc>>,
}

/// Findings by fingerprint and logs by ScanlogId; ids are counted up and never reused.
#[derive(Debug, Default)]
pub(super) struct Records {
    findings: BTreeMap<String, KeptFinding>,
    logs: BTreeMap<u64, KeptLog>,
    last_alert_id: u64,
    last_log_id: u64,
    audit: Vec<AuditEntry>,
    thresholds: BTreeMap<String, Severity>,
}

impl Records {
    /// Records finished `run`: its log and the finding changes it causes.
    pub fn record(&mut self, run: &ScanRun, scan: Option<&Scan>) -> ScanLog {
        let scope = FindingScope::of(run, scan);
        let stored: FindingMap = self
            .findings
            .values()
            .filter(|k| in_scope(&k.finding, &scope))
            .map(|k| (k.finding.id.clone(), k.finding.clone()))
            .collect();
        let threshold = self.seal_threshold(&scope.account);
        let mut record = record_run(run, scan, stored, threshold);
        self.audit.append(&mut record.lapsed);
        let mut ids = HashMap::new();
        for mut f in record.changed {
            let alert_id = match f.alert_id {
                Some(id) => id,
                None => {
                    self.last_alert_id += 1;
                    self.last_alert_id
                }
            };
            f.alert_id = Some(alert_id);
            ids.insert(f.id.clone(), alert_id);
            self.findings.insert(
                f.id.clone(),
                KeptFinding {
                    finding: f,
                    deleted: None,
                },
            );
        }
        record.changed = Vec::new();
        record.set_alert_ids(&ids);
        self.last_log_id += 1;
        let mut log = record.log;
        log.log_id = Some(self.last_log_id);
        self.logs.insert(
            self.last_log_id,
            KeptLog {
                log: log.clone(),
                owner: run.owner.clone(),
                scan: run.scan.clone(),
                deleted: None,
            },
        );
        log
    }

    /// A page of an account's logs by (ScanDate, ScanlogId).
    pub fn page(&self, q: &LogPageQuery) -> Vec<ScanLog> {
        let mut logs: Vec<&ScanLog> = self
            .logs
            .values()
            .map(|k| &k.log)
            .filter(|l| {
                l.account == q.account && q.admits(l.ended_at, l.log_id.unwrap_or_default())
            })
            .collect();
        logs.sort_by_key(|l| (l.ended_at, l.log_id));
        logs.into_iter()
            .take(usize::try_from(q.limit).unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// Marks the logs of a deleted scan.
    pub fn scan_deleted(&mut self, owner: &str, name: &str, now: DateTime<Utc>) {
        for k in self.logs.values_mut() {
            if k.owner == owner && k.scan == name && k.deleted.is_none() {
                k.deleted = Some(now);
            }
        }
    }

    /// Points the logs of a renamed scan at its new name.
    pub fn scan_renamed(&mut self, owner: &str, from: &str, to: &str) {
        for k in self.logs.values_mut() {
            if k.owner == owner && k.scan == from {
                to.clone_into(&mut k.scan);
            }
        }
    }

    /// Marks the logs and findings of a deleted asset.
    pub fn asset_deleted(&mut self, owner: &str, name: &str, now: DateTime<Utc>) {
        for k in self.logs.values_mut() {
            if k.log.account == owner && k.log.asset == name && k.deleted.is_none() {
                k.deleted = Some(now);
            }
        }
        for k in self.findings.values_mut() {
            if k.finding.account == owner && k.finding.asset == name && k.deleted.is_none() {
                k.deleted = Some(now);
            }
        }
    }

    /// Removes logs from before `before` and findings deleted before it.
    pub fn prune(&mut self, before: DateTime<Utc>) -> Pruned {
        let (logs, findings) = (self.logs.len(), self.findings.len());
        self.logs.retain(|_, k| k.log.ended_at >= before);
        self.findings
            .retain(|_, k| k.deleted.is_none_or(|d| d >= before));
        Pruned {
            logs: (logs - self.logs.len()) as u64,
            findings: (findings - self.findings.len()) as u64,
        }
    }
}

impl Records {
    /// The finding `alert_id` of `account`.
    pub fn finding(&self, account: &str, alert_id: u64) -> Result<Finding> {
        self.findings
            .values()
            .map(|k| &k.finding)
            .find(|f| f.alert_id == Some(alert_id) && f.account == account)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("finding {alert_id}")))
    }

    /// Applies `entry` to its finding and keeps it.
    pub fn set_disposition(&mut self, entry: &AuditEntry) -> Result<Finding> {
        let kept = self
            .findings
            .values_mut()
            .find(|k| k.finding.alert_id == Some(entry.alert_id))
            .ok_or_else(|| Error::not_found(format!("finding {}", entry.alert_id)))?;
        let held = self
            .audit
            .iter()
            .filter(|e| e.alert_id == entry.alert_id && e.account == entry.account)
            .count();
        entry.check_room(held as u64)?;
        let mut finding = kept.finding.clone();
        let stored = entry.apply_to(&mut finding)?;
        kept.finding = finding.clone();
        self.audit.push(stored);
        Ok(finding)
    }

    /// The audit entries of finding `alert_id` of `account`, oldest first.
    pub fn audit(&self, account: &str, alert_id: u64) -> Vec<AuditEntry> {
        self.audit
            .iter()
            .filter(|e| e.alert_id == alert_id && e.account == account)
            .cloned()
            .collect()
    }

    /// Sets an account's seal threshold.
    pub fn set_seal_threshold(&mut self, account: &str, threshold: Severity) {
        self.thresholds.insert(account.to_owned(), threshold);
    }

    /// An account's seal threshold.
    pub fn seal_threshold(&self, account: &str) -> Severity {
        self.thresholds
            .get(account)
            .copied()
            .unwrap_or(SEAL_FAIL_SEVERITY)
    }

    /// A page of findings not marked deleted, by `UniqueAlertId`.
    pub fn findings(&self, q: &FindingQuery) -> Result<Page<Finding>> {
        let (offset, limit) = q.window()?;
        let mut listed: Vec<&Finding> = self
            .findings
            .values()
            .filter(|k| k.deleted.is_none() && q.matches(&k.finding))
            .map(|k| &k.finding)
            .collect();
        listed.sort_by_key(|f| f.alert_id);
        Ok(Page {
            total: listed.len() as u64,
            items: listed
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .cloned()
                .collect(),
        })
    }
}

fn in_scope(f: &Finding, scope: &FindingScope) -> bool {
    f.account == scope.account && f.asset == scope.asset && f.provider == scope.provider
}
