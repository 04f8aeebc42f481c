//! An account's stored scan logs read page by page, each log with its asset as the export
//! names it.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::error::{ErrorKind, Result};
use crate::model::{AssetInfo, LogPageQuery, LogPosition, RecordId, ScanLog};
use crate::store::Store;

/// One page of stored logs with their assets' export names (looked up once per asset).
pub(crate) async fn page_with_assets(
    store: &dyn Store,
    query: &LogPageQuery,
) -> Result<Vec<ScanLog>> {
    let mut logs = store.scan_logs_page(query).await?;
    let mut assets: HashMap<(String, String), Option<AssetInfo>> = HashMap::new();
    for log in &mut logs {
        let key = (log.account.clone(), log.asset.clone());
        if !assets.contains_key(&key) {
            let info = match RecordId::new(key.0.clone(), key.1.clone()) {
                Ok(id) => match store.get_asset(&id).await {
                    Ok(a) => Some(AssetInfo::of(&a)),
                    Err(e) if e.kind() == ErrorKind::NotFound => None,
                    Err(e) => return Err(e),
                },
                // A target that is not an asset name has no asset.
                Err(_) => None,
            };
            assets.insert(key.clone(), info);
        }
        log.asset_info = assets.get(&key).cloned().flatten();
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
