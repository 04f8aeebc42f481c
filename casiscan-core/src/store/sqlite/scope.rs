//! Scope policies in SQLite.

use rusqlite::{Connection, OptionalExtension, params};

use super::error::sql;
use crate::error::Result;
use crate::model::ScopePolicy;
use crate::store::bad_json;
use crate::store::sql::scope::SQLITE_SCOPE as S;

/// The policy of `account`, if any.
pub(super) fn get(conn: &Connection, account: &str) -> Result<Option<ScopePolicy>> {
    let body: Option<String> = conn
        .query_row(&S.get, params![account], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    body.map(|b| serde_json::from_str(&b).map_err(|e| bad_json("scope policy", e)))
        .transpose()
}

/// Sets or removes the policy of `account`.
pub(super) fn set(conn: &Connection, account: &str, policy: Option<&ScopePolicy>) -> Result<()> {
    match policy {
        None => conn.execute(&S.delete, params![account]),
        Some(p) => {
            let body = serde_json::to_string(p).map_err(|e| bad_json("scope policy", e))?;
            conn.execute(&S.upsert, params![account, body])
        }
    }
    .map(|_| ())
    .map_err(sql)
}
