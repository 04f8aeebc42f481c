//! The key ring: one key per account, primary-user-only management, constant-time verification.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::Utc;
use sha2::{Digest, Sha256};

use super::error::KeyError;
use super::format::{
    access_key_well_formed, new_access_key, new_secret_key, secret_key_well_formed,
};
use crate::model::{ApiKeyRecord, IssuedKey};

/// SHA-256 of a secret (256 random bits ≫ NIST's 112-bit threshold: no slow KDF needed).
fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Compares two digests in time independent of their contents.
pub fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn unhex(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = s
            .get(i * 2..i * 2 + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    out
}

#[derive(Debug, Default)]
struct Inner {
    primary: BTreeMap<String, String>,
    by_account: BTreeMap<String, ApiKeyRecord>,
}

/// Accounts' primary users and their API keys (secrets stored only as hashes).
#[derive(Debug, Default)]
pub struct KeyRing {
    inner: Mutex<Inner>,
}

impl KeyRing {
    /// An empty key ring.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Declares `user` the primary user of `account`.
    pub fn set_primary_user(&self, account: &str, user: &str) {
        self.lock()
            .primary
            .insert(account.to_owned(), user.to_owned());
    }

    fn check_primary(inner: &Inner, account: &str, actor: &str) -> Result<(), KeyError> {
        match inner.primary.get(account) {
            Some(p) if p == actor => Ok(()),
            _ => Err(KeyError::NotPrimaryUser),
        }
    }

    /// Creates the account's key pair; the secret is returned here and never again.
    pub fn create(&self, account: &str, actor: &str, name: &str) -> Result<IssuedKey, KeyError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(KeyError::InvalidName);
        }
        let access_key = new_access_key()?;
        let secret_key = new_secret_key()?;
        let mut inner = self.lock();
        Self::check_primary(&inner, account, actor)?;
        if inner.by_account.contains_key(account) {
            return Err(KeyError::KeyAlreadyExists);
        }
        let hint: String = secret_key
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        inner.by_account.insert(
            account.to_owned(),
            ApiKeyRecord {
                account: account.to_owned(),
                name: name.to_owned(),
                access_key: access_key.clone(),
                secret_hash: crate::lifecycle::hex(&hash(&secret_key)),
                secret_hint: hint,
                created_at: Utc::now(),
                created_by: actor.to_owned(),
            },
        );
        Ok(IssuedKey {
            access_key,
            secret_key,
        })
    }

    /// The account's key record (never the secret).
    pub fn get(&self, account: &str) -> Result<ApiKeyRecord, KeyError> {
        self.lock()
            .by_account
            .get(account)
            .cloned()
            .ok_or(KeyError::NoApiKey)
    }

    /// Deletes the account's key; the next request with it fails.
    pub fn delete(&self, account: &str, actor: &str) -> Result<(), KeyError> {
        let mut inner = self.lock();
        Self::check_primary(&inner, account, actor)?;
        inner
            .by_account
            .remove(account)
            .map(|_| ())
            .ok_or(KeyError::NoApiKey)
    }

    /// Verifies a pair and returns its account; every failure is `InvalidCredentials`
    /// (or `MissingCredentials` for empty input) after exactly one hash and one comparison.
    pub fn verify(&self, access_key: &str, secret_key: &str) -> Result<String, KeyError> {
        if access_key.is_empty() || secret_key.is_empty() {
            return Err(KeyError::MissingCredentials);
        }
        let presented = hash(secret_key);
        let formed = access_key_well_formed(access_key) && secret_key_well_formed(secret_key);
        let inner = self.lock();
        let rec = inner
            .by_account
            .values()
            .find(|r| formed && r.access_key == access_key);
        let stored = rec.map_or([0xA5u8; 32], |r| unhex(&r.secret_hash));
        let ok = ct_eq(&presented, &stored);
        match rec {
            Some(r) if ok => Ok(r.account.clone()),
            _ => Err(KeyError::InvalidCredentials),
        }
    }
}
