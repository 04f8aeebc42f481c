//! Finds, in the raw bytes of an nmap file, the `<host>` elements directly inside `<nmaprun>`
//! that can be parsed apart from the rest of the file (on other threads).
//!
//! The scan is deliberately conservative: a host is taken apart only when its bytes hold no
//! comment, CDATA section, processing instruction or nested `<host>`, and anything it cannot
//! classify with certainty (a DOCTYPE with quotes or an internal subset, an XML declaration
//! naming an encoding other than UTF-8, a construct larger than [`MAX_SPLIT_HOST`]) stops
//! splitting for the rest of the file, which is then read by the ordinary parser. A host it
//! takes apart is checked again by that host's own parse.

use memchr::memmem;

/// Largest host taken apart, and largest construct classified: past this size the rest of the
/// file is read by the ordinary parser.
pub(crate) const MAX_SPLIT_HOST: usize = 16 * 1024 * 1024;

/// What the bytes at the scan position are, as far as splitting is concerned.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A whole `<host>…</host>` element directly inside the root, this many bytes long.
    Host(usize),
    /// Whitespace only, this many bytes.
    Blank(usize),
    /// Any other markup or text, this many bytes, changing the element depth by `depth`.
    Other { len: usize, depth: i8 },
    /// Nothing more can be split with certainty: the rest goes to the ordinary parser.
    Stop,
    /// More bytes are needed to decide.
    More,
}

/// Classifies the bytes at the start of `b`, read at element depth `depth` (1 is inside the
/// root).
pub(crate) fn piece(b: &[u8], depth: usize) -> Piece {
    let found = match b {
        [] => Piece::More,
        [b'<', ..] => markup(b, depth),
        _ => text(b),
    };
    match found {
        Piece::More if b.len() > MAX_SPLIT_HOST => Piece::Stop,
        found => found,
    }
}

/// Character data up to the next `<` (or the end of what is buffered).
fn text(b: &[u8]) -> Piece {
    let len = memchr::memchr(b'<', b).unwrap_or(b.len());
    let blank = b[..len]
        .iter()
        .all(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'));
    if blank {
        Piece::Blank(len)
    } else {
        Piece::Other { len, depth: 0 }
    }
}

/// Markup starting with `<`.
fn markup(b: &[u8], depth: usize) -> Piece {
    // Long enough to tell `<![CDATA[` from `<!DOCTYPE` or a start tag from a prefix of one.
    if b.len() < 10 {
        return Piece::More;
    }
    if b.starts_with(b"<!--") {
        return until(b, 4, b"-->");
    }
    if b.starts_with(b"<![CDATA[") {
        return until(b, 9, b"]]>");
    }
    if b.starts_with(b"<?") {
        return declaration(b);
    }
    if b.starts_with(b"<!") {
        return doctype(b);
    }
    if b.starts_with(b"</") {
        // quick-xml reads an end tag as it reads a start tag (quoted values may hold `>`).
        return match tag_end(b) {
            Some(end) => Piece::Other {
                len: end + 1,
                depth: -1,
            },
            None => Piece::More,
        };
    }
    start_tag(b, depth)
}

/// A construct that ends with `close`, searched from `from`.
fn until(b: &[u8], from: usize, close: &[u8]) -> Piece {
    match memmem::find(&b[from..], close) {
        Some(at) => Piece::Other {
            len: from + at + close.len(),
            depth: 0,
        },
        None => Piece::More,
    }
}

/// A processing instruction; one that may be the XML declaration stops splitting unless it
/// names no encoding or UTF-8 once (the parser converts other encodings, which a host parsed
/// apart would not know of).
fn declaration(b: &[u8]) -> Piece {
    let Some(at) = memmem::find(b, b"?>") else {
        return Piece::More;
    };
    let pi = &b[..at];
    let is_decl = pi.get(2..5).is_some_and(|n| n.eq_ignore_ascii_case(b"xml"));
    if is_decl && !utf8_declared(pi) {
        return Piece::Stop;
    }
    Piece::Other {
        len: at + 2,
        depth: 0,
    }
}

/// Whether an XML declaration declares no encoding, or UTF-8 (or its ASCII subset), naming
/// `encoding` at most once.
fn utf8_declared(decl: &[u8]) -> bool {
    let mut named = memmem::find_iter(decl, b"encoding");
    let Some(at) = named.next() else {
        return true;
    };
    if named.next().is_some() {
        return false;
    }
    let value: Vec<u8> = decl[at + 8..]
        .iter()
        .skip_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'=' | b'"' | b'\''))
        .take_while(|c| !matches!(c, b'"' | b'\''))
        .map(u8::to_ascii_lowercase)
        .collect();
    matches!(
        value.as_slice(),
        b"utf-8" | b"utf8" | b"us-ascii" | b"ascii"
    )
}

