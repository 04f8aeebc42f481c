//! The XML event source: quick-xml over a byte reader, with limits and owned events.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::model::Text;
use super::shared_text::SharedText;
use super::tag::BadTag;
pub use super::tag::Tag;
use super::text;
use super::violation::{Problem, Violation};
use crate::error::Error;

/// Largest single XML event (one tag with its attributes, or one text run) accepted.
pub const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;

/// Deepest element nesting accepted (NSE tables nest; nothing legitimate nests this deep).
pub const MAX_DEPTH: usize = 128;

/// A number read from an attribute: what `FromStr` accepts, and finite (Rust reads `inf`,
/// `NaN` and `1e999` as floats, which nmap never writes and JSON cannot hold).
pub trait AttrNumber: std::str::FromStr {
    /// False for a value nmap cannot have written.
    fn is_finite_number(&self) -> bool {
        true
    }
}

macro_rules! whole_numbers {
    ($($t:ty),*) => { $(impl AttrNumber for $t {})* };
}
whole_numbers!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize
);

impl AttrNumber for f64 {
    fn is_finite_number(&self) -> bool {
        self.is_finite()
    }
}

impl AttrNumber for f32 {
    fn is_finite_number(&self) -> bool {
        self.is_finite()
    }
}

/// The error message of an event over [`MAX_EVENT_BYTES`].
fn oversized_event() -> String {
    format!("an XML tag or text run is larger than {MAX_EVENT_BYTES} bytes")
}

/// `Read::read` for a reader whose bytes come through its own `fill_buf` and `consume`.
pub(super) fn read_buffered<R: BufRead + ?Sized>(
    r: &mut R,
    into: &mut [u8],
) -> std::io::Result<usize> {
    let available = r.fill_buf()?;
    let n = available.len().min(into.len());
    into[..n].copy_from_slice(&available[..n]);
    r.consume(n);
    Ok(n)
}

/// A byte reader that counts what quick-xml consumed and refuses oversized events.
pub struct Counted<R> {
    inner: R,
    consumed: u64,
    newlines: u64,
    last_newline: u64,
    event_bytes: usize,
    at_eof: bool,
    count_lines: bool,
}

impl<R: BufRead> Counted<R> {
    fn new(inner: R, count_lines: bool) -> Self {
        Counted {
            inner,
            count_lines,
            consumed: 0,
            newlines: 0,
            last_newline: 0,
            event_bytes: 0,
            at_eof: false,
        }
    }
}

impl<R: BufRead> std::io::Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        read_buffered(self, out)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.event_bytes > MAX_EVENT_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                oversized_event(),
            ));
        }
        let buf = self.inner.fill_buf()?;
        self.at_eof = buf.is_empty();
        Ok(buf)
    }

    fn consume(&mut self, amt: usize) {
        // Counting lines costs a pass over every byte: it is skipped when the caller can place
        // an error from its byte offset itself (the whole input in memory, or a file).
        if self.count_lines
            && let Ok(buf) = self.inner.fill_buf()
        {
            let used = &buf[..amt.min(buf.len())];
            let mut last = None;
            for at in memchr::memchr_iter(b'\n', used) {
                self.newlines += 1;
                last = Some(at);
            }
            if let Some(last) = last {
                self.last_newline = self.consumed + last as u64;
            }
        }
        self.consumed += amt as u64;
        self.event_bytes += amt;
        self.inner.consume(amt);
    }
}

/// Where a [`Source`] reads its events: a counted byte reader, or a slice in memory whose
/// events quick-xml lends without copying them.
pub trait XmlInput: Sized {
    /// Prepares for the next event (the size limit counts from here).
    fn begin_event(reader: &mut Reader<Self>);
    /// The next event; `buf` holds its bytes when the input cannot lend them.
    fn next_event<'b>(
        reader: &mut Reader<Self>,
        buf: &'b mut Vec<u8>,
    ) -> quick_xml::Result<Event<'b>>
    where
        Self: 'b;
    /// Bytes of the event just read, `start` being the position before it.
    fn event_bytes(reader: &Reader<Self>, start: u64) -> usize;
    /// Lines so far (newlines seen, offset of the last), when the input counts them.
    fn lines(reader: &Reader<Self>) -> Option<(u64, u64)>;
    /// The newlines seen so far (0 when not counted).
    fn newlines(reader: &Reader<Self>) -> (u64, u64);
    /// Whether the input has ended.
    fn at_eof(reader: &Reader<Self>) -> bool;
}

