//! Opening a SQLite file: writable when possible, read-only (or immutable) when the file, its
//! directory or the disk cannot take writes, and without a single write when the schema is current.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::error::describe;
use super::{BUSY_TIMEOUT, schema};
use crate::error::{Error, Result};

/// How `SqliteStore::open_with` may use the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// Read and write; read-only if the file is not writable.
    ReadWrite,
    /// Never write.
    ReadOnly,
}

/// Opens `path` for writing (creating it) when possible, else read-only; returns the
/// connection and whether it is read-only.
pub(super) fn open_file(path: &Path, label: &str) -> Result<(Connection, bool)> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match Connection::open_with_flags(path, flags) {
        Ok(conn) => conn,
        // Neither the file nor its directory is writable, but the file may be readable.
        Err(e) if path.exists() && is_unwritable(&e) => {
            return Ok((open_read_only(path, label)?, true));
        }
        Err(e) => return Err(describe(label, "open", e)),
    };
    // SQLite quietly opens a file it may not write (permissions, read-only mount) read-only.
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
        drop(conn);
        return Ok((open_read_only(path, label)?, true));
    }
    match prepare_writable(conn, label) {
        Ok(conn) => Ok((conn, false)),
        // The file is writable but the WAL files cannot be created next to it (read-only
        // directory) or the disk is full: reading may still work.
        Err(e) if path.exists() && e.cant_write => Ok((open_read_only(path, label)?, true)),
        Err(e) => Err(e.error),
    }
}

/// A new in-memory database with the schema.
pub(super) fn open_memory(label: &str) -> Result<Connection> {
    let conn = Connection::open_in_memory().map_err(|e| describe(label, "open", e))?;
    Ok(prepare_writable(conn, label)?)
}

/// Why a writable open failed, and whether a read-only open is worth trying.
struct SetupError {
    error: Error,
    cant_write: bool,
}

impl From<Error> for SetupError {
    fn from(error: Error) -> Self {
        SetupError {
            error,
            cant_write: false,
        }
    }
}

impl From<SetupError> for Error {
    fn from(e: SetupError) -> Self {
        e.error
    }
}

/// True for the errors of a file or directory that cannot be written (or a full disk).
fn is_unwritable(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(
            rusqlite::ErrorCode::ReadOnly
                | rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::PermissionDenied
                | rusqlite::ErrorCode::DiskFull
                | rusqlite::ErrorCode::SystemIoFailure
        )
    )
}

/// Configures a writable connection: WAL (only if not already set) and the schema (only if
/// not current), so that opening a current database writes nothing.
fn prepare_writable(
    mut conn: Connection,
    label: &str,
) -> std::result::Result<Connection, SetupError> {
    let fail = |what: &str, e: rusqlite::Error| SetupError {
        cant_write: is_unwritable(&e),
        error: describe(label, what, e),
    };
    configure(&conn).map_err(|e| fail("configure", e))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(|e| fail("read the journal mode of", e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        let _mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| fail("enable WAL on", e))?;
    }
    let version = schema::version(&conn).map_err(|e| fail("read the schema version of", e))?;
    if version != schema::SCHEMA_VERSION {
        schema::migrate(&mut conn)
            .map_err(|e| fail("migrate", e))?
            .map_err(|m| Error::Storage {
                message: format!("{label}: {m}"),
                source: None,
            })?;
    }
    Ok(conn)
}

/// Connection settings that write nothing to the file.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")
}

/// Opens an existing database read-only and checks its schema is current.
///
/// A WAL database needs its `-shm` file even to be read. When SQLite cannot create it (a
/// read-only directory) and there is no `-wal` file (so every committed change is in the main
/// file), the file is opened `immutable`: a snapshot, valid as long as nobody writes it.
pub(super) fn open_read_only(path: &Path, label: &str) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| describe(label, "open", e))?;
    let version = match configure(&conn).and_then(|()| schema::version(&conn)) {
        Ok(v) => v,
        // The -shm file cannot be created, opened or grown (read-only directory: CANTOPEN or
        // READONLY_CANTINIT; full disk: IOERR_SHMSIZE).
        Err(e) if is_unwritable(&e) => {
            drop(conn);
            return open_immutable(path, label);
        }
        Err(e) => return Err(describe(label, "read the schema version of", e)),
    };
    check_read_only_schema(label, version)?;
    Ok(conn)
}

fn open_immutable(path: &Path, label: &str) -> Result<Connection> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(Error::ReadOnly {
            path: label.to_owned(),
            reason: "it is in WAL mode with changes in its -wal file, and its -shm file cannot \
                     be created here; open it once with write access to checkpoint it"
                .into(),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let uri = format!("{}?immutable=1", file_uri(path));
    let conn = Connection::open_with_flags(&uri, flags).map_err(|e| describe(label, "open", e))?;
    configure(&conn).map_err(|e| describe(label, "configure", e))?;
    let version =
        schema::version(&conn).map_err(|e| describe(label, "read the schema version of", e))?;
    check_read_only_schema(label, version)?;
    Ok(conn)
}

/// A read-only database is usable only at this build's schema version (it cannot be migrated).
fn check_read_only_schema(label: &str, version: i64) -> Result<()> {
    if version == schema::SCHEMA_VERSION {
        return Ok(());
    }
    let reason = if version > schema::SCHEMA_VERSION {
        format!(
            "it has schema version {version}, newer than this casiscan ({})",
            schema::SCHEMA_VERSION
        )
    } else {
        format!(
            "it has schema version {version} and this casiscan needs {}; open it once with \
             write access to migrate it",
            schema::SCHEMA_VERSION
        )
    };
    Err(Error::ReadOnly {
        path: label.to_owned(),
        reason,
    })
}

/// `file:` URI of `path` (RFC 3986 percent-encoding; `/` kept).
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(b) {
            uri.push(char::from(*b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_escape_what_sqlite_would_read_as_query_or_fragment() {
        assert_eq!(
            file_uri(Path::new("/tmp/a b/c?d#e%f.db")),
            "file:/tmp/a%20b/c%3Fd%23e%25f.db"
        );
        assert_eq!(file_uri(Path::new("rel/x-y_z.~db")), "file:rel/x-y_z.~db");
    }
}
