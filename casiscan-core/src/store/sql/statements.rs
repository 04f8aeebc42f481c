//! The fixed statements of both SQL stores, written once with `$N` placeholders.

use std::sync::LazyLock;

use super::{Dialect, SCAN_COLUMN_COUNT, SCAN_COLUMNS};

/// Every fixed statement, rendered in one dialect.
#[derive(Debug)]
pub(crate) struct Statements {
    /// One scan by owner and name.
    pub select_scan: String,
    /// A new scan, every column.
    pub insert_scan: String,
    /// Every column of a scan, guarded by owner, name, state and lease token (see
    /// [`super::cas_values`]).
    pub compare_and_set: String,
    /// Deletes a scan.
    pub delete_scan: String,
    /// Deletes a scan's runs.
    pub delete_runs: String,
    /// Running scans whose lease ended before `$1`.
    pub expired_leases: String,
    /// Records why a Pending scan waits.
    pub note_pending: String,
    /// How many scans are Pending.
    pub queue_depth: String,
    /// Inserts or refreshes a runner.
    pub register_runner: String,
    /// Runners seen at or after `$1`.
    pub live_runners: String,
    /// A new asset.
    pub insert_asset: String,
    /// One asset's body.
    pub select_asset: String,
    /// Replaces an asset's body.
    pub update_asset: String,
    /// Deletes an asset.
    pub delete_asset: String,
    /// Assets of `$1` (every owner when NULL), newest first.
    pub list_assets: String,
    /// The last run number of a scan (0 for none).
    pub last_run: String,
    /// Appends a run.
    pub insert_run: String,
    /// A scan's runs, oldest first.
    pub list_runs: String,
    /// Sets or replaces an account's primary user.
    pub set_primary_user: String,
    /// An account's primary user.
    pub primary_user: String,
    /// A new API key.
    pub insert_api_key: String,
    /// The API key of an account.
    pub api_key_by_account: String,
    /// The API key with an access key.
    pub api_key_by_access_key: String,
    /// Deletes an account's API key.
    pub delete_api_key: String,
}

/// The statements of the SQLite store.
#[cfg(feature = "sqlite")]
pub(crate) static SQLITE: LazyLock<Statements> = LazyLock::new(|| Statements::new(Dialect::Sqlite));

/// The statements of the PostgreSQL store.
#[cfg(feature = "postgres")]
pub(crate) static POSTGRES: LazyLock<Statements> =
    LazyLock::new(|| Statements::new(Dialect::Postgres));

