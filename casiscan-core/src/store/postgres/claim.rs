//! Claims in PostgreSQL: lock the candidate rows (skipping those another runner holds), take
//! them in order, in two round trips.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use tokio::sync::OwnedMutexGuard;
use tokio_postgres::types::ToSql;

use super::connection::{Conn, pg, prepare};
use super::rows::scan_from_row;
use super::scans::try_compare_and_set;
use super::transaction::{TxGuard, begin_with, commit_with, in_order};
use crate::error::Result;
use crate::model::{RecordId, Scan};
use crate::store::sql::{Dialect, POSTGRES, SCAN_COLUMNS, Statements};
use crate::store::{StateChange, apply_change};

/// Locks, oldest of the given ids first, the Pending ones no other runner is claiming.
static CLAIM_WINDOW: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM scans s \
         JOIN unnest($1::TEXT[], $2::TEXT[], $3::BIGINT[]) AS w(owner, name, ord) \
         ON s.owner = w.owner AND s.name = w.name \
         WHERE s.state = 'Pending' ORDER BY w.ord LIMIT $4 FOR UPDATE OF s SKIP LOCKED",
        prefixed_columns("s")
    )
});

/// Who claims, until when, and how many scans at most.
pub(super) struct Claim<'a> {
    /// The claiming runner.
    pub runner: &'a str,
    /// The end of each claimed scan's lease.
    pub lease_until: DateTime<Utc>,
    /// Scans taken at most.
    pub limit: usize,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Locks candidate rows with `select` (rows another runner holds are skipped, not waited for)
/// and claims them in order as `decide` says: take, pass over, or stop there.
pub(super) async fn claim_locked(
    conn: &mut OwnedMutexGuard<Conn>,
    select: &str,
    params: &[&(dyn ToSql + Sync)],
    claim: &Claim<'_>,
    decide: &(dyn for<'s> Fn(&'s Scan) -> Option<bool> + Sync),
) -> Result<Vec<Scan>> {
    let guard = TxGuard::on(conn);
    let claimed = claim_in_transaction(conn, select, params, claim, decide).await;
    guard.close(conn, claimed).await
}

/// The statements of [`claim_locked`]'s transaction, in two round trips: BEGIN with the
/// locking read, then the claims with COMMIT (the locks are held for one turn only).
async fn claim_in_transaction(
    conn: &mut Conn,
    select: &str,
    params: &[&(dyn ToSql + Sync)],
    claim: &Claim<'_>,
    decide: &(dyn for<'s> Fn(&'s Scan) -> Option<bool> + Sync),
) -> Result<Vec<Scan>> {
    let Conn {
        client,
        prepared,
        open,
    } = conn;
    let select = prepare(client, prepared, select).await?;
    let cas = prepare(client, prepared, &POSTGRES.compare_and_set).await?;
    let client = &*client;
    let read = async {
        client
            .query(&select, params)
            .await
            .map_err(|e| pg("claim scans", e))
    };
    let rows = begin_with(client, open, read, "claim scans").await?;
    let mut pairs = Vec::new();
    for row in &rows {
        let prev = scan_from_row(row)?;
        match decide(&prev) {
            Some(true) if pairs.len() < claim.limit => {
                let mut next = prev.clone();
                let change = StateChange::claim(claim.runner, claim.lease_until);
                apply_change(&mut next, &change, claim.now)?;
                pairs.push((prev, next));
            }
            Some(_) => {}
            None => break,
        }
    }
    // The rows are locked by this transaction, so every write finds what was read; one that
    // did not would only be a claim not made. The rows passed over are unlocked by the commit.
    let claims = in_order(
        pairs
            .iter()
            .map(|(prev, next)| try_compare_and_set(client, &cas, prev, next)),
    );
    let made = commit_with(client, open, claims, "claim scans").await?;
    Ok(pairs
        .into_iter()
        .zip(made)
        .filter_map(|((_, next), made)| made.then_some(next))
        .collect())
}

/// The oldest Pending scans, locked; rows another transaction holds are skipped.
static QUEUE_HEAD: LazyLock<String> = LazyLock::new(|| {
    let head = Statements::pending_scans(Dialect::Postgres, "$1");
    format!("{head} FOR UPDATE SKIP LOCKED")
});

/// The scan columns qualified with table alias `alias`.
fn prefixed_columns(alias: &str) -> String {
    SCAN_COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Claims, in the order given, up to `claim.limit` of `ids` still Pending.
pub(super) async fn claim_many(
    conn: &mut OwnedMutexGuard<Conn>,
    ids: &[RecordId],
    claim: &Claim<'_>,
) -> Result<Vec<Scan>> {
    if ids.is_empty() || claim.limit == 0 {
        return Ok(Vec::new());
    }
    let owners: Vec<&str> = ids.iter().map(|id| id.owner.as_str()).collect();
    let names: Vec<&str> = ids.iter().map(|id| id.name.as_str()).collect();
    let order: Vec<i64> = (0..ids.len() as i64).collect();
    let limit = claim.limit as i64;
    let params: [&(dyn ToSql + Sync); 4] = [&owners, &names, &order, &limit];
    claim_locked(conn, &CLAIM_WINDOW, &params, claim, &|_| Some(true)).await
}

/// Claims from the queue's head, looking at no more than `window` scans, as `decide` says.
pub(super) async fn claim_queued(
    conn: &mut OwnedMutexGuard<Conn>,
    window: usize,
    claim: &Claim<'_>,
    decide: &(dyn for<'s> Fn(&'s Scan) -> Option<bool> + Sync),
) -> Result<Vec<Scan>> {
    let window = i64::try_from(window).unwrap_or(i64::MAX);
    claim_locked(conn, &QUEUE_HEAD, &[&window], claim, decide).await
}
