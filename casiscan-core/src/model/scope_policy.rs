//! ScopePolicy: an account's allowed and denied targets (deny wins), checked against scan
//! targets and, at execution, against the addresses a hostname resolves to.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::scope_entry::{Point, point};
use super::{ScopeEntry, Target};
use crate::error::Error;

/// Which list of a policy an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeList {
    /// Targets the account may scan.
    Allow,
    /// Targets it may never scan (deny wins).
    Deny,
}

impl ScopeList {
    /// The JSON field (`allow`, `deny`).
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeList::Allow => "allow",
            ScopeList::Deny => "deny",
        }
    }
}

/// Most entries in one list of a policy (overlaps are looked for between every pair).
pub const MAX_SCOPE_ENTRIES: usize = 4096;

/// Why a policy is refused; [`ScopeError::field`] names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// An entry does not read as an address, network, range or hostname pattern.
    #[error("`{entry}` is malformed: {reason}")]
    Malformed {
        /// The list.
        list: ScopeList,
        /// Its position in the list, from 0.
        index: usize,
        /// The entry as given.
        entry: String,
        /// Why.
        reason: String,
    },
    /// A list longer than [`MAX_SCOPE_ENTRIES`].
    #[error("{count} entries, more than the {max} a list may hold")]
    TooMany {
        /// The list.
        list: ScopeList,
        /// Its length.
        count: usize,
        /// [`MAX_SCOPE_ENTRIES`].
        max: usize,
    },
    /// Two entries of one list cover a common address or name.
    #[error("`{first}` and `{second}` overlap")]
    Overlap {
        /// The list.
        list: ScopeList,
        /// The earlier entry.
        first: ScopeEntry,
        /// The later one.
        second: ScopeEntry,
    },
}

impl ScopeError {
    /// The field this error is about (`scope.allow[2]`, `scope.deny`).
    pub fn field(&self) -> String {
        match self {
            ScopeError::Malformed { list, index, .. } => {
                format!("scope.{}[{index}]", list.as_str())
            }
            ScopeError::Overlap { list, .. } | ScopeError::TooMany { list, .. } => {
                format!("scope.{}", list.as_str())
            }
        }
    }
}

impl From<ScopeError> for Error {
    fn from(e: ScopeError) -> Self {
        Error::invalid(e.field(), e.to_string())
    }
}

/// The rule a target broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRule {
    /// It matches this denied entry.
    Denied(ScopeEntry),
    /// No allowed entry covers it.
    NotAllowed,
}

impl fmt::Display for ScopeRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeRule::Denied(e) => write!(f, "denied by `{e}`"),
            ScopeRule::NotAllowed => f.write_str("not covered by any allowed entry"),
        }
    }
}

/// A scope policy as entry texts (the body of `set-scope-policy`), read by [`ScopePolicy::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ScopeLists {
    /// Allowed entry texts.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Denied entry texts.
    #[serde(default)]
    pub deny: Vec<String>,
}

/// An account's scope: what its scans may target. Empty lists mean "no rule of that kind".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopePolicy {
    /// Targets the account may scan (empty: anything not denied).
    #[serde(default)]
    pub allow: Vec<ScopeEntry>,
    /// Targets it may never scan; deny wins over allow.
    #[serde(default)]
    pub deny: Vec<ScopeEntry>,
}

impl ScopePolicy {
    /// Reads a policy from entry texts; the first malformed entry is an error naming it.
    pub fn parse(allow: &[String], deny: &[String]) -> Result<Self, ScopeError> {
        let read = |list: ScopeList, texts: &[String]| -> Result<Vec<ScopeEntry>, ScopeError> {
            within_limit(list, texts.len())?;
            texts
                .iter()
                .enumerate()
                .map(|(index, t)| {
                    t.parse().map_err(|reason| ScopeError::Malformed {
                        list,
                        index,
                        entry: t.clone(),
                        reason,
                    })
                })
                .collect()
        };
        let policy = ScopePolicy {
            allow: read(ScopeList::Allow, allow)?,
            deny: read(ScopeList::Deny, deny)?,
        };
        policy.check()?;
        Ok(policy)
    }

