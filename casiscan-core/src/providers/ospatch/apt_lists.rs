//! Available versions from `var/lib/apt/lists`: Packages files and their Release metadata.

use std::path::Path;

use serde::Serialize;

use super::deb822::{stanzas, yes};
use super::decompress::read_list;

/// Release metadata of one package file (from its InRelease/Release).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// List file name without the compression suffix.
    pub id: String,
    /// Release `Origin`.
    pub origin: String,
    /// Release `Label`.
    pub label: String,
    /// Release `Suite` (apt's archive, `a=`).
    pub suite: String,
    /// Release `Codename` (`n=`).
    pub codename: String,
    /// Release `Version` (`v=`).
    pub version: String,
    /// Component parsed from the file name (`c=`).
    pub component: String,
    /// Host the list came from (`Pin: origin`).
    pub site: String,
    /// `NotAutomatic: yes`.
    pub not_automatic: bool,
    /// `ButAutomaticUpgrades: yes`.
    pub but_automatic_upgrades: bool,
    /// Release `Date`.
    pub release_date: Option<String>,
    /// True for a security archive (label Debian-Security or suite/codename `*-security`).
    pub is_security: bool,
    /// Priority apt gives this file (filled by the policy).
    pub priority: i32,
}

/// One version of a package offered by a source.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// Package name (lower case).
    pub name: String,
    /// Architecture as listed.
    pub arch: String,
    /// Version.
    pub version: String,
    /// Index of the source in the lists' `sources`.
    pub source: usize,
    /// Ubuntu's `Phased-Update-Percentage`.
    pub phased: Option<u32>,
    /// Download size in bytes.
    pub size: Option<u64>,
}

/// Everything read from the lists directory.
#[derive(Debug, Default)]
pub struct Lists {
    /// One per Packages file.
    pub sources: Vec<Source>,
    /// Every offered version.
    pub offers: Vec<Offer>,
    /// Files that could not be read, with why.
    pub warnings: Vec<String>,
}

const SKIP: &[&str] = &[
    "Translation-",
    "_Sources",
    "Contents",
    "dep11",
    "Components-",
    "i18n",
    ".diff",
    "auxfiles",
];

/// Reads every Packages file under `dir` (only the names in `wanted` are kept).
pub fn read_lists(dir: &Path, wanted: &dyn Fn(&str) -> bool) -> Lists {
    let mut lists = Lists::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        lists.warnings.push(format!(
            "{}: cannot read the apt lists directory",
            dir.display()
        ));
        return lists;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    let releases: Vec<(String, Source)> = names
        .iter()
        .filter(|n| n.ends_with("_InRelease") || n.ends_with("_Release"))
        .filter_map(|n| read_release(&dir.join(n), n, &mut lists.warnings))
        .collect();
    for name in names.iter().filter(|n| is_packages(n)) {
        let id = strip_compression(name);
        let mut source = releases
            .iter()
            .filter(|(prefix, _)| id.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(prefix, s)| {
                let mut s = s.clone();
                s.component = component(&id[prefix.len()..]);
                s
            })
            .unwrap_or_default();
        source.id = id.to_string();
        source.site = id.split('_').next().unwrap_or("").to_string();
        match read_list(&dir.join(name)) {
            Ok(text) => {
                let index = lists.sources.len();
                lists.sources.push(source);
                read_offers(&text, index, wanted, &mut lists.offers);
            }
            Err(e) => lists.warnings.push(e),
        }
    }
    lists
}

fn is_packages(name: &str) -> bool {
    name.contains("_Packages") && !SKIP.iter().any(|s| name.contains(s))
}

fn strip_compression(name: &str) -> &str {
    for ext in [".gz", ".xz", ".zst", ".lz4", ".bz2"] {
        if let Some(stem) = name.strip_suffix(ext) {
            return stem;
        }
    }
    name
}

/// `main_binary-amd64_Packages` → `main`; `contrib_debian-installer_…` → `contrib/debian-installer`.
fn component(rest: &str) -> String {
    rest.split("_binary-")
        .next()
        .unwrap_or("")
        .replace('_', "/")
}

fn read_release(path: &Path, name: &str, warnings: &mut Vec<String>) -> Option<(String, Source)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            warnings.push(format!("{}: {e}", path.display()));
            return None;
        }
    };
    let body = strip_signature(&text);
    let stanza = stanzas(&body).next()?;
    let get = |k: &str| stanza.get(k).unwrap_or("").to_string();
    let (suite, codename, label) = (get("Suite"), get("Codename"), get("Label"));
    let prefix = name
        .trim_end_matches("InRelease")
        .trim_end_matches("Release")
        .to_string();
    let source = Source {
        origin: get("Origin"),
        is_security: label == "Debian-Security"
            || suite.ends_with("-security")
            || codename.ends_with("-security"),
        label,
        suite,
        codename,
        version: get("Version"),
        not_automatic: yes(stanza.get("NotAutomatic")),
        but_automatic_upgrades: yes(stanza.get("ButAutomaticUpgrades")),
        release_date: stanza.get("Date").map(str::to_string),
        ..Source::default()
    };
    Some((prefix, source))
}

/// The signed text of a clear-signed InRelease (or the whole text of a Release).
fn strip_signature(text: &str) -> String {
    if !text.starts_with("-----BEGIN PGP SIGNED MESSAGE-----") {
        return text.to_string();
    }
    let body = text.split_once("\n\n").map_or("", |(_, b)| b);
    let body = body
        .split("-----BEGIN PGP SIGNATURE-----")
        .next()
        .unwrap_or("");
    body.lines()
        .map(|l| l.strip_prefix("- ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

fn read_offers(text: &str, source: usize, wanted: &dyn Fn(&str) -> bool, out: &mut Vec<Offer>) {
    for block in text.split("\n\n") {
        let field = |key: &str| {
            block.lines().find_map(|l| {
                l.strip_prefix(key)
                    .and_then(|r| r.strip_prefix(':'))
                    .map(str::trim)
            })
        };
        let Some(name) = field("Package") else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        if !wanted(&name) {
            continue;
        }
        let Some(version) = field("Version") else {
            continue;
        };
        out.push(Offer {
            version: version.to_string(),
            arch: field("Architecture").unwrap_or("all").to_string(),
            phased: field("Phased-Update-Percentage").and_then(|p| p.parse().ok()),
            size: field("Size").and_then(|p| p.parse().ok()),
            name,
            source,
        });
    }
}
