//! Record ids of the form `owner/name`.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// An `owner/name` id: exactly two non-empty parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId {
    /// The owning organisation or account.
    pub owner: String,
    /// The record's name within its owner.
    pub name: String,
}

impl RecordId {
    /// Builds an id from its parts, validating each.
    pub fn new(owner: impl Into<String>, name: impl Into<String>) -> Result<Self> {
        let id = RecordId {
            owner: owner.into(),
            name: name.into(),
        };
        validate_part(&id.owner, &id)?;
        validate_part(&id.name, &id)?;
        Ok(id)
    }
}

/// Anything that names a record: a [`RecordId`], or `owner/name` text checked on conversion.
pub trait IntoRecordId {
    /// The id, or `InvalidInput` when the text is not `owner/name`.
    fn into_record_id(self) -> Result<RecordId>;
}

impl IntoRecordId for RecordId {
    fn into_record_id(self) -> Result<RecordId> {
        Ok(self)
    }
}

impl IntoRecordId for &RecordId {
    fn into_record_id(self) -> Result<RecordId> {
        Ok(self.clone())
    }
}

impl IntoRecordId for &str {
    fn into_record_id(self) -> Result<RecordId> {
        self.parse()
    }
}

impl IntoRecordId for &String {
    fn into_record_id(self) -> Result<RecordId> {
        self.parse()
    }
}

impl IntoRecordId for String {
    fn into_record_id(self) -> Result<RecordId> {
        self.parse()
    }
}

fn validate_part(part: &str, id: &RecordId) -> Result<()> {
    let bad = |reason: &str| Err(Error::invalid(format!("id `{id}`"), reason));
    if part.is_empty() {
        return bad("expected `owner/name` with two non-empty parts");
    }
    if part.contains('/') {
        return bad("expected exactly two parts separated by `/`");
    }
    if part.chars().any(char::is_control) {
        return bad("control characters are not allowed");
    }
    if part.len() > 100 {
        return bad("each part is at most 100 bytes");
    }
    Ok(())
}

impl FromStr for RecordId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let mut parts = s.split('/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(owner), Some(name), None) if !owner.is_empty() && !name.is_empty() => {
                RecordId::new(owner, name)
            }
            _ => Err(Error::invalid(
                format!("id `{}`", s.escape_debug()),
                "expected `owner/name` with exactly two non-empty parts",
            )),
        }
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_parts() {
        let id: RecordId = "admin/scan_1".parse().unwrap();
        assert_eq!((id.owner.as_str(), id.name.as_str()), ("admin", "scan_1"));
        assert_eq!(id.to_string(), "admin/scan_1");
    }

    #[test]
    fn refuses_everything_else_naming_the_id() {
        for bad in ["", "admin", "/x", "x/", "a/b/c", "/", "a//b", "a/b\n"] {
            let err = bad.parse::<RecordId>().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{bad:?}");
            assert!(err.to_string().contains("id `"), "{err}");
        }
    }
}
