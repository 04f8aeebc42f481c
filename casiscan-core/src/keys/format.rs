//! Key formats: `CSAK` + 20 Crockford base32 (100 random bits); `cssk_` + 43 base62 (≥256 bits) + CRC32.

use super::error::KeyError;

type Result<T> = std::result::Result<T, KeyError>;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Access key prefix.
pub const ACCESS_PREFIX: &str = "CSAK";
/// Secret key prefix.
pub const SECRET_PREFIX: &str = "cssk_";
const ACCESS_BODY: usize = 20;
const SECRET_BODY: usize = 43;
const CHECK_LEN: usize = 6;

fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| KeyError::Random)
}

/// A new access key from 100 bits of the OS RNG.
pub fn new_access_key() -> Result<String> {
    let mut raw = [0u8; ACCESS_BODY];
    random_bytes(&mut raw)?;
    let body: String = raw
        .iter()
        .map(|b| char::from(CROCKFORD[usize::from(b & 31)]))
        .collect();
    Ok(format!("{ACCESS_PREFIX}{body}"))
}

/// A new secret key: 43 base62 characters drawn uniformly (rejection sampling) + checksum.
pub fn new_secret_key() -> Result<String> {
    let mut body = String::with_capacity(SECRET_BODY);
    let mut buf = [0u8; 64];
    while body.len() < SECRET_BODY {
        random_bytes(&mut buf)?;
        for b in buf {
            // 248 = 4 × 62: bytes ≥ 248 are rejected so every character is equally likely.
            if b < 248 && body.len() < SECRET_BODY {
                body.push(char::from(BASE62[usize::from(b % 62)]));
            }
        }
    }
    let check = checksum(&format!("{SECRET_PREFIX}{body}"));
    Ok(format!("{SECRET_PREFIX}{body}{check}"))
}

/// CRC-32 (IEEE) of `s`, as 6 base62 characters.
fn checksum(s: &str) -> String {
    let mut crc: u32 = !0;
    for &b in s.as_bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut n = u64::from(!crc);
    let mut out = [b'0'; CHECK_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// Well-formed access key: prefix + 20 Crockford characters.
pub fn access_key_well_formed(k: &str) -> bool {
    k.strip_prefix(ACCESS_PREFIX)
        .is_some_and(|b| b.len() == ACCESS_BODY && b.bytes().all(|c| CROCKFORD.contains(&c)))
}

/// Well-formed secret key with a valid checksum.
pub fn secret_key_well_formed(k: &str) -> bool {
    let Some(rest) = k.strip_prefix(SECRET_PREFIX) else {
        return false;
    };
    if rest.len() != SECRET_BODY + CHECK_LEN || !rest.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (body, check) = rest.split_at(SECRET_BODY);
    checksum(&format!("{SECRET_PREFIX}{body}")) == check
}
