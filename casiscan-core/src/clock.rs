//! Timestamps at the precision every store keeps (microseconds, UTC), and the injectable
//! [`Clock`] that stores and workers read "now" from.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// Now, truncated to microseconds so it survives a round trip through any store.
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now())
}

/// Truncates a timestamp to microseconds.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    let micros = t.timestamp_micros();
    DateTime::from_timestamp_micros(micros).unwrap_or(t)
}

/// Fixed-width RFC 3339 text (`2026-01-02T03:04:05.000006Z`) that sorts like the time.
pub fn to_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Where "now" comes from: the system clock, or a manual one that tests move by hand.
///
/// Clones share one time: advancing a manual clock advances every store and worker using it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock (the default).
    pub fn system() -> Self {
        Clock::default()
    }

    /// A clock that stands at `start` until [`Clock::advance`] or [`Clock::set`] moves it.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock {
            manual: Some(Arc::new(Mutex::new(truncate(start)))),
        }
    }

    /// True for a manual clock.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Now, at store precision.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            Some(at) => *at.lock().unwrap_or_else(|p| p.into_inner()),
            None => now(),
        }
    }

    /// Moves a manual clock forward by `by`; the system clock cannot be moved (no-op).
    pub fn advance(&self, by: std::time::Duration) {
        let by = Duration::from_std(by).unwrap_or(Duration::MAX);
        if let Some(at) = &self.manual {
            let mut at = at.lock().unwrap_or_else(|p| p.into_inner());
            *at = truncate(at.checked_add_signed(by).unwrap_or(*at));
        }
    }

    /// Sets a manual clock to `t`; the system clock cannot be set (no-op).
    pub fn set(&self, t: DateTime<Utc>) {
        if let Some(at) = &self.manual {
            *at.lock().unwrap_or_else(|p| p.into_inner()) = truncate(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let start = now();
        let clock = Clock::manual(start);
        let shared = clock.clone();
        assert_eq!(clock.now(), start);
        clock.advance(std::time::Duration::from_secs(90));
        assert_eq!(shared.now(), start + Duration::seconds(90));
        shared.set(start);
        assert_eq!(clock.now(), start);
        assert!(clock.is_manual() && !Clock::system().is_manual());
    }

    #[test]
    fn the_system_clock_follows_real_time() {
        let clock = Clock::system();
        let before = now();
        clock.advance(std::time::Duration::from_secs(3600));
        let read = clock.now();
        assert!(read >= before && read < before + Duration::seconds(60));
    }
}