    /// Refuses a list over [`MAX_SCOPE_ENTRIES`] and overlapping entries within one list (allow
    /// and deny may overlap: deny wins).
    pub fn check(&self) -> Result<(), ScopeError> {
        for (list, entries) in [
            (ScopeList::Allow, &self.allow),
            (ScopeList::Deny, &self.deny),
        ] {
            within_limit(list, entries.len())?;
            for (i, first) in entries.iter().enumerate() {
                if let Some(second) = entries[i + 1..].iter().find(|e| first.overlaps(e)) {
                    return Err(ScopeError::Overlap {
                        list,
                        first: first.clone(),
                        second: second.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    fn allows_addresses(&self) -> bool {
        self.allow.iter().any(|e| e.span().is_some())
    }

    fn allows_names(&self) -> bool {
        self.allow.iter().any(|e| e.span().is_none())
    }

    /// Checks a target as written (at add, update and start). A hostname is checked by name
    /// here (denied patterns; the allowed patterns when the allow list has any); its addresses
    /// are checked at execution ([`ScopePolicy::check_address`]).
    pub fn check_target(&self, target: &Target) -> Result<(), ScopeRule> {
        match (target, target.address_span()) {
            (Target::Hostname(name), _) => self.check_name(name),
            (_, Some((first, last))) => self.check_span(point(first), point(last)),
            (_, None) => Err(ScopeRule::NotAllowed),
        }
    }

    /// Checks a hostname by name.
    pub fn check_name(&self, name: &str) -> Result<(), ScopeRule> {
        for e in &self.deny {
            if let ScopeEntry::Host(p) = e
                && p.matches(name)
            {
                return Err(ScopeRule::Denied(e.clone()));
            }
        }
        let by_name = self.allow.iter().any(|e| match e {
            ScopeEntry::Host(p) => p.matches(name),
            _ => false,
        });
        match by_name || !self.allows_names() {
            true => Ok(()),
            false => Err(ScopeRule::NotAllowed),
        }
    }

    /// Checks one address a target resolved to, right before a scan runs: denied entries,
    /// and the allowed addresses when the allow list names any.
    pub fn check_address(&self, addr: IpAddr) -> Result<(), ScopeRule> {
        let p = point(addr);
        self.check_span(p, p).or_else(|rule| match rule {
            // An allow list of names only does not constrain addresses.
            ScopeRule::NotAllowed if !self.allows_addresses() => Ok(()),
            denied => Err(denied),
        })
    }

    /// Every address in `[first, last]` must avoid the denied entries and lie within the
    /// allowed ones (when there are any).
    fn check_span(&self, first: Point, last: Point) -> Result<(), ScopeRule> {
        for e in &self.deny {
            if let Some((d0, d1)) = e.span()
                && d0.0 == first.0
                && d0 <= last
                && first <= d1
            {
                return Err(ScopeRule::Denied(e.clone()));
            }
        }
        if self.allow.is_empty() {
            return Ok(());
        }
        let mut spans: Vec<(Point, Point)> = self
            .allow
            .iter()
            .filter_map(ScopeEntry::span)
            .filter(|(a, _)| a.0 == first.0)
            .collect();
        spans.sort();
        // Walk the allowed intervals in order; `need` is the first address not yet covered.
        let mut need = first.1;
        for (a, b) in spans {
            if a.1 > need {
                break;
            }
            if b.1 >= last.1 {
                return Ok(());
            }
            if b.1 >= need {
                need = b.1 + 1;
            }
        }
        Err(ScopeRule::NotAllowed)
    }
}

/// Refuses a list of `count` entries when that is over [`MAX_SCOPE_ENTRIES`].
fn within_limit(list: ScopeList, count: usize) -> Result<(), ScopeError> {
    if count > MAX_SCOPE_ENTRIES {
        return Err(ScopeError::TooMany {
            list,
            count,
            max: MAX_SCOPE_ENTRIES,
        });
    }
    Ok(())
}

#[cfg(test)]
#[path = "scope_policy_tests.rs"]
mod tests;
