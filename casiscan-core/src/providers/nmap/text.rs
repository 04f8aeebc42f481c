//! Text decoding for nmap XML: entity references, nmap's byte-by-byte escapes, Latin-1 files.

use super::model::Text;

/// `raw` as it is, when decoding would not change it: UTF-8 in a UTF-8 file, no reference.
pub fn plain(raw: &[u8], latin1: bool) -> Option<&str> {
    if latin1 || memchr::memchr(b'&', raw).is_some() {
        return None;
    }
    std::str::from_utf8(raw).ok()
}

/// Decodes raw XML text or attribute bytes into a String.
///
/// nmap escapes every byte < 0x20 or > 0x7F as its own `&#xHH;`, so consecutive byte references
/// are reassembled and read as UTF-8; bytes that do not form UTF-8 become their Latin-1 characters.
/// Control-character references that XML 1.0 forbids (`&#x1b;`) are accepted. Unknown named
/// entities are kept as written: no entity is ever resolved from a DTD or a file.
pub fn decode(raw: &[u8], latin1: bool) -> Text {
    if let Some(s) = plain(raw, latin1) {
        return Text::from(s);
    }
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'&'
            && let Some((consumed, decoded)) = reference(&raw[i..])
        {
            push_ref(&mut bytes, decoded);
            i += consumed;
            continue;
        }
        if latin1 && b >= 0x80 {
            push_char(&mut bytes, char::from(b));
        } else {
            bytes.push(b);
        }
        i += 1;
    }
    Text::from(utf8_or_latin1(bytes))
}

/// A decoded reference: one byte (a numeric reference ≤ 0xFF) or a character.
enum Decoded {
    Byte(u8),
    Char(char),
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut tmp = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

fn push_ref(out: &mut Vec<u8>, decoded: Decoded) {
    match decoded {
        Decoded::Byte(b) => out.push(b),
        Decoded::Char(c) => push_char(out, c),
    }
}

/// Parses `&name;` at the start of `s`: returns bytes consumed and the value.
fn reference(s: &[u8]) -> Option<(usize, Decoded)> {
    let end = s.iter().take(12).position(|&b| b == b';')?;
    let name = &s[1..end];
    Some((end + 1, resolve(name)?))
}

/// Resolves a reference name (`amp`, `#x1b`, `#233`) to its value.
fn resolve(name: &[u8]) -> Option<Decoded> {
    let c = match name {
        b"lt" => '<',
        b"gt" => '>',
        b"amp" => '&',
        b"quot" => '"',
        b"apos" => '\'',
        [b'#', b'x' | b'X', hex @ ..] => return numeric(hex, 16),
        [b'#', dec @ ..] => return numeric(dec, 10),
        _ => return None,
    };
    Some(Decoded::Char(c))
}

fn numeric(digits: &[u8], radix: u32) -> Option<Decoded> {
    let text = std::str::from_utf8(digits).ok()?;
    if text.is_empty() {
        return None;
    }
    let n = u32::from_str_radix(text, radix).ok()?;
    match u8::try_from(n) {
        Ok(b) if b >= 0x80 => Some(Decoded::Byte(b)),
        _ => char::from_u32(n).map(Decoded::Char),
    }
}

/// Appends the value of a general reference event (`&name;` in text) to `out`.
pub fn push_general_ref(out: &mut Vec<u8>, name: &[u8]) {
    match resolve(name) {
        Some(d) => push_ref(out, d),
        None => {
            out.push(b'&');
            out.extend_from_slice(name);
            out.push(b';');
        }
    }
}

/// Reads bytes as UTF-8, turning each byte of an invalid sequence into its Latin-1 character.
pub fn utf8_or_latin1(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let bytes = e.into_bytes();
            let mut out = String::with_capacity(bytes.len() + 8);
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                match std::str::from_utf8(rest) {
                    Ok(s) => {
                        out.push_str(s);
                        break;
                    }
                    Err(err) => {
                        let (good, bad) = rest.split_at(err.valid_up_to());
                        out.push_str(std::str::from_utf8(good).unwrap_or_default());
                        let n = err.error_len().unwrap_or(bad.len()).max(1);
                        out.extend(bad[..n].iter().map(|&b| char::from(b)));
                        rest = &bad[n..];
                    }
                }
            }
            out
        }
    }
}

/// 1-based line and column of byte `offset` in `data`.
pub fn line_col(data: &[u8], offset: usize) -> (u64, u64) {
    let upto = &data[..offset.min(data.len())];
    let line = upto.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let line_start = upto.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    (line, (upto.len() - line_start) as u64 + 1)
}

/// 1-based line and column of byte `offset` in what `input` reads (the end, if it is shorter).
pub fn line_col_in(mut input: impl std::io::Read, offset: u64) -> std::io::Result<(u64, u64)> {
    let mut buf = vec![0u8; 1 << 16];
    let (mut line, mut line_start, mut pos) = (1u64, 0u64, 0u64);
    while pos < offset {
        let want = usize::try_from(offset - pos)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = match input.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for at in memchr::memchr_iter(b'\n', &buf[..n]) {
            line += 1;
            line_start = pos + at as u64 + 1;
        }
        pos += n as u64;
    }
    Ok((line, pos - line_start + 1))
}

