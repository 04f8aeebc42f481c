//! Export cursors: the last (ScanDate, ScanlogId) read, bound to the account and the query by
//! a hash, signed with a server key (HMAC-SHA-256), valid for a limited time.

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use super::error::ExportError;
use super::query::ExportQuery;
use crate::keys::ct_eq;
use crate::lifecycle::hex;
use crate::model::LogPosition;

/// How long a cursor may be used after it was issued.
pub const CURSOR_LIFETIME: TimeDelta = TimeDelta::hours(24);

/// Version byte of the cursor layout.
const VERSION: u8 = 1;

/// Bytes before the MAC: version, ScanDate (µs), ScanlogId, issued (s), query hash.
const PAYLOAD: usize = 1 + 8 + 8 + 8 + 8;

/// The server key that signs cursors; servers of one fleet share it to accept each other's.
#[derive(Clone)]
pub struct CursorKey([u8; 32]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

impl CursorKey {
    /// A fresh random key (cursors then last until the process ends).
    pub fn random() -> crate::Result<Self> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)
            .map_err(|e| crate::Error::storage("cannot draw a cursor key", e))?;
        Ok(CursorKey(key))
    }

    /// The key derived from a configured secret (the same secret gives the same key).
    pub fn from_secret(secret: &str) -> Self {
        CursorKey(Sha256::digest(secret.as_bytes()).into())
    }

    fn mac(&self, message: &[u8]) -> [u8; 32] {
        let mut inner = Sha256::new();
        let mut outer = Sha256::new();
        let mut ipad = [0x36u8; 64];
        let mut opad = [0x5cu8; 64];
        for (i, k) in self.0.iter().enumerate() {
            ipad[i] ^= k;
            opad[i] ^= k;
        }
        inner.update(ipad);
        inner.update(message);
        outer.update(opad);
        outer.update(inner.finalize());
        outer.finalize().into()
    }

    /// The cursor of the next page after `position` for `account`'s `query`, issued at `now`.
    pub fn seal(
        &self,
        account: &str,
        query: &ExportQuery,
        position: LogPosition,
        now: DateTime<Utc>,
    ) -> String {
        let mut bytes = Vec::with_capacity(PAYLOAD + 32);
        bytes.push(VERSION);
        bytes.extend(position.scan_date.timestamp_micros().to_be_bytes());
        bytes.extend(position.log_id.to_be_bytes());
        bytes.extend(now.timestamp().to_be_bytes());
        bytes.extend(query_hash(account, query));
        let mac = self.mac(&bytes);
        bytes.extend(mac);
        hex(&bytes)
    }

    /// The position `cursor` continues from, if this server issued it for `account`'s `query`
    /// less than [`CURSOR_LIFETIME`] before `now`.
    pub fn open(
        &self,
        account: &str,
        query: &ExportQuery,
        cursor: &str,
        now: DateTime<Utc>,
    ) -> Result<LogPosition, ExportError> {
        let bytes = unhex(cursor).ok_or(ExportError::InvalidCursor)?;
        if bytes.len() != PAYLOAD + 32 || bytes[0] != VERSION {
            return Err(ExportError::InvalidCursor);
        }
        let (payload, mac) = bytes.split_at(PAYLOAD);
        let mac: [u8; 32] = mac.try_into().map_err(|_| ExportError::InvalidCursor)?;
        if !ct_eq(&self.mac(payload), &mac) {
            return Err(ExportError::InvalidCursor);
        }
        let word = |at: usize| -> Result<[u8; 8], ExportError> {
            payload
                .get(at..at + 8)
                .and_then(|w| w.try_into().ok())
                .ok_or(ExportError::InvalidCursor)
        };
        let scan_date = DateTime::from_timestamp_micros(i64::from_be_bytes(word(1)?))
            .ok_or(ExportError::InvalidCursor)?;
        let log_id = u64::from_be_bytes(word(9)?);
        let issued = DateTime::from_timestamp(i64::from_be_bytes(word(17)?), 0)
            .ok_or(ExportError::InvalidCursor)?;
        if word(25)? != query_hash(account, query) {
            return Err(ExportError::CursorMismatch);
        }
        if now - issued > CURSOR_LIFETIME || issued - now > TimeDelta::minutes(5) {
            return Err(ExportError::CursorExpired);
        }
        Ok(LogPosition { scan_date, log_id })
    }
}

/// The first 8 bytes of SHA-256 over the account and what selects and shapes the logs.
fn query_hash(account: &str, q: &ExportQuery) -> [u8; 8] {
    let mut h = Sha256::new();
    for part in [
        account,
        &q.from.to_string(),
        &q.to.to_string(),
        q.min_severity.as_str(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 2 * (PAYLOAD + 32) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::export::parse_export_query;

    fn query(date: &str) -> ExportQuery {
        let raw: BTreeMap<String, String> = [("date".to_owned(), date.to_owned())].into();
        parse_export_query(&raw).expect("query")
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    #[test]
    fn a_cursor_opens_only_for_its_account_query_and_lifetime() {
        let key = CursorKey::from_secret("fleet secret");
        let q = query("2026-03-01");
        let pos = LogPosition {
            scan_date: at("2026-03-01T10:00:00.000123Z"),
            log_id: 42,
        };
        let now = at("2026-03-02T00:00:00Z");
        let c = key.seal("acme", &q, pos, now);
        assert_eq!(key.open("acme", &q, &c, now), Ok(pos));
        assert_eq!(
            key.open("other", &q, &c, now),
            Err(ExportError::CursorMismatch)
        );
        assert_eq!(
            key.open("acme", &query("2026-03-02"), &c, now),
            Err(ExportError::CursorMismatch)
        );
        let later = now + CURSOR_LIFETIME + TimeDelta::seconds(1);
        assert_eq!(
            key.open("acme", &q, &c, later),
            Err(ExportError::CursorExpired)
        );
        let other_key = CursorKey::from_secret("another server");
        assert_eq!(
            other_key.open("acme", &q, &c, now),
            Err(ExportError::InvalidCursor)
        );
        // A forged position (one byte changed) fails the MAC.
        let mut forged = c.clone().into_bytes();
        forged[20] = if forged[20] == b'0' { b'1' } else { b'0' };
        let forged = String::from_utf8(forged).expect("ascii");
        assert_eq!(
            key.open("acme", &q, &forged, now),
            Err(ExportError::InvalidCursor)
        );
        for junk in ["", "zz", "00", &c[..c.len() - 2], &format!("{c}00")] {
            assert_eq!(
                key.open("acme", &q, junk, now),
                Err(ExportError::InvalidCursor),
                "{junk}"
            );
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2 uses a 4-byte key; ours are 32 bytes, zero-padded the same way.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let mac = CursorKey(key).mac(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