impl<R: BufRead> XmlInput for Counted<R> {
    fn begin_event(reader: &mut Reader<Self>) {
        reader.get_mut().event_bytes = 0;
    }

    fn next_event<'b>(
        reader: &mut Reader<Self>,
        buf: &'b mut Vec<u8>,
    ) -> quick_xml::Result<Event<'b>>
    where
        Self: 'b,
    {
        reader.read_event_into(buf)
    }

    fn event_bytes(reader: &Reader<Self>, _: u64) -> usize {
        reader.get_ref().event_bytes
    }

    fn lines(reader: &Reader<Self>) -> Option<(u64, u64)> {
        let counted = reader.get_ref();
        counted
            .count_lines
            .then_some((counted.newlines, counted.last_newline))
    }

    fn newlines(reader: &Reader<Self>) -> (u64, u64) {
        let counted = reader.get_ref();
        (counted.newlines, counted.last_newline)
    }

    fn at_eof(reader: &Reader<Self>) -> bool {
        reader.get_ref().at_eof
    }
}

impl XmlInput for &[u8] {
    fn begin_event(_: &mut Reader<Self>) {}

    fn next_event<'b>(reader: &mut Reader<Self>, _: &'b mut Vec<u8>) -> quick_xml::Result<Event<'b>>
    where
        Self: 'b,
    {
        reader.read_event()
    }

    fn event_bytes(reader: &Reader<Self>, start: u64) -> usize {
        usize::try_from(reader.buffer_position().saturating_sub(start)).unwrap_or(usize::MAX)
    }

    fn lines(_: &Reader<Self>) -> Option<(u64, u64)> {
        None
    }

    fn newlines(_: &Reader<Self>) -> (u64, u64) {
        (0, 0)
    }

    fn at_eof(reader: &Reader<Self>) -> bool {
        reader.get_ref().is_empty()
    }
}

/// An owned XML event, simplified for the nmap parser.
pub enum Ev {
    /// An opening tag.
    Start(Tag),
    /// A self-closing tag.
    Empty(Tag),
    /// A closing tag.
    End,
    /// Character data; its bytes are in [`Source::text`] until the next event.
    Text,
    /// A general reference in text (`&name;`), by name.
    Ref(Vec<u8>),
    /// End of input.
    Eof,
}

/// Why reading stopped early.
pub enum Stop {
    /// The input ended (or broke off) before the document was complete.
    Truncated,
    /// A real error.
    Fail(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Fail(e)
    }
}

/// Result of reading nmap XML: a value, or why it stopped.
pub type Step<T> = std::result::Result<T, Stop>;

/// Pulls owned events from quick-xml, tracking depth and the file's encoding.
pub struct Source<I> {
    reader: Reader<I>,
    buf: Vec<u8>,
    depth: usize,
    latin1: bool,
    text: Vec<u8>,
    own_error_at: Option<u64>,
    shared: SharedText,
    /// Values that break nmap.dtd, found since they were last taken.
    issues: std::cell::RefCell<Vec<Violation>>,
    /// Whether such values are warnings (else the next event is an error).
    lenient: bool,
    /// Whether a comment directly inside the root is an (empty) [`Ev::Text`] instead of being
    /// skipped: a point where a split read hands over hosts parsed apart.
    marks: bool,
}

impl<R: BufRead> Source<Counted<R>> {
    /// Wraps a byte reader; errors carry their line and column.
    pub fn new(input: R) -> Self {
        Self::with_line_count(input, true)
    }

    /// Wraps a byte reader whose errors the caller places from [`Source::error_offset`]: their
    /// line is then 1 and their column the byte offset + 1.
    pub fn uncounted(input: R) -> Self {
        Self::with_line_count(input, false)
    }

    fn with_line_count(input: R, count_lines: bool) -> Self {
        Source::over(Counted::new(input, count_lines))
    }
}

impl<'a> Source<&'a [u8]> {
    /// Reads XML in memory, its events lent without a copy; errors are placed by byte offset,
    /// as with [`Source::uncounted`].
    pub fn in_memory(input: &'a [u8]) -> Self {
        Source::over(input)
    }
}

