//! Decodes an apt list in any compression apt keeps: plain, gz, xz, zst, lz4 (sniffed by magic).

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use super::list_stream::Chunker;

/// How a list file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    Plain,
    Gzip,
    Xz,
    Zstd,
    Lz4,
    Bzip2,
}

impl Compression {
    /// The compression whose magic number starts `head`.
    fn sniff(head: &[u8]) -> Self {
        match head {
            [0x1f, 0x8b, ..] => Self::Gzip,
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Self::Xz,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Self::Zstd,
            [0x04, 0x22, 0x4d, 0x18, ..] => Self::Lz4,
            [b'B', b'Z', b'h', ..] => Self::Bzip2,
            _ => Self::Plain,
        }
    }

    /// Name used in error messages.
    fn name(self) -> &'static str {
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

/// Streams the decompressed bytes of the list at `path` into `out`.
pub fn decode(path: &Path, out: &mut Chunker) -> Result<(), String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut input = BufReader::with_capacity(256 * 1024, file);
    let head = input.fill_buf().map_err(|e| e.to_string())?;
    let kind = Compression::sniff(head);
    let corrupt = |e: io::Error| match kind {
        Compression::Plain => e.to_string(),
        _ => format!("corrupt {}: {e}", kind.name()),
    };
    match kind {
        Compression::Plain => out.pump(&mut input).map_err(corrupt),
        Compression::Gzip => out
            .pump(&mut flate2::bufread::MultiGzDecoder::new(input))
            .map_err(corrupt),
        Compression::Lz4 => out
            .pump(&mut lz4_flex::frame::FrameDecoder::new(input))
            .map_err(corrupt),
        Compression::Zstd => {
            let mut decoder = ruzstd::decoding::StreamingDecoder::new(input)
                .map_err(|e| format!("corrupt zstd: {e}"))?;
            out.pump(&mut decoder).map_err(corrupt)
        }
        Compression::Xz => lzma_rs::xz_decompress(&mut input, out).map_err(|e| match e {
            lzma_rs::error::Error::IoError(e) if e.kind() != io::ErrorKind::UnexpectedEof => {
                corrupt(e)
            }
            other => format!("corrupt xz: {other:?}"),
        }),
        Compression::Bzip2 => Err("bzip2 lists are not supported".into()),
    }
}
