//! The installed set from `var/lib/dpkg/status`.

use std::borrow::Cow;
use std::path::Path;

use memchr::memmem;
use serde::Serialize;

use super::deb822::parse_stanza;

/// An installed package as dpkg records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstalledPackage {
    /// Package name (lower case).
    pub name: String,
    /// Architecture as recorded (`all` kept).
    pub arch: String,
    /// Installed version.
    pub version: String,
    /// Source package name.
    pub source_name: String,
    /// dpkg state (`installed`, `unpacked`, `half-configured`, …).
    pub state: String,
    /// dpkg selection (`install`, `hold`, `deinstall`, `purge`).
    pub selection: String,
}

impl InstalledPackage {
    /// True when `apt-mark hold` was applied.
    pub fn held(&self) -> bool {
        self.selection == "hold"
    }
}

/// Fields the report reads from a status stanza; invalid UTF-8 in one of them skips the package.
const USED_FIELDS: [&str; 5] = ["Package", "Status", "Version", "Architecture", "Source"];

/// Invalid-UTF-8 stanzas described one by one before the rest are only counted.
const MAX_DETAILED: usize = 10;

/// Every stanza of the status file `path` (its decoded `bytes`) whose state counts as installed
/// for apt (all but not-installed, config-files).
///
/// A stanza with invalid UTF-8 in a field the report uses is skipped, one elsewhere is kept with
/// the bytes replaced; both are warnings naming the file, the line and the package. A stanza
/// without Package, Status or Version is an error: the file is not a dpkg status.
pub fn parse_status(
    bytes: &[u8],
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<InstalledPackage>, String> {
    let mut out = Vec::new();
    let mut invalid = 0usize;
    for (n, (line, block)) in blocks(bytes).enumerate() {
        let text = String::from_utf8_lossy(block);
        let Some(s) = parse_stanza(&text) else {
            continue;
        };
        let (Some(name), Some(status)) = (s.get("Package"), s.get("Status")) else {
            return Err(format!(
                "stanza {} (line {line}) has no Package or Status field",
                n + 1
            ));
        };
        let bad_field = match &text {
            Cow::Borrowed(_) => None,
            Cow::Owned(_) => Some(
                USED_FIELDS
                    .into_iter()
                    .find(|f| s.get(f).is_some_and(|v| v.contains('\u{fffd}'))),
            ),
        };
        if let Some(field) = bad_field {
            invalid += 1;
            if invalid <= MAX_DETAILED {
                warnings.push(match field {
                    Some(f) => format!(
                        "{}: line {line}: package {name}: invalid UTF-8 in {f}; package skipped",
                        path.display()
                    ),
                    None => format!(
                        "{}: line {line}: package {name}: invalid UTF-8 replaced",
                        path.display()
                    ),
                });
            }
            if field.is_some() {
                continue;
            }
        }
        let words: Vec<&str> = status.split_whitespace().collect();
        let [selection, _flag, state] = words[..] else {
            return Err(format!("package {name}: malformed Status `{status}`"));
        };
        if matches!(state, "not-installed" | "config-files") {
            continue;
        }
        let Some(version) = s.get("Version") else {
            return Err(format!("package {name}: no Version"));
        };
        out.push(InstalledPackage {
            name: name.to_ascii_lowercase(),
            arch: s.get("Architecture").unwrap_or("all").to_string(),
            version: version.to_string(),
            source_name: s
                .get("Source")
                .and_then(|v| v.split_whitespace().next())
                .unwrap_or(name)
                .to_string(),
            state: state.to_string(),
            selection: selection.to_string(),
        });
    }
    if invalid > MAX_DETAILED {
        warnings.push(format!(
            "{}: {} more stanza(s) with invalid UTF-8",
            path.display(),
            invalid - MAX_DETAILED
        ));
    }
    Ok(out)
}

/// The blank-line-separated blocks of `bytes` with the line each starts on.
fn blocks(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut rest = bytes;
    let mut line = 1usize;
    std::iter::from_fn(move || {
        let blank = rest.iter().take_while(|&&b| b == b'\n').count();
        line += blank;
        rest = &rest[blank..];
        if rest.is_empty() {
            return None;
        }
        let end = memmem::find(rest, b"\n\n").map_or(rest.len(), |i| i + 1);
        let (block, tail) = rest.split_at(end);
        let start = line;
        line += memchr::memchr_iter(b'\n', block).count();
        rest = tail;
        Some((start, block))
    })
}

/// The native architecture: dpkg's own, else the build's.
pub fn native_arch(installed: &[InstalledPackage]) -> String {
    installed
        .iter()
        .find(|p| p.name == "dpkg")
        .map(|p| p.arch.clone())
        .unwrap_or_else(|| {
            match std::env::consts::ARCH {
                "x86_64" => "amd64",
                "aarch64" => "arm64",
                "x86" => "i386",
                other => other,
            }
            .to_string()
        })
}
