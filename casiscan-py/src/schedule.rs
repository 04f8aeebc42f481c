//! `casiscan.Schedule`: when the scheduler queues a scan again, seen from Python.

use casiscan_core::model::{Cadence, MissedSlots, Schedule};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{from_py, to_dict};
use crate::errors::to_py_err;

/// A schedule: a 5-field cron expression in an IANA time zone, or a fixed interval.
#[pyclass(name = "Schedule", module = "casiscan", frozen)]
#[derive(Debug, Clone, PartialEq)]
pub struct PySchedule {
    /// The core record.
    pub inner: Schedule,
}

impl From<Schedule> for PySchedule {
    fn from(inner: Schedule) -> Self {
        PySchedule { inner }
    }
}

/// `cadence` with the common settings, checked by the core.
fn build(
    cadence: Cadence,
    missed_slots: &str,
    jitter_seconds: u32,
    enabled: bool,
) -> PyResult<PySchedule> {
    let inner = Schedule {
        enabled,
        missed_slots: missed_slots.parse::<MissedSlots>().map_err(to_py_err)?,
        jitter_seconds,
        ..Schedule::new(cadence)
    };
    inner
        .check()
        .map_err(|e| to_py_err(casiscan_core::Error::from(e)))?;
    Ok(PySchedule { inner })
}

#[pymethods]
impl PySchedule {
    /// At the times a 5-field cron expression names, read in `time_zone`.
    ///
    /// Raises:
    ///     InvalidInputError: a bad expression, zone, policy or jitter (the message names the
    ///         field, e.g. `schedule.timeZone`).
    #[staticmethod]
    #[pyo3(signature = (expression, time_zone = "UTC", *, missed_slots = "skip",
        jitter_seconds = 0, enabled = true))]
    fn cron(
        expression: &str,
        time_zone: &str,
        missed_slots: &str,
        jitter_seconds: u32,
        enabled: bool,
    ) -> PyResult<Self> {
        build(
            Cadence::cron(expression, time_zone),
            missed_slots,
            jitter_seconds,
            enabled,
        )
    }

    /// Every fixed interval: seconds (`int`, at least 60) or text like `"6h"`, `"30m"`, `"1d"`.
    ///
    /// Raises:
    ///     InvalidInputError: an interval under one minute or unreadable (`schedule.everySeconds`).
    #[staticmethod]
    #[pyo3(signature = (interval, *, missed_slots = "skip", jitter_seconds = 0, enabled = true))]
    fn every(
        interval: &Bound<'_, PyAny>,
        missed_slots: &str,
        jitter_seconds: u32,
        enabled: bool,
    ) -> PyResult<Self> {
        let cadence = match interval.extract::<u64>() {
            Ok(every_seconds) => Cadence::Interval { every_seconds },
            Err(_) => Cadence::every(interval.extract::<&str>()?)
                .map_err(|e| to_py_err(casiscan_core::Error::from(e)))?,
        };
        build(cadence, missed_slots, jitter_seconds, enabled)
    }

    /// Reads a schedule from a dict shaped like `to_dict()`.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyDict>) -> PyResult<Self> {
        from_py::<Schedule>("schedule", data.as_any()).map(PySchedule::from)
    }

    /// `"cron"` or `"interval"`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.cadence {
            Cadence::Cron { .. } => "cron",
            Cadence::Interval { .. } => "interval",
        }
    }

    /// The cron expression (`None` for an interval).
    #[getter]
    fn expression(&self) -> Option<&str> {
        match &self.inner.cadence {
            Cadence::Cron { expression, .. } => Some(expression),
            Cadence::Interval { .. } => None,
        }
    }

    /// The IANA time zone of the cron expression (`None` for an interval).
    #[getter]
    fn time_zone(&self) -> Option<&str> {
        match &self.inner.cadence {
            Cadence::Cron { time_zone, .. } => Some(time_zone),
            Cadence::Interval { .. } => None,
        }
    }

    /// Seconds between slots (`None` for a cron expression).
    #[getter]
    fn every_seconds(&self) -> Option<u64> {
        match self.inner.cadence {
            Cadence::Interval { every_seconds } => Some(every_seconds),
            Cadence::Cron { .. } => None,
        }
    }

    /// False when the schedule is kept but queues nothing.
    #[getter]
    fn enabled(&self) -> bool {
        self.inner.enabled
    }

    /// `"skip"` or `"runOnce"`: slots missed while no scheduler ran.
    #[getter]
    fn missed_slots(&self) -> &'static str {
        self.inner.missed_slots.as_str()
    }

    /// Up to this many seconds of random delay per slot.
    #[getter]
    fn jitter_seconds(&self) -> u32 {
        self.inner.jitter_seconds
    }

    /// The next slot, once stored.
    #[getter]
    fn next_run_time(&self) -> Option<DateTime<Utc>> {
        self.inner.next_run_time
    }

    /// When the next slot fires (its slot plus the jitter drawn), once stored.
    #[getter]
    fn next_fire_time(&self) -> Option<DateTime<Utc>> {
        self.inner.next_fire_time
    }

    /// The schedule as the Rust JSON (camelCase keys) parsed into Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        let what = match &self.inner.cadence {
            Cadence::Cron {
                expression,
                time_zone,
            } => format!("cron={expression:?}, time_zone={time_zone:?}"),
            Cadence::Interval { every_seconds } => format!("every_seconds={every_seconds}"),
        };
        format!(
            "Schedule({what}, enabled={}, next_run_time={:?})",
            self.inner.enabled,
            self.inner.next_run_time.map(|t| t.to_rfc3339())
        )
    }
}
