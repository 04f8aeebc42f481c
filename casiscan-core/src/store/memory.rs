//! In-memory store for tests and embedding without persistence.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::memory_records::Records;
use super::{
    Advance, StateChange, Store, TakenSchedule, apply_change, asset_missing,
    ends_run_outside_finish, scan_missing,
};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::model::{
    ApiKeyRecord, Asset, AuditEntry, Finding, FindingQuery, LogPageQuery, Page, Pruned, RecordId,
    RunnerIdentity, Scan, ScanLog, ScanQuery, ScanRun, ScanState, Schedule, ScopePolicy, Severity,
    SortOrder,
};

#[derive(Default)]
struct Tables {
    scans: BTreeMap<RecordId, Scan>,
    assets: BTreeMap<RecordId, Asset>,
    runs: BTreeMap<RecordId, Vec<ScanRun>>,
    runners: BTreeMap<String, (RunnerIdentity, DateTime<Utc>)>,
    primary_users: BTreeMap<String, String>,
    api_keys: BTreeMap<String, ApiKeyRecord>,
    schedules: BTreeMap<RecordId, Schedule>,
    scope: BTreeMap<String, ScopePolicy>,
    records: Records,
}

impl Tables {
    /// Appends `run` to its scan's history and records its log and finding changes.
    fn append_run(&mut self, id: RecordId, run: &ScanRun) -> Result<ScanRun> {
        let scan = self.scans.get(&id).ok_or_else(|| scan_missing(&id))?;
        let runs = self.runs.entry(id).or_default();
        let mut stored = run.clone();
        stored.seq = runs.len() as u64 + 1;
        runs.push(stored.clone());
        // A skipped schedule slot is no run: it changes no finding and makes no scan log.
        if stored.skipped.is_none() {
            self.records.record(&stored, Some(scan));
        }
        Ok(stored)
    }
}

