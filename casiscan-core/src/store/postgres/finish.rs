//! Finishing scans in PostgreSQL: finishing changes queued at the same time are written in one
//! transaction, two round trips (three or four when runs end), with the runs they end, their
//! logs and finding changes, and the announcements they make.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use tokio::sync::OwnedMutexGuard;
use tokio_postgres::{Client, Statement};

use super::connection::{Conn, pg, prepare};
use super::notify::{NOTIFY_WORK, notify_prepared, routed};
use super::recorder::{Recorder, Statements};
use super::rows::{params, refs, scan_from_row};
use super::scans::{changed_meanwhile, try_compare_and_set};
use super::transaction::{TxGuard, begin_with, commit_with, in_order};
use crate::error::Result;
use crate::model::{RecordId, Scan, ScanRun, ScanState};
use crate::store::batch::{Queued, shared_failure};
use crate::store::sql::{POSTGRES, SCAN_COLUMN_COUNT, cas_values};
use crate::store::{StateChange, apply_change, bad_json, ends_run, scan_missing};

/// A finishing change waiting for its batch.
pub(super) type Finishing = Queued<(RecordId, StateChange), Scan>;

/// Applies every queued finishing change in one transaction and answers each request.
pub(super) async fn finish_batch(
    conn: &mut OwnedMutexGuard<Conn>,
    batch: Vec<Finishing>,
    now: DateTime<Utc>,
) {
    if batch.is_empty() {
        return;
    }
    let items: Vec<&(RecordId, StateChange)> = batch.iter().map(|q| &q.item).collect();
    let guard = TxGuard::on(conn);
    let written = write_finishes(conn, &items, now).await;
    match guard.close(conn, written).await {
        Ok(results) => {
            for (queued, result) in batch.into_iter().zip(results) {
                queued.answer(result);
            }
        }
        Err(e) => {
            for queued in batch {
                queued.answer(Err(shared_failure(&e)));
            }
        }
    }
}

/// Reads a scan and locks its row.
static LOCK_ONE: LazyLock<String> =
    LazyLock::new(|| format!("{} FOR UPDATE", POSTGRES.select_scan));

/// The shared compare-and-set that, when it writes, also appends the run it ends (seq, body).
static CAS_AND_RUN: LazyLock<String> = LazyLock::new(|| {
    let n = SCAN_COLUMN_COUNT;
    format!(
        "WITH changed AS ({} RETURNING 1) \
         INSERT INTO scan_runs (owner, scan, seq, body) SELECT ${}, ${}, ${}, ${} FROM changed",
        POSTGRES.compare_and_set,
        n + 1,
        n + 2,
        n + 5,
        n + 6
    )
});

/// Writes `next` over `prev` as [`try_compare_and_set`] does and appends `run` as number `seq` of
/// the scan in the same statement; `false` (nothing written) when the row had changed.
async fn cas_and_run(
    c: &Client,
    statement: &Statement,
    prev: &Scan,
    next: &Scan,
    mut run: ScanRun,
    seq: i64,
) -> Result<bool> {
    run.seq = u64::try_from(seq).unwrap_or(1);
    let body = serde_json::to_string(&run).map_err(|e| bad_json("run", e))?;
    let mut params = params(cas_values(prev, next));
    params.push(Box::new(seq));
    params.push(Box::new(body));
    let appended = c
        .execute(statement, &refs(&params))
        .await
        .map_err(|e| pg("finish a scan", e))?;
    Ok(appended == 1)
}