/// `<!DOCTYPE …>`; one with an internal subset (`[`, it could declare entities) or a quoted
/// literal (which may hold `>`) stops splitting. nmap writes `<!DOCTYPE nmaprun>`.
fn doctype(b: &[u8]) -> Piece {
    let end = b
        .iter()
        .position(|c| matches!(c, b'[' | b'>' | b'"' | b'\''));
    match end {
        Some(at) if b[at] == b'>' => Piece::Other {
            len: at + 1,
            depth: 0,
        },
        Some(_) => Piece::Stop,
        None => Piece::More,
    }
}

/// A start tag (or an empty element); a `<host>` directly inside the root is taken whole.
fn start_tag(b: &[u8], depth: usize) -> Piece {
    let Some(end) = tag_end(b) else {
        return Piece::More;
    };
    let empty = end > 0 && b[end - 1] == b'/';
    if depth == 1 && !empty && is_host_start(b) {
        return host(b, end + 1);
    }
    Piece::Other {
        len: end + 1,
        depth: if empty { 0 } else { 1 },
    }
}

/// The index of the `>` that ends the tag at the start of `b` (quoted values may hold `>`).
fn tag_end(b: &[u8]) -> Option<usize> {
    let mut at = 1;
    loop {
        let next = at + memchr::memchr3(b'>', b'"', b'\'', &b[at..])?;
        if b[next] == b'>' {
            return Some(next);
        }
        let quote = b[next];
        at = next + 1 + memchr::memchr(quote, &b[next + 1..])? + 1;
    }
}

/// Whether `b` starts with a `<host` tag (not `<hostnames`, `<hosthint`, …).
fn is_host_start(b: &[u8]) -> bool {
    b.starts_with(b"<host") && b.get(5).is_some_and(|c| ends_name(*c))
}

/// Whether `c` ends an element name.
fn ends_name(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')
}

/// The whole host whose start tag ends before `body`: up to its `</host>`, if nothing in it
/// could hide or nest one.
fn host(b: &[u8], body: usize) -> Piece {
    let Some(len) = host_end(b, body) else {
        return if b.len() > MAX_SPLIT_HOST {
            Piece::Stop
        } else {
            Piece::More
        };
    };
    let inside = &b[body..len];
    let hidden = memmem::find(inside, b"<!").is_some() || memmem::find(inside, b"<?").is_some();
    let nested = memmem::find_iter(inside, b"<host")
        .any(|at| inside.get(at + 5).is_none_or(|c| ends_name(*c)));
    if hidden || nested || len > MAX_SPLIT_HOST {
        Piece::Stop
    } else {
        Piece::Host(len)
    }
}

