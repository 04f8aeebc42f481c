//! Finding identity: a versioned, length-prefixed SHA-256 over normalised identity fields.

use std::net::IpAddr;

use sha2::{Digest, Sha256};

use crate::model::FindingKey;

/// Domain-separation tag; bumping `v1` is a deliberate, migrated re-keying.
const TAG: &[u8] = b"casiscan-finding-v1";

/// SHA-256 over `TAG ‖ 0x00 ‖ Σ(u32_be(len) ‖ field)` for account, asset, provider, kind, key fields.
pub fn fingerprint(account: &str, asset: &str, key: &FindingKey) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(TAG);
    h.update([0u8]);
    let provider = key.provider().as_str().to_owned();
    let kind = key.kind().as_str().to_owned();
    let head = [account.to_owned(), asset.to_owned(), provider, kind];
    for field in head.iter().chain(key.fields().iter()) {
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        h.update(len.to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

/// `UniqueAlertId`: the first 16 bytes of the fingerprint as 32 lower-case hex characters.
pub fn unique_alert_id(account: &str, asset: &str, key: &FindingKey) -> String {
    hex(&fingerprint(account, asset, key)[..16])
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Hex SHA-256 of arbitrary bytes (used for detail hashes).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Normalises a host: IPs re-printed canonically (IPv6 compressed), hostnames lower-case without a trailing dot.
pub fn normalize_host(host: &str) -> String {
    let t = host.trim();
    let bare = t.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => t.trim_end_matches('.').to_ascii_lowercase(),
    }
}

/// Normalises a title used as a key: trimmed, ASCII whitespace runs collapsed, lower-case.
pub fn normalize_title(title: &str) -> String {
    title
        .split_ascii_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

/// Normalises a vulnerability or advisory id: trimmed, upper-case.
pub fn normalize_id(id: &str) -> String {
    id.trim().to_ascii_uppercase()
}
