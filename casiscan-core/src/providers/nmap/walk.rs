//! Helpers to walk child elements of the current element.

use super::source::XmlInput;

use super::model::Text;
use super::source::{Ev, Source, Step, Stop, Tag};

/// Calls `f` for each child element until the current element ends; `f` must consume the child.
pub fn each_child<R, F>(src: &mut Source<R>, empty: bool, mut f: F) -> Step<()>
where
    R: XmlInput,
    F: FnMut(&mut Source<R>, Tag, bool) -> Step<()>,
{
    if empty {
        return Ok(());
    }
    loop {
        match src.next()? {
            Ev::Start(e) => f(src, e, false)?,
            Ev::Empty(e) => f(src, e, true)?,
            Ev::End => return Ok(()),
            Ev::Eof => return Err(Stop::Truncated),
            Ev::Text | Ev::Ref(_) => {}
        }
    }
}

/// Consumes the rest of a child element whose attributes were already read.
pub fn close<R: XmlInput>(src: &mut Source<R>, empty: bool) -> Step<()> {
    if empty { Ok(()) } else { src.skip_element() }
}

/// Text content of a child element (empty for a self-closing one).
pub fn text<R: XmlInput>(src: &mut Source<R>, empty: bool) -> Step<Text> {
    if empty {
        return Ok(Text::default());
    }
    // Usually one text run then the end tag: decode it directly.
    match src.next()? {
        Ev::End => Ok(Text::default()),
        Ev::Text => {
            let first = src.text_value();
            match src.next()? {
                Ev::End => Ok(first),
                other => src
                    .text_until_end_from(first.as_bytes().to_vec(), other)
                    .map(Text::from),
            }
        }
        other => src.text_until_end_from(Vec::new(), other).map(Text::from),
    }
}
