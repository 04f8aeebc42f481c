//! A package-cache file under a scanned root, opened so that a hostile root can neither hang the
//! scan nor exhaust its memory.
//!
//! Every file the Debian and RPM backends read goes through [`CacheFile::open`]: symlinks are
//! followed, but only a regular file is read (a FIFO, device, socket or directory is refused, and
//! the open itself never waits for a FIFO's writer); the size on disk and the decoded stream are
//! capped while streaming; CRLF line ends are read as LF. A problem is a [`CacheFileError`]
//! naming the file, which the caller reports as a warning, or as an error when the report cannot
//! do without that file (the dpkg status, the rpmdb).

use std::fmt;
use std::fs::{File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::Error;

pub use super::decompress::Compression;
use super::decompress::decode;

/// Largest file read, compressed or not (the biggest real apt lists and repodata are ~100 MB).
pub const MAX_FILE_BYTES: u64 = 512 << 20;
/// Largest decoded stream of one file: decompression stops there and the file is refused.
pub const MAX_DECODED_BYTES: u64 = 512 << 20;
/// Most bytes decoded from all the apt lists of one report: the lists past it are not read.
pub const MAX_LISTS_DECODED_BYTES: u64 = 4 << 30;
/// Largest decoded-to-compressed ratio past [`RATIO_FLOOR`] (real lists compress under 15×).
pub const MAX_RATIO: u64 = 100;
/// Decoded size up to which the ratio is not checked (small files may compress very well).
pub const RATIO_FLOOR: u64 = 32 << 20;
/// Largest dpkg status or Release file, read whole (a large desktop's status is ~15 MB).
pub const MAX_STATUS_BYTES: u64 = 128 << 20;
/// Largest configuration file: preferences, apt.conf, os-release, dnf and `.repo` files.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// The size caps applied to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest size on disk.
    pub file: u64,
    /// Largest decoded size.
    pub decoded: u64,
}

impl Limits {
    /// Streamed lists and repodata.
    pub const STREAM: Limits = Limits {
        file: MAX_FILE_BYTES,
        decoded: MAX_DECODED_BYTES,
    };
    /// The dpkg status and Release files, read whole.
    pub const STATUS: Limits = Limits {
        file: MAX_STATUS_BYTES,
        decoded: MAX_STATUS_BYTES,
    };
    /// Configuration files, read whole.
    pub const CONFIG: Limits = Limits {
        file: MAX_CONFIG_BYTES,
        decoded: MAX_CONFIG_BYTES,
    };
}

/// What a path is when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A directory.
    Directory,
    /// A named pipe: reading it would wait for a writer.
    Fifo,
    /// A Unix socket.
    Socket,
    /// A character device (`/dev/zero` never ends).
    CharDevice,
    /// A block device.
    BlockDevice,
    /// Anything else.
    Other,
}

impl FileKind {
    /// The kind of a non-regular file; `None` for a regular one.
    fn of(meta: &Metadata) -> Option<Self> {
        let t = meta.file_type();
        if t.is_file() {
            return None;
        }
        if t.is_dir() {
            return Some(Self::Directory);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                return Some(Self::Fifo);
            }
            if t.is_socket() {
                return Some(Self::Socket);
            }
            if t.is_char_device() {
                return Some(Self::CharDevice);
            }
            if t.is_block_device() {
                return Some(Self::BlockDevice);
            }
        }
        Some(Self::Other)
    }

    /// What the kind is called in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Directory => "a directory",
            Self::Fifo => "a FIFO",
            Self::Socket => "a socket",
            Self::CharDevice => "a character device",
            Self::BlockDevice => "a block device",
            Self::Other => "a special file",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte count for messages (`2048.0 MiB`).
#[derive(Debug, Clone, Copy)]
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 1 << 20 {
            write!(f, "{} bytes", self.0)
        } else {
            write!(f, "{:.1} MiB", self.0 as f64 / f64::from(1 << 20))
        }
    }
}

/// Why a cache file was not read, or not wholly.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// Not a regular file.
    #[error("{kind}{}, not a regular file; not read", if *via_symlink { " (through a symlink)" } else { "" })]
    NotRegular {
        /// What it is.
        kind: FileKind,
        /// The path is a symlink to it.
        via_symlink: bool,
    },
    /// Larger on disk than the limit.
    #[error("{} on disk, over the {} limit; not read", Bytes(*size), Bytes(*limit))]
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Decodes to more than the limit.
    #[error("decodes to more than {}; not read", Bytes(*limit))]
    DecodedTooLarge {
        /// The limit.
        limit: u64,
    },
    /// Decodes to more than [`MAX_RATIO`] times its size.
    #[error("decodes to more than {MAX_RATIO} times its {} (a decompression bomb?); not read", Bytes(*size))]
    Bomb {
        /// Its size on disk.
        size: u64,
    },
    /// The compressed data is damaged.
    #[error("corrupt {format}: {message}")]
    Corrupt {
        /// The compression.
        format: Compression,
        /// The decoder's message.
        message: String,
    },
    /// A compression this reader does not decode.
    #[error("{0} compression is not supported")]
    Unsupported(Compression),
    /// A deb822 stanza without an end.
    #[error("a stanza longer than {} (no blank line)", Bytes(*.0))]
    StanzaTooLong(u64),
    /// The operating system refused.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// A cache file that could not be read (wholly), naming it.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct CacheFileError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub problem: Problem,
}

