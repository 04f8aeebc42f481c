//! Recording finished runs in PostgreSQL with few round trips: the scopes' locks and reads go
//! out together (after the caller's own statements, if it has any), then the new findings
//! (whose ids the logs name), then the updates, audit entries and logs (with the caller's
//! COMMIT, if it ends there).
//!
//! Runs of the same scope are recorded in waves: the n-th run of a scope in the n-th wave, whose
//! reads go out after the writes of the wave before, so each run sees its predecessor's findings.

use std::collections::HashMap;

use tokio_postgres::{GenericClient, Statement};

use super::connection::{Prepared, pg, prepare};
use super::records::LOCK_SCOPE;
use super::transaction::in_order;
use crate::clock;
use crate::error::Result;
use crate::lifecycle::{FindingMap, FindingScope, RunRecord, SEAL_FAIL_SEVERITY, record_run};
use crate::model::{Finding, Scan, ScanLog, ScanRun, Severity};
use crate::store::bad_json;
use crate::store::sql::POSTGRES_RECORDS;

/// The statements of a recording, prepared on its connection.
pub(super) struct Statements {
    lock: Statement,
    scope_findings: Statement,
    seal_threshold: Statement,
    insert_finding: Statement,
    update_finding: Statement,
    insert_audit: Statement,
    insert_log: Statement,
}

impl Statements {
    /// Prepares them on `c` (once per connection: `cache` keeps them).
    pub async fn prepare<C: GenericClient>(c: &C, cache: &mut Prepared) -> Result<Self> {
        let r = &*POSTGRES_RECORDS;
        Ok(Statements {
            lock: prepare(c, cache, LOCK_SCOPE).await?,
            scope_findings: prepare(c, cache, &r.scope_findings).await?,
            seal_threshold: prepare(c, cache, &r.seal_threshold).await?,
            insert_finding: prepare(c, cache, &r.insert_finding).await?,
            update_finding: prepare(c, cache, &r.update_finding).await?,
            insert_audit: prepare(c, cache, &r.insert_audit).await?,
            insert_log: prepare(c, cache, &r.insert_log).await?,
        })
    }
}

/// What a run's record is computed from: its scope's stored findings and the account's seal
/// threshold.
pub(super) struct ScopeRead {
    stored: FindingMap,
    threshold: Severity,
}

/// Finished runs (already in the history) to record inside the caller's transaction.
pub(super) struct Recorder<'a> {
    st: Statements,
    runs: Vec<(&'a ScanRun, Option<&'a Scan>, FindingScope)>,
    /// Indexes into `runs`, wave by wave.
    waves: Vec<Vec<usize>>,
}

impl<'a> Recorder<'a> {
    /// A recording of `runs`, in their order.
    pub fn new(st: Statements, runs: &[(&'a ScanRun, Option<&'a Scan>)]) -> Self {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut waves: Vec<Vec<usize>> = Vec::new();
        let runs: Vec<_> = runs
            .iter()
            .map(|(run, scan)| (*run, *scan, FindingScope::of(run, *scan)))
            .collect();
        for (i, (_, _, scope)) in runs.iter().enumerate() {
            let n = seen.entry(scope.lock_key()).or_insert(0);
            if waves.len() <= *n {
                waves.push(Vec::new());
            }
            waves[*n].push(i);
            *n += 1;
        }
        Recorder { st, runs, waves }
    }

    /// How many waves the runs take (0 without runs).
    pub fn waves(&self) -> usize {
        self.waves.len()
    }

