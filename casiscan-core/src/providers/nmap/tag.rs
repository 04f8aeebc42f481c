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
    /// Copies a start tag event and finds its attributes.
    pub fn new(start: &BytesStart<'_>) -> Self {
        let (mut bytes, mut attrs) = POOL
            .try_with(|pool| pool.try_borrow_mut().ok().and_then(|mut p| p.pop()))
            .ok()
            .flatten()
            .unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(start.as_ref());
        let name_len = start.name().as_ref().len();
        attrs.clear();
        spans(&bytes, name_len, &mut attrs);
        Tag {
            bytes,
            name_len,
            attrs,
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

    fn slice(&self, (from, to): (u32, u32)) -> &[u8] {
        self.bytes
            .get(from as usize..to as usize)
            .unwrap_or_default()
    }
}

/// Finds `key="value"` / `key='value'` pairs after the name; stops at the first malformed one.
fn spans(bytes: &[u8], name_len: usize, out: &mut Vec<Span>) {
    let mut i = name_len;
    let at = |i: usize| bytes.get(i).copied();
    let skip_space = |mut i: usize| {
        while at(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        i
    };
    loop {
        i = skip_space(i);
        let key_start = i;
        while at(i).is_some_and(|b| b != b'=' && !b.is_ascii_whitespace()) {
            i += 1;
        }
        let key_end = i;
        i = skip_space(i);
        if key_end == key_start || at(i) != Some(b'=') {
            return;
        }
        i = skip_space(i + 1);
        let Some(quote @ (b'"' | b'\'')) = at(i) else {
            return;
        };
        let value_start = i + 1;
        let Some(len) = memchr::memchr(quote, &bytes[value_start..]) else {
            return;
        };
        let value_end = value_start + len;
        let (Ok(ks), Ok(ke), Ok(vs), Ok(ve)) = (
            u32::try_from(key_start),
            u32::try_from(key_end),
            u32::try_from(value_start),
            u32::try_from(value_end),
        ) else {
            return;
        };
        out.push(Span {
            key: (ks, ke),
            value: (vs, ve),
        });
        i = value_end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(text: &str) -> Tag {
        let name_len = text.find(' ').unwrap_or(text.len());
        Tag::new(&BytesStart::from_content(text, name_len))
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
    }

    #[test]
    fn keeps_what_precedes_a_malformed_attribute_and_the_first_of_duplicates() {
        let t = tag("host a=\"1\" a=\"2\" b=3 c=\"4\"");
        assert_eq!(t.raw(b"a"), Some(&b"1"[..]));
        assert_eq!(t.raw(b"b"), None);
        assert_eq!(t.raw(b"c"), None);
        let t = tag("host a=\"unterminated");
        assert_eq!(t.raw(b"a"), None);
    }

    #[test]
    fn prefixed_names_give_their_local_part_and_long_tags_still_work() {
        let long = format!("ns:script output=\"{}\"", "x".repeat(5000));
        let t = tag(&long);
        assert_eq!(t.local_name().into_inner(), b"script");
        assert_eq!(t.raw(b"output").map(<[u8]>::len), Some(5000));
    }
}
