//! How long scan logs and deleted findings are kept, and what pruning removed.

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::{Error, Result};

/// Days scan logs are kept when nothing else is configured.
pub const DEFAULT_RETENTION_DAYS: u32 = 400;

/// How long scan logs (and findings of deleted assets) are kept, in whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Retention {
    days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            days: DEFAULT_RETENTION_DAYS,
        }
    }
}

impl Retention {
    /// A retention of `days` (at least 1).
    pub fn days(days: u32) -> Result<Self> {
        if days == 0 {
            return Err(Error::invalid("retention", "must be at least 1 day"));
        }
        Ok(Retention { days })
    }

    /// The number of days kept.
    pub fn in_days(self) -> u32 {
        self.days
    }

    /// The cut-off at `now`: what is older than it may be removed.
    pub fn cutoff(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - TimeDelta::days(i64::from(self.days))
    }
}

impl std::str::FromStr for Retention {
    type Err = Error;

    /// A whole number of days, e.g. `400`.
    fn from_str(s: &str) -> Result<Self> {
        let days = s.trim().parse::<u32>().map_err(|_| {
            Error::invalid("retention", format!("`{s}` is not a whole number of days"))
        })?;
        Retention::days(days)
    }
}

/// What one pruning removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Scan logs removed (ScanDate before the cut-off).
    pub logs: u64,
    /// Findings removed (marked deleted before the cut-off).
    pub findings: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_a_positive_whole_number_of_days() {
        assert_eq!(Retention::default().in_days(), 400);
        assert_eq!("30".parse::<Retention>().expect("30").in_days(), 30);
        for bad in ["", "x", "-1", "0", "1.5", "99999999999"] {
            let e = bad.parse::<Retention>().expect_err(bad);
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput, "{bad}");
        }
    }
}
