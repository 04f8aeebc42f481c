//! List queries with Casibase's semantics: page, filter, sort, asset.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Scan;

/// The scan columns a list may filter or sort on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanField {
    /// `owner`
    Owner,
    /// `name`
    Name,
    /// `createdTime`
    CreatedTime,
    /// `updatedTime`
    UpdatedTime,
    /// `displayName`
    DisplayName,
    /// `targetMode`
    TargetMode,
    /// `target`
    Target,
    /// `asset`
    Asset,
    /// `provider`
    Provider,
    /// `command`
    Command,
    /// `state`
    State,
    /// `runner`
    Runner,
    /// `errorText`
    ErrorText,
    /// `resultSummary`
    ResultSummary,
}

impl ScanField {
    /// Every whitelisted field.
    pub const ALL: [ScanField; 14] = [
        ScanField::Owner,
        ScanField::Name,
        ScanField::CreatedTime,
        ScanField::UpdatedTime,
        ScanField::DisplayName,
        ScanField::TargetMode,
        ScanField::Target,
        ScanField::Asset,
        ScanField::Provider,
        ScanField::Command,
        ScanField::State,
        ScanField::Runner,
        ScanField::ErrorText,
        ScanField::ResultSummary,
    ];

    /// The JSON (camelCase) name.
    pub fn json_name(self) -> &'static str {
        match self {
            ScanField::Owner => "owner",
            ScanField::Name => "name",
            ScanField::CreatedTime => "createdTime",
            ScanField::UpdatedTime => "updatedTime",
            ScanField::DisplayName => "displayName",
            ScanField::TargetMode => "targetMode",
            ScanField::Target => "target",
            ScanField::Asset => "asset",
            ScanField::Provider => "provider",
            ScanField::Command => "command",
            ScanField::State => "state",
            ScanField::Runner => "runner",
            ScanField::ErrorText => "errorText",
            ScanField::ResultSummary => "resultSummary",
        }
    }

    /// The SQL column name (snake_case).
    pub fn column(self) -> &'static str {
        match self {
            ScanField::Owner => "owner",
            ScanField::Name => "name",
            ScanField::CreatedTime => "created_time",
            ScanField::UpdatedTime => "updated_time",
            ScanField::DisplayName => "display_name",
            ScanField::TargetMode => "target_mode",
            ScanField::Target => "target",
            ScanField::Asset => "asset",
            ScanField::Provider => "provider",
            ScanField::Command => "command",
            ScanField::State => "state",
            ScanField::Runner => "runner",
            ScanField::ErrorText => "error_text",
            ScanField::ResultSummary => "result_summary",
        }
    }

    /// The field's value as the stores keep it in their text column.
    pub fn text_of(self, scan: &Scan) -> String {
        match self {
            ScanField::Owner => scan.owner.clone(),
            ScanField::Name => scan.name.clone(),
            ScanField::CreatedTime => crate::clock::to_text(&scan.created_time),
            ScanField::UpdatedTime => crate::clock::to_text(&scan.updated_time),
            ScanField::DisplayName => scan.display_name.clone(),
            ScanField::TargetMode => scan.target_mode.as_str().to_string(),
            ScanField::Target => scan.target.clone(),
            ScanField::Asset => scan.asset.clone(),
            ScanField::Provider => scan
                .provider
                .map_or("", super::ProviderKind::as_str)
                .to_string(),
            ScanField::Command => scan.command.clone(),
            ScanField::State => scan.state.as_str().to_string(),
            ScanField::Runner => scan.runner.clone(),
            ScanField::ErrorText => scan.error_text.clone(),
            ScanField::ResultSummary => scan.result_summary.clone(),
        }
    }
}

impl FromStr for ScanField {
    type Err = Error;

    /// Accepts the camelCase JSON name or the snake_case column name.
    fn from_str(s: &str) -> Result<Self> {
        ScanField::ALL
            .into_iter()
            .find(|f| f.json_name() == s || f.column() == s)
            .ok_or_else(|| {
                Error::invalid(
                    format!("field `{}`", s.escape_debug()),
                    "not a field that scans can be filtered or sorted on",
                )
            })
    }
}

/// Sort direction; Casibase treats anything but "ascend" as descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SortOrder {
    /// Smallest first.
    #[serde(rename = "ascend")]
    Ascend,
    /// Largest first (the default).
    #[default]
    #[serde(rename = "descend")]
    Descend,
}

