//! API key records (access key + hashed secret) and the once-shown issued pair.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The stored side of an account's API key; the secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyRecord {
    /// Account the key belongs to (one key per account).
    pub account: String,
    /// Name given at creation.
    pub name: String,
    /// Public identifier (`CSAK…`).
    pub access_key: String,
    /// Hex SHA-256 of the secret key (stored; responses use [`ApiKeyInfo`], which omits it).
    pub secret_hash: String,
    /// Last four characters of the secret, for display only.
    pub secret_hint: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// The primary user who created it.
    pub created_by: String,
}

/// What may be shown about a key: everything but the secret's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    /// Account the key belongs to.
    pub account: String,
    /// Name given at creation.
    pub name: String,
    /// Public identifier (`CSAK…`).
    pub access_key: String,
    /// Last four characters of the secret.
    pub secret_hint: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// The primary user who created it.
    pub created_by: String,
}

impl From<&ApiKeyRecord> for ApiKeyInfo {
    fn from(r: &ApiKeyRecord) -> Self {
        Self {
            account: r.account.clone(),
            name: r.name.clone(),
            access_key: r.access_key.clone(),
            secret_hint: r.secret_hint.clone(),
            created_at: r.created_at,
            created_by: r.created_by.clone(),
        }
    }
}

/// A freshly created pair; the only time the secret is available.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedKey {
    /// Public identifier.
    pub access_key: String,
    /// The secret; shown once.
    pub secret_key: String,
}

impl fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedKey")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}
