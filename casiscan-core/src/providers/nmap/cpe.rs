//! CPE names as nmap writes them (`cpe:/a:openbsd:openssh:8.2p1`) and in the CPE 2.3
//! formatted-string binding (`cpe:2.3:a:openbsd:openssh:8.2p1:*:*:*:*:*:*:*`), split into parts.

use serde::Serialize;

use crate::error::{Error, Result};

/// A CPE name split into its attributes; an attribute that is absent or ANY (`*`) is `None`,
/// one that is not applicable is `Some("-")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Cpe {
    /// The name as written.
    pub cpestring: String,
    /// `a` (application), `o` (operating system) or `h` (hardware).
    pub part: String,
    /// The vendor, e.g. `openbsd`.
    pub vendor: Option<String>,
    /// The product, e.g. `openssh`.
    pub product: Option<String>,
    /// The version.
    pub version: Option<String>,
    /// The update (patch level).
    pub update: Option<String>,
    /// The (legacy) edition.
    pub edition: Option<String>,
    /// The language tag.
    pub language: Option<String>,
    /// CPE 2.3's software edition.
    pub sw_edition: Option<String>,
    /// CPE 2.3's target software.
    pub target_sw: Option<String>,
    /// CPE 2.3's target hardware.
    pub target_hw: Option<String>,
    /// CPE 2.3's other attribute.
    pub other: Option<String>,
}

impl std::str::FromStr for Cpe {
    type Err = Error;

    /// Parses the URI binding (`cpe:/…`, CPE 2.2) or the formatted string (`cpe:2.3:…`).
    fn from_str(s: &str) -> Result<Self> {
        let fields = if let Some(rest) = s.strip_prefix("cpe:2.3:") {
            formatted_fields(rest)
        } else if let Some(rest) = s.strip_prefix("cpe:/") {
            uri_fields(rest)
        } else {
            return Err(bad(s, "expected `cpe:/` or `cpe:2.3:`"));
        };
        let mut fields = fields.into_iter();
        let part = fields.next().flatten().unwrap_or_default();
        if !matches!(part.as_str(), "a" | "o" | "h") {
            return Err(bad(s, "the part must be `a`, `o` or `h`"));
        }
        let mut next = || fields.next().flatten();
        Ok(Cpe {
            cpestring: s.to_owned(),
            part,
            vendor: next(),
            product: next(),
            version: next(),
            update: next(),
            edition: next(),
            language: next(),
            sw_edition: next(),
            target_sw: next(),
            target_hw: next(),
            other: next(),
        })
    }
}

impl Cpe {
    /// True for an application (`a`).
    pub fn is_application(&self) -> bool {
        self.part == "a"
    }

    /// True for an operating system (`o`).
    pub fn is_operating_system(&self) -> bool {
        self.part == "o"
    }

    /// True for hardware (`h`).
    pub fn is_hardware(&self) -> bool {
        self.part == "h"
    }
}

fn bad(s: &str, reason: &str) -> Error {
    Error::invalid(format!("CPE name `{s}`"), reason)
}

/// The attributes of a URI binding: percent-decoded, an empty one absent, a packed edition
/// (`~edition~sw_edition~target_sw~target_hw~other`) unpacked.
fn uri_fields(rest: &str) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = rest.split(':').map(uri_value).collect();
    if let Some(Some(edition)) = out.get(5).cloned()
        && let Some(packed) = edition.strip_prefix('~')
    {
        let parts: Vec<Option<String>> = packed
            .split('~')
            .map(|v| (!v.is_empty()).then(|| v.to_owned()))
            .collect();
        let language = out.get(6).cloned().flatten();
        out.truncate(5);
        out.push(parts.first().cloned().flatten());
        out.push(language);
        out.extend(parts.into_iter().skip(1));
    }
    out
}

fn uri_value(v: &str) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The attributes of a formatted string: split on unescaped `:`, `\x` unescaped, `*` absent.
fn formatted_fields(rest: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = rest.chars();
    let mut escaped_any = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    escaped_any = true;
                }
            }
            ':' => {
                out.push(formatted_value(std::mem::take(&mut cur), escaped_any));
                escaped_any = false;
            }
            c => cur.push(c),
        }
    }
    out.push(formatted_value(cur, escaped_any));
    out
}

fn formatted_value(v: String, escaped: bool) -> Option<String> {
    (escaped || !(v.is_empty() || v == "*")).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_bindings_name_the_same_parts() {
        let uri: Cpe = "cpe:/a:openbsd:openssh:8.2p1".parse().unwrap();
        let fs: Cpe = "cpe:2.3:a:openbsd:openssh:8.2p1:*:*:*:*:*:*:*"
            .parse()
            .unwrap();
        for c in [&uri, &fs] {
            assert!(c.is_application());
            assert_eq!(c.vendor.as_deref(), Some("openbsd"));
            assert_eq!(c.product.as_deref(), Some("openssh"));
            assert_eq!(c.version.as_deref(), Some("8.2p1"));
            assert_eq!(c.update, None);
        }
        let os: Cpe = "cpe:/o:linux:linux_kernel:2.6".parse().unwrap();
        assert!(os.is_operating_system() && !os.is_hardware());
        let hw: Cpe = "cpe:/h:cisco".parse().unwrap();
        assert_eq!((hw.part.as_str(), hw.product.as_deref()), ("h", None));
    }

    #[test]
    fn escapes_and_packed_editions_are_undone() {
        let c: Cpe = r"cpe:2.3:a:foo\:bar:b\.c:1.0:-:*:*:*:*:*:*"
            .parse()
            .unwrap();
        assert_eq!(c.vendor.as_deref(), Some("foo:bar"));
        assert_eq!(c.product.as_deref(), Some("b.c"));
        assert_eq!(c.update.as_deref(), Some("-"));
        let c: Cpe = "cpe:/a:micro%21soft:office:2010::~~pro~~x64~:en"
            .parse()
            .unwrap();
        assert_eq!(c.vendor.as_deref(), Some("micro!soft"));
        assert_eq!(c.edition, None);
        assert_eq!(c.sw_edition.as_deref(), Some("pro"));
        assert_eq!(c.target_hw.as_deref(), Some("x64"));
        assert_eq!(c.language.as_deref(), Some("en"));
    }

    #[test]
    fn other_text_is_refused() {
        assert!("openssh".parse::<Cpe>().is_err());
        assert!("cpe:/x:foo".parse::<Cpe>().is_err());
    }
}
