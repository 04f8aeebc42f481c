//! Primary users and API keys in PostgreSQL (the secret itself is never stored, only its hash).

use tokio_postgres::Client;

use super::connection::{is_unique, pg};
use crate::error::{Error, Result};
use crate::model::ApiKeyRecord;
use crate::store::bad_json as json_error;
use crate::store::sql::POSTGRES;

/// Sets (or replaces) the primary user of `account`.
pub(super) async fn set_primary_user(c: &Client, account: &str, user: &str) -> Result<()> {
    c.execute(&POSTGRES.set_primary_user, &[&account, &user])
        .await
        .map(|_| ())
        .map_err(|e| pg("set a primary user", e))
}

/// The primary user of `account`.
pub(super) async fn primary_user(c: &Client, account: &str) -> Result<Option<String>> {
    c.query_opt(&POSTGRES.primary_user, &[&account])
        .await
        .map(|row| row.map(|r| r.get(0)))
        .map_err(|e| pg("read a primary user", e))
}

/// Inserts an account's key; `Conflict` when the account or the access key is taken.
pub(super) async fn add_api_key(c: &Client, key: &ApiKeyRecord) -> Result<()> {
    let body = serde_json::to_string(key).map_err(|e| json_error("API key", e))?;
    match c
        .execute(
            &POSTGRES.insert_api_key,
            &[&key.account, &key.access_key, &body],
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_unique(&e) => Err(Error::conflict(format!(
            "account {} already has an API key",
            key.account
        ))),
        Err(e) => Err(pg("add an API key", e)),
    }
}

/// The key of `account`, or with public access key `access_key` when `by_access_key`.
pub(super) async fn api_key_where(
    c: &Client,
    by_access_key: bool,
    value: &str,
) -> Result<Option<ApiKeyRecord>> {
    let statement = if by_access_key {
        &POSTGRES.api_key_by_access_key
    } else {
        &POSTGRES.api_key_by_account
    };
    let row = c
        .query_opt(statement, &[&value])
        .await
        .map_err(|e| pg("read an API key", e))?;
    row.map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(|e| json_error("API key", e)))
        .transpose()
}

/// Deletes the account's key; false when there was none.
pub(super) async fn delete_api_key(c: &Client, account: &str) -> Result<bool> {
    c.execute(&POSTGRES.delete_api_key, &[&account])
        .await
        .map(|n| n > 0)
        .map_err(|e| pg("delete an API key", e))
}