impl CacheFileError {
    /// The error for `path`.
    pub fn new(path: &Path, problem: impl Into<Problem>) -> Self {
        Self {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }

    /// The file (or a directory on its path) does not exist.
    pub fn is_missing(&self) -> bool {
        matches!(&self.problem, Problem::Io(e)
            if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory))
    }
}

impl From<CacheFileError> for Error {
    fn from(e: CacheFileError) -> Self {
        let path = e.path.display().to_string();
        match e.problem {
            Problem::Io(source) => Error::Io { path, source },
            p @ (Problem::Corrupt { .. } | Problem::StanzaTooLong(_)) => {
                Error::parse(format!("{path}: {p}"))
            }
            p => Error::invalid(format!("package cache file {path}"), p.to_string()),
        }
    }
}

/// A regular file opened for reading, with its size and caps.
#[derive(Debug)]
pub struct CacheFile {
    path: PathBuf,
    file: File,
    size: u64,
    limits: Limits,
}

impl CacheFile {
    /// Opens `path` when it is a regular file within `limits.file`, never blocking.
    pub fn open(path: &Path, limits: Limits) -> Result<Self, CacheFileError> {
        let fail = |p: Problem| CacheFileError::new(path, p);
        let via_symlink = std::fs::symlink_metadata(path)
            .map_err(|e| fail(e.into()))?
            .file_type()
            .is_symlink();
        let meta = std::fs::metadata(path).map_err(|e| fail(e.into()))?;
        check(&meta, via_symlink, limits).map_err(fail)?;
        let file = open_nonblocking(path).map_err(|e| fail(e.into()))?;
        // The path may have been replaced between the check and the open.
        let meta = file.metadata().map_err(|e| fail(e.into()))?;
        check(&meta, via_symlink, limits).map_err(fail)?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            size: meta.len(),
            limits,
        })
    }

    /// The path it was opened by.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Streams the decoded bytes (any compression, CRLF read as LF) into `out`, within the caps.
    pub fn decode_into(self, out: &mut dyn io::Write) -> Result<(), CacheFileError> {
        let input = io::BufReader::with_capacity(256 * 1024, self.file);
        decode(input, self.size, self.limits, out).map_err(|p| CacheFileError::new(&self.path, p))
    }
}

/// Refuses what is not a regular file within the size limit.
fn check(meta: &Metadata, via_symlink: bool, limits: Limits) -> Result<(), Problem> {
    if let Some(kind) = FileKind::of(meta) {
        return Err(Problem::NotRegular { kind, via_symlink });
    }
    if meta.len() > limits.file {
        return Err(Problem::TooLarge {
            size: meta.len(),
            limit: limits.file,
        });
    }
    Ok(())
}

/// Opens for reading; on Unix with `O_NONBLOCK`, so a FIFO swapped in after the check cannot
/// block, and `O_NOCTTY`, so a terminal never becomes the controlling one.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

/// Whether anything (of any kind) is at `path`, so that what is there gets read or reported.
pub fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Checks that `path` is a regular file without opening it (for files opened by a library).
pub fn check_regular(path: &Path) -> Result<(), CacheFileError> {
    let via_symlink = std::fs::symlink_metadata(path)
        .map_err(|e| CacheFileError::new(path, e))?
        .file_type()
        .is_symlink();
    let meta = std::fs::metadata(path).map_err(|e| CacheFileError::new(path, e))?;
    let limits = Limits {
        file: u64::MAX,
        decoded: u64::MAX,
    };
    check(&meta, via_symlink, limits).map_err(|p| CacheFileError::new(path, p))
}

/// The decoded bytes of the file at `path`, within `limits`.
pub fn read_bytes(path: &Path, limits: Limits) -> Result<Vec<u8>, CacheFileError> {
    let file = CacheFile::open(path, limits)?;
    let mut out = Vec::new();
    file.decode_into(&mut out)?;
    Ok(out)
}

/// The text of the file at `path`; invalid UTF-8 is replaced, with a warning naming the line.
pub fn read_text(
    path: &Path,
    limits: Limits,
    warnings: &mut Vec<String>,
) -> Result<String, CacheFileError> {
    let bytes = read_bytes(path, limits)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = 1 + memchr::memchr_iter(b'\n', &bytes[..at]).count();
            warnings.push(format!(
                "{}: invalid UTF-8 at line {line}, replaced",
                path.display()
            ));
            String::from_utf8_lossy(&bytes).into_owned()
        }
    })
}

