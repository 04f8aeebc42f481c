//! A dnf repository directory: `repodata/repomd.xml` locates primary and updateinfo, which are then parsed.

use std::path::{Component, Path};

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::{Error, Result};

use super::super::cache_file::{Limits, read_bytes};
use super::repodata::{Advisory, RepoPackage, parse_primary, parse_updateinfo};

/// Packages and advisories of one repository.
#[derive(Debug, Clone, Default)]
pub struct Repo {
    /// Available packages (primary).
    pub packages: Vec<RepoPackage>,
    /// Advisories (updateinfo); empty when the repo ships none.
    pub advisories: Vec<Advisory>,
    /// Whether the repo ships updateinfo at all (else security is unknown).
    pub has_updateinfo: bool,
}

/// The decoded bytes of a repodata file, within `limits`.
fn read(path: &Path, limits: Limits) -> Result<Vec<u8>> {
    Ok(read_bytes(path, limits)?)
}

/// The file a `<location href>` names, which must stay inside the repository directory.
fn located(dir: &Path, href: &str, shown: &str) -> Result<std::path::PathBuf> {
    let relative = Path::new(href);
    if relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Ok(dir.join(relative));
    }
    Err(Error::parse(format!(
        "{shown}: location `{}` leaves the repository directory",
        href.escape_debug()
    )))
}

/// Reads the repository under `dir` (the directory holding `repodata/`).
pub fn read_repo(dir: &Path) -> Result<Repo> {
    let repomd_path = dir.join("repodata").join("repomd.xml");
    let repomd = read(&repomd_path, Limits::CONFIG)?;
    let shown = repomd_path.display().to_string();
    let mut r = Reader::from_reader(repomd.as_slice());
    let (mut kind, mut primary, mut updateinfo) = (None::<String>, None, None);
    loop {
        match r
            .read_event()
            .map_err(|e| Error::parse(format!("{shown}: {e}")))?
        {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |k: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                };
                match e.local_name().as_ref() {
                    b"data" => kind = attr(b"type"),
                    b"location" => match kind.as_deref() {
                        Some("primary") => primary = attr(b"href"),
                        Some("updateinfo") => updateinfo = attr(b"href"),
                        _ => {}
                    },
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let primary = primary.ok_or_else(|| Error::parse(format!("{shown}: no primary data")))?;
    let primary_path = located(dir, &primary, &shown)?;
    let packages = parse_primary(
        &read(&primary_path, Limits::STREAM)?,
        &primary_path.display().to_string(),
    )?;
    let (advisories, has_updateinfo) = match updateinfo {
        Some(href) => {
            let p = located(dir, &href, &shown)?;
            (
                parse_updateinfo(&read(&p, Limits::STREAM)?, &p.display().to_string())?,
                true,
            )
        }
        None => (Vec::new(), false),
    };
    Ok(Repo {
        packages,
        advisories,
        has_updateinfo,
    })
}