/// True when `partial`, markup that the input ended inside (from its `<` or `&`), is the
/// beginning of something well-formed: a start or end tag, comment, CDATA section, processing
/// instruction, declaration or reference cut short. `<<`, `<host a=1` and a complete tag are not.
pub fn is_markup_prefix(partial: &[u8]) -> bool {
    match partial {
        [b'&', rest @ ..] => rest.iter().all(|&b| is_name_byte(b) || b == b'#'),
        [b'<', b'/', rest @ ..] => {
            let name = rest.iter().take_while(|&&b| is_name_byte(b)).count();
            rest.first().is_none_or(|&b| is_name_start(b))
                && rest[name..].iter().all(u8::is_ascii_whitespace)
        }
        [b'<', b'?', ..] => true,
        [b'<', b'!', rest @ ..] => [&b"--"[..], b"[CDATA[", b"DOCTYPE"]
            .iter()
            .any(|word| rest.starts_with(word) || word.starts_with(rest)),
        [b'<'] => true,
        [b'<', first, rest @ ..] => is_name_start(*first) && is_start_tag_rest(rest),
        _ => false,
    }
}

/// A byte that may start an XML name (any byte of a multi-byte character counts).
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

/// A byte that may continue an XML name.
fn is_name_byte(b: u8) -> bool {
    is_name_start(b) || b.is_ascii_digit() || b == b'-' || b == b'.'
}

/// The rest of a start tag after its name's first byte: name, then `name="value"` pairs apart
/// by whitespace, possibly cut anywhere, possibly ending in the `/` of an empty tag.
fn is_start_tag_rest(rest: &[u8]) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum At {
        Name,
        Space,
        Key,
        AfterKey,
        Eq,
        Value(u8),
        Closed,
        Slash,
    }
    let mut at = At::Name;
    for &b in rest {
        at = match (at, b) {
            (At::Slash, _) => return false,
            (At::Name | At::Key, b) if is_name_byte(b) => at,
            (At::Name | At::Space | At::Closed, b) if b.is_ascii_whitespace() => At::Space,
            (At::Name | At::Space | At::Closed, b'/') => At::Slash,
            (At::Space, b) if is_name_start(b) => At::Key,
            (At::Key | At::AfterKey, b) if b.is_ascii_whitespace() => At::AfterKey,
            (At::Key | At::AfterKey, b'=') => At::Eq,
            (At::Eq, b) if b.is_ascii_whitespace() => At::Eq,
            (At::Eq, q @ (b'"' | b'\'')) => At::Value(q),
            (At::Value(q), b) if b == q => At::Closed,
            (At::Value(_), b'<') => return false,
            (At::Value(_), _) => at,
            _ => return false,
        };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_nmap_byte_escapes_into_utf8() {
        let raw = b"&#xc3;&#x9c;bersicht &#xe2;&#x80;&#x93; Intranet";
        assert_eq!(decode(raw, false), "Übersicht – Intranet");
    }

    #[test]
    fn keeps_control_characters_and_standard_entities() {
        assert_eq!(
            decode(b"a&#x1b;[0m &lt;b&gt; &amp; &quot;&apos;", false),
            "a\u{1b}[0m <b> & \"'"
        );
        assert_eq!(decode(b"&#233;t&#xE9;", false), "\u{e9}t\u{e9}");
    }

    #[test]
    fn invalid_utf8_bytes_become_latin1_not_replacement() {
        assert_eq!(
            decode(b"&#xff;&#xfe;ok&#xc3;&#x9c;", false),
            "\u{ff}\u{fe}okÜ"
        );
    }

    #[test]
    fn unknown_entities_stay_literal() {
        assert_eq!(decode(b"&xxe; & &#;", false), "&xxe; & &#;");
    }

    #[test]
    fn latin1_files_decode_raw_high_bytes() {
        assert_eq!(decode(b"M\xfcnchen", true), "München");
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col(b"ab\ncd", 4), (2, 2));
        assert_eq!(line_col(b"abc", 0), (1, 1));
    }

    #[test]
    fn a_reader_gives_the_same_position_as_the_bytes() {
        let data: Vec<u8> = (0..200_000u32)
            .map(|i| if i % 37 == 0 { b'\n' } else { b'x' })
            .collect();
        for offset in [
            0usize, 1, 36, 37, 38, 65_535, 65_536, 65_537, 199_999, 200_000,
        ] {
            let from_reader = line_col_in(&data[..], offset as u64).expect("read");
            assert_eq!(from_reader, line_col(&data, offset), "offset {offset}");
        }
    }

    #[test]
    fn markup_cut_short_is_told_from_markup_that_is_wrong() {
        for prefix in [
            "<",
            "<h",
            "<host",
            "<host ",
            "<host a",
            "<host a=",
            "<host a = '",
            "<host a=\"x>y",
            "<host a=\"1\"",
            "<host a=\"1\" /",
            "</",
            "</ho",
            "</host ",
            "<!",
            "<!-",
            "<!--",
            "<!-- x",
            "<![CD",
            "<![CDATA[ x <",
            "<!DOC",
            "<?xml ver",
            "&",
            "&am",
            "&#x1",
        ] {
            assert!(is_markup_prefix(prefix.as_bytes()), "{prefix}");
        }
        for wrong in [
            "<<",
            "<<<",
            "<1",
            "< host",
            "<host a=1",
            "<host a=\"1\"b",
            "<host a=\"<\"",
            "<host/ ",
            "</host>",
            "</host x",
            "</1",
            "<!x",
            "<!-x",
            "<host>",
            "& ",
            "&a b",
            "x",
        ] {
            assert!(!is_markup_prefix(wrong.as_bytes()), "{wrong}");
        }
    }
}
