//! Export cursors, the REST export's signed one (`CursorKey`) and the library's scan-log page
//! cursor: arbitrary text is refused with a typed error, never a panic; a cursor sealed for a
//! fuzzed position, account and window opens back to that same position.
use std::collections::BTreeMap;

use casiscan_core::export::{CursorKey, ExportQuery, parse_export_query};
use casiscan_core::fuzzing::{open_position, seal_position};
use casiscan_core::model::LogPosition;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

/// Eight bytes of `data` from `at`, zeros where it is short.
fn word(data: &[u8], at: usize) -> [u8; 8] {
    let mut w = [0u8; 8];
    for (i, b) in data.iter().skip(at).take(8).enumerate() {
        w[i] = *b;
    }
    w
}

/// The REST cursor: opened from `text`, then sealed for `position` and opened back.
fn rest(key: &CursorKey, query: &ExportQuery, account: &str, text: &str, position: LogPosition) {
    let now = query.window().0 + TimeDelta::hours(30);
    let _ = key.open(account, query, text, now);
    let sealed = key.seal(account, query, position, now);
    assert_eq!(key.open(account, query, &sealed, now).ok(), Some(position));
}

/// The library cursor: opened from `text`, then sealed for `position` and opened back.
fn library(
    window: (DateTime<Utc>, DateTime<Utc>),
    account: &str,
    text: &str,
    position: LogPosition,
) {
    let _ = open_position(account, window, text);
    let sealed = seal_position(account, window, position);
    assert_eq!(open_position(account, window, &sealed).ok(), Some(position));
}

fn main() {
    let key = CursorKey::from_secret("fuzz");
    let params: BTreeMap<String, String> = [("date".to_string(), "2026-12-07".to_string())]
        .into_iter()
        .collect();
    let Ok(query) = parse_export_query(&params) else {
        return;
    };
    afl::fuzz!(|data: &[u8]| {
        let micros = i64::from_be_bytes(word(data, 0));
        let log_id = u64::from_be_bytes(word(data, 8));
        let text = String::from_utf8_lossy(data.get(16..).unwrap_or_default());
        let (account, cursor) = text.split_once('\n').unwrap_or(("acme", &text));
        let Some(scan_date) = DateTime::from_timestamp_micros(micros) else {
            let _ = open_position(account, query.window(), cursor);
            return;
        };
        let position = LogPosition { scan_date, log_id };
        rest(&key, &query, account, cursor, position);
        let from = Utc
            .timestamp_opt(micros.rem_euclid(4_000_000_000), 0)
            .single();
        let window = from.map_or(query.window(), |f| (f, f + TimeDelta::days(1)));
        library(window, account, cursor, position);
    });
}
