//! The decoded size an xz stream declares in its LZMA2 chunk headers, read without decoding,
//! and the check of its index size against its footer.
//!
//! Each LZMA2 chunk states how many bytes it decodes to and the decoder produces exactly that,
//! so the sum bounds the output of the first stream (the one lzma-rs decodes) before any memory
//! is spent on it. lzma-rs compares the footer's index size with 32-bit arithmetic that
//! overflows on a crafted footer (a panic where overflow checks are on, found by fuzzing), so
//! the comparison is made here first, in 64 bits.

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
            check_index_size(input)?;
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

/// Reads the index (its indicator byte already read) and the footer's CRC32 and backward size,
/// which must state the index's size: `(backward size + 1) * 4`.
fn check_index_size<R: BufRead + Seek>(input: &mut R) -> io::Result<()> {
    let mut size = 1u64;
    let (records, n) = varint(input)?;
    size += n;
    for _ in 0..records {
        // Unpadded and uncompressed size of each block.
        for _ in 0..2 {
            size += varint(input)?.1;
        }
    }
    let padding = (4 - size % 4) % 4;
    // The padding and the index's CRC32, then the footer's CRC32.
    skip(input, padding + 4 + 4)?;
    size += padding + 4;
    let mut backward = [0u8; 4];
    input.read_exact(&mut backward)?;
    let stated = (u64::from(u32::from_le_bytes(backward)) + 1) * 4;
    if stated != size {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the xz footer states an index of {stated} bytes, the index has {size}"),
        ));
    }
    Ok(())
}

/// A multibyte integer of the xz format (at most 9 bytes of 7 bits each) and its length.
fn varint<R: BufRead>(input: &mut R) -> io::Result<(u64, u64)> {
    let mut value = 0u64;
    for i in 0..9u64 {
        let b = byte(input)?;
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "an xz integer longer than 9 bytes",
    ))
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

    /// Found by fuzzing (decompress_xz): a footer whose backward size is 0xFFFFFFFF made
    /// lzma-rs overflow; the index check refuses it first.
    const FOOTER_OVERFLOW: &[u8] = include_bytes!("../../../tests/data/ospatch/footer_overflow.xz");

    #[test]
    fn a_footer_that_misstates_the_index_size_is_refused() {
        let err = xz_decoded_size(&mut Cursor::new(FOOTER_OVERFLOW)).expect_err("refused");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        assert!(err.to_string().contains("footer states an index"), "{err}");
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