/// The length of the host up to and with its first `</host>` after `body`.
fn host_end(b: &[u8], body: usize) -> Option<usize> {
    let close = memmem::Finder::new(b"</host");
    let mut from = body;
    loop {
        let at = from + close.find(&b[from..])?;
        let mut end = at + 6;
        let next = *b.get(end)?;
        if !ends_name(next) || next == b'/' {
            from = end;
            continue;
        }
        while b
            .get(end)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            end += 1;
        }
        return match b.get(end)? {
            b'>' => Some(end + 1),
            // `</host x>` is malformed: the ordinary parser reports it.
            _ => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &[u8] = b"<host starttime=\"1\"><status state=\"up\"/><hostnames><hostname name=\"a\"/></hostnames></host>";

    #[test]
    fn a_host_inside_the_root_is_taken_whole() {
        let mut b = HOST.to_vec();
        b.extend_from_slice(b"\n<runstats>");
        assert_eq!(piece(&b, 1), Piece::Host(HOST.len()));
        // Anywhere else it is an ordinary start tag.
        assert_eq!(piece(&b, 2), Piece::Other { len: 20, depth: 1 });
    }

    #[test]
    fn names_that_begin_with_host_are_not_hosts() {
        let b = b"<hosthint><status state=\"up\"/></hosthint>";
        assert_eq!(piece(b, 1), Piece::Other { len: 10, depth: 1 });
        let b = b"<hostnames/>  ";
        assert_eq!(piece(b, 1), Piece::Other { len: 12, depth: 0 });
    }

    #[test]
    fn an_unfinished_host_needs_more_bytes() {
        assert_eq!(piece(&HOST[..HOST.len() - 1], 1), Piece::More);
        assert_eq!(piece(b"<host", 1), Piece::More);
    }

    #[test]
    fn quoted_values_may_hold_a_closing_bracket() {
        let b = b"<nmaprun args=\"nmap > out\" x='>'>";
        assert_eq!(
            piece(b, 0),
            Piece::Other {
                len: b.len(),
                depth: 1
            }
        );
    }

    #[test]
    fn hosts_hiding_markup_stop_splitting() {
        for inside in [
            &b"<!-- </host> -->"[..],
            b"<![CDATA[x]]>",
            b"<?pi </host>?>",
            b"<host></host>",
        ] {
            let mut b = b"<host>".to_vec();
            b.extend_from_slice(inside);
            b.extend_from_slice(b"<status state=\"up\"/></host>");
            assert_eq!(
                piece(&b, 1),
                Piece::Stop,
                "{}",
                String::from_utf8_lossy(inside)
            );
        }
    }

    #[test]
    fn comments_declarations_and_text() {
        assert_eq!(
            piece(b"<!-- a > b --><x>", 1),
            Piece::Other { len: 14, depth: 0 }
        );
        assert_eq!(
            piece(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0),
            Piece::Other { len: 38, depth: 0 }
        );
        assert_eq!(
            piece(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", 0),
            Piece::Stop
        );
        assert_eq!(
            piece(b"<!DOCTYPE nmaprun [ <!ENTITY x \"y\"> ]>", 0),
            Piece::Stop
        );
        assert_eq!(piece(b"<!DOCTYPE x '> <host>'>", 1), Piece::Stop);
        assert_eq!(
            piece(
                b"<?xml version=\"1.0\" x-encoding=\"utf-8\" encoding=\"latin1\"?>",
                0
            ),
            Piece::Stop
        );
        assert_eq!(piece(b"<?XML encoding=\"latin1\"?>", 0), Piece::Stop);
        assert_eq!(
            piece(b"<!DOCTYPE nmaprun>\n<nmaprun>", 0),
            Piece::Other { len: 18, depth: 0 }
        );
        assert_eq!(
            piece(b"</runstats>\n", 2),
            Piece::Other { len: 11, depth: -1 }
        );
        assert_eq!(
            piece(b"</a x=\"> <host>\">\n", 2),
            Piece::Other { len: 17, depth: -1 }
        );
        assert_eq!(piece(b" \n\t<host", 1), Piece::Blank(3));
        assert_eq!(piece(b" x <host", 1), Piece::Other { len: 3, depth: 0 });
    }

    #[test]
    fn a_construct_too_large_to_classify_stops_splitting() {
        let mut b = b"<!--".to_vec();
        b.resize(MAX_SPLIT_HOST + 1, b'x');
        assert_eq!(piece(&b, 1), Piece::Stop);
        b.truncate(MAX_SPLIT_HOST);
        assert_eq!(piece(&b, 1), Piece::More);
    }

    #[test]
    fn the_host_end_tag_may_carry_whitespace() {
        let b = b"<host><status state=\"up\"/></host \n>";
        assert_eq!(piece(b, 1), Piece::Host(b.len()));
    }
}
