//! dnf repodata: `primary.xml` (available packages) and `updateinfo.xml` (advisories), plain or gzip.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::{Error, Result};

use super::super::cache_file::Limits;
use super::super::decompress::{Compression, decode};
use super::vercmp::Evr;

/// One package offered by a repository.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoPackage {
    /// Package name.
    pub name: String,
    /// Architecture.
    pub arch: String,
    /// Epoch, version, release.
    pub evr: Evr,
    /// Package file size in bytes.
    pub size: Option<u64>,
}

/// One package named by an advisory.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvisoryPackage {
    /// Package name.
    pub name: String,
    /// Architecture.
    pub arch: String,
    /// The fixed EVR.
    pub evr: Evr,
    /// `reboot_suggested` is set.
    pub reboot_suggested: bool,
}

/// One `<update>` of updateinfo.xml.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Advisory {
    /// Advisory id (e.g. `RHSA-2024:0001`).
    pub id: String,
    /// `security`, `bugfix`, `enhancement`, `newpackage`.
    pub kind: String,
    /// Vendor severity as written (Critical/Important/Moderate/Low), if any.
    pub severity: Option<String>,
    /// Title.
    pub title: String,
    /// Issue date as written.
    pub issued: Option<String>,
    /// CVE ids from `<reference type="cve">`.
    pub cve_ids: Vec<String>,
    /// Fixed packages.
    pub packages: Vec<AdvisoryPackage>,
}

/// Decompresses input in any supported compression (sniffed by magic) within the streaming
/// caps; plain input is borrowed as is.
fn inflate<'a>(data: &'a [u8], what: &str) -> Result<Cow<'a, [u8]>> {
    if Compression::sniff(data) == Compression::Plain {
        return Ok(Cow::Borrowed(data));
    }
    let mut out = Vec::new();
    decode(
        std::io::Cursor::new(data),
        data.len() as u64,
        Limits::STREAM,
        &mut out,
    )
    .map_err(|e| Error::parse(format!("{what}: {e}")))?;
    Ok(Cow::Owned(out))
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key.as_bytes())
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

fn evr_of(e: &BytesStart<'_>, ver: &str, rel: &str) -> Evr {
    Evr {
        epoch: attr(e, "epoch").and_then(|s| s.parse().ok()),
        version: attr(e, ver).unwrap_or_default(),
        release: attr(e, rel),
    }
}

fn xml_err(what: &str, r: &Reader<&[u8]>, e: impl std::fmt::Display) -> Error {
    Error::parse(format!(
        "{what}: XML error at byte {}: {e}",
        r.buffer_position()
    ))
}

/// Reads a text element's content (entities decoded) up to its end tag.
fn text(r: &mut Reader<&[u8]>, what: &str) -> Result<String> {
    let mut s = String::new();
    loop {
        match r.read_event().map_err(|e| xml_err(what, r, e))? {
            Event::Text(t) => s.push_str(&String::from_utf8_lossy(t.as_ref())),
            Event::CData(t) => s.push_str(&String::from_utf8_lossy(t.as_ref())),
            Event::GeneralRef(g) => s.push_str(match &*g {
                b"amp" => "&",
                b"lt" => "<",
                b"gt" => ">",
                b"quot" => "\"",
                b"apos" => "'",
                _ => "",
            }),
            Event::End(_) => return Ok(s),
            Event::Eof => return Err(Error::parse(format!("{what}: truncated XML"))),
            _ => {}
        }
    }
}

