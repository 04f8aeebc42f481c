//! Scope policies in PostgreSQL.

use tokio_postgres::Client;

use super::connection::{Prepared, pg, prepare};
use crate::error::Result;
use crate::model::ScopePolicy;
use crate::store::bad_json;
use crate::store::sql::scope::POSTGRES_SCOPE as S;

/// The policy of `account`, if any (read before every run: the statement is prepared once per
/// connection).
pub(super) async fn get(
    c: &Client,
    prepared: &mut Prepared,
    account: &str,
) -> Result<Option<ScopePolicy>> {
    let get = prepare(c, prepared, &S.get).await?;
    let row = c
        .query_opt(&get, &[&account])
        .await
        .map_err(|e| pg("read a scope policy", e))?;
    row.map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(|e| bad_json("scope policy", e)))
        .transpose()
}

/// Sets or removes the policy of `account`.
pub(super) async fn set(c: &Client, account: &str, policy: Option<&ScopePolicy>) -> Result<()> {
    let done = match policy {
        None => c.execute(&S.delete, &[&account]).await,
        Some(p) => {
            let body = serde_json::to_string(p).map_err(|e| bad_json("scope policy", e))?;
            c.execute(&S.upsert, &[&account, &body]).await
        }
    };
    done.map(|_| ()).map_err(|e| pg("set a scope policy", e))
}
