//! Installed packages from an rpmdb in SQLite form (`rpmdb.sqlite`), opened read-only.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

use super::super::cache_file::check_regular;
use super::header::{RpmPackage, parse_header};

/// Reads every package header of `path` (skipping `gpg-pubkey`); a corrupt blob is an error naming it.
pub fn read_rpmdb(path: &Path) -> Result<Vec<RpmPackage>> {
    let shown = path.display().to_string();
    match check_regular(path) {
        Err(e) if e.is_missing() => return Err(Error::not_found(format!("rpmdb {shown}"))),
        // SQLite would block on a FIFO and read a device without end.
        Err(e) => return Err(e.into()),
        Ok(()) => {}
    }
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::storage(format!("opening rpmdb {shown}"), e))?;
    let mut stmt = db
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| {
            Error::storage(
                format!("reading rpmdb {shown} (locked or not an rpmdb?)"),
                e,
            )
        })?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .map_err(|e| Error::storage(format!("reading rpmdb {shown}"), e))?;
    let mut out = Vec::new();
    for row in rows {
        let (hnum, blob) = row.map_err(|e| Error::storage(format!("reading rpmdb {shown}"), e))?;
        let header = parse_header(&blob)
            .map_err(|e| Error::parse(format!("{shown} package #{hnum}: {e}")))?;
        if let Some(p) = RpmPackage::from_header(&header)
            .map_err(|e| Error::parse(format!("{shown} package #{hnum}: {e}")))?
        {
            out.push(p);
        }
    }
    out.sort_by(|a, b| {
        (&a.name, &a.arch)
            .cmp(&(&b.name, &b.arch))
            .then_with(|| super::vercmp::compare_evr(&a.evr, &b.evr))
    });
    Ok(out)
}
