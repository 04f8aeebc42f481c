//! The schedule part of [`Client`]: set or remove a scan's schedule, and read scans with theirs.

use crate::Client;
use crate::error::Result;
use crate::model::{IntoRecordId, Page, RecordId, Scan, Schedule};
use crate::schedule::{Scheduler, SchedulerConfig, random_jitter};

impl Client {
    /// Sets (`Some`) or removes (`None`) the schedule of a scan; returns the scan with it.
    ///
    /// The schedule is checked first (cron expression, time zone, interval of at least one
    /// minute, jitter): an invalid one is an `InvalidInput` error naming the field, and nothing
    /// changes. Its next slot is computed from now; a `nextRunTime` given is ignored.
    pub async fn set_scan_schedule(
        &self,
        id: impl IntoRecordId,
        schedule: Option<&Schedule>,
    ) -> Result<Scan> {
        let id = id.into_record_id()?;
        let planned = match schedule {
            Some(s) => Some(s.planned(self.store().clock().now(), &random_jitter)?),
            None => None,
        };
        let mut scan = self.store().get_scan(&id).await?;
        if planned.is_some() {
            scan.provider_kind()?;
        }
        self.store().set_schedule(&id, planned.as_ref()).await?;
        tracing::info!(scan = %id, scheduled = planned.is_some(), "scan schedule set");
        scan.schedule = planned;
        Ok(scan)
    }

    /// The schedule of a scan, if it has one.
    pub async fn scan_schedule(&self, id: impl IntoRecordId) -> Result<Option<Schedule>> {
        self.store().get_schedule(&id.into_record_id()?).await
    }

    /// A scheduler loop over this client's store (run it with [`Scheduler::run`]).
    pub fn scheduler(&self, config: SchedulerConfig) -> Scheduler {
        Scheduler::new(self.store().clone(), config)
    }

    /// `scan` with its stored schedule filled in.
    pub(crate) async fn with_schedule(&self, mut scan: Scan) -> Result<Scan> {
        scan.schedule = self.store().get_schedule(&scan.id()?).await?;
        Ok(scan)
    }

    /// Every scan of `page` with its stored schedule filled in.
    pub(crate) async fn page_with_schedules(&self, mut page: Page<Scan>) -> Result<Page<Scan>> {
        for scan in &mut page.items {
            scan.schedule = self.store().get_schedule(&scan.id()?).await?;
        }
        Ok(page)
    }

    /// Checks and plans the schedule a new scan carries (before anything is written).
    pub(crate) fn planned_schedule(&self, scan: &Scan) -> Result<Option<Schedule>> {
        if scan.schedule.is_some() {
            // A schedule would queue a scan that cannot start.
            scan.provider_kind()?;
        }
        match &scan.schedule {
            Some(s) => Ok(Some(s.planned(self.store().clock().now(), &random_jitter)?)),
            None => Ok(None),
        }
    }

    /// Stores the planned schedule of a scan just added; removes the scan if that fails, so a
    /// refused add changes nothing.
    pub(crate) async fn store_new_schedule(
        &self,
        id: &RecordId,
        schedule: Option<&Schedule>,
    ) -> Result<()> {
        let Some(schedule) = schedule else {
            return Ok(());
        };
        if let Err(e) = self.store().set_schedule(id, Some(schedule)).await {
            let _ = self.store().delete_scan(id, true).await;
            return Err(e);
        }
        Ok(())
    }
}
