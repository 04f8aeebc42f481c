//! NSE script results: `<script>` with its output and ordered `<table>`/`<elem>` items.

use super::source::XmlInput;

use super::model::{Script, ScriptItem, Text};
use super::source::{Ev, Source, Step, Stop, Tag};
use super::text;

/// Reads a `<script>` element: attributes, then tables, elems and any text in order.
pub fn script<R: XmlInput>(src: &mut Source<R>, start: &Tag, empty: bool) -> Step<Script> {
    let mut script = Script {
        id: src.attr(start, b"id"),
        output: src.attr_unique(start, b"output"),
        items: Vec::new(),
    };
    if !empty {
        script.items = items(src)?;
        script.items.shrink_to_fit();
    }
    Ok(script)
}

/// Reads children until the enclosing element ends, keeping order, keys and nesting.
fn items<R: XmlInput>(src: &mut Source<R>) -> Step<Vec<ScriptItem>> {
    let mut out = Vec::new();
    // Character data since the last child; nmap's whitespace between children is not kept.
    let mut chars = Vec::new();
    loop {
        let (start, empty) = match src.next()? {
            Ev::Start(e) => (e, false),
            Ev::Empty(e) => (e, true),
            Ev::End => {
                flush_chars(&mut chars, &mut out);
                return Ok(out);
            }
            Ev::Eof => return Err(Stop::Truncated),
            Ev::Text if chars.is_empty() && src.text_is_blank() => continue,
            Ev::Text => {
                src.append_text(&mut chars);
                continue;
            }
            Ev::Ref(name) => {
                text::push_general_ref(&mut chars, &name);
                continue;
            }
        };
        flush_chars(&mut chars, &mut out);
        let key = src.attr(&start, b"key");
        match start.local_name().into_inner() {
            b"elem" => {
                let value = if empty {
                    Text::default()
                } else {
                    elem_text(src)?
                };
                out.push(ScriptItem::Elem { key, value });
            }
            b"table" => {
                let mut items = if empty { Vec::new() } else { items(src)? };
                items.shrink_to_fit();
                out.push(ScriptItem::Table { key, items });
            }
            _ if empty => {}
            _ => src.skip_element()?,
        }
    }
}

/// Moves character data read between children into `out` as a text item, trimmed of the
/// whitespace around it (nmap's line breaks between items); blank data gives no item.
fn flush_chars(chars: &mut Vec<u8>, out: &mut Vec<ScriptItem>) {
    if chars.is_empty() {
        return;
    }
    let bytes = std::mem::take(chars);
    let text = text::utf8_or_latin1(bytes);
    let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if !trimmed.is_empty() {
        out.push(ScriptItem::Text {
            value: Text::from(trimmed),
        });
    }
}

/// Text of an `<elem>`: usually one text run, decoded directly; otherwise every piece joined.
fn elem_text<R: XmlInput>(src: &mut Source<R>) -> Step<Text> {
    let first = match src.next()? {
        Ev::End => return Ok(Text::default()),
        Ev::Text => src.text_value(),
        other => return elem_pieces(src, Vec::new(), Some(other)),
    };
    match src.next()? {
        Ev::End => Ok(first),
        other => elem_pieces(src, first.as_bytes().to_vec(), Some(other)),
    }
}

/// The general case of [`elem_text`]: `pending` is an event already read.
fn elem_pieces<R: XmlInput>(
    src: &mut Source<R>,
    mut bytes: Vec<u8>,
    mut pending: Option<Ev>,
) -> Step<Text> {
    loop {
        let ev = match pending.take() {
            Some(ev) => ev,
            None => src.next()?,
        };
        match ev {
            Ev::Text => src.append_text(&mut bytes),
            Ev::Ref(name) => text::push_general_ref(&mut bytes, &name),
            Ev::Start(_) => src.skip_element()?,
            Ev::Empty(_) => {}
            Ev::End => return Ok(Text::from(text::utf8_or_latin1(bytes))),
            Ev::Eof => return Err(Stop::Truncated),
        }
    }
}