    /// The reads of wave `wave`; the first also takes every scope's lock first, in sorted order
    /// (so that concurrent recordings cannot deadlock). Nothing is sent before the first poll.
    pub async fn read<C: GenericClient>(&self, c: &C, wave: usize) -> Result<Vec<ScopeRead>> {
        let mut keys: Vec<String> = if wave == 0 {
            self.runs.iter().map(|r| r.2.lock_key()).collect()
        } else {
            Vec::new()
        };
        keys.sort();
        keys.dedup();
        let scopes: Vec<&FindingScope> = self.wave(wave).map(|i| &self.runs[i].2).collect();
        let st = &self.st;
        let locks = in_order(keys.iter().map(|key| async move {
            c.execute(&st.lock, &[key])
                .await
                .map_err(|e| pg("lock findings", e))
        }));
        let findings = in_order(scopes.iter().map(|s| scope_findings(c, st, s)));
        let thresholds = in_order(scopes.iter().map(|s| seal_threshold(c, st, &s.account)));
        let (_, findings, thresholds) =
            futures_util::future::try_join3(locks, findings, thresholds).await?;
        Ok(findings
            .into_iter()
            .zip(thresholds)
            .map(|(stored, threshold)| ScopeRead { stored, threshold })
            .collect())
    }

    /// The records of wave `wave` from its reads, for the runs `keep` says (by index into the
    /// runs given to [`Recorder::new`]); each with its run.
    pub fn compute(
        &self,
        wave: usize,
        reads: Vec<ScopeRead>,
        keep: impl Fn(usize) -> bool,
    ) -> Vec<(&'a ScanRun, RunRecord)> {
        self.wave(wave)
            .zip(reads)
            .filter(|(i, _)| keep(*i))
            .map(|(i, read)| {
                let (run, scan, _) = self.runs[i];
                (run, record_run(run, scan, read.stored, read.threshold))
            })
            .collect()
    }

