//! deb822 stanzas (dpkg status, Packages, Release): fields by name, continuation lines joined.

/// One stanza: `(field, value)` pairs in order; field names compare case-insensitively.
#[derive(Debug, Default, Clone)]
pub struct Stanza<'a> {
    fields: Vec<(&'a str, String)>,
}

impl<'a> Stanza<'a> {
    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits text into stanzas separated by blank lines.
pub fn stanzas(text: &str) -> impl Iterator<Item = Stanza<'_>> {
    text.split("\n\n").filter_map(parse_stanza)
}

/// One stanza from a block without blank lines; `None` when it has no field.
pub fn parse_stanza(block: &str) -> Option<Stanza<'_>> {
    let mut stanza = Stanza::default();
    for line in block.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = stanza.fields.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            stanza.fields.push((k.trim(), v.trim().to_string()));
        }
    }
    (!stanza.fields.is_empty()).then_some(stanza)
}

/// A boolean field value (`yes`).
pub fn yes(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case("yes"))
}
