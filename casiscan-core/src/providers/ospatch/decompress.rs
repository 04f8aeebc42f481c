//! Decodes a cache file in any compression apt and dnf keep (plain, gz, xz, zst, lz4; sniffed by
//! magic) into a sink that stops at the decoded-size caps and reads CRLF as LF.

use std::fmt;
use std::io::{self, BufRead, Read, Seek, Write};

use super::cache_file::{Limits, MAX_RATIO, Problem, RATIO_FLOOR};
use super::xz_size::xz_decoded_size;

/// How a cache file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    Plain,
    /// gzip (one or more members).
    Gzip,
    /// xz.
    Xz,
    /// Zstandard.
    Zstd,
    /// LZ4 frame.
    Lz4,
    /// bzip2 (not decoded).
    Bzip2,
}

impl Compression {
    /// The compression whose magic number starts `head`.
    pub fn sniff(head: &[u8]) -> Self {
        match head {
            [0x1f, 0x8b, ..] => Self::Gzip,
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Self::Xz,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Self::Zstd,
            [0x04, 0x22, 0x4d, 0x18, ..] => Self::Lz4,
            [b'B', b'Z', b'h', ..] => Self::Bzip2,
            _ => Self::Plain,
        }
    }

    /// Name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "text",
            Self::Gzip => "gzip",
            Self::Xz => "xz",
            Self::Zstd => "zstd",
            Self::Lz4 => "lz4",
            Self::Bzip2 => "bzip2",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Streams the decoded bytes of `input` (`size` bytes long) into `out`, within `limits`.
pub fn decode<R: BufRead + Seek>(
    mut input: R,
    size: u64,
    limits: Limits,
    out: &mut dyn Write,
) -> Result<(), Problem> {
    let kind = Compression::sniff(input.fill_buf()?);
    let mut sink = Sink::new(out, size, limits.decoded);
    // The decoders are other crates' code run on hostile bytes: a panic in one (arithmetic that
    // overflows where overflow checks are on, as fuzzing found in lzma-rs) is a corrupt file
    // like any other error, not a crash of the scan. A panic in the caller's writer is not
    // theirs: it goes on.
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_decoder(kind, input, &mut sink)
    }));
    let result = match decoded {
        Ok(Ok(result)) => result,
        Ok(Err(problem)) => return Err(problem),
        Err(panic) if sink.out.inside => std::panic::resume_unwind(panic),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the {kind} decoder failed on malformed input"),
        )),
    };
    match result.and_then(|()| sink.finish()) {
        Ok(()) => Ok(()),
        Err(e) if is_problem(&e) => Err(classify_sink(e)),
        Err(e) if kind == Compression::Plain => Err(Problem::Io(e)),
        Err(e) => Err(corrupt(kind, e.to_string())),
    }
}

/// The corrupt-file problem of a `kind` file.
fn corrupt(kind: Compression, message: String) -> Problem {
    Problem::Corrupt {
        format: kind,
        message,
    }
}

/// Runs the decoder of `kind` from `input` into `sink`: the outcome of the copy, or a problem
/// found before it started.
fn run_decoder<R: BufRead + Seek>(
    kind: Compression,
    mut input: R,
    sink: &mut Sink<'_>,
) -> Result<io::Result<()>, Problem> {
    Ok(match kind {
        Compression::Plain => copy(&mut input, sink),
        Compression::Gzip => copy(&mut flate2::bufread::MultiGzDecoder::new(input), sink),
        Compression::Lz4 => copy(&mut lz4_flex::frame::FrameDecoder::new(input), sink),
        Compression::Zstd => {
            let mut decoder = ruzstd::decoding::StreamingDecoder::new(input)
                .map_err(|e| corrupt(kind, e.to_string()))?;
            copy(&mut decoder, sink)
        }
        Compression::Xz => {
            // lzma-rs keeps a whole xz block in memory before writing it out, so the caps are
            // checked on the sizes the LZMA2 chunks declare (which bound what it decodes) first.
            let declared = xz_decoded_size(&mut input).map_err(|e| corrupt(kind, e.to_string()))?;
            sink.count(declared).map_err(classify_sink)?;
            sink.written = 0;
            input.rewind()?;
            lzma_rs::xz_decompress(&mut input, sink).map_err(|e| match e {
                lzma_rs::error::Error::IoError(e) => e,
                other => io::Error::new(io::ErrorKind::InvalidData, format!("{other:?}")),
            })
        }
        Compression::Bzip2 => return Err(Problem::Unsupported(kind)),
    })
}

fn is_problem(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Problem>())
}

/// The [`Problem`] a sink (or the writer behind it) stopped with.
fn classify_sink(e: io::Error) -> Problem {
    if !is_problem(&e) {
        return Problem::Io(e);
    }
    match e.into_inner().map(|inner| inner.downcast::<Problem>()) {
        Some(Ok(problem)) => *problem,
        Some(Err(other)) => Problem::Io(io::Error::other(other)),
        None => Problem::Io(io::Error::other("decoding stopped")),
    }
}