/// The text of an optional file: `None`, silently, when it does not exist; any other problem
/// is a warning.
pub fn read_optional_text(
    path: &Path,
    limits: Limits,
    warnings: &mut Vec<String>,
) -> Option<String> {
    match read_text(path, limits, warnings) {
        Ok(text) => Some(text),
        Err(e) if e.is_missing() => None,
        Err(e) => {
            warnings.push(e.to_string());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits {
        file: 1 << 20,
        decoded: 1 << 20,
    };

    #[test]
    fn special_files_are_refused_by_kind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = CacheFile::open(dir.path(), SMALL).expect_err("directory");
        assert!(matches!(
            err.problem,
            Problem::NotRegular {
                kind: FileKind::Directory,
                via_symlink: false
            }
        ));
        assert!(!err.is_missing());
        let missing = CacheFile::open(&dir.path().join("nope"), SMALL).expect_err("missing");
        assert!(missing.is_missing(), "{missing}");
        #[cfg(unix)]
        {
            let link = dir.path().join("zero");
            std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
            let err = CacheFile::open(&link, SMALL).expect_err("device");
            assert!(
                err.to_string()
                    .contains("a character device (through a symlink), not a regular file"),
                "{err}"
            );
        }
    }

    /// A sparse file of `len` bytes at `path`.
    fn sparse(path: &Path, len: u64) {
        File::create(path)
            .and_then(|f| f.set_len(len))
            .expect("sparse");
    }

    #[test]
    fn a_file_of_exactly_the_size_limit_opens_and_one_byte_more_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        let small = Limits {
            file: 1000,
            decoded: u64::MAX,
        };
        for (limits, name) in [
            (small, "small"),
            (Limits::STREAM, "stream"),
            (Limits::STATUS, "status"),
            (Limits::CONFIG, "config"),
        ] {
            sparse(&path, limits.file);
            CacheFile::open(&path, limits).unwrap_or_else(|e| panic!("{name} at the limit: {e}"));
            sparse(&path, limits.file + 1);
            let err = CacheFile::open(&path, limits).expect_err("one byte over");
            assert!(
                matches!(err.problem, Problem::TooLarge { size, limit }
                    if size == limits.file + 1 && limit == limits.file),
                "{name}: {err}"
            );
        }
        // Read whole, the file at the limit decodes whole too.
        sparse(&path, small.file);
        assert_eq!(read_bytes(&path, small).expect("read").len(), 1000);
    }

    #[test]
    fn the_documented_limits_are_the_ones_applied() {
        assert_eq!(MAX_FILE_BYTES, 512 << 20);
        assert_eq!(MAX_DECODED_BYTES, 512 << 20);
        assert_eq!(MAX_LISTS_DECODED_BYTES, 4 << 30);
        assert_eq!(MAX_STATUS_BYTES, 128 << 20);
        assert_eq!(MAX_CONFIG_BYTES, 16 << 20);
        assert_eq!(
            (Limits::STREAM.file, Limits::STREAM.decoded),
            (MAX_FILE_BYTES, MAX_DECODED_BYTES)
        );
        assert_eq!(
            (Limits::STATUS.file, Limits::STATUS.decoded),
            (MAX_STATUS_BYTES, MAX_STATUS_BYTES)
        );
        assert_eq!(
            (Limits::CONFIG.file, Limits::CONFIG.decoded),
            (MAX_CONFIG_BYTES, MAX_CONFIG_BYTES)
        );
    }

    #[test]
    fn sizes_are_capped_on_disk_and_crlf_reads_as_lf() {
        let dir = tempfile::tempdir().expect("tempdir");
        let big = dir.path().join("big");
        File::create(&big)
            .and_then(|f| f.set_len(SMALL.file + 1))
            .expect("sparse");
        let err = read_bytes(&big, SMALL).expect_err("too large");
        assert!(matches!(err.problem, Problem::TooLarge { .. }), "{err}");
        let crlf = dir.path().join("crlf");
        std::fs::write(&crlf, "a: 1\r\nb: 2\r\n\r\nc\rd\r").expect("write");
        let mut warnings = Vec::new();
        let text = read_text(&crlf, SMALL, &mut warnings).expect("read");
        assert_eq!(text, "a: 1\nb: 2\n\nc\rd\r");
        std::fs::write(&crlf, b"ok\nbad \xff\n").expect("write");
        assert_eq!(
            read_text(&crlf, SMALL, &mut warnings).expect("read"),
            "ok\nbad \u{fffd}\n"
        );
        assert!(warnings[0].ends_with("crlf: invalid UTF-8 at line 2, replaced"));
    }
}
