//! An account's stored scan logs read page by page, each log with its asset as the export
//! names it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::model::{AssetInfo, LogPageQuery, LogPosition, ScanLog};
use crate::store::Store;

/// One page of stored logs with their assets' export names (the page's assets read at once,
/// one read per account on the page).
pub(crate) async fn page_with_assets(
    store: &dyn Store,
    query: &LogPageQuery,
) -> Result<Vec<ScanLog>> {
    let mut logs = store.scan_logs_page(query).await?;
    let mut names: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for log in &logs {
        names
            .entry(log.account.as_str())
            .or_default()
            .insert(log.asset.as_str());
    }
    let mut assets: HashMap<(String, String), AssetInfo> = HashMap::new();
    for (account, names) in names {
        let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
        for a in store.assets_named(account, &names).await? {
            assets.insert((a.owner.clone(), a.name.clone()), AssetInfo::of(&a));
        }
    }
    for log in &mut logs {
        // A target that is not an asset's name has no asset.
        log.asset_info = assets
            .get(&(log.account.clone(), log.asset.clone()))
            .cloned();
    }
    Ok(logs)
}

/// Every stored scan log of an account with ScanDate in a window, in (ScanDate, ScanlogId)
/// order, read a page at a time; logs recorded meanwhile after the last one read are included.
pub struct ScanLogPages {
    store: Arc<dyn Store>,
    query: LogPageQuery,
    done: bool,
}

impl ScanLogPages {
    /// Pages of `account`'s logs with ScanDate in [`from`, `to`), `page_size` logs each (at
    /// least 1), starting after `after` (`None`: from the start).
    pub fn new(
        store: Arc<dyn Store>,
        account: &str,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        page_size: u32,
        after: Option<LogPosition>,
    ) -> Self {
        ScanLogPages {
            store,
            query: LogPageQuery {
                account: account.to_owned(),
                from,
                to,
                after,
                limit: page_size.max(1),
            },
            done: false,
        }
    }

    /// The next page; `None` once every log was read.
    pub async fn next_page(&mut self) -> Result<Option<Vec<ScanLog>>> {
        if self.done {
            return Ok(None);
        }
        let page = page_with_assets(self.store.as_ref(), &self.query).await?;
        match page.last() {
            Some(last) => {
                self.query.after = Some(LogPosition {
                    scan_date: last.ended_at,
                    log_id: last.log_id.unwrap_or_default(),
                });
                self.done = page.len() < self.query.limit as usize;
                Ok(Some(page))
            }
            None => {
                self.done = true;
                Ok(None)
            }
        }
    }

    /// Where the pages read so far end (give it to [`ScanLogPages::new`] to resume).
    pub fn position(&self) -> Option<LogPosition> {
        self.query.after
    }
}

/// One page of an account's scan logs for a library caller, and where the next one starts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanLogPage {
    /// The logs, in (ScanDate, ScanlogId) order.
    pub logs: Vec<ScanLog>,
    /// Give it back to read the next page; `None` when this was the last one.
    pub next_cursor: Option<String>,
}

/// Most logs per page a library caller may ask for (as the REST export).
pub const MAX_LIBRARY_PAGE_SIZE: u32 = 5000;

/// A library cursor: the position after which the next page starts and a hash of the account
/// and window it belongs to, as hex. Nothing secret: a caller holding the client can read any
/// page anyway; the hash only catches a cursor given back with another query.
pub fn seal_position(
    account: &str,
    window: (DateTime<Utc>, DateTime<Utc>),
    position: LogPosition,
) -> String {
    let mut bytes = Vec::with_capacity(24);
    bytes.extend(position.scan_date.timestamp_micros().to_be_bytes());
    bytes.extend(position.log_id.to_be_bytes());
    bytes.extend(window_hash(account, window));
    crate::lifecycle::hex(&bytes)
}

/// The position of a cursor made by [`seal_position`] for the same account and window.
pub fn open_position(
    account: &str,
    window: (DateTime<Utc>, DateTime<Utc>),
    cursor: &str,
) -> Result<LogPosition> {
    let bad = || Error::invalid("cursor", "not a cursor this library returned");
    if cursor.len() != 48 {
        return Err(bad());
    }
    let bytes: Vec<u8> = (0..48)
        .step_by(2)
        .map(|i| {
            cursor
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let word = |at: usize| -> Result<[u8; 8]> {
        bytes
            .get(at..at + 8)
            .and_then(|w| w.try_into().ok())
            .ok_or_else(bad)
    };
    if word(16)? != window_hash(account, window) {
        return Err(Error::invalid(
            "cursor",
            "it belongs to another account or another date range",
        ));
    }
    Ok(LogPosition {
        scan_date: DateTime::from_timestamp_micros(i64::from_be_bytes(word(0)?)).ok_or_else(bad)?,
        log_id: u64::from_be_bytes(word(8)?),
    })
}

fn window_hash(account: &str, (from, to): (DateTime<Utc>, DateTime<Utc>)) -> [u8; 8] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in [
        account.as_bytes(),
        &from.timestamp_micros().to_be_bytes(),
        &to.timestamp_micros().to_be_bytes(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    let digest = h.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

/// Reads the page of `account`'s logs with ScanDate in `window` that `cursor` points at (the
/// first without one), `page_size` logs (1 to [`MAX_LIBRARY_PAGE_SIZE`]).
pub(crate) async fn library_page(
    store: &dyn Store,
    account: &str,
    window: (DateTime<Utc>, DateTime<Utc>),
    cursor: Option<&str>,
    page_size: u32,
) -> Result<ScanLogPage> {
    if page_size == 0 || page_size > MAX_LIBRARY_PAGE_SIZE {
        return Err(Error::invalid(
            "page size",
            format!("must be from 1 to {MAX_LIBRARY_PAGE_SIZE}"),
        ));
    }
    let after = cursor
        .map(|c| open_position(account, window, c))
        .transpose()?;
    let query = LogPageQuery {
        account: account.to_owned(),
        from: window.0,
        to: window.1,
        after,
        limit: page_size + 1,
    };
    let mut logs = page_with_assets(store, &query).await?;
    let more = logs.len() > page_size as usize;
    logs.truncate(page_size as usize);
    let next_cursor = match (more, logs.last()) {
        (true, Some(last)) => Some(seal_position(
            account,
            window,
            LogPosition {
                scan_date: last.ended_at,
                log_id: last.log_id.unwrap_or_default(),
            },
        )),
        _ => None,
    };
    Ok(ScanLogPage { logs, next_cursor })
}
