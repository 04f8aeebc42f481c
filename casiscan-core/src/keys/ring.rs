//! The key ring: one key per account, primary-user-only management, constant-time verification.

use std::sync::Arc;

use chrono::Utc;
use sha2::{Digest, Sha256};

use super::error::{KeyAction, KeyError};
use super::format::{
    access_key_well_formed, new_access_key, new_secret_key, secret_key_well_formed,
};
use crate::error::ErrorKind;
use crate::model::{ApiKeyRecord, IssuedKey};
use crate::store::{MemoryStore, Store};

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

/// Accounts' primary users and their API keys, kept in a [`Store`] (secrets only as hashes).
#[derive(Clone)]
pub struct KeyRing {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").finish_non_exhaustive()
    }
}

impl KeyRing {
    /// A key ring kept in `store`, shared by every server on the same database.
    pub fn new(store: Arc<dyn Store>) -> Self {
        KeyRing { store }
    }

    /// A key ring that lives only as long as this process (tests, embedding).
    pub fn in_memory() -> Self {
        KeyRing::new(Arc::new(MemoryStore::new()))
    }

    /// Declares `user` the primary user of `account`.
    pub async fn set_primary_user(&self, account: &str, user: &str) -> Result<(), KeyError> {
        Ok(self.store.set_primary_user(account, user).await?)
    }

    async fn check_primary(
        &self,
        account: &str,
        actor: &str,
        action: KeyAction,
    ) -> Result<(), KeyError> {
        match self.store.primary_user(account).await? {
            Some(p) if p == actor => Ok(()),
            _ => Err(KeyError::NotPrimaryUser(action)),
        }
    }

    /// Creates the account's key pair; the secret is returned here and never again.
    pub async fn create(
        &self,
        account: &str,
        actor: &str,
        name: &str,
    ) -> Result<IssuedKey, KeyError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(KeyError::InvalidName);
        }
        self.check_primary(account, actor, KeyAction::Generate)
            .await?;
        if self.store.api_key(account).await?.is_some() {
            return Err(KeyError::KeyAlreadyExists);
        }
        let access_key = new_access_key()?;
        let secret_key = new_secret_key()?;
        let record = ApiKeyRecord {
            account: account.to_owned(),
            name: name.to_owned(),
            access_key: access_key.clone(),
            secret_hash: crate::lifecycle::hex(&hash(&secret_key)),
            secret_hint: hint_of(&secret_key),
            created_at: Utc::now(),
            created_by: actor.to_owned(),
        };
        match self.store.add_api_key(&record).await {
            Ok(()) => Ok(IssuedKey {
                access_key,
                secret_key,
            }),
            // Another request created one meanwhile: one key per account still holds.
            Err(e) if e.kind() == ErrorKind::Conflict => Err(KeyError::KeyAlreadyExists),
            Err(e) => Err(e.into()),
        }
    }

    /// The account's key record (never the secret).
    pub async fn get(&self, account: &str) -> Result<ApiKeyRecord, KeyError> {
        self.store.api_key(account).await?.ok_or(KeyError::NoApiKey)
    }

    /// Deletes the account's key; the next request with it fails.
    pub async fn delete(&self, account: &str, actor: &str) -> Result<(), KeyError> {
        self.check_primary(account, actor, KeyAction::Delete)
            .await?;
        if self.store.delete_api_key(account).await? {
            Ok(())
        } else {
            Err(KeyError::NoApiKey)
        }
    }

    /// Verifies a pair and returns its account; every failure is `InvalidCredentials`
    /// (or `MissingCredentials` for empty input) after exactly one hash and one comparison.
    pub async fn verify(&self, access_key: &str, secret_key: &str) -> Result<String, KeyError> {
        if access_key.is_empty() || secret_key.is_empty() {
            return Err(KeyError::MissingCredentials);
        }
        let presented = hash(secret_key);
        let formed = access_key_well_formed(access_key) && secret_key_well_formed(secret_key);
        let rec = if formed {
            self.store.api_key_by_access_key(access_key).await?
        } else {
            None
        };
        let stored = rec.as_ref().map_or([0xA5u8; 32], |r| unhex(&r.secret_hash));
        let ok = ct_eq(&presented, &stored);
        match rec {
            Some(r) if ok => Ok(r.account),
            _ => Err(KeyError::InvalidCredentials),
        }
    }
}

/// The last four characters of a secret, for display.
fn hint_of(secret: &str) -> String {
    let tail: Vec<char> = secret.chars().rev().take(4).collect();
    tail.into_iter().rev().collect()
}