/// A store that keeps everything in process memory.
#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
    clock: Clock,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// This store reading "now" from `clock` (for tests with manual time).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    fn with<T>(&self, f: impl FnOnce(&mut Tables) -> Result<T>) -> Result<T> {
        // A poisoned lock only means another thread panicked mid-call; the maps stay consistent
        // because every mutation below is a single insert/remove.
        let mut guard = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn clock(&self) -> Clock {
        self.clock.clone()
    }

    async fn add_scan(&self, scan: &Scan) -> Result<()> {
        let id = scan.id()?;
        self.with(|t| {
            if t.scans.contains_key(&id) {
                return Err(Error::conflict(format!("scan {id} already exists")));
            }
            t.scans.insert(id, scan.clone());
            Ok(())
        })
    }

    async fn get_scan(&self, id: &RecordId) -> Result<Scan> {
        self.with(|t| t.scans.get(id).cloned().ok_or_else(|| scan_missing(id)))
    }

    async fn update_scan(&self, id: &RecordId, config: &Scan) -> Result<Scan> {
        super::check_same_id(id, &config.id()?, "scan")?;
        self.with(|t| {
            let scan = t.scans.get_mut(id).ok_or_else(|| scan_missing(id))?;
            *scan = scan.edited(config, self.clock.now())?;
            Ok(scan.clone())
        })
    }

    async fn rename_scan(&self, id: &RecordId, to: &RecordId) -> Result<Scan> {
        self.with(|t| {
            let scan = t.scans.get(id).ok_or_else(|| scan_missing(id))?;
            scan.check_renamable(to)?;
            if t.scans.contains_key(to) {
                return Err(super::scan_name_taken(to));
            }
            let mut renamed = t.scans.remove(id).ok_or_else(|| scan_missing(id))?;
            renamed.name.clone_from(&to.name);
            renamed.updated_time = self.clock.now();
            t.scans.insert(to.clone(), renamed.clone());
            if let Some(mut runs) = t.runs.remove(id) {
                runs.iter_mut().for_each(|r| r.scan.clone_from(&to.name));
                t.runs.insert(to.clone(), runs);
            }
            if let Some(schedule) = t.schedules.remove(id) {
                t.schedules.insert(to.clone(), schedule);
            }
            t.records.scan_renamed(&id.owner, &id.name, &to.name);
            Ok(renamed)
        })
    }

    async fn delete_scan(&self, id: &RecordId, force: bool) -> Result<()> {
        self.with(|t| {
            let scan = t.scans.get(id).ok_or_else(|| scan_missing(id))?;
            scan.check_deletable(force)?;
            t.scans.remove(id);
            t.runs.remove(id);
            t.records
                .scan_deleted(&id.owner, &id.name, self.clock.now());
            Ok(())
        })
    }

    async fn list_scans(&self, query: &ScanQuery) -> Result<Page<Scan>> {
        query.validate()?;
        let window = query.window()?;
        let (field, order) = query.effective_sort();
        self.with(|t| {
            let mut items: Vec<Scan> = t
                .scans
                .values()
                .filter(|s| query.matches(s))
                .cloned()
                .collect();
            items.sort_by(|a, b| {
                let ord = field
                    .text_of(a)
                    .cmp(&field.text_of(b))
                    .then_with(|| (&a.owner, &a.name).cmp(&(&b.owner, &b.name)));
                match order {
                    SortOrder::Ascend => ord,
                    SortOrder::Descend => ord.reverse(),
                }
            });
            let total = items.len() as u64;
            query.check_total(total)?;
            let (offset, limit) = window;
            items = items
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .collect();
            Ok(Page { items, total })
        })
    }

    async fn apply(&self, id: &RecordId, change: &StateChange) -> Result<Scan> {
        self.with(|t| {
            let scan = t.scans.get_mut(id).ok_or_else(|| scan_missing(id))?;
            let mut next = scan.clone();
            apply_change(&mut next, change, self.clock.now())?;
            let ended = ends_run_outside_finish(scan, change, &next);
            *scan = next.clone();
            if ended {
                t.append_run(id.clone(), &ScanRun::of_finished(&next))?;
            }
            Ok(next)
        })
    }

    async fn pending_scans(&self, limit: u32) -> Result<Vec<Scan>> {
        self.with(|t| {
            let mut pending: Vec<Scan> = t
                .scans
                .values()
                .filter(|s| s.state == ScanState::Pending)
                .cloned()
                .collect();
            pending.sort_by(|a, b| {
                (a.updated_time, &a.owner, &a.name).cmp(&(b.updated_time, &b.owner, &b.name))
            });
            pending.truncate(limit as usize);
            Ok(pending)
        })
    }

    async fn expired_leases(&self, now: DateTime<Utc>) -> Result<Vec<RecordId>> {
        self.with(|t| {
            Ok(t.scans
                .iter()
                .filter(|(_, s)| {
                    s.state == ScanState::Running && s.lease_until.is_some_and(|u| u < now)
                })
                .map(|(id, _)| id.clone())
                .collect())
        })
    }

    async fn queue_depth(&self) -> Result<u64> {
        self.with(|t| {
            let n = t
                .scans
                .values()
                .filter(|s| s.state == ScanState::Pending)
                .count();
            Ok(u64::try_from(n).unwrap_or(u64::MAX))
        })
    }

    async fn note_pending(&self, id: &RecordId, reason: &str) -> Result<()> {
        self.with(|t| {
            if let Some(scan) = t
                .scans
                .get_mut(id)
                .filter(|s| s.state == ScanState::Pending)
            {
                scan.error_text = reason.to_string();
            }
            Ok(())
        })
    }

    async fn register_runner(&self, runner: &RunnerIdentity) -> Result<()> {
        self.with(|t| {
            t.runners
                .insert(runner.name.clone(), (runner.clone(), self.clock.now()));
            Ok(())
        })
    }

    async fn live_runners(&self, since: DateTime<Utc>) -> Result<Vec<RunnerIdentity>> {
        self.with(|t| {
            Ok(t.runners
                .values()
                .filter(|(_, seen)| *seen >= since)
                .map(|(r, _)| r.clone())
                .collect())
        })
    }

    async fn add_asset(&self, asset: &Asset) -> Result<()> {
        let id = asset.id()?;
        self.with(|t| {
            if t.assets.contains_key(&id) {
                return Err(Error::conflict(format!("asset {id} already exists")));
            }
            t.assets.insert(id, asset.clone());
            Ok(())
        })
    }

    async fn get_asset(&self, id: &RecordId) -> Result<Asset> {
        self.with(|t| t.assets.get(id).cloned().ok_or_else(|| asset_missing(id)))
    }

    async fn assets_named(&self, owner: &str, names: &[String]) -> Result<Vec<Asset>> {
        self.with(|t| {
            let names: std::collections::BTreeSet<&String> = names.iter().collect();
            Ok(names
                .into_iter()
                .filter_map(|n| RecordId::new(owner, n.as_str()).ok())
                .filter_map(|id| t.assets.get(&id).cloned())
                .collect())
        })
    }

    async fn update_asset(&self, id: &RecordId, asset: &Asset) -> Result<Asset> {
        super::check_same_id(id, &asset.id()?, "asset")?;
        self.with(|t| {
            let stored = t.assets.get_mut(id).ok_or_else(|| asset_missing(id))?;
            let next = stored.replaced_by(asset, self.clock.now());
            *stored = next.clone();
            Ok(next)
        })
    }

    async fn delete_asset(&self, id: &RecordId) -> Result<()> {
        self.with(|t| {
            t.assets.remove(id).ok_or_else(|| asset_missing(id))?;
            t.records
                .asset_deleted(&id.owner, &id.name, self.clock.now());
            Ok(())
        })
    }

    async fn list_assets(&self, owner: Option<&str>) -> Result<Vec<Asset>> {
        self.with(|t| {
            let mut items: Vec<Asset> = t
                .assets
                .values()
                .filter(|a| owner.is_none_or(|o| a.owner == o))
                .cloned()
                .collect();
            items.sort_by(|a, b| {
                (b.created_time, &b.owner, &b.name).cmp(&(a.created_time, &a.owner, &a.name))
            });
            Ok(items)
        })
    }

    async fn append_run(&self, run: &ScanRun) -> Result<ScanRun> {
        let id = RecordId::new(run.owner.clone(), run.scan.clone())?;
        self.with(|t| t.append_run(id, run))
    }

    async fn scan_logs_page(&self, query: &LogPageQuery) -> Result<Vec<ScanLog>> {
        self.with(|t| Ok(t.records.page(query)))
    }

    async fn list_findings(&self, query: &FindingQuery) -> Result<Page<Finding>> {
        self.with(|t| t.records.findings(query))
    }

    async fn get_finding(&self, account: &str, alert_id: u64) -> Result<Finding> {
        self.with(|t| t.records.finding(account, alert_id))
    }

    async fn set_disposition(&self, entry: &AuditEntry) -> Result<Finding> {
        self.with(|t| t.records.set_disposition(entry))
    }

    async fn finding_audit(&self, account: &str, alert_id: u64) -> Result<Vec<AuditEntry>> {
        self.with(|t| Ok(t.records.audit(account, alert_id)))
    }

    async fn set_seal_threshold(&self, account: &str, threshold: Severity) -> Result<()> {
        self.with(|t| {
            t.records.set_seal_threshold(account, threshold);
            Ok(())
        })
    }

    async fn seal_threshold(&self, account: &str) -> Result<Severity> {
        self.with(|t| Ok(t.records.seal_threshold(account)))
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<Pruned> {
        self.with(|t| Ok(t.records.prune(before)))
    }

    async fn list_runs(&self, scan: &RecordId) -> Result<Vec<ScanRun>> {
        self.with(|t| Ok(t.runs.get(scan).cloned().unwrap_or_default()))
    }

    async fn set_primary_user(&self, account: &str, user: &str) -> Result<()> {
        self.with(|t| {
            t.primary_users
                .insert(account.to_string(), user.to_string());
            Ok(())
        })
    }

    async fn primary_user(&self, account: &str) -> Result<Option<String>> {
        self.with(|t| Ok(t.primary_users.get(account).cloned()))
    }

    async fn add_api_key(&self, key: &ApiKeyRecord) -> Result<()> {
        self.with(|t| {
            let taken = t.api_keys.contains_key(&key.account)
                || t.api_keys.values().any(|k| k.access_key == key.access_key);
            if taken {
                return Err(Error::conflict(format!(
                    "account {} already has an API key",
                    key.account
                )));
            }
            t.api_keys.insert(key.account.clone(), key.clone());
            Ok(())
        })
    }

    async fn api_key(&self, account: &str) -> Result<Option<ApiKeyRecord>> {
        self.with(|t| Ok(t.api_keys.get(account).cloned()))
    }

    async fn api_key_by_access_key(&self, access_key: &str) -> Result<Option<ApiKeyRecord>> {
        self.with(|t| {
            Ok(t.api_keys
                .values()
                .find(|k| k.access_key == access_key)
                .cloned())
        })
    }

    async fn delete_api_key(&self, account: &str) -> Result<bool> {
        self.with(|t| Ok(t.api_keys.remove(account).is_some()))
    }
    async fn get_schedule(&self, id: &RecordId) -> Result<Option<Schedule>> {
        self.with(|t| Ok(t.schedules.get(id).cloned()))
    }

    async fn set_schedule(&self, id: &RecordId, schedule: Option<&Schedule>) -> Result<()> {
        self.with(|t| {
            match schedule {
                None => {
                    t.schedules.remove(id);
                }
                Some(s) => {
                    if !t.scans.contains_key(id) {
                        return Err(scan_missing(id));
                    }
                    t.schedules.insert(id.clone(), s.clone());
                }
            }
            Ok(())
        })
    }

    async fn take_due_schedules(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        advance: Advance<'_>,
    ) -> Result<Vec<TakenSchedule>> {
        self.with(|t| {
            let mut due: Vec<(DateTime<Utc>, RecordId)> = t
                .schedules
                .iter()
                .filter_map(|(id, s)| match (s.enabled, s.next_fire_time) {
                    (true, Some(fire)) if fire <= now => Some((fire, id.clone())),
                    _ => None,
                })
                .collect();
            due.sort();
            due.truncate(limit);
            let mut taken = Vec::with_capacity(due.len());
            for (_, id) in due {
                let Some(was) = t.schedules.get(&id).cloned() else {
                    continue;
                };
                let next = advance(&was);
                t.schedules.insert(id.clone(), next.clone());
                taken.push(TakenSchedule { id, was, next });
            }
            Ok(taken)
        })
    }
    async fn get_scope_policy(&self, account: &str) -> Result<Option<ScopePolicy>> {
        self.with(|t| Ok(t.scope.get(account).cloned()))
    }

    async fn set_scope_policy(&self, account: &str, policy: Option<&ScopePolicy>) -> Result<()> {
        self.with(|t| {
            match policy {
                Some(p) => t.scope.insert(account.to_string(), p.clone()),
                None => t.scope.remove(account),
            };
            Ok(())
        })
    }
}
