//! Claims in SQLite: the given Pending scans, in order, in one write transaction.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

use super::error::sql;
use super::scans::{compare_and_set, read_scan};
use crate::error::Result;
use crate::model::{RecordId, Scan, ScanState};
use crate::store::{StateChange, apply_change};

/// Who claims, until when, how many at most, and when the claim is made.
pub(super) struct Claim {
    /// The claiming runner.
    pub runner: String,
    /// The end of each claimed scan's lease.
    pub lease_until: DateTime<Utc>,
    /// Scans taken at most.
    pub limit: usize,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Claims, in the order given, up to `claim.limit` of `ids` still Pending; others are skipped.
pub(super) fn claim_many(
    conn: &mut Connection,
    ids: &[RecordId],
    claim: &Claim,
) -> Result<Vec<Scan>> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let mut claimed = Vec::new();
    for id in ids {
        if claimed.len() >= claim.limit {
            break;
        }
        let prev = match read_scan(&tx, id) {
            Ok(prev) if prev.state == ScanState::Pending => prev,
            Ok(_) => continue,
            Err(e) if e.kind() == crate::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let mut next = prev.clone();
        // Each claim gets its own lease token.
        let change = StateChange::claim(&claim.runner, claim.lease_until);
        apply_change(&mut next, &change, claim.now)?;
        compare_and_set(&tx, &prev, &next)?;
        claimed.push(next);
    }
    tx.commit().map_err(sql)?;
    Ok(claimed)
}
