//! Reads an apt list in any compression apt keeps: plain, gz, xz, zst, lz4 (sniffed by magic).

use std::io::Read;
use std::path::Path;

/// The file's text, decompressed; the error names the file and the problem.
pub fn read_list(path: &Path) -> Result<String, String> {
    let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bytes = decompress(&raw).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))
}

fn decompress(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(raw.len() * 3);
    match raw {
        [0x1f, 0x8b, ..] => {
            flate2::read::MultiGzDecoder::new(raw)
                .read_to_end(&mut out)
                .map_err(|e| format!("corrupt gzip: {e}"))?;
        }
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => {
            lzma_rs::xz_decompress(&mut &raw[..], &mut out)
                .map_err(|e| format!("corrupt xz: {e:?}"))?;
        }
        [0x28, 0xb5, 0x2f, 0xfd, ..] => {
            ruzstd::decoding::StreamingDecoder::new(raw)
                .map_err(|e| format!("corrupt zstd: {e}"))?
                .read_to_end(&mut out)
                .map_err(|e| format!("corrupt zstd: {e}"))?;
        }
        [0x04, 0x22, 0x4d, 0x18, ..] => {
            lz4_flex::frame::FrameDecoder::new(raw)
                .read_to_end(&mut out)
                .map_err(|e| format!("corrupt lz4: {e}"))?;
        }
        [b'B', b'Z', b'h', ..] => return Err("bzip2 lists are not supported".into()),
        _ => out.extend_from_slice(raw),
    }
    Ok(out)
}