impl<I: XmlInput> Source<I> {
    fn over(input: I) -> Self {
        let mut reader = Reader::from_reader(input);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Source {
            reader,
            buf: Vec::with_capacity(4096),
            depth: 0,
            latin1: false,
            text: Vec::new(),
            own_error_at: None,
            shared: SharedText::default(),
            issues: std::cell::RefCell::new(Vec::new()),
            lenient: false,
            marks: false,
        }
    }

    /// Makes each comment directly inside the root an empty [`Ev::Text`] (see `marks`).
    pub fn set_marks(&mut self, marks: bool) {
        self.marks = marks;
    }

    /// Makes values that break nmap.dtd warnings (taken with [`Source::take_issues`]) instead
    /// of errors.
    pub fn set_lenient(&mut self, lenient: bool) {
        self.lenient = lenient;
    }

    /// The values that broke nmap.dtd since the last call (lenient parsing).
    pub fn take_issues(&self) -> Vec<Violation> {
        std::mem::take(&mut *self.issues.borrow_mut())
    }

    /// Records that attribute `key` of `tag` breaks nmap.dtd (`value` is what was written).
    pub fn invalid_attr(&self, tag: &Tag, key: &[u8], value: Option<Text>, problem: Problem) {
        let (line, column) = tag.place_of(Some(key));
        self.issues.borrow_mut().push(Violation {
            element: Text::from(tag.name_text()),
            attribute: Some(self.decode(key)),
            value,
            problem,
            offset: tag.offset_of(Some(key)),
            line,
            column,
        });
    }

    /// Records that `tag`'s element lacks its required child element `child`.
    pub fn missing_child(&self, tag: &Tag, child: &str) {
        let (line, column) = tag.place_of(None);
        self.issues.borrow_mut().push(Violation {
            element: Text::from(tag.name_text()),
            attribute: Some(Text::from(child)),
            value: None,
            problem: Problem::MissingElement,
            offset: tag.offset_of(None),
            line,
            column,
        });
    }

    /// Attribute `key` of `tag`, which must be one of `allowed` (and present when `required`);
    /// any other value is a violation and reads as absent.
    pub fn choice(&self, tag: &Tag, key: &[u8], allowed: &[&str], required: bool) -> Option<Text> {
        match self.attr(tag, key) {
            Some(v) if allowed.contains(&v.as_str()) => Some(v),
            Some(v) => {
                self.invalid_attr(tag, key, Some(v), Problem::NotAllowed);
                None
            }
            None => {
                if required {
                    self.invalid_attr(tag, key, None, Problem::MissingAttribute);
                }
                None
            }
        }
    }

    /// A numeric attribute that nmap.dtd requires: absent or malformed is a violation.
    pub fn required_num<T: AttrNumber>(&self, tag: &Tag, key: &[u8]) -> Option<T> {
        if tag.raw(key).is_none() {
            self.invalid_attr(tag, key, None, Problem::MissingAttribute);
        }
        self.num(tag, key)
    }

    /// The last [`Ev::Text`] event as text: character data holds no references (quick-xml
    /// reports each as [`Ev::Ref`]) and CDATA is literal, so neither is entity-decoded.
    pub fn text_value(&self) -> Text {
        if !self.latin1
            && let Ok(s) = std::str::from_utf8(&self.text)
        {
            return self.shared.text(s);
        }
        let mut bytes = Vec::with_capacity(self.text.len());
        self.append_text(&mut bytes);
        Text::from(text::utf8_or_latin1(bytes))
    }

    /// True when the last [`Ev::Text`] event is only whitespace.
    pub fn text_is_blank(&self) -> bool {
        self.text.iter().all(u8::is_ascii_whitespace)
    }

    /// Appends the last [`Ev::Text`] event's bytes (a Latin-1 file's high bytes as UTF-8).
    pub fn append_text(&self, out: &mut Vec<u8>) {
        self.push_text(out, &self.text);
    }

    /// Decodes raw bytes per the file's declared encoding.
    pub fn decode(&self, raw: &[u8]) -> Text {
        text::decode(raw, self.latin1)
    }

    /// Decodes an attribute whose value is seldom repeated (an address, a name, a timestamp),
    /// without looking for an earlier copy to share.
    pub fn attr_unique(&self, tag: &Tag, key: &[u8]) -> Option<Text> {
        tag.raw(key).map(|v| self.decode(v))
    }