/// The statements of [`finish_batch`]'s transaction: per-request results, or a failure of the
/// whole (then rolled back).
///
/// Two round trips: BEGIN with the row locks, taken in key order so that concurrent batches
/// cannot deadlock, and then the scans' last run numbers (read once the locks are held, so no
/// other writer can append meanwhile); then the compare-and-set writes, each with the run it
/// ends, the announcements, and COMMIT. Every statement is one row's, so each keeps one plan.
///
/// When runs end, their findings' scopes are locked and read with the writes, and COMMIT goes
/// with their logs and changed findings: three round trips, one more when a run creates a
/// finding (its id goes into the log), and two more per further run of the same scope.
async fn write_finishes(
    conn: &mut Conn,
    items: &[&(RecordId, StateChange)],
    now: DateTime<Utc>,
) -> Result<Vec<Result<Scan>>> {
    let Conn {
        client,
        prepared,
        open,
    } = conn;
    let lock = prepare(client, prepared, &LOCK_ONE).await?;
    let last_run = prepare(client, prepared, &POSTGRES.last_run).await?;
    let cas = prepare(client, prepared, &POSTGRES.compare_and_set).await?;
    let cas_run = prepare(client, prepared, &CAS_AND_RUN).await?;
    let notify = &prepare(client, prepared, NOTIFY_WORK).await?;
    let record_statements = Statements::prepare(client, prepared).await?;
    let mut ids: Vec<&RecordId> = items.iter().map(|i| &i.0).collect();
    ids.sort_by(|a, b| (&a.owner, &a.name).cmp(&(&b.owner, &b.name)));
    ids.dedup();
    let client = &*client;
    let (lock, last_run) = (&lock, &last_run);
    let locks = in_order(ids.iter().map(|id| async move {
        client
            .query_opt(lock, &[&id.owner, &id.name])
            .await
            .map_err(|e| pg("finish scans", e))
    }));
    let last_runs = in_order(ids.iter().map(|id| async move {
        client
            .query_one(last_run, &[&id.owner, &id.name])
            .await
            .map_err(|e| pg("finish scans", e))
    }));
    let reads = futures_util::future::try_join(locks, last_runs);
    let (locked, runs) = begin_with(client, open, reads, "finish scans").await?;
    let mut current = HashMap::new();
    let mut last_seq: HashMap<RecordId, i64> = HashMap::new();
    for ((id, row), run) in ids.iter().zip(&locked).zip(&runs) {
        if let Some(row) = row {
            current.insert((*id).clone(), scan_from_row(row)?);
        }
        last_seq.insert((*id).clone(), run.get(0));
    }
    let mut results = Vec::with_capacity(items.len());
    // (index into results, prev, next, run number when the write ends a run)
    let mut writes = Vec::new();
    for (id, change) in items {
        let Some(prev) = current.get(id) else {
            results.push(Err(scan_missing(id)));
            continue;
        };
        let mut next = prev.clone();
        match apply_change(&mut next, change, now) {
            Ok(()) => {
                let seq = ends_run(&next).then(|| {
                    let last = last_seq.entry(id.clone()).or_insert(0);
                    *last += 1;
                    *last
                });
                writes.push((results.len(), prev.clone(), next.clone(), seq));
                current.insert((*id).clone(), next.clone());
                results.push(Ok(next));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    let queued: Vec<(RecordId, bool)> = writes
        .iter()
        .filter(|w| w.2.state == ScanState::Pending)
        .map(|w| Ok((w.2.id()?, routed(&w.2))))
        .collect::<Result<_>>()?;
    // Pipelined: the whole batch's writes, runs, announcements and COMMIT share a round trip.
    let (cas, cas_run) = (&cas, &cas_run);
    let cas_writes = in_order(writes.iter().map(|(_, prev, next, seq)| async move {
        match seq {
            Some(seq) => {
                let run = ScanRun::of_finished(next);
                cas_and_run(client, cas_run, prev, next, run, *seq).await
            }
            None => try_compare_and_set(client, cas, prev, next).await,
        }
    }));
    let announce = in_order(
        queued
            .iter()
            .map(|(id, routed)| notify_prepared(client, notify, id, *routed)),
    );
    let last = futures_util::future::try_join(cas_writes, announce);
    let written = if writes.iter().all(|w| w.3.is_none()) {
        commit_with(client, open, last, "finish scans").await?.0
    } else {
        // The runs' logs and finding changes join the transaction before it commits.
        let ended: Vec<(usize, ScanRun, &Scan)> = writes
            .iter()
            .enumerate()
            .filter_map(|(w, (_, _, next, seq))| {
                let mut run = ScanRun::of_finished(next);
                run.seq = u64::try_from((*seq)?).unwrap_or(1);
                Some((w, run, next))
            })
            .collect();
        let runs: Vec<(&ScanRun, Option<&Scan>)> = ended
            .iter()
            .map(|(_, run, scan)| (run, Some(*scan)))
            .collect();
        let recorder = Recorder::new(record_statements, &runs);
        // The first scopes' locks and reads go out with the writes; a run whose write was
        // skipped is not recorded.
        let ((written, _), first_reads) =
            futures_util::future::try_join(last, recorder.read(client, 0)).await?;
        let mut first_reads = Some(first_reads);
        for wave in 0..recorder.waves() {
            let reads = match first_reads.take() {
                Some(reads) => reads,
                None => recorder.read(client, wave).await?,
            };
            let mut records = recorder.compute(wave, reads, |i| written[ended[i].0]);
            recorder.insert_new(client, &mut records).await?;
            let write = recorder.write(client, &records);
            if wave + 1 == recorder.waves() {
                commit_with(client, open, write, "finish scans").await?;
            } else {
                write.await?;
            }
        }
        written
    };
    for ((at, prev, _, _), done) in writes.iter().zip(written) {
        // Only this request's write was skipped; the others are committed.
        if !done {
            results[*at] = Err(changed_meanwhile(prev));
        }
    }
    Ok(results)
}