impl SortOrder {
    /// Casibase's rule: "ascend" is ascending, anything else descending.
    pub fn from_casibase(s: &str) -> Self {
        if s == "ascend" {
            SortOrder::Ascend
        } else {
            SortOrder::Descend
        }
    }
}

/// A list query over scans.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScanQuery {
    /// Only this owner's scans; `None` lists every owner.
    pub owner: Option<String>,
    /// 1-based page; without both `page` and `page_size` every match is returned, up to
    /// [`ScanQuery::MAX_ITEMS`] (more is refused).
    pub page: Option<u32>,
    /// Items per page.
    pub page_size: Option<u32>,
    /// Substring filter (case-insensitive for ASCII) on one whitelisted field.
    pub filter: Option<(ScanField, String)>,
    /// Sort column (default `createdTime`).
    pub sort_field: Option<ScanField>,
    /// Sort direction.
    pub sort_order: SortOrder,
    /// Only scans of this asset, sorted newest first, never paged (Casibase answers them all):
    /// up to [`ScanQuery::MAX_ITEMS`], more is refused.
    pub asset: Option<String>,
}

impl ScanQuery {
    /// Longest filter `value` accepted, in characters; longer ones are refused as invalid input.
    pub const MAX_FILTER_CHARS: usize = 256;

    /// Largest row offset (`(p - 1) × pageSize`) a page may start at: SQL's signed 64-bit range.
    pub const MAX_OFFSET: u64 = i64::MAX as u64;

    /// Most scans one answer holds: the largest `pageSize`, and the most an unpaged list (or an
    /// asset's scans) answers; an unpaged list with more matches is refused, asking for pages.
    pub const MAX_ITEMS: u32 = 10_000;

    /// Refuses a query no store can answer: an over-long filter, a page over
    /// [`ScanQuery::MAX_ITEMS`] or past [`ScanQuery::MAX_OFFSET`]. Every store calls it, so the
    /// answer is the same everywhere.
    pub fn validate(&self) -> Result<()> {
        if let Some(size) = self.page_size
            && size > Self::MAX_ITEMS
        {
            return Err(Error::invalid(
                "pageSize",
                format!("{size} is over the {} scans a page holds", Self::MAX_ITEMS),
            ));
        }
        if let Some((field, value)) = &self.filter
            && value.chars().count() > Self::MAX_FILTER_CHARS
        {
            return Err(Error::invalid(
                format!("filter on {}", field.json_name()),
                format!(
                    "the value is longer than {} characters",
                    Self::MAX_FILTER_CHARS
                ),
            ));
        }
        self.window().map(|_| ())
    }

    /// The sort column and direction in effect.
    pub fn effective_sort(&self) -> (ScanField, SortOrder) {
        if self.asset.is_some() {
            return (ScanField::CreatedTime, SortOrder::Descend);
        }
        (
            self.sort_field.unwrap_or(ScanField::CreatedTime),
            self.sort_order,
        )
    }

    /// Page `page` of every owner's scans, of the largest size: a store reads all its scans
    /// with these, page by page, until the total is reached.
    pub fn page_of_every(page: u32) -> Self {
        ScanQuery {
            page: Some(page),
            page_size: Some(Self::MAX_ITEMS),
            ..ScanQuery::default()
        }
    }

    /// True when every page up to `page` of [`ScanQuery::page_of_every`] covers `total` scans.
    pub fn covers(page: u32, total: u64) -> bool {
        u64::from(page) * u64::from(Self::MAX_ITEMS) >= total
    }

    /// True when the query asks for one page (`page` and `page_size`; an asset's scans are
    /// never paged, as in Casibase).
    pub fn is_paged(&self) -> bool {
        self.asset.is_none() && self.page.is_some() && self.page_size.is_some()
    }

    /// Refuses an unpaged query that `total` scans match when that is over
    /// [`ScanQuery::MAX_ITEMS`]: stores call it after counting, before reading a row, and with
    /// the rows read (one more than the cap, when a scan was added after the count).
    pub fn check_total(&self, total: u64) -> Result<()> {
        if self.is_paged() || total <= u64::from(Self::MAX_ITEMS) {
            return Ok(());
        }
        let max = Self::MAX_ITEMS;
        let reason = match &self.asset {
            // Casibase never pages an asset's scans: no page to ask for.
            Some(asset) => format!(
                "{total} scans of asset `{asset}` match, more than the {max} one answer holds: \
                 list the owner's scans page by page instead"
            ),
            None => format!(
                "{total} scans match, more than the {max} one answer holds: ask for pages with p \
                 and pageSize"
            ),
        };
        Err(Error::invalid("page", reason))
    }

