//! A start tag copied out of the reader's buffer, with its attributes located once.

use std::cell::RefCell;

use quick_xml::events::BytesStart;
use quick_xml::name::{LocalName, QName};

/// Buffers of dropped tags kept for reuse, at most this many per thread.
const POOL_SIZE: usize = 64;

/// Buffers larger than this are not kept (a huge attribute must not stay allocated).
const POOL_MAX_BYTES: usize = 4096;

thread_local! {
    /// Spare tag buffers: parsing allocates a tag's storage once, not once per tag.
    static POOL: RefCell<Vec<(Vec<u8>, Vec<Span>)>> = const { RefCell::new(Vec::new()) };
}

/// Where one attribute's key and raw value lie in the tag's bytes.
#[derive(Debug, Clone, Copy)]
struct Span {
    key: (u32, u32),
    value: (u32, u32),
}

/// An element's start tag: its name and its attributes' raw (still escaped) values.
#[derive(Debug, Clone)]
pub struct Tag {
    bytes: Vec<u8>,
    name_len: usize,
    attrs: Vec<Span>,
    /// Byte offset of the tag's `<` in the input.
    start: u64,
    /// Line and column of the `<`, when the source counts lines (the column is unknown when
    /// the tag spans lines).
    place: Option<(u64, Option<u64>)>,
}

impl Drop for Tag {
    fn drop(&mut self) {
        if self.bytes.capacity() > POOL_MAX_BYTES {
            return;
        }
        let spare = (
            std::mem::take(&mut self.bytes),
            std::mem::take(&mut self.attrs),
        );
        // During thread teardown the pool may be gone: then the buffers are simply freed.
        let _ = POOL.try_with(|pool| {
            if let Ok(mut pool) = pool.try_borrow_mut()
                && pool.len() < POOL_SIZE
            {
                pool.push(spare);
            }
        });
    }
}

impl Tag {
    /// Copies a start tag event and finds its attributes; a malformed attribute is an error.
    pub fn new(start: &BytesStart<'_>) -> Result<Self, BadTag> {
        let (mut bytes, mut attrs) = POOL
            .try_with(|pool| pool.try_borrow_mut().ok().and_then(|mut p| p.pop()))
            .ok()
            .flatten()
            .unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(start.as_ref());
        let name_len = start.name().as_ref().len();
        attrs.clear();
        if !is_xml_name(&bytes[..name_len]) {
            return Err(BadTag {
                message: format!(
                    "`<{}` does not start a valid element name",
                    String::from_utf8_lossy(&bytes[..name_len])
                ),
                at: 0,
            });
        }
        let mut tag = Tag {
            bytes,
            name_len,
            attrs,
            start: 0,
            place: None,
        };
        match spans(&tag.bytes, name_len, &mut tag.attrs) {
            Ok(()) => Ok(tag),
            Err((why, at)) => Err(BadTag {
                message: format!(
                    "{why} in <{}>",
                    String::from_utf8_lossy(&tag.bytes[..name_len])
                ),
                at,
            }),
        }
    }

    /// The element's local name (without a namespace prefix).
    pub fn local_name(&self) -> LocalName<'_> {
        QName(&self.bytes[..self.name_len]).local_name()
    }

    /// The raw (still escaped) value of attribute `key`; the first one wins if repeated.
    pub fn raw(&self, key: &[u8]) -> Option<&[u8]> {
        self.attrs
            .iter()
            .find(|s| self.slice(s.key) == key)
            .map(|s| self.slice(s.value))
    }

    /// The element's local name as text.
    pub fn name_text(&self) -> String {
        String::from_utf8_lossy(self.local_name().into_inner()).into_owned()
    }

    /// Records where the tag lies: its `<` at byte `start`, at `place` (line, column) if known.
    pub(crate) fn locate(&mut self, start: u64, place: Option<(u64, Option<u64>)>) {
        self.start = start;
        self.place = place;
    }

    /// Byte offset in the input of attribute `key`, or of the tag's `<` when it is absent.
    pub fn offset_of(&self, key: Option<&[u8]>) -> u64 {
        self.index_of(key)
            .map_or(self.start, |at| self.start + 1 + at as u64)
    }

    /// Line and column of attribute `key` (or of the `<`), when the source counts lines.
    pub fn place_of(&self, key: Option<&[u8]>) -> (Option<u64>, Option<u64>) {
        let Some((line, column)) = self.place else {
            return (None, None);
        };
        let Some(at) = self.index_of(key) else {
            return (Some(line), column);
        };
        let before = &self.bytes[..at.min(self.bytes.len())];
        match memchr::memrchr(b'\n', before) {
            None => (Some(line), column.map(|c| c + 1 + at as u64)),
            Some(k) => {
                let breaks = memchr::memchr_iter(b'\n', before).count() as u64;
                (Some(line + breaks), Some((at - k) as u64))
            }
        }
    }

    /// Index within the tag's bytes (after the `<`) of attribute `key`.
    fn index_of(&self, key: Option<&[u8]>) -> Option<usize> {
        let key = key?;
        self.attrs
            .iter()
            .find(|s| self.slice(s.key) == key)
            .map(|s| s.key.0 as usize)
    }

    /// The tag's bytes after the `<` (name and attributes).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn slice(&self, span: (u32, u32)) -> &[u8] {
        span_bytes(&self.bytes, span)
    }
}

