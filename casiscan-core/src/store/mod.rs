//! Storage behind one async trait: in-memory, SQLite (the embedded default) and PostgreSQL.

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod batch;
mod change;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod memory;
mod memory_records;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(test, feature = "conformance"))]
pub mod schedule_conformance;
mod schedules;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Moved to [`crate::model`]; re-exported here for compatibility.
pub use crate::model::{Page, ScanField, ScanQuery, SortOrder};
pub use change::{RUNNER_LOST, StateChange, apply_change};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
pub use schedules::{Advance, TakenSchedule};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

use crate::clock::Clock;
use crate::error::Result;
use crate::model::{
    ApiKeyRecord, Asset, AuditEntry, Finding, FindingQuery, LogPageQuery, Pruned, RecordId,
    RunnerIdentity, Scan, ScanLog, ScanRun, Schedule, ScopePolicy, Severity,
};

/// Persistent storage of scans, assets and runs; every backend passes [`conformance`].
#[async_trait]
pub trait Store: Send + Sync {
    /// Where this store reads "now" (the system clock unless a test gave it a manual one);
    /// workers and runs over this store read the same clock for leases and heartbeats.
    fn clock(&self) -> Clock {
        Clock::system()
    }

    /// Inserts a new scan; `Conflict` if the id exists.
    async fn add_scan(&self, scan: &Scan) -> Result<()>;

    /// The scan with this id; `NotFound` if absent.
    async fn get_scan(&self, id: &RecordId) -> Result<Scan>;

    /// Replaces the configuration of a scan that is not Pending or Running; returns the result.
    async fn update_scan(&self, id: &RecordId, config: &Scan) -> Result<Scan>;

    /// Renames a scan that is not Pending or Running to `to` (same owner): its runs, schedule
    /// and logs follow it. `Conflict` while active or when `to` exists; returns the scan.
    async fn rename_scan(&self, id: &RecordId, to: &RecordId) -> Result<Scan>;

    /// Deletes a scan; a Running one only when `force` (the caller cancels its process).
    async fn delete_scan(&self, id: &RecordId, force: bool) -> Result<()>;

    /// Lists scans with Casibase's query semantics.
    async fn list_scans(&self, query: &ScanQuery) -> Result<Page<Scan>>;

    /// Applies a state change atomically (compare-and-set on state and lease token).
    async fn apply(&self, id: &RecordId, change: &StateChange) -> Result<Scan>;

