//! The scheduler loop: take due slots from the store, queue the scans, record skipped slots.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::random_jitter;
use crate::error::{ErrorKind, Result};
use crate::model::{RecordId, ScanRun, SkipReason, SkippedSlot, SlotDecision};
use crate::store::{StateChange, Store, TakenSchedule};

/// How a scheduler behaves.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// How often the store is asked for due slots.
    pub poll: Duration,
    /// A slot taken later than this after it came (plus its jitter) was missed.
    pub grace: Duration,
    /// Due slots taken per store call, at most.
    pub batch: usize,
}

impl Default for SchedulerConfig {
    /// Polls every 5 s; slots over 2 min late are missed; 64 slots per call.
    fn default() -> Self {
        SchedulerConfig {
            poll: Duration::from_secs(5),
            grace: Duration::from_secs(120),
            batch: 64,
        }
    }
}

/// What a scheduler did with one slot it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotOutcome {
    /// The scan was queued (started) for `slot`; `missed` slots were folded into it.
    Queued {
        /// The scan.
        id: RecordId,
        /// The slot.
        slot: DateTime<Utc>,
        /// Slots it stands for (1 when on time).
        missed: u64,
    },
    /// Nothing was queued; the slot is in the scan's run history with `reason`.
    Skipped {
        /// The scan.
        id: RecordId,
        /// The slot.
        slot: DateTime<Utc>,
        /// Why.
        reason: SkipReason,
    },
    /// The scan no longer exists; its schedule was removed.
    Gone {
        /// The deleted scan.
        id: RecordId,
    },
}

/// Queues scheduled scans from a shared store.
pub struct Scheduler {
    store: Arc<dyn Store>,
    config: SchedulerConfig,
}

impl Scheduler {
    /// A scheduler over `store`.
    pub fn new(store: Arc<dyn Store>, config: SchedulerConfig) -> Self {
        Scheduler { store, config }
    }

    /// Runs until `shutdown`, one pass per poll interval; a failed pass is logged and retried.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<()> {
        tracing::info!(poll = ?self.config.poll, "scheduler started");
        while !shutdown.is_cancelled() {
            match self.tick().await {
                // A full batch may mean more are due: take them before sleeping.
                Ok(done) if done.len() >= self.config.batch => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduler pass failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.poll) => {}
                () = shutdown.cancelled() => {}
            }
        }
        tracing::info!("scheduler stopped");
        Ok(())
    }

    /// One pass at the store's "now": takes every due slot (up to one batch) and acts on each.
    pub async fn tick(&self) -> Result<Vec<SlotOutcome>> {
        let now = self.store.clock().now();
        let grace = self.config.grace;
        let advance = move |s: &crate::model::Schedule| s.take(now, grace, &random_jitter).next;
        let taken = self
            .store
            .take_due_schedules(now, self.config.batch, &advance)
            .await?;
        let mut outcomes = Vec::with_capacity(taken.len());
        for t in taken {
            if let Some(outcome) = self.act(now, &t).await? {
                outcomes.push(outcome);
            }
        }
        Ok(outcomes)
    }

    /// Queues the scan of a taken slot, or records why not.
    async fn act(&self, now: DateTime<Utc>, t: &TakenSchedule) -> Result<Option<SlotOutcome>> {
        // The decision depends on the slot, `now` and the policy only, not on the jitter drawn.
        let taken = t.was.take(now, self.config.grace, &|_| 0);
        let (slot, id) = (taken.slot, &t.id);
        let missed = match taken.decision {
            SlotDecision::Fire => 1,
            SlotDecision::FireMissed { missed } => missed,
            SlotDecision::Skip(reason) => return self.skip(id, slot, reason).await,
        };
        match self.store.apply(id, &StateChange::Start).await {
            Ok(_) => {
                tracing::info!(scan = %id, %slot, missed, "scheduled slot queued the scan");
                Ok(Some(SlotOutcome::Queued {
                    id: id.clone(),
                    slot,
                    missed,
                }))
            }
            Err(e) if e.kind() == ErrorKind::Conflict => {
                // Start is refused only while Pending or Running: that run is still going.
                let state = self.store.get_scan(id).await?.state;
                self.skip(id, slot, SkipReason::StillActive { state }).await
            }
            Err(e) if e.kind() == ErrorKind::NotFound => self.gone(id).await,
            Err(e) => Err(e),
        }
    }

    /// Records a skipped slot in the scan's run history.
    async fn skip(
        &self,
        id: &RecordId,
        slot: DateTime<Utc>,
        reason: SkipReason,
    ) -> Result<Option<SlotOutcome>> {
        let scan = match self.store.get_scan(id).await {
            Ok(scan) => scan,
            Err(e) if e.kind() == ErrorKind::NotFound => return self.gone(id).await,
            Err(e) => return Err(e),
        };
        let record = ScanRun::of_skipped_slot(&scan, SkippedSlot::new(slot, reason));
        self.store.append_run(&record).await?;
        tracing::info!(scan = %id, %slot, %reason, "scheduled slot skipped");
        Ok(Some(SlotOutcome::Skipped {
            id: id.clone(),
            slot,
            reason,
        }))
    }

    /// Removes the schedule of a scan that was deleted.
    async fn gone(&self, id: &RecordId) -> Result<Option<SlotOutcome>> {
        self.store.set_schedule(id, None).await?;
        tracing::info!(scan = %id, "schedule of a deleted scan removed");
        Ok(Some(SlotOutcome::Gone { id: id.clone() }))
    }
}
