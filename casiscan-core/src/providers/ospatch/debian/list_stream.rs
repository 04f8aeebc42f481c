//! Streams a package list as whole stanzas from a decoding thread, so decompression overlaps parsing.

use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};

use memchr::memmem;

use super::super::cache_file::{CacheFile, CacheFileError, Limits, Problem};
use super::super::decompress::stop;

/// Bytes handed over per chunk.
const CHUNK: usize = 1 << 20;
/// Longest stanza accepted; a longer run without a blank line is a corrupt list.
const MAX_STANZA: usize = 16 << 20;

/// Calls `each` with every blank-line-separated stanza of the list at `path`, in file order
/// (opened as a [`CacheFile`] within [`Limits::STREAM`], and decoding at most `budget` bytes,
/// which it lowers by what it decodes).
///
/// On error the stanzas already seen have been passed to `each`; the caller decides whether to
/// keep them.
pub fn for_each_stanza(
    path: &Path,
    budget: &mut u64,
    mut each: impl FnMut(&[u8]),
) -> Result<(), CacheFileError> {
    let limits = Limits {
        decoded: Limits::STREAM.decoded.min(*budget),
        ..Limits::STREAM
    };
    let file = CacheFile::open(path, limits)?;
    let (full_tx, full_rx) = sync_channel::<Vec<u8>>(2);
    let (empty_tx, empty_rx) = channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            let mut chunker = Chunker::new(full_tx, empty_rx);
            file.decode_into(&mut chunker)?;
            chunker.finish();
            Ok(())
        });
        for block in full_rx {
            *budget = budget.saturating_sub(block.len() as u64);
            stanzas(&block).for_each(&mut each);
            // The producer may have finished already; a dropped pool only costs an allocation.
            let _ = empty_tx.send(block);
        }
        producer.join().unwrap_or_else(|_| {
            Err(CacheFileError::new(
                path,
                io::Error::other("the list reader stopped unexpectedly"),
            ))
        })
    })
}

/// The non-empty stanzas of `block`, separated by blank lines.
fn stanzas(block: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = block;
    std::iter::from_fn(move || {
        let start = rest.iter().position(|&b| b != b'\n')?;
        rest = &rest[start..];
        let end = memmem::find(rest, b"\n\n").unwrap_or(rest.len());
        let (stanza, tail) = rest.split_at(end);
        rest = tail;
        Some(stanza)
    })
}

/// Collects decoded bytes and hands them on in chunks that end on a stanza boundary.
struct Chunker {
    buf: Vec<u8>,
    full: SyncSender<Vec<u8>>,
    empty: Receiver<Vec<u8>>,
}

impl Chunker {
    fn new(full: SyncSender<Vec<u8>>, empty: Receiver<Vec<u8>>) -> Self {
        Self {
            buf: Vec::with_capacity(CHUNK * 2),
            full,
            empty,
        }
    }

    /// Hands over what is left.
    fn finish(mut self) {
        if !self.buf.is_empty() {
            let rest = std::mem::take(&mut self.buf);
            // The consumer only stops reading when this thread has ended.
            let _ = self.full.send(rest);
        }
    }

    fn ship_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() < CHUNK {
            return Ok(());
        }
        let Some(cut) = memmem::rfind(&self.buf, b"\n\n") else {
            return self.check_stanza_length();
        };
        let mut next = self.empty.try_recv().unwrap_or_default();
        next.clear();
        next.reserve(CHUNK * 2);
        next.extend_from_slice(&self.buf[cut + 2..]);
        self.buf.truncate(cut + 1);
        let full = std::mem::replace(&mut self.buf, next);
        self.full.send(full).map_err(|_| {
            stop(Problem::Io(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "list reader abandoned",
            )))
        })
    }

    fn check_stanza_length(&self) -> io::Result<()> {
        if self.buf.len() > MAX_STANZA {
            return Err(stop(Problem::StanzaTooLong(MAX_STANZA as u64)));
        }
        Ok(())
    }
}

impl Write for Chunker {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        self.ship_if_full()?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_skip_extra_blank_lines() {
        let got: Vec<&[u8]> = stanzas(b"\n\nA: 1\nB: 2\n\n\n\nA: 3\n").collect();
        assert_eq!(got, vec![&b"A: 1\nB: 2"[..], &b"A: 3\n"[..]]);
    }

    #[test]
    fn a_list_longer_than_a_chunk_arrives_whole_and_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("list_Packages");
        let text: String = (0..40_000)
            .map(|i| {
                format!(
                    "Package: p{i}\nVersion: 1.{i}\nDescription: {}\n\n",
                    "x".repeat(i % 97)
                )
            })
            .collect();
        std::fs::write(&path, &text).expect("write");
        let mut seen = Vec::new();
        for_each_stanza(&path, &mut { u64::MAX }, |s| {
            seen.push(String::from_utf8_lossy(s).into_owned())
        })
        .expect("read");
        assert_eq!(seen.len(), 40_000);
        assert!(
            seen.iter()
                .enumerate()
                .all(|(i, s)| s.starts_with(&format!("Package: p{i}\n")))
        );
    }

    #[test]
    fn a_list_without_blank_lines_is_refused_past_the_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("list_Packages");
        std::fs::write(&path, "Description: x\n".repeat(MAX_STANZA / 10)).expect("write");
        let err = for_each_stanza(&path, &mut { u64::MAX }, |_| {}).expect_err("too long");
        assert!(matches!(err.problem, Problem::StanzaTooLong(_)), "{err}");
    }
}