/// An `io::Error` carrying `problem`, for a writer that must stop the decoding.
pub fn stop(problem: Problem) -> io::Error {
    io::Error::other(problem)
}

fn copy(input: &mut dyn Read, sink: &mut Sink<'_>) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match input.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => sink.write_all(&buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Passes decoded bytes on with CR dropped before LF, and stops past the caps.
/// The caller's writer, marked while a call into it runs: a panic raised there is the caller's
/// own, not the decoder's, and goes on unwinding.
struct Caller<'a> {
    out: &'a mut dyn Write,
    inside: bool,
}

impl Write for Caller<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.inside = true;
        let written = self.out.write(data);
        self.inside = false;
        written
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inside = true;
        let flushed = self.out.flush();
        self.inside = false;
        flushed
    }
}

struct Sink<'a> {
    out: Caller<'a>,
    written: u64,
    size: u64,
    limit: u64,
    pending_cr: bool,
}

impl<'a> Sink<'a> {
    fn new(out: &'a mut dyn Write, size: u64, limit: u64) -> Self {
        Self {
            out: Caller { out, inside: false },
            written: 0,
            size,
            limit,
            pending_cr: false,
        }
    }

    /// Counts `n` more decoded bytes against the caps.
    fn count(&mut self, n: u64) -> io::Result<()> {
        self.written = self.written.saturating_add(n);
        if self.written > self.limit {
            return Err(stop(Problem::DecodedTooLarge { limit: self.limit }));
        }
        if self.written > RATIO_FLOOR && self.written > self.size.saturating_mul(MAX_RATIO) {
            return Err(stop(Problem::Bomb { size: self.size }));
        }
        Ok(())
    }

    /// Writes `data` without the CR of each CRLF (a CR ending `data` waits for the next byte).
    fn pass(&mut self, mut data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if std::mem::take(&mut self.pending_cr) && data[0] != b'\n' {
            self.out.write_all(b"\r")?;
        }
        while let Some(i) = memchr::memchr(b'\r', data) {
            match data.get(i + 1) {
                Some(b'\n') => self.out.write_all(&data[..i])?,
                Some(_) => self.out.write_all(&data[..=i])?,
                None => {
                    self.pending_cr = true;
                    return self.out.write_all(&data[..i]);
                }
            }
            data = &data[i + 1..];
        }
        self.out.write_all(data)
    }

    fn finish(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.pending_cr) {
            self.out.write_all(b"\r")?;
        }
        self.out.flush()
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.count(data.len() as u64)?;
        self.pass(data)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const LIMITS: Limits = Limits {
        file: 1 << 30,
        decoded: 4 << 20,
    };

    fn run(data: &[u8], limits: Limits) -> Result<Vec<u8>, Problem> {
        let mut out = Vec::new();
        decode(Cursor::new(data), data.len() as u64, limits, &mut out).map(|()| out)
    }

    /// Five MiB of list text in each supported compression.
    fn packed() -> Vec<(Compression, Vec<u8>)> {
        pack("Package: p\nVersion: 1\n\n".repeat(5 << 20 >> 4).as_bytes())
    }

