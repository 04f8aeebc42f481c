//! Timestamps at the precision every store keeps (microseconds, UTC).

use chrono::{DateTime, SecondsFormat, Utc};

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
