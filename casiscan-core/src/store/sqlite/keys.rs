//! Primary users and API keys in SQLite (the secret itself is never stored, only its hash).

use rusqlite::{Connection, OptionalExtension, params};

use super::error::{is_unique_violation, sql};
use crate::error::{Error, Result};
use crate::model::ApiKeyRecord;
use crate::store::bad_json as json_error;
use crate::store::sql::SQLITE;

/// Sets (or replaces) the primary user of `account`.
pub(super) fn set_primary_user(conn: &Connection, account: &str, user: &str) -> Result<()> {
    conn.execute(&SQLITE.set_primary_user, params![account, user])
        .map(|_| ())
        .map_err(sql)
}

/// The primary user of `account`.
pub(super) fn primary_user(conn: &Connection, account: &str) -> Result<Option<String>> {
    conn.query_row(&SQLITE.primary_user, [account], |r| r.get(0))
        .optional()
        .map_err(sql)
}

/// Inserts an account's key; `Conflict` when the account or the access key is taken.
pub(super) fn add_api_key(conn: &Connection, key: &ApiKeyRecord) -> Result<()> {
    let body = serde_json::to_string(key).map_err(|e| json_error("API key", e))?;
    match conn.execute(
        &SQLITE.insert_api_key,
        params![key.account, key.access_key, body],
    ) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(Error::conflict(format!(
            "account {} already has an API key",
            key.account
        ))),
        Err(e) => Err(sql(e)),
    }
}

/// The key found by `column` (`account` or `access_key`) equal to `value`.
pub(super) fn api_key_where(
    conn: &Connection,
    column: KeyColumn,
    value: &str,
) -> Result<Option<ApiKeyRecord>> {
    let statement = match column {
        KeyColumn::Account => &SQLITE.api_key_by_account,
        KeyColumn::AccessKey => &SQLITE.api_key_by_access_key,
    };
    let body: Option<String> = conn
        .query_row(statement, [value], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    body.map(|b| serde_json::from_str(&b).map_err(|e| json_error("API key", e)))
        .transpose()
}

/// Deletes the account's key; false when there was none.
pub(super) fn delete_api_key(conn: &Connection, account: &str) -> Result<bool> {
    conn.execute(&SQLITE.delete_api_key, [account])
        .map(|n| n > 0)
        .map_err(sql)
}

/// How a key is looked up.
#[derive(Debug, Clone, Copy)]
pub(super) enum KeyColumn {
    /// By the owning account.
    Account,
    /// By the public access key.
    AccessKey,
}
