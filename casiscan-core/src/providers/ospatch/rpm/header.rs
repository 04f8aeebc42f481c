//! RPM header blobs (as stored in `rpmdb.sqlite`): bounds-checked index + data store parser.

use std::collections::HashMap;

use crate::error::{Error, Result};

use super::vercmp::Evr;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_INSTALLTIME: u32 = 1008;
const TAG_SIZE: u32 = 1009;
const TAG_VENDOR: u32 = 1011;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;

/// Refuses headers claiming more entries or data than any real package has.
const MAX_ENTRIES: usize = 1 << 20;
const MAX_DATA: usize = 256 << 20;

/// One decoded tag value.
#[derive(Debug, Clone, PartialEq)]
pub enum TagValue {
    /// INT32 values.
    Int32(Vec<u32>),
    /// STRING or I18NSTRING (first string).
    String(String),
    /// STRING_ARRAY.
    Strings(Vec<String>),
    /// Any other type, kept undecoded.
    Other,
}

/// A parsed header: the tags this crate cares about, decoded.
#[derive(Debug, Clone, Default)]
pub struct Header {
    tags: HashMap<u32, TagValue>,
}

impl Header {
    /// The string value of `tag`, if present and a string.
    pub fn string(&self, tag: u32) -> Option<&str> {
        match self.tags.get(&tag) {
            Some(TagValue::String(s)) => Some(s),
            Some(TagValue::Strings(v)) => v.first().map(String::as_str),
            _ => None,
        }
    }

    /// The first INT32 value of `tag`.
    pub fn int(&self, tag: u32) -> Option<u32> {
        match self.tags.get(&tag) {
            Some(TagValue::Int32(v)) => v.first().copied(),
            _ => None,
        }
    }
}

/// An installed RPM package, as read from one header.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RpmPackage {
    /// Package name.
    pub name: String,
    /// Epoch, version and release.
    pub evr: Evr,
    /// Architecture (`noarch`, `x86_64`, …).
    pub arch: String,
    /// Source RPM file name.
    pub source_rpm: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Install time, seconds since the epoch.
    pub install_time: Option<u32>,
    /// Installed size in bytes.
    pub size: Option<u32>,
}

impl RpmPackage {
    /// Builds the package from a header; `None` for `gpg-pubkey` pseudo-packages.
    pub fn from_header(h: &Header) -> Result<Option<RpmPackage>> {
        let name = h
            .string(TAG_NAME)
            .ok_or_else(|| Error::parse("rpm header without NAME"))?;
        if name == "gpg-pubkey" {
            return Ok(None);
        }
        let version = h
            .string(TAG_VERSION)
            .ok_or_else(|| Error::parse(format!("rpm header of {name} without VERSION")))?;
        Ok(Some(RpmPackage {
            name: name.to_string(),
            evr: Evr {
                epoch: h.int(TAG_EPOCH).map(u64::from),
                version: version.to_string(),
                release: h.string(TAG_RELEASE).map(str::to_string),
            },
            arch: h.string(TAG_ARCH).unwrap_or("(none)").to_string(),
            source_rpm: h.string(TAG_SOURCERPM).map(str::to_string),
            vendor: h.string(TAG_VENDOR).map(str::to_string),
            install_time: h.int(TAG_INSTALLTIME),
            size: h.int(TAG_SIZE),
        }))
    }
}

fn be32(b: &[u8], at: usize) -> Result<u32> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| Error::parse(format!("rpm header truncated at byte {at}")))
}

fn c_string(data: &[u8], at: usize) -> Result<(String, usize)> {
    let rest = data
        .get(at..)
        .ok_or_else(|| Error::parse(format!("rpm header string offset {at} out of range")))?;
    let end = rest
        .iter()
        .position(|&c| c == 0)
        .ok_or_else(|| Error::parse(format!("rpm header string at {at} not terminated")))?;
    Ok((
        String::from_utf8_lossy(&rest[..end]).into_owned(),
        at + end + 1,
    ))
}

/// Parses a header blob without lead or magic (`il`, `dl`, index entries, data store).
pub fn parse_header(blob: &[u8]) -> Result<Header> {
    let il = be32(blob, 0)? as usize;
    let dl = be32(blob, 4)? as usize;
    if il > MAX_ENTRIES || dl > MAX_DATA {
        return Err(Error::parse(format!(
            "rpm header claims {il} entries and {dl} data bytes"
        )));
    }
    let data_start = 8 + il * 16;
    let data = blob.get(data_start..data_start + dl).ok_or_else(|| {
        Error::parse(format!(
            "rpm header of {} bytes shorter than its index",
            blob.len()
        ))
    })?;
    let mut tags = HashMap::new();
    for n in 0..il {
        let e = 8 + n * 16;
        let (tag, kind, offset, count) = (
            be32(blob, e)?,
            be32(blob, e + 4)?,
            be32(blob, e + 8)? as usize,
            be32(blob, e + 12)? as usize,
        );
        if !matches!(
            tag,
            TAG_NAME
                | TAG_VERSION
                | TAG_RELEASE
                | TAG_EPOCH
                | TAG_INSTALLTIME
                | TAG_SIZE
                | TAG_VENDOR
                | TAG_ARCH
                | TAG_SOURCERPM
        ) {
            continue;
        }
        if offset >= data.len() || count == 0 || count > data.len() {
            return Err(Error::parse(format!(
                "rpm header tag {tag}: offset {offset} count {count} outside {} data bytes",
                data.len()
            )));
        }
        let value = match kind {
            4 => {
                let mut v = Vec::with_capacity(count);
                for k in 0..count {
                    v.push(be32(data, offset + 4 * k)?);
                }
                TagValue::Int32(v)
            }
            6 | 9 => TagValue::String(c_string(data, offset)?.0),
            8 => {
                let (mut v, mut at) = (Vec::with_capacity(count), offset);
                for _ in 0..count {
                    let (s, next) = c_string(data, at)?;
                    v.push(s);
                    at = next;
                }
                TagValue::Strings(v)
            }
            _ => TagValue::Other,
        };
        tags.insert(tag, value);
    }
    Ok(Header { tags })
}