    /// Inserts the findings `records` create, all in one round trip (none without new
    /// findings), and puts their ids into the logs.
    pub async fn insert_new<C: GenericClient>(
        &self,
        c: &C,
        records: &mut [(&'a ScanRun, RunRecord)],
    ) -> Result<()> {
        let new: Vec<(usize, &Finding, String)> = records
            .iter()
            .enumerate()
            .flat_map(|(r, (_, record))| record.changed.iter().map(move |f| (r, f)))
            .filter(|(_, f)| f.alert_id.is_none())
            .map(|(r, f)| Ok((r, f, finding_body(f)?)))
            .collect::<Result<_>>()?;
        if new.is_empty() {
            return Ok(());
        }
        let st = &self.st;
        let ids = in_order(new.iter().map(|(_, f, body)| async move {
            let row = c
                .query_one(
                    &st.insert_finding,
                    &[
                        &f.id,
                        &f.account,
                        &f.asset,
                        &f.provider.as_str(),
                        &f.state.as_str(),
                        &f.severity.as_str(),
                        body,
                    ],
                )
                .await
                .map_err(|e| pg("insert a finding", e))?;
            Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or_default())
        }))
        .await?;
        let mut by_record: Vec<HashMap<String, u64>> = vec![HashMap::new(); records.len()];
        for ((r, f, _), id) in new.iter().zip(ids) {
            by_record[*r].insert(f.id.clone(), id);
        }
        for ((_, record), ids) in records.iter_mut().zip(&by_record) {
            record.set_alert_ids(ids);
        }
        Ok(())
    }

    /// The rest of `records` (after [`Recorder::insert_new`]): changed findings, audit entries of
    /// lapsed dispositions and the logs, all in one round trip; the logs with their ids.
    pub async fn write<C: GenericClient>(
        &self,
        c: &C,
        records: &[(&'a ScanRun, RunRecord)],
    ) -> Result<Vec<ScanLog>> {
        let st = &self.st;
        let updates: Vec<(i64, &Finding, String)> = records
            .iter()
            .flat_map(|(_, record)| &record.changed)
            .filter_map(|f| Some((i64::try_from(f.alert_id?).unwrap_or(i64::MAX), f)))
            .map(|(key, f)| Ok((key, f, finding_body(f)?)))
            .collect::<Result<_>>()?;
        let audits: Vec<(i64, &str, String, String)> = records
            .iter()
            .flat_map(|(_, record)| &record.lapsed)
            .map(|a| {
                let body = serde_json::to_string(a).map_err(|e| bad_json("audit entry", e))?;
                let key = i64::try_from(a.alert_id).unwrap_or(i64::MAX);
                Ok((key, a.account.as_str(), clock::to_text(&a.at), body))
            })
            .collect::<Result<_>>()?;
        let logs: Vec<(&ScanRun, &ScanLog, String, String, i64)> = records
            .iter()
            .map(|(run, record)| {
                let log = &record.log;
                let body = serde_json::to_string(log).map_err(|e| bad_json("scan log", e))?;
                let seq = i64::try_from(run.seq).unwrap_or(i64::MAX);
                Ok((*run, log, clock::to_text(&log.ended_at), body, seq))
            })
            .collect::<Result<_>>()?;
        let updated = in_order(updates.iter().map(|(key, f, body)| async move {
            c.execute(
                &st.update_finding,
                &[key, &f.state.as_str(), &f.severity.as_str(), body],
            )
            .await
            .map_err(|e| pg("update a finding", e))
        }));
        let audited = in_order(audits.iter().map(|(key, account, at, body)| async move {
            c.execute(&st.insert_audit, &[key, account, at, body])
                .await
                .map_err(|e| pg("append an audit entry", e))
        }));
        let logged = in_order(logs.iter().map(|(run, log, at, body, seq)| async move {
            let row = c
                .query_one(
                    &st.insert_log,
                    &[
                        &log.account,
                        at,
                        &run.owner,
                        &run.scan,
                        seq,
                        &log.asset,
                        body,
                    ],
                )
                .await
                .map_err(|e| pg("insert a scan log", e))?;
            let mut log = (*log).clone();
            log.log_id = u64::try_from(row.get::<_, i64>(0)).ok();
            Ok(log)
        }));
        let (_, _, logs) = futures_util::future::try_join3(updated, audited, logged).await?;
        Ok(logs)
    }

    fn wave(&self, wave: usize) -> impl Iterator<Item = usize> + '_ {
        self.waves.get(wave).into_iter().flatten().copied()
    }
}

/// Records finished `run` (already in the history) inside the caller's transaction: three
/// round trips, two when it creates no finding.
pub(super) async fn record_one<C: GenericClient>(
    c: &C,
    cache: &mut Prepared,
    run: &ScanRun,
    scan: Option<&Scan>,
) -> Result<ScanLog> {
    let recorder = Recorder::new(Statements::prepare(c, cache).await?, &[(run, scan)]);
    let reads = recorder.read(c, 0).await?;
    let mut records = recorder.compute(0, reads, |_| true);
    recorder.insert_new(c, &mut records).await?;
    let mut logs = recorder.write(c, &records).await?;
    logs.pop().ok_or_else(|| crate::Error::Storage {
        message: "recording a run wrote no scan log".into(),
        source: None,
    })
}

fn finding_body(f: &Finding) -> Result<String> {
    serde_json::to_string(f).map_err(|e| bad_json("finding", e))
}

/// The stored findings of `scope`, with their alert ids.
async fn scope_findings<C: GenericClient>(
    c: &C,
    st: &Statements,
    scope: &FindingScope,
) -> Result<FindingMap> {
    let rows = c
        .query(
            &st.scope_findings,
            &[&scope.account, &scope.asset, &scope.provider.as_str()],
        )
        .await
        .map_err(|e| pg("read findings", e))?;
    let mut out = FindingMap::new();
    for row in rows {
        let id: i64 = row.get(0);
        // A finding that cannot be read would be re-created under a new id: refuse instead.
        let mut f: Finding =
            serde_json::from_str(row.get::<_, &str>(1)).map_err(|e| bad_json("finding", e))?;
        f.alert_id = u64::try_from(id).ok();
        out.insert(f.id.clone(), f);
    }
    Ok(out)
}

/// An account's seal threshold (the default unless set).
async fn seal_threshold<C: GenericClient>(
    c: &C,
    st: &Statements,
    account: &str,
) -> Result<Severity> {
    let row = c
        .query_opt(&st.seal_threshold, &[&account])
        .await
        .map_err(|e| pg("read a seal threshold", e))?;
    match row {
        Some(r) => r.get::<_, &str>(0).parse(),
        None => Ok(SEAL_FAIL_SEVERITY),
    }
}
