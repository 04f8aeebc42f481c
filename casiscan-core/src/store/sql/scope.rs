//! The scope policies table and its statements, written once for both SQL stores.

use std::sync::LazyLock;

use super::Dialect;

/// One row per account that has a scope policy (its JSON body).
pub(crate) const SCOPE_TABLE: &str = "
CREATE TABLE scope_policies (
    account TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
";

/// The statements on the scope policies table in one dialect.
pub(crate) struct ScopeStatements {
    /// `account` → `body`.
    pub get: String,
    /// Inserts or replaces `(account, body)`.
    pub upsert: String,
    /// Deletes the policy of `account`.
    pub delete: String,
}

impl ScopeStatements {
    fn new(d: Dialect) -> Self {
        let r = |sql: &str| d.render(sql);
        ScopeStatements {
            get: r("SELECT body FROM scope_policies WHERE account = $1"),
            upsert: r(
                "INSERT INTO scope_policies (account, body) VALUES ($1, $2) \
                 ON CONFLICT (account) DO UPDATE SET body = EXCLUDED.body",
            ),
            delete: r("DELETE FROM scope_policies WHERE account = $1"),
        }
    }
}

/// The SQLite statements.
#[cfg(feature = "sqlite")]
pub(crate) static SQLITE_SCOPE: LazyLock<ScopeStatements> =
    LazyLock::new(|| ScopeStatements::new(Dialect::Sqlite));

/// The PostgreSQL statements.
#[cfg(feature = "postgres")]
pub(crate) static POSTGRES_SCOPE: LazyLock<ScopeStatements> =
    LazyLock::new(|| ScopeStatements::new(Dialect::Postgres));