    /// `(offset, limit)` of the rows to read: the page, or one more than
    /// [`ScanQuery::MAX_ITEMS`] of an unpaged query (so that a store that counted before a
    /// concurrent insert still sees that the list is too long: [`ScanQuery::check_total`]).
    pub fn window(&self) -> Result<(u64, u64)> {
        if !self.is_paged() {
            return Ok((0, u64::from(Self::MAX_ITEMS) + 1));
        }
        match (self.page, self.page_size) {
            (Some(p), Some(size)) => {
                if p == 0 || size == 0 {
                    return Err(Error::invalid("page", "`p` and `pageSize` start at 1"));
                }
                let offset = u64::from(p - 1)
                    .checked_mul(u64::from(size))
                    .filter(|o| *o <= Self::MAX_OFFSET)
                    .ok_or_else(|| {
                        Error::invalid(
                            format!("page {p} of size {size}"),
                            format!(
                                "it would start past the largest offset ({})",
                                Self::MAX_OFFSET
                            ),
                        )
                    })?;
                Ok((offset, u64::from(size)))
            }
            _ => Ok((0, u64::from(Self::MAX_ITEMS) + 1)),
        }
    }

    /// True when `scan` passes the owner, asset and field filters.
    pub fn matches(&self, scan: &Scan) -> bool {
        if self.owner.as_ref().is_some_and(|o| *o != scan.owner) {
            return false;
        }
        if self.asset.as_ref().is_some_and(|a| *a != scan.asset) {
            return false;
        }
        match &self.filter {
            Some((field, value)) => field
                .text_of(scan)
                .to_ascii_lowercase()
                .contains(&value.to_ascii_lowercase()),
            None => true,
        }
    }
}

/// One page of results and the total number of matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// How many items match the query in all.
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paged(p: u32, size: u32) -> ScanQuery {
        ScanQuery {
            page: Some(p),
            page_size: Some(size),
            ..ScanQuery::default()
        }
    }

    #[test]
    fn offsets_past_the_signed_range_are_invalid_input() {
        assert_eq!(paged(3, 10).window().expect("small"), (20, 10));
        let largest = paged(u32::MAX, u32::MAX);
        // (2^32 - 2) × (2^32 - 1) fits u64 but not i64: refused, not wrapped or clamped.
        let err = largest.window().expect_err("past i64");
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("largest offset"), "{err}");
        assert!(paged(u32::MAX, 1).validate().is_ok());
        // A page holds at most MAX_ITEMS: the last page of that size fits i64 offsets.
        assert!(paged(u32::MAX, ScanQuery::MAX_ITEMS).validate().is_ok());
        let err = largest.validate().expect_err("over the page size");
        assert!(err.to_string().contains("scans a page holds"), "{err}");
    }

    #[test]
    fn an_unpaged_list_holds_at_most_max_items() {
        let unpaged = ScanQuery::default();
        let limit = u64::from(ScanQuery::MAX_ITEMS);
        assert_eq!(unpaged.window().expect("unpaged"), (0, limit + 1));
        assert!(unpaged.check_total(limit).is_ok());
        let err = unpaged.check_total(limit + 1).expect_err("too many");
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("ask for pages"), "{err}");
        // A page is never refused for the total it is part of.
        assert!(paged(1, 10).check_total(u64::MAX).is_ok());
        // An asset's scans are never paged (Casibase): the same cap, whatever p and pageSize.
        let of_asset = ScanQuery {
            asset: Some("vm1".into()),
            ..paged(2, 10)
        };
        let err = of_asset.check_total(limit + 1).expect_err("too many");
        assert!(err.to_string().contains("scans of asset `vm1`"), "{err}");
        assert_eq!(of_asset.window().expect("all"), (0, limit + 1));
        // Reading everything page by page.
        assert!(!ScanQuery::covers(1, limit + 1));
        assert!(ScanQuery::covers(2, limit + 1));
        assert!(ScanQuery::covers(1, 0));
    }

    #[test]
    fn filters_longer_than_the_cap_are_invalid_input() {
        let with = |n: usize| ScanQuery {
            filter: Some((ScanField::Name, "é".repeat(n))),
            ..ScanQuery::default()
        };
        assert!(with(ScanQuery::MAX_FILTER_CHARS).validate().is_ok());
        let err = with(ScanQuery::MAX_FILTER_CHARS + 1)
            .validate()
            .expect_err("too long");
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("longer than 256"), "{err}");
    }
}
