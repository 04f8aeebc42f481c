//! The decoded size an xz stream declares in its LZMA2 chunk headers, read without decoding.
//!
//! Each LZMA2 chunk states how many bytes it decodes to and the decoder produces exactly that,
//! so the sum bounds the output of the first stream (the one lzma-rs decodes) before any memory
//! is spent on it.

use std::io::{self, BufRead, Seek, SeekFrom};

/// Bytes of the stream header: magic, flags, CRC32.
const STREAM_HEADER: usize = 12;

/// Sum of the uncompressed sizes of every LZMA2 chunk of the first stream of `input`.
pub fn xz_decoded_size<R: BufRead + Seek>(input: &mut R) -> io::Result<u64> {
    let mut header = [0u8; STREAM_HEADER];
    input.read_exact(&mut header)?;
    let check = check_size(header[7] & 0x0f);
    let mut total = 0u64;
    loop {
        let size_byte = byte(input)?;
        if size_byte == 0 {
            // The index: no more blocks.
            return Ok(total);
        }
        let header_len = (u64::from(size_byte) + 1) * 4;
        skip(input, header_len - 1)?;
        let (decoded, packed) = lzma2_chunks(input)?;
        total = total.saturating_add(decoded);
        let padding = (4 - (header_len + packed) % 4) % 4;
        skip(input, padding + check)?;
    }
}

/// `(decoded, bytes read)` of the LZMA2 chunks up to and including the end marker.
fn lzma2_chunks<R: BufRead + Seek>(input: &mut R) -> io::Result<(u64, u64)> {
    let (mut decoded, mut read) = (0u64, 0u64);
    loop {
        let control = byte(input)?;
        read += 1;
        match control {
            0x00 => return Ok((decoded, read)),
            0x01 | 0x02 => {
                let size = u64::from(be16(input)?) + 1;
                skip(input, size)?;
                decoded = decoded.saturating_add(size);
                read += 2 + size;
            }
            0x80..=0xff => {
                let unpacked = (u64::from(control & 0x1f) << 16) + u64::from(be16(input)?) + 1;
                let packed = u64::from(be16(input)?) + 1;
                // A state reset with new properties carries one properties byte.
                let props = u64::from(control >= 0xc0);
                skip(input, props + packed)?;
                decoded = decoded.saturating_add(unpacked);
                read += 4 + props + packed;
            }
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("invalid LZMA2 control byte {control:#04x}"),
                ));
            }
        }
    }
}

/// Bytes of the block check for the stream's check type.
fn check_size(check: u8) -> u64 {
    match check {
        0 => 0,
        c => 4 << ((c - 1) / 3),
    }
}

fn byte<R: BufRead>(input: &mut R) -> io::Result<u8> {
    let mut b = [0u8; 1];
    input.read_exact(&mut b)?;
    Ok(b[0])
}

fn be16<R: BufRead>(input: &mut R) -> io::Result<u16> {
    let mut b = [0u8; 2];
    input.read_exact(&mut b)?;
    Ok(u16::from_be_bytes(b))
}

fn skip<R: BufRead + Seek>(input: &mut R, n: u64) -> io::Result<()> {
    let n = i64::try_from(n).map_err(|_| io::Error::other("offset out of range"))?;
    input.seek(SeekFrom::Current(n)).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn the_declared_size_is_the_decoded_size() {
        for len in [0usize, 1, 70_000, 3_000_000] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8 ^ (i / 7) as u8).collect();
            let mut xz = Vec::new();
            lzma_rs::xz_compress(&mut &data[..], &mut xz).expect("xz");
            let size = xz_decoded_size(&mut Cursor::new(&xz)).expect("scan");
            assert_eq!(size, len as u64);
        }
    }

    /// `xz -9 --block-size=1MiB` of 2,680,000 bytes of stanzas: three blocks of LZMA chunks
    /// with CRC64 checks.
    const THREE_BLOCKS: &[u8] = include_bytes!("../../../tests/data/ospatch/three_blocks.xz");

    #[test]
    fn real_xz_blocks_of_compressed_chunks_are_summed() {
        let size = xz_decoded_size(&mut Cursor::new(THREE_BLOCKS)).expect("scan");
        assert_eq!(size, 2_680_000);
        let mut out = Vec::new();
        lzma_rs::xz_decompress(&mut Cursor::new(THREE_BLOCKS), &mut out).expect("decode");
        assert_eq!(out.len() as u64, size);
        let cut = &THREE_BLOCKS[..THREE_BLOCKS.len() / 2];
        assert!(xz_decoded_size(&mut Cursor::new(cut)).is_err());
    }

    #[test]
    fn check_sizes_follow_the_xz_table() {
        let sizes: Vec<u64> = (0..16).map(check_size).collect();
        assert_eq!(
            sizes,
            [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64]
        );
    }
}