impl Statements {
    /// Renders every statement in `d`.
    fn new(d: Dialect) -> Self {
        let r = |sql: &str| d.render(sql);
        let n = SCAN_COLUMN_COUNT;
        let placeholders: Vec<String> = (1..=n).map(|i| d.param(i)).collect();
        let sets: Vec<String> = SCAN_COLUMNS
            .split(", ")
            .enumerate()
            .map(|(i, col)| format!("{col} = {}", d.param(i + 1)))
            .collect();
        let desc = |col: &str| format!("{} DESC", d.bytewise(col));
        Statements {
            select_scan: r(&format!(
                "SELECT {SCAN_COLUMNS} FROM scans WHERE owner = $1 AND name = $2"
            )),
            insert_scan: format!(
                "INSERT INTO scans ({SCAN_COLUMNS}) VALUES ({})",
                placeholders.join(", ")
            ),
            compare_and_set: format!(
                "UPDATE scans SET {} WHERE owner = {} AND name = {} AND state = {} \
                 AND lease_token {} {}",
                sets.join(", "),
                d.param(n + 1),
                d.param(n + 2),
                d.param(n + 3),
                d.same(),
                d.param(n + 4)
            ),
            delete_scan: r("DELETE FROM scans WHERE owner = $1 AND name = $2"),
            delete_runs: r("DELETE FROM scan_runs WHERE owner = $1 AND scan = $2"),
            expired_leases: format!(
                "SELECT owner, name FROM scans WHERE state = 'Running' \
                 AND lease_until IS NOT NULL AND {} < {}",
                d.bytewise("lease_until"),
                d.param(1)
            ),
            note_pending: r("UPDATE scans SET error_text = $3 \
                 WHERE owner = $1 AND name = $2 AND state = 'Pending'"),
            queue_depth: r("SELECT COUNT(*) FROM scans WHERE state = 'Pending'"),
            register_runner: r(
                "INSERT INTO runners (name, seen_time, body) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET seen_time = $2, body = $3",
            ),
            live_runners: format!(
                "SELECT body FROM runners WHERE {} >= {} ORDER BY name",
                d.bytewise("seen_time"),
                d.param(1)
            ),
            insert_asset: r(
                "INSERT INTO assets (owner, name, created_time, body) VALUES ($1, $2, $3, $4)",
            ),
            select_asset: r("SELECT body FROM assets WHERE owner = $1 AND name = $2"),
            update_asset: r("UPDATE assets SET body = $3 WHERE owner = $1 AND name = $2"),
            delete_asset: r("DELETE FROM assets WHERE owner = $1 AND name = $2"),
            list_assets: format!(
                "SELECT owner, name, body FROM assets WHERE {} IS NULL OR owner = {} \
                 ORDER BY {}, {}, {}",
                d.text_param(1),
                d.param(1),
                desc("created_time"),
                desc("owner"),
                desc("name")
            ),
            last_run: r(
                "SELECT COALESCE(MAX(seq), 0) FROM scan_runs WHERE owner = $1 AND scan = $2",
            ),
            insert_run: r("INSERT INTO scan_runs (owner, scan, seq, body) VALUES ($1, $2, $3, $4)"),
            list_runs: r("SELECT owner, scan, seq, body FROM scan_runs \
                 WHERE owner = $1 AND scan = $2 ORDER BY seq"),
            set_primary_user: r(
                "INSERT INTO primary_users (account, user_name) VALUES ($1, $2) \
                 ON CONFLICT (account) DO UPDATE SET user_name = EXCLUDED.user_name",
            ),
            primary_user: r("SELECT user_name FROM primary_users WHERE account = $1"),
            insert_api_key: r(
                "INSERT INTO api_keys (account, access_key, body) VALUES ($1, $2, $3)",
            ),
            api_key_by_account: r("SELECT body FROM api_keys WHERE account = $1"),
            api_key_by_access_key: r("SELECT body FROM api_keys WHERE access_key = $1"),
            delete_api_key: r("DELETE FROM api_keys WHERE account = $1"),
        }
    }

    /// The oldest Pending scans whose owner is in the set `owners` (an SQL expression: the
    /// dialect's way to test membership of a parameter), at most `limit`.
    pub fn pending_scans_of(d: Dialect, owners: &str, limit: &str) -> String {
        format!(
            "SELECT {SCAN_COLUMNS} FROM scans WHERE state = 'Pending' AND {owners} \
             ORDER BY {}, {}, {} LIMIT {limit}",
            d.bytewise("updated_time"),
            d.bytewise("owner"),
            d.bytewise("name")
        )
    }

    /// The oldest Pending scans, at most `limit` (a placeholder, or a number written in).
    pub fn pending_scans(d: Dialect, limit: &str) -> String {
        format!(
            "SELECT {SCAN_COLUMNS} FROM scans WHERE state = 'Pending' ORDER BY {}, {}, {} LIMIT {limit}",
            d.bytewise("updated_time"),
            d.bytewise("owner"),
            d.bytewise("name")
        )
    }
}

#[cfg(all(test, feature = "sqlite", feature = "postgres"))]
mod tests {
    use super::*;

    #[test]
    fn the_compare_and_set_guards_state_and_lease_token() {
        assert!(
            SQLITE.compare_and_set.ends_with(
                "WHERE owner = ?24 AND name = ?25 AND state = ?26 AND lease_token IS ?27"
            )
        );
        assert!(POSTGRES.compare_and_set.ends_with(
            "WHERE owner = $24 AND name = $25 AND state = $26 \
             AND lease_token IS NOT DISTINCT FROM $27"
        ));
        assert!(SQLITE.list_assets.contains("?1 IS NULL OR owner = ?1"));
        assert!(
            POSTGRES
                .list_assets
                .contains("$1::TEXT IS NULL OR owner = $1")
        );
    }
}