/// Whether `name` is an XML name: a letter, `_`, `:` or non-ASCII byte first, then also
/// digits, `-` and `.` (non-ASCII bytes are taken as name characters, as nmap writes none).
fn is_xml_name(name: &[u8]) -> bool {
    let start = |b: &u8| b.is_ascii_alphabetic() || matches!(b, b'_' | b':') || *b >= 0x80;
    match name.split_first() {
        Some((first, rest)) => {
            start(first)
                && rest
                    .iter()
                    .all(|b| start(b) || b.is_ascii_digit() || matches!(b, b'-' | b'.'))
        }
        None => false,
    }
}

/// Why a start tag was refused, and where.
#[derive(Debug)]
pub struct BadTag {
    /// What is wrong, naming the element.
    pub message: String,
    /// Byte offset of the faulty attribute within the tag, after its `<`.
    pub at: usize,
}

/// Up to this many attributes a repeated name is looked for one by one; past it, by sorting.
const LINEAR_DUPLICATE_CHECK: usize = 16;

/// Bytes that cannot appear in an attribute name.
const NOT_IN_NAME: &[u8] = b"<>\"'&=/";

/// Finds `key="value"` / `key='value'` pairs after the name, as XML requires them: every name
/// followed by `=` and a quoted value, attributes apart by whitespace, no name twice, no `<` in
/// a value and every `&` in a value starting a reference.
fn spans(bytes: &[u8], name_len: usize, out: &mut Vec<Span>) -> Result<(), (String, usize)> {
    let at = |i: usize| bytes.get(i).copied();
    let skip_space = |mut i: usize| {
        while at(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        i
    };
    let mut i = name_len;
    loop {
        let spaced = i == name_len || at(i).is_some_and(|b| b.is_ascii_whitespace());
        i = skip_space(i);
        if i >= bytes.len() {
            return no_repeated_name(bytes, out);
        }
        if !spaced {
            return Err(("attributes not separated by whitespace".into(), i));
        }
        let key_start = i;
        while at(i).is_some_and(|b| !b.is_ascii_whitespace() && !NOT_IN_NAME.contains(&b)) {
            i += 1;
        }
        let key = &bytes[key_start..i];
        let fail = |why: String| Err((why, key_start));
        let key_text = || String::from_utf8_lossy(key).into_owned();
        i = skip_space(i);
        if key.is_empty() || at(i) != Some(b'=') {
            return fail(format!("malformed attribute {:?}", key_text()));
        }
        i = skip_space(i + 1);
        let Some(quote @ (b'"' | b'\'')) = at(i) else {
            return fail(format!("attribute {} has no quoted value", key_text()));
        };
        let value_start = i + 1;
        let Some(len) = memchr::memchr(quote, &bytes[value_start..]) else {
            return fail(format!(
                "attribute {} has an unterminated value",
                key_text()
            ));
        };
        let value_end = value_start + len;
        if let Err(why) = check_value(&bytes[value_start..value_end]) {
            return fail(format!("{why} in attribute {}", key_text()));
        }
        let (Some(key_span), Some(value_span)) = (
            offsets(key_start, key_start + key.len()),
            offsets(value_start, value_end),
        ) else {
            return fail("tag too large".into());
        };
        if out.len() < LINEAR_DUPLICATE_CHECK && out.iter().any(|s| span_bytes(bytes, s.key) == key)
        {
            return fail(format!("attribute {} given twice", key_text()));
        }
        out.push(Span {
            key: key_span,
            value: value_span,
        });
        i = value_end + 1;
    }
}

/// The bytes a span covers.
fn span_bytes(bytes: &[u8], (from, to): (u32, u32)) -> &[u8] {
    bytes.get(from as usize..to as usize).unwrap_or_default()
}

/// For a tag with many attributes (the first ones were checked one by one), refuses a name
/// given twice in O(n log n), so a crafted tag with millions of attributes stays fast.
fn no_repeated_name(bytes: &[u8], spans: &[Span]) -> Result<(), (String, usize)> {
    if spans.len() <= LINEAR_DUPLICATE_CHECK {
        return Ok(());
    }
    let mut keys: Vec<(&[u8], u32)> = spans
        .iter()
        .map(|s| (span_bytes(bytes, s.key), s.key.0))
        .collect();
    keys.sort_unstable();
    match keys.windows(2).find(|w| w[0].0 == w[1].0) {
        Some(w) => Err((
            format!("attribute {} given twice", String::from_utf8_lossy(w[1].0)),
            w[1].1 as usize,
        )),
        None => Ok(()),
    }
}

/// A span's bounds as stored (a tag is far below 4 GB: events are capped much lower).
fn offsets(from: usize, to: usize) -> Option<(u32, u32)> {
    Some((u32::try_from(from).ok()?, u32::try_from(to).ok()?))
}

/// Refuses what XML forbids in an attribute value: `<`, and an `&` that starts no reference.
fn check_value(value: &[u8]) -> Result<(), &'static str> {
    for at in memchr::memchr2_iter(b'<', b'&', value) {
        if value[at] == b'<' {
            return Err("'<'");
        }
        if !starts_reference(&value[at + 1..]) {
            return Err("an '&' that starts no reference");
        }
    }
    Ok(())
}