    /// Decodes an attribute of `start`, if present, sharing the storage of an equal value read
    /// before (products, CPEs, OS classes and vendors repeat across hosts).
    pub fn attr(&self, tag: &Tag, key: &[u8]) -> Option<Text> {
        let raw = tag.raw(key)?;
        Some(match text::plain(raw, self.latin1) {
            Some(s) => self.shared.text(s),
            None => self.decode(raw),
        })
    }

    /// Parses a numeric attribute; absent values are `None`, never 0, and malformed ones
    /// (a float that is not finite included) are `None` and a violation of nmap.dtd.
    pub fn num<T: AttrNumber>(&self, tag: &Tag, key: &[u8]) -> Option<T> {
        let raw = tag.raw(key)?;
        let parsed = match std::str::from_utf8(raw) {
            Ok(text) if !text.contains('&') => text.trim().parse::<T>().ok(),
            _ => self.decode(raw).trim().parse::<T>().ok(),
        }
        .filter(AttrNumber::is_finite_number);
        if parsed.is_none() {
            self.invalid_attr(tag, key, Some(self.decode(raw)), Problem::NotANumber);
        }
        parsed
    }

    /// The next event that matters (declarations, comments, PIs and DOCTYPE are skipped).
    pub fn next(&mut self) -> Step<Ev> {
        self.own_error_at = None;
        if !self.lenient && !self.issues.get_mut().is_empty() {
            let violation = self.issues.get_mut().swap_remove(0);
            self.issues.get_mut().clear();
            return Err(Stop::Fail(Error::NmapDtd(Box::new(violation))));
        }
        loop {
            self.buf.clear();
            let start = self.reader.buffer_position();
            I::begin_event(&mut self.reader);
            let read = I::next_event(&mut self.reader, &mut self.buf);
            // A reader over memory hands quick-xml the whole input at once, so the limit is
            // checked here too, not only when the reader asks for more bytes.
            if I::event_bytes(&self.reader, start) > MAX_EVENT_BYTES {
                return Err(self.fail_here(oversized_event()));
            }
            let event = match read {
                Ok(e) => e,
                Err(e) => return Err(self.failure(&e)),
            };
            let ev = match event {
                Event::Start(s) => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(
                            self.fail_here(format!("elements nest deeper than {MAX_DEPTH} levels"))
                        );
                    }
                    // The tag's length with its `<` and `>`, to place an attribute error.
                    let (tag, len) = (Tag::new(&s), s.len() + 2);
                    let tag = tag.map_err(|bad| self.fail_in_tag(bad, len))?;
                    Ev::Start(self.placed_tag(tag, len))
                }
                Event::Empty(s) => {
                    let (tag, len) = (Tag::new(&s), s.len() + 3);
                    let tag = tag.map_err(|bad| self.fail_in_tag(bad, len))?;
                    Ev::Empty(self.placed_tag(tag, len))
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    Ev::End
                }
                Event::Text(t) => {
                    self.text.clear();
                    self.text.extend_from_slice(t.as_ref());
                    Ev::Text
                }
                Event::CData(c) => {
                    self.text.clear();
                    self.text.extend_from_slice(&c.into_inner());
                    Ev::Text
                }
                Event::GeneralRef(r) => Ev::Ref(r.to_vec()),
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let enc = String::from_utf8_lossy(&enc).to_ascii_lowercase();
                        self.latin1 = matches!(enc.as_str(), "iso-8859-1" | "latin1" | "latin-1");
                    }
                    continue;
                }
                Event::Eof => Ev::Eof,
                Event::Comment(_) if self.marks && self.depth == 1 => {
                    self.text.clear();
                    Ev::Text
                }
                Event::Comment(_) | Event::PI(_) | Event::DocType(_) => continue,
            };
            return Ok(ev);
        }
    }

    /// Reads text content up to the element's end tag (nested tags are skipped), starting with
    /// `bytes` already read and the event `pending`.
    pub fn text_until_end_from(&mut self, mut bytes: Vec<u8>, pending: Ev) -> Step<String> {
        let mut pending = Some(pending);
        let mut nested = 0usize;
        loop {
            let ev = match pending.take() {
                Some(ev) => ev,
                None => self.next()?,
            };
            match ev {
                Ev::Text => {
                    let raw = std::mem::take(&mut self.text);
                    self.push_text(&mut bytes, &raw);
                    self.text = raw;
                }
                Ev::Ref(name) => text::push_general_ref(&mut bytes, &name),
                Ev::Start(_) => nested += 1,
                Ev::Empty(_) => {}
                Ev::End if nested == 0 => break,
                Ev::End => nested -= 1,
                Ev::Eof => return Err(Stop::Truncated),
            }
        }
        Ok(text::utf8_or_latin1(bytes))
    }

    /// Appends character data, converting a Latin-1 file's high bytes to UTF-8.
    fn push_text(&self, out: &mut Vec<u8>, raw: &[u8]) {
        if self.latin1 {
            for &b in raw {
                let mut tmp = [0u8; 4];
                out.extend_from_slice(char::from(b).encode_utf8(&mut tmp).as_bytes());
            }
        } else {
            out.extend_from_slice(raw);
        }
    }

    /// Skips the rest of the element whose start tag was just read.
    pub fn skip_element(&mut self) -> Step<()> {
        let mut nested = 0usize;
        loop {
            match self.next()? {
                Ev::Start(_) => nested += 1,
                Ev::End if nested == 0 => return Ok(()),
                Ev::End => nested -= 1,
                Ev::Eof => return Err(Stop::Truncated),
                _ => {}
            }
        }
    }

    /// Gives a tag just read, `len` bytes long with its markup, its offset and (when lines are
    /// counted) its line and column.
    fn placed_tag(&self, mut tag: Tag, len: usize) -> Tag {
        let start = self.reader.buffer_position().saturating_sub(len as u64);
        let place = I::lines(&self.reader).map(|(newlines, last_newline)| {
            let inside = memchr::memchr_iter(b'\n', tag.bytes()).count() as u64;
            let line = (newlines + 1).saturating_sub(inside);
            let column = (inside == 0).then(|| {
                if newlines == 0 {
                    start + 1
                } else {
                    start.saturating_sub(last_newline)
                }
            });
            (line, column)
        });
        tag.locate(start, place);
        tag
    }

    /// A quick-xml error: the input was cut short if it ended inside markup that could still
    /// have become well-formed (`<host a="1`), an error otherwise (`<<`, `</host>` misnamed).
    fn failure(&self, e: &quick_xml::Error) -> Stop {
        let syntax = matches!(
            e,
            quick_xml::Error::Syntax(_)
                | quick_xml::Error::IllFormed(quick_xml::errors::IllFormedError::UnclosedReference)
        );
        // A lone `<` at the end leaves nothing in the buffer.
        let lone = matches!(
            e,
            quick_xml::Error::Syntax(quick_xml::errors::SyntaxError::UnclosedTag)
        ) && self.buf.is_empty();
        let partial: &[u8] = if lone { b"<" } else { &self.buf };
        if syntax && I::at_eof(&self.reader) && text::is_markup_prefix(partial) {
            return Stop::Truncated;
        }
        Stop::Fail(self.error_here(e.to_string()))
    }

    /// Bytes of input read so far.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// Byte offset of the last error (quick-xml's, or one this source raised itself).
    pub fn error_offset(&self) -> u64 {
        self.own_error_at
            .unwrap_or_else(|| self.reader.error_position())
    }

    /// Fails with an error of this source's own at the end of the event just read.
    fn fail_here(&mut self, message: String) -> Stop {
        let at = self.reader.buffer_position().saturating_sub(1);
        self.own_error_at = Some(at);
        Stop::Fail(self.error_here(message))
    }

    /// Fails at the faulty attribute of the tag just read, `tag_len` bytes long with its
    /// `<` and `>` (and `/` when empty).
    fn fail_in_tag(&mut self, bad: BadTag, tag_len: usize) -> Stop {
        let start = self.reader.buffer_position().saturating_sub(tag_len as u64);
        self.own_error_at = Some(start + 1 + bad.at as u64);
        Stop::Fail(self.error_here(bad.message))
    }

    /// A parse error at the last error's position (line and column from the counted input).
    pub fn error_here(&self, message: String) -> Error {
        let (newlines, last_newline) = I::newlines(&self.reader);
        let pos = self.error_offset();
        let column = if newlines == 0 {
            pos + 1
        } else {
            pos.saturating_sub(last_newline)
        };
        Error::Parse {
            message: format!("malformed nmap XML: {message}"),
            line: Some(newlines + 1),
            column: Some(column.max(1)),
        }
    }
}