    /// Claims for `runner`, in the order given, up to `limit` of `ids` still Pending; each gets
    /// its own lease token. Scans taken meanwhile by another runner are skipped, not errors.
    async fn claim_many(
        &self,
        ids: &[RecordId],
        runner: &str,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Scan>> {
        let mut claimed = Vec::new();
        for id in ids {
            if claimed.len() >= limit {
                break;
            }
            match self
                .apply(id, &StateChange::claim(runner, lease_until))
                .await
            {
                Ok(scan) => claimed.push(scan),
                Err(e) if is_lost_race(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(claimed)
    }

    /// Applies a change that may end a run and, when the scan ends Completed or Failed, appends
    /// its run to the history (with its scan log and finding changes) in the same transaction.
    async fn finish(&self, id: &RecordId, change: &StateChange) -> Result<Scan> {
        let done = self.apply(id, change).await?;
        if ends_run(&done) {
            self.append_run(&ScanRun::of_finished(&done)).await?;
        }
        Ok(done)
    }

    /// Pending scans, oldest queued first, at most `limit`.
    async fn pending_scans(&self, limit: u32) -> Result<Vec<Scan>>;

    /// Claims for `runner` up to `limit` of the oldest Pending scans straight from the queue,
    /// looking at no more than `window` of them; candidates another runner is claiming at the
    /// same moment are skipped, not waited for.
    ///
    /// `decide` says of each candidate, oldest first: take it (`Some(true)`), pass it over
    /// (`Some(false)`), or cannot tell here (`None`: nothing after it is taken, so the caller's
    /// slower path keeps the queue's order). `None` overall when the store has no such claim.
    async fn claim_queued(
        &self,
        _runner: &str,
        _lease_until: DateTime<Utc>,
        _limit: usize,
        _window: usize,
        _decide: &(dyn for<'s> Fn(&'s Scan) -> Option<bool> + Sync),
    ) -> Result<Option<Vec<Scan>>> {
        Ok(None)
    }

    /// Pending scans of these owners (every owner's when empty), oldest queued first, at most
    /// `limit`: a worker restricted to some accounts sees theirs behind any backlog of others'.
    async fn pending_scans_of(&self, owners: &[String], limit: u32) -> Result<Vec<Scan>> {
        if owners.is_empty() {
            return self.pending_scans(limit).await;
        }
        let mut all = self.pending_scans(u32::MAX).await?;
        all.retain(|s| owners.contains(&s.owner));
        all.truncate(limit as usize);
        Ok(all)
    }

    /// How many scans are Pending (the queue depth a worker reports).
    async fn queue_depth(&self) -> Result<u64>;

    /// Ids of Running scans whose lease ended before `now`.
    async fn expired_leases(&self, now: DateTime<Utc>) -> Result<Vec<RecordId>>;

    /// Records a reason on a Pending scan that no live runner can take (no-op otherwise).
    async fn note_pending(&self, id: &RecordId, reason: &str) -> Result<()>;

    /// Records that a runner is alive now.
    async fn register_runner(&self, runner: &RunnerIdentity) -> Result<()>;

    /// Runners seen at or after `since`.
    async fn live_runners(&self, since: DateTime<Utc>) -> Result<Vec<RunnerIdentity>>;

    /// Inserts a new asset; `Conflict` if the id exists.
    async fn add_asset(&self, asset: &Asset) -> Result<()>;

    /// The asset with this id; `NotFound` if absent.
    async fn get_asset(&self, id: &RecordId) -> Result<Asset>;

    /// The assets of `owner` with these `names`, read at once (names with no asset, or not a
    /// valid asset name, are left out); in no particular order.
    async fn assets_named(&self, owner: &str, names: &[String]) -> Result<Vec<Asset>>;

    /// Replaces an asset (same id); returns the stored asset.
    async fn update_asset(&self, id: &RecordId, asset: &Asset) -> Result<Asset>;

    /// Deletes an asset; `NotFound` if absent.
    async fn delete_asset(&self, id: &RecordId) -> Result<()>;

    /// Assets of `owner` (every owner if `None`), newest first.
    async fn list_assets(&self, owner: Option<&str>) -> Result<Vec<Asset>>;

    /// Appends a run to a scan's history, assigning its sequence number; in the same
    /// transaction records the run's scan log and the finding changes it causes.
    async fn append_run(&self, run: &ScanRun) -> Result<ScanRun>;

    /// A page of an account's stored scan logs, ordered by (ScanDate, ScanlogId); logs of
    /// deleted scans and assets are kept (and listed) until pruned.
    async fn scan_logs_page(&self, query: &LogPageQuery) -> Result<Vec<ScanLog>>;

    /// A page of stored findings (those of deleted assets left out), by `UniqueAlertId`, with
    /// the number of findings the query matches.
    async fn list_findings(&self, query: &FindingQuery) -> Result<Page<Finding>>;

    /// The stored finding `alert_id` of `account`; `NotFound` otherwise (another account's too).
    async fn get_finding(&self, account: &str, alert_id: u64) -> Result<Finding>;

    /// Sets or clears a finding's disposition as `entry` says and appends `entry` to the
    /// finding's audit, in one transaction (see [`AuditEntry::apply_to`]); returns the finding.
    async fn set_disposition(&self, entry: &AuditEntry) -> Result<Finding>;

    /// The audit entries of finding `alert_id` of `account`, oldest first.
    async fn finding_audit(&self, account: &str, alert_id: u64) -> Result<Vec<AuditEntry>>;

    /// Sets the severity at or above which a counting finding fails `account`'s seal.
    async fn set_seal_threshold(&self, account: &str, threshold: Severity) -> Result<()>;

    /// `account`'s seal threshold ([`crate::lifecycle::SEAL_FAIL_SEVERITY`] unless set).
    async fn seal_threshold(&self, account: &str) -> Result<Severity>;

    /// Removes scan logs whose ScanDate is before `before`, and findings deleted before it.
    async fn prune(&self, before: DateTime<Utc>) -> Result<Pruned>;

    /// A scan's runs, oldest first.
    async fn list_runs(&self, scan: &RecordId) -> Result<Vec<ScanRun>>;

    /// Makes `user` the primary user of `account`: the one who may manage its API key.
    async fn set_primary_user(&self, account: &str, user: &str) -> Result<()>;

    /// The primary user of `account`, if one is set.
    async fn primary_user(&self, account: &str) -> Result<Option<String>>;

    /// Stores an account's API key; `Conflict` if the account (or the access key) has one.
    async fn add_api_key(&self, key: &ApiKeyRecord) -> Result<()>;

    /// The API key of `account`, if any.
    async fn api_key(&self, account: &str) -> Result<Option<ApiKeyRecord>>;

    /// The API key whose public access key is `access_key`, if any.
    async fn api_key_by_access_key(&self, access_key: &str) -> Result<Option<ApiKeyRecord>>;

    /// Deletes the API key of `account`; false when it had none.
    async fn delete_api_key(&self, account: &str) -> Result<bool>;

    /// Waits until work may be available (a scan was queued) or `timeout` passes.
    ///
    /// The default just sleeps (polling); PostgreSQL wakes waiters with LISTEN/NOTIFY.
    async fn wait_for_work(&self, timeout: std::time::Duration) {
        tokio::time::sleep(timeout).await;
    }

    /// True when [`Store::wait_for_work`] wakes for work queued by any process (PostgreSQL's
    /// LISTEN/NOTIFY), so an idle worker may wait longer between looks at the queue.
    fn pushes_work(&self) -> bool {
        false
    }
    /// The schedule of a scan, if it has one.
    async fn get_schedule(&self, id: &RecordId) -> Result<Option<Schedule>>;

    /// Stores `schedule` (already checked and planned by the caller) as the scan's schedule,
    /// replacing any; `None` removes it. `NotFound` when setting one on a missing scan.
    async fn set_schedule(&self, id: &RecordId, schedule: Option<&Schedule>) -> Result<()>;

    /// Takes up to `limit` enabled schedules whose fire time is at or before `now`, oldest
    /// first, and stores each as `advance` moves it past its slot, with compare-and-set on the
    /// fire time (PostgreSQL: rows another scheduler holds are skipped), so however many
    /// schedulers call this at once, each slot is taken by one of them only.
    async fn take_due_schedules(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        advance: Advance<'_>,
    ) -> Result<Vec<TakenSchedule>>;

    /// The scope policy of `account`, if it has one.
    async fn get_scope_policy(&self, account: &str) -> Result<Option<ScopePolicy>>;

    /// Sets (already checked by the caller) or removes the scope policy of `account`.
    async fn set_scope_policy(&self, account: &str, policy: Option<&ScopePolicy>) -> Result<()>;
}

/// Logs a stored row that cannot be read and is left out of a listing (one bad row must not hide
/// every other record).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn skip_corrupt_row(what: &str, id: &str, error: &dyn std::fmt::Display) {
    tracing::warn!(row = %id, "skipping corrupt {what} row {id}: {error}");
}

/// True when a scan's state ends a run that belongs in the history.
pub(crate) fn ends_run(scan: &Scan) -> bool {
    matches!(
        scan.state,
        crate::model::ScanState::Completed | crate::model::ScanState::Failed
    )
}

/// True when `change`, applied outside [`Store::finish`], ended a run that belongs in the
/// history: a lost lease that failed the scan, or a cancel of a Running scan.
pub(crate) fn ends_run_outside_finish(prev: &Scan, change: &StateChange, next: &Scan) -> bool {
    use crate::model::ScanState;
    prev.state == ScanState::Running
        && matches!(change, StateChange::Expire { .. } | StateChange::Cancel)
        && matches!(next.state, ScanState::Failed | ScanState::Canceled)
}

/// True when a claim failed only because the scan is no longer there to take.
fn is_lost_race(e: &crate::Error) -> bool {
    matches!(
        e.kind(),
        crate::ErrorKind::Conflict | crate::ErrorKind::NotFound
    )
}

/// Refuses a body whose id differs from the addressed record (renames are not supported).
pub(crate) fn check_same_id(id: &RecordId, body: &RecordId, what: &str) -> Result<()> {
    if id == body {
        return Ok(());
    }
    Err(crate::Error::invalid(
        format!("{what} {id}"),
        format!("the body names {what} {body}; renaming is not supported"),
    ))
}

/// The storage error of a stored body that is not valid JSON.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn bad_json(what: &str, e: serde_json::Error) -> crate::Error {
    crate::Error::storage(format!("stored {what} is not valid JSON"), e)
}

/// The NotFound of a missing scan.
pub(crate) fn scan_missing(id: &RecordId) -> crate::Error {
    crate::Error::not_found(format!("scan {id}"))
}

/// The Conflict of a rename to a scan name in use.
pub(crate) fn scan_name_taken(to: &RecordId) -> crate::Error {
    crate::Error::conflict(format!("cannot rename: scan {to} already exists"))
}

/// The NotFound of a missing asset.
pub(crate) fn asset_missing(id: &RecordId) -> crate::Error {
    crate::Error::not_found(format!("asset {id}"))
}