/// True when `rest` (after an `&`) is `name;`, `#digits;` or `#xhex;`.
fn starts_reference(rest: &[u8]) -> bool {
    let Some(end) = rest.iter().take(64).position(|&b| b == b';') else {
        return false;
    };
    let body = &rest[..end];
    match body {
        [b'#', b'x', hex @ ..] => !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit),
        [b'#', dec @ ..] => !dec.is_empty() && dec.iter().all(u8::is_ascii_digit),
        name => {
            !name.is_empty()
                && name.iter().all(|&b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':') || b >= 0x80
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Tag, BadTag> {
        let name_len = text.find(' ').unwrap_or(text.len());
        Tag::new(&BytesStart::from_content(text, name_len))
    }

    fn tag(text: &str) -> Tag {
        parse(text).expect("well-formed tag")
    }

    #[test]
    fn element_names_must_be_xml_names() {
        for bad in ["<", "<</nmaprun", "1host", "-x", "a<b", "a&b", "a\"b"] {
            let err = parse(bad).expect_err(bad);
            assert!(
                err.message.contains("valid element name"),
                "{bad}: {}",
                err.message
            );
        }
        for good in ["host", "nse:x", "_a", "a-b.c1", "h\u{e9}te"] {
            tag(good);
        }
    }

    #[test]
    fn finds_attributes_with_either_quote_and_any_spacing() {
        let t = tag("port protocol=\"tcp\"  portid = '22'\n\tx=\"a 'q' b\" empty=\"\"");
        assert_eq!(t.local_name().into_inner(), b"port");
        assert_eq!(t.raw(b"protocol"), Some(&b"tcp"[..]));
        assert_eq!(t.raw(b"portid"), Some(&b"22"[..]));
        assert_eq!(t.raw(b"x"), Some(&b"a 'q' b"[..]));
        assert_eq!(t.raw(b"empty"), Some(&b""[..]));
        assert_eq!(t.raw(b"missing"), None);
        assert_eq!(t.raw(b"port"), None, "the name is not an attribute");
        assert_eq!(tag("hosts").raw(b"up"), None);
        assert_eq!(tag("hosts  ").raw(b"up"), None);
    }

    #[test]
    fn references_in_values_are_kept_raw() {
        let t = tag("script output=\"a &amp; b &#xc3;&#x9c; &#10; &lt;x&gt;\"");
        assert_eq!(
            t.raw(b"output"),
            Some(&b"a &amp; b &#xc3;&#x9c; &#10; &lt;x&gt;"[..])
        );
    }

    #[test]
    fn malformed_attributes_are_errors_naming_the_element() {
        for bad in [
            "port portid=22",
            "address addr=\"1.1.1.1\" <bad",
            "address addr",
            "address =\"x\"",
            "port a=\"1\"b=\"2\"",
            "port x=\"a<b\"",
            "address vendor=\"A & B\"",
            "address vendor=\"A &; B\"",
            "address vendor=\"&#xZZ;\"",
            "port portid=\"23\" portid=\"24\"",
            "host a=\"unterminated",
        ] {
            let err = parse(bad)
                .err()
                .unwrap_or_else(|| panic!("accepted: {bad}"));
            let name = bad.split(' ').next().unwrap_or_default();
            assert!(
                err.message.ends_with(&format!("in <{name}>")),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn an_error_points_at_the_faulty_attribute() {
        let err = parse("port protocol=\"tcp\"\n  portid=22").expect_err("refused");
        assert_eq!(err.at, 22, "{err:?}");
    }

    #[test]
    fn a_name_given_twice_is_found_among_many_attributes_quickly() {
        let many: String = (0..200_000).map(|n| format!(" a{n}=\"\"")).collect();
        assert_eq!(tag(&format!("host{many}")).raw(b"a199999"), Some(&b""[..]));
        let err = parse(&format!("host{many} a777=\"x\"")).expect_err("refused");
        assert!(err.message.contains("a777 given twice"), "{err:?}");
        let err = parse("host a=\"1\" b=\"2\" a=\"3\"").expect_err("refused");
        assert_eq!(err.at, 17, "{err:?}");
    }

    #[test]
    fn prefixed_names_give_their_local_part_and_long_tags_still_work() {
        let long = format!("ns:script output=\"{}\"", "x".repeat(5000));
        let t = tag(&long);
        assert_eq!(t.local_name().into_inner(), b"script");
        assert_eq!(t.raw(b"output").map(<[u8]>::len), Some(5000));
    }
}