    /// `bytes` as is and in each supported compression.
    fn pack(bytes: &[u8]) -> Vec<(Compression, Vec<u8>)> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).expect("gz");
        let mut lz4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
        lz4.write_all(bytes).expect("lz4");
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut &bytes[..], &mut xz).expect("xz");
        let zst =
            ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest);
        vec![
            (Compression::Plain, bytes.to_vec()),
            (Compression::Gzip, gz.finish().expect("gz")),
            (Compression::Lz4, lz4.finish().expect("lz4")),
            (Compression::Xz, xz),
            (Compression::Zstd, zst),
        ]
    }

    #[test]
    fn every_compression_stops_at_the_decoded_cap() {
        for (kind, data) in packed() {
            assert_eq!(Compression::sniff(&data), kind);
            let err = run(&data, LIMITS).expect_err("over the cap");
            assert!(
                matches!(err, Problem::DecodedTooLarge { limit } if limit == LIMITS.decoded),
                "{kind}: {err}"
            );
            let roomy = Limits {
                file: 1 << 30,
                decoded: 64 << 20,
            };
            let out = run(&data, roomy).expect("within the cap");
            assert!(out.len() > 4 << 20, "{kind}");
        }
    }

    #[test]
    fn every_compression_keeps_a_stream_of_exactly_the_decoded_cap_and_refuses_one_byte_more() {
        let text = "Package: p\nVersion: 1\n\n".repeat(4000);
        for (kind, data) in pack(text.as_bytes()) {
            let at = Limits {
                file: 1 << 30,
                decoded: text.len() as u64,
            };
            let out = run(&data, at).unwrap_or_else(|e| panic!("{kind} at the cap: {e}"));
            assert!(out == text.as_bytes(), "{kind}: decoded whole");
            let under = Limits {
                decoded: at.decoded - 1,
                ..at
            };
            let err = run(&data, under).expect_err("one byte over the cap");
            assert!(
                matches!(err, Problem::DecodedTooLarge { limit } if limit == under.decoded),
                "{kind}: {err}"
            );
        }
    }

    #[test]
    fn crlf_split_across_writes_still_reads_as_lf() {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, 0, 1 << 20);
        for piece in [&b"a\r"[..], b"\nb\r", b"", b"c\r\n\r", b"\n"] {
            sink.write_all(piece).expect("write");
        }
        sink.finish().expect("finish");
        assert_eq!(out, b"a\nb\rc\n\n");
    }

    /// Found by fuzzing (decompress_xz): a footer whose index size overflows lzma-rs's 32-bit
    /// check is a corrupt xz file, not a panic.
    #[test]
    fn an_xz_footer_that_overflows_the_decoder_is_corrupt() {
        let bad: &[u8] = include_bytes!("../../../tests/data/ospatch/footer_overflow.xz");
        match run(bad, Limits::STREAM) {
            Err(Problem::Corrupt { format, message }) => {
                assert_eq!(format, Compression::Xz);
                assert!(message.contains("footer states an index"), "{message}");
            }
            other => panic!("expected a corrupt xz file, got {other:?}"),
        }
    }

    /// A writer that panics on its first write.
    struct Panicking;

    impl Write for Panicking {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            panic!("the caller's own bug");
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Input that panics once the decoder reads past its first buffer, as a decoder's own
    /// panic would.
    struct PanicsInDecoder(Cursor<Vec<u8>>, usize);

    impl io::Read for PanicsInDecoder {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = io::Read::read(&mut self.fill_buf()?, out)?;
            self.consume(n);
            Ok(n)
        }
    }

    impl BufRead for PanicsInDecoder {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            self.1 += 1;
            assert!(self.1 < 3, "a decoder's bug");
            self.0.fill_buf()
        }
        fn consume(&mut self, n: usize) {
            self.0.consume(n);
        }
    }

    impl io::Seek for PanicsInDecoder {
        fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
            self.0.seek(to)
        }
    }

    #[test]
    fn a_panic_inside_a_decoder_is_a_corrupt_file() {
        let (kind, data) = packed()
            .into_iter()
            .find(|(k, _)| *k == Compression::Gzip)
            .expect("gzip");
        let size = data.len() as u64;
        let input = PanicsInDecoder(Cursor::new(data), 0);
        match decode(input, size, Limits::STREAM, &mut Vec::new()) {
            Err(Problem::Corrupt { format, message }) => {
                assert_eq!(format, kind);
                assert!(message.contains("decoder failed"), "{message}");
            }
            other => panic!("expected a corrupt file, got {other:?}"),
        }
    }

    #[test]
    fn a_panic_in_the_callers_writer_is_not_taken_for_a_corrupt_file() {
        for (kind, data) in packed() {
            let caught = std::panic::catch_unwind(|| {
                let _ = decode(
                    Cursor::new(&data),
                    data.len() as u64,
                    Limits::STREAM,
                    &mut Panicking,
                );
            });
            let payload = caught.expect_err(kind.as_str());
            assert_eq!(
                payload.downcast_ref::<&str>(),
                Some(&"the caller's own bug"),
                "{kind}"
            );
        }
    }

    #[test]
    fn a_high_ratio_past_the_floor_is_a_bomb() {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, 1000, u64::MAX);
        let err = sink
            .count(RATIO_FLOOR + 1)
            .expect_err("ratio over the floor");
        assert!(matches!(classify_sink(err), Problem::Bomb { size: 1000 }));
        let mut sink = Sink::new(&mut out, 1 << 20, u64::MAX);
        assert!(sink.count(RATIO_FLOOR + 1).is_ok());
    }

    #[test]
    fn the_ratio_is_checked_from_just_past_the_floor_at_exactly_one_hundred() {
        assert_eq!((MAX_RATIO, RATIO_FLOOR), (100, 32 << 20));
        let mut out = Vec::new();
        // Up to the floor any ratio passes; one byte past it a 1-byte file is a bomb.
        let mut sink = Sink::new(&mut out, 1, u64::MAX);
        assert!(sink.count(32 << 20).is_ok(), "at the floor");
        let err = sink.count(1).expect_err("one byte past the floor");
        assert!(matches!(classify_sink(err), Problem::Bomb { size: 1 }));
        // Past the floor: exactly 100 times the size passes, one byte more is a bomb.
        let size = (32 << 20) / 100 + 1;
        let mut sink = Sink::new(&mut out, size, u64::MAX);
        assert!(sink.count(size * 100).is_ok(), "exactly 100 times");
        let err = sink.count(1).expect_err("one byte more");
        assert!(matches!(classify_sink(err), Problem::Bomb { size: s } if s == size));
    }
}
