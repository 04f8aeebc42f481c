//! Listing stored findings: filters and the page.

use super::finding::LifecycleState;
use super::severity::Severity;
use crate::error::{Error, Result};

/// Which stored findings to list (findings of deleted assets are left out), by `UniqueAlertId`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingQuery {
    /// Only this account's (every account's when `None`).
    pub owner: Option<String>,
    /// Only this asset's (the asset name, or the target of a scan without one).
    pub asset: Option<String>,
    /// Only findings in this state.
    pub status: Option<LifecycleState>,
    /// Only findings of this severity.
    pub severity: Option<Severity>,
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Findings per page (default [`FindingQuery::DEFAULT_PAGE_SIZE`]).
    pub page_size: Option<u32>,
}

impl FindingQuery {
    /// Findings per page when the query does not say.
    pub const DEFAULT_PAGE_SIZE: u32 = 100;

    /// Most findings per page.
    pub const MAX_PAGE_SIZE: u32 = 1000;

    /// The rows to skip and take: (offset, limit); refuses page 0 and sizes out of range.
    pub fn window(&self) -> Result<(u64, u64)> {
        let page = self.page.unwrap_or(1);
        let size = self.page_size.unwrap_or(Self::DEFAULT_PAGE_SIZE);
        if page == 0 {
            return Err(Error::invalid("p", "pages start at 1"));
        }
        if size == 0 || size > Self::MAX_PAGE_SIZE {
            return Err(Error::invalid(
                "pageSize",
                format!("must be from 1 to {}", Self::MAX_PAGE_SIZE),
            ));
        }
        Ok((u64::from(page - 1) * u64::from(size), u64::from(size)))
    }

    /// True when a finding with these attributes is listed (ignoring the page).
    pub fn matches(&self, f: &super::Finding) -> bool {
        self.owner.as_ref().is_none_or(|o| &f.account == o)
            && self.asset.as_ref().is_none_or(|a| &f.asset == a)
            && self.status.is_none_or(|s| f.state == s)
            && self.severity.is_none_or(|s| f.severity == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_starts_at_page_one_and_caps_the_size() {
        assert_eq!(FindingQuery::default().window().expect("default"), (0, 100));
        let q = FindingQuery {
            page: Some(3),
            page_size: Some(10),
            ..FindingQuery::default()
        };
        assert_eq!(q.window().expect("page 3"), (20, 10));
        for (page, size) in [(Some(0), None), (None, Some(0)), (None, Some(1001))] {
            let q = FindingQuery {
                page,
                page_size: size,
                ..FindingQuery::default()
            };
            assert_eq!(
                q.window().expect_err("refused").kind(),
                crate::ErrorKind::InvalidInput
            );
        }
    }
}