/// Parses `primary.xml[.gz]`; `what` names the file in errors.
pub fn parse_primary(data: &[u8], what: &str) -> Result<Vec<RepoPackage>> {
    let xml = inflate(data, what)?;
    let mut r = Reader::from_reader(xml.as_ref());
    let mut out = Vec::new();
    let mut cur: Option<RepoPackage> = None;
    let mut saw_root = false;
    loop {
        let ev = r.read_event().map_err(|e| xml_err(what, &r, e))?;
        match ev {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"metadata" => saw_root = true,
                b"package" => {
                    cur = Some(RepoPackage {
                        name: String::new(),
                        arch: String::new(),
                        evr: Evr::parse(""),
                        size: None,
                    })
                }
                b"name" if cur.is_some() && e.name().as_ref() == b"name" => {
                    let t = text(&mut r, what)?;
                    if let Some(p) = cur.as_mut() {
                        p.name = t;
                    }
                }
                b"arch" if cur.is_some() => {
                    let t = text(&mut r, what)?;
                    if let Some(p) = cur.as_mut() {
                        p.arch = t;
                    }
                }
                b"version" if cur.is_some() && e.name().as_ref() == b"version" => {
                    if let Some(p) = cur.as_mut() {
                        p.evr = evr_of(&e, "ver", "rel");
                    }
                }
                b"size" if cur.is_some() => {
                    if let Some(p) = cur.as_mut() {
                        p.size = attr(&e, "package").and_then(|s| s.parse().ok());
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == b"package" => {
                if let Some(p) = cur.take() {
                    if p.name.is_empty() || p.evr.version.is_empty() {
                        return Err(Error::parse(format!(
                            "{what}: package without name or version"
                        )));
                    }
                    out.push(p);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root || cur.is_some() {
        return Err(Error::parse(format!("{what}: not a complete primary.xml")));
    }
    Ok(out)
}

/// Parses `updateinfo.xml[.gz]`; `what` names the file in errors.
pub fn parse_updateinfo(data: &[u8], what: &str) -> Result<Vec<Advisory>> {
    let xml = inflate(data, what)?;
    let mut r = Reader::from_reader(xml.as_ref());
    let mut out = Vec::new();
    let mut cur: Option<Advisory> = None;
    let mut saw_root = false;
    loop {
        let ev = r.read_event().map_err(|e| xml_err(what, &r, e))?;
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) if e.local_name().as_ref() == b"update" => {
                if let Some(a) = cur.take() {
                    out.push(a);
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.local_name().as_ref() {
            b"updates" => saw_root = true,
            b"update" => {
                cur = Some(Advisory {
                    id: String::new(),
                    kind: attr(&e, "type").unwrap_or_default(),
                    severity: None,
                    title: String::new(),
                    issued: None,
                    cve_ids: Vec::new(),
                    packages: Vec::new(),
                })
            }
            b"id" if !empty => {
                let t = text(&mut r, what)?;
                if let Some(a) = cur.as_mut() {
                    a.id = t.trim().to_string();
                }
            }
            b"title" if !empty => {
                let t = text(&mut r, what)?;
                if let Some(a) = cur.as_mut() {
                    a.title = t.trim().to_string();
                }
            }
            b"severity" if !empty => {
                let t = text(&mut r, what)?;
                if let Some(a) = cur.as_mut() {
                    a.severity =
                        Some(t.trim().to_string()).filter(|s| !s.is_empty() && s != "None");
                }
            }
            b"issued" => {
                if let Some(a) = cur.as_mut() {
                    a.issued = attr(&e, "date");
                }
            }
            b"reference" => {
                if let Some(a) = cur.as_mut()
                    && attr(&e, "type").as_deref() == Some("cve")
                    && let Some(id) = attr(&e, "id")
                    && !a.cve_ids.contains(&id)
                {
                    a.cve_ids.push(id);
                }
            }
            b"package" => {
                if let Some(a) = cur.as_mut() {
                    a.packages.push(AdvisoryPackage {
                        name: attr(&e, "name").unwrap_or_default(),
                        arch: attr(&e, "arch").unwrap_or_default(),
                        evr: evr_of(&e, "version", "release"),
                        reboot_suggested: false,
                    });
                }
            }
            b"reboot_suggested" if !empty => {
                let t = text(&mut r, what)?;
                if let Some(p) = cur.as_mut().and_then(|a| a.packages.last_mut()) {
                    p.reboot_suggested = matches!(t.trim(), "True" | "true" | "1");
                }
            }
            _ => {}
        }
    }
    if !saw_root || cur.is_some() {
        return Err(Error::parse(format!(
            "{what}: not a complete updateinfo.xml"
        )));
    }
    Ok(out)
}
