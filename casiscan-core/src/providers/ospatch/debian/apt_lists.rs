//! Available versions from `var/lib/apt/lists`: Packages files and their Release metadata.

use std::borrow::Cow;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::super::cache_file::{
    Bytes, CacheFileError, Limits, MAX_DECODED_BYTES, MAX_LISTS_DECODED_BYTES, Problem, read_text,
};
use super::deb822::{stanzas, yes};
use super::list_stream::for_each_stanza;

/// Most offered versions of installed packages kept over all lists (~100 MiB at most); a list
/// that would pass it is not read. Real systems stay under 100,000; a list of distinct stanzas
/// decoding to the cap could otherwise hold millions.
pub const MAX_OFFERS: usize = 1 << 19;

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
    pub release_date: Option<DateTime<Utc>>,
    /// Release `Valid-Until`: after it apt refuses the metadata as expired.
    pub valid_until: Option<DateTime<Utc>>,
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
    // Every entry is kept whatever its kind: a FIFO or directory with a list's name is reported
    // when it is opened, never skipped unsaid.
    let mut names = Vec::new();
    for entry in entries.flatten() {
        match entry.file_name().into_string() {
            Ok(name) => names.push(name),
            Err(raw) if is_packages(&raw.to_string_lossy()) => lists.warnings.push(format!(
                "{}: the file name is not UTF-8; not read",
                dir.join(&raw).display()
            )),
            Err(_) => {}
        }
    }
    names.sort();
    let releases: Vec<(String, Source)> = names
        .iter()
        .filter(|n| n.ends_with("_InRelease") || n.ends_with("_Release"))
        .filter_map(|n| read_release(&dir.join(n), n, &mut lists.warnings))
        .collect();
    let mut budget = MAX_LISTS_DECODED_BYTES;
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
        let index = lists.sources.len();
        let path = dir.join(name);
        match read_offers(
            &path,
            index,
            wanted,
            &mut budget,
            MAX_OFFERS,
            &mut lists.offers,
        ) {
            Ok(0) => lists.sources.push(source),
            Ok(n) => {
                lists.sources.push(source);
                lists.warnings.push(format!(
                    "{}: {n} stanza(s) without a readable Version ignored",
                    path.display()
                ));
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
    let text = match read_text(path, Limits::STATUS, warnings) {
        Ok(t) => t,
        Err(e) => {
            warnings.push(e.to_string());
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
        release_date: stanza.get("Date").and_then(release_time),
        valid_until: stanza.get("Valid-Until").and_then(release_time),
        ..Source::default()
    };
    Some((prefix, source))
}

/// A Release date (RFC 2822 with apt's `UTC` zone name).
fn release_time(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    let numeric = match value.strip_suffix(" UTC") {
        Some(head) => format!("{head} +0000"),
        None => value.to_string(),
    };
    DateTime::parse_from_rfc2822(&numeric)
        .ok()
        .map(|t| t.with_timezone(&Utc))
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

/// Adds the wanted packages of the list at `path` and counts the wanted stanzas it could not
/// read; a list that fails part-way, or would pass `max_offers` in `out` ([`MAX_OFFERS`] for a
/// report), adds nothing. `budget` is what may still be decoded over all lists.
fn read_offers(
    path: &Path,
    source: usize,
    wanted: &dyn Fn(&str) -> bool,
    budget: &mut u64,
    max_offers: usize,
    out: &mut Vec<Offer>,
) -> Result<usize, String> {
    let before = out.len();
    let mut unreadable = 0usize;
    let mut overflow = false;
    let read = for_each_stanza(path, budget, |stanza| {
        if overflow {
            return;
        }
        let Some(name) = package_name(stanza) else {
            return;
        };
        if !wanted(&name) {
            return;
        }
        match offer(stanza, name, source) {
            // A repeated stanza adds nothing new.
            Some(o) if out.len() > before && out.last() == Some(&o) => {}
            Some(_) if out.len() >= max_offers => overflow = true,
            Some(o) => out.push(o),
            None => unreadable += 1,
        }
    });
    let result = match read {
        Err(CacheFileError {
            problem: Problem::DecodedTooLarge { limit },
            ..
        }) if limit < MAX_DECODED_BYTES => Err(format!(
            "{}: not read: the lists decode to more than {} in all",
            path.display(),
            Bytes(MAX_LISTS_DECODED_BYTES)
        )),
        Err(e) => Err(e.to_string()),
        Ok(()) if overflow => Err(format!(
            "{}: more than {max_offers} versions of installed packages offered in all; not read",
            path.display()
        )),
        Ok(()) => Ok(unreadable),
    };
    if result.is_err() {
        out.truncate(before);
    }
    result
}

/// The `Package` of a stanza, lower-cased (it is nearly always the first line).
fn package_name(stanza: &[u8]) -> Option<Cow<'_, str>> {
    let raw = match stanza.strip_prefix(b"Package:") {
        Some(rest) => rest.split(|&b| b == b'\n').next().unwrap_or(rest),
        None => field(stanza, "Package")?,
    };
    let name = std::str::from_utf8(raw).ok()?.trim();
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(Cow::Owned(name.to_ascii_lowercase()))
    } else {
        Some(Cow::Borrowed(name))
    }
}

/// The first line of field `key` (name compared case-insensitively).
fn field<'a>(stanza: &'a [u8], key: &str) -> Option<&'a [u8]> {
    stanza.split(|&b| b == b'\n').find_map(|line| {
        let (k, v) = line.split_at(line.iter().position(|&b| b == b':')?);
        k.eq_ignore_ascii_case(key.as_bytes()).then(|| &v[1..])
    })
}

/// The offer a wanted stanza makes; `None` when its Version is missing or not text.
fn offer(stanza: &[u8], name: Cow<'_, str>, source: usize) -> Option<Offer> {
    let text = |key: &str| {
        field(stanza, key)
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(str::trim)
    };
    Some(Offer {
        version: text("Version").filter(|v| !v.is_empty())?.to_string(),
        arch: text("Architecture").unwrap_or("all").to_string(),
        phased: text("Phased-Update-Percentage").and_then(|p| p.parse().ok()),
        size: text("Size").and_then(|p| p.parse().ok()),
        name: name.into_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lz4_list(dir: &Path, stanzas: usize) -> std::path::PathBuf {
        let text: String = (0..stanzas)
            .map(|i| {
                format!(
                    "Package: p{i}\nVersion: 1.{i}\nDescription: {}\n\n",
                    "d".repeat(200)
                )
            })
            .collect();
        let mut enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
        enc.write_all(text.as_bytes()).expect("lz4");
        let path = dir.join("x_Packages.lz4");
        std::fs::write(&path, enc.finish().expect("lz4")).expect("write");
        path
    }

    #[test]
    fn a_list_cut_after_its_first_chunks_adds_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = lz4_list(dir.path(), 20_000);
        let mut offers = Vec::new();
        let mut unlimited = u64::MAX;
        let budget = &mut unlimited;
        assert_eq!(
            read_offers(&path, 0, &|n| n == "p1", budget, MAX_OFFERS, &mut offers),
            Ok(0)
        );
        assert_eq!(offers.len(), 1, "the whole list reads");
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() * 3 / 4]).expect("cut");
        let mut offers = Vec::new();
        let err = read_offers(
            &path,
            0,
            &|n| n.starts_with('p'),
            budget,
            MAX_OFFERS,
            &mut offers,
        )
        .expect_err("cut");
        assert!(
            err.contains("x_Packages.lz4") && err.contains("lz4"),
            "{err}"
        );
        assert!(offers.is_empty(), "nothing half-read is kept");
    }

    #[test]
    fn lists_past_the_budget_are_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = lz4_list(dir.path(), 20_000);
        let mut budget = 6 << 20;
        let mut offers = Vec::new();
        assert_eq!(
            read_offers(
                &path,
                0,
                &|n| n == "p1",
                &mut budget,
                MAX_OFFERS,
                &mut offers
            ),
            Ok(0)
        );
        assert!(budget < 2 << 20, "{budget}");
        let err = read_offers(
            &path,
            1,
            &|n| n == "p1",
            &mut budget,
            MAX_OFFERS,
            &mut offers,
        )
        .expect_err("over the budget");
        assert!(
            err.contains("the lists decode to more than 4096.0 MiB in all"),
            "{err}"
        );
        assert_eq!(offers.len(), 1, "the refused list added nothing");
    }

    /// A plain list at `dir/name` offering `versions` distinct versions of `foo`.
    fn foo_list(dir: &Path, name: &str, versions: std::ops::Range<usize>) -> std::path::PathBuf {
        let text: String = versions
            .map(|i| format!("Package: foo\nVersion: 2.{i}\n\n"))
            .collect();
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn offers_up_to_exactly_the_cap_are_kept_and_the_list_passing_it_adds_nothing() {
        assert_eq!(MAX_OFFERS, 1 << 19);
        let dir = tempfile::tempdir().expect("tempdir");
        let cap = 10;
        let mut budget = u64::MAX;
        let foo = |n: &str| n == "foo";
        // One list of exactly the cap, then one offering a single version more.
        let mut offers = Vec::new();
        let first = foo_list(dir.path(), "a_Packages", 0..cap);
        let read = read_offers(&first, 0, &foo, &mut budget, cap, &mut offers);
        assert_eq!((read, offers.len()), (Ok(0), cap), "at the cap");
        let second = foo_list(dir.path(), "b_Packages", cap..cap + 1);
        let err = read_offers(&second, 1, &foo, &mut budget, cap, &mut offers)
            .expect_err("one past the cap over all lists");
        assert!(
            err.contains("b_Packages: more than 10 versions of installed packages"),
            "{err}"
        );
        assert_eq!(offers.len(), cap, "the list passing the cap added nothing");
        // One list of a version more than the cap.
        let mut offers = Vec::new();
        let over = foo_list(dir.path(), "c_Packages", 0..cap + 1);
        read_offers(&over, 0, &foo, &mut budget, cap, &mut offers).expect_err("one past");
        assert!(offers.is_empty());
    }

    #[test]
    fn release_dates_in_apt_spelling_parse() {
        let t = release_time("Sat, 21 Nov 2026 10:00:00 UTC").expect("utc");
        assert_eq!(t.to_rfc3339(), "2026-11-21T10:00:00+00:00");
        assert!(release_time("Sat, 21 Nov 2026 10:00:00 +0100").is_some());
        assert_eq!(release_time("yesterday"), None);
    }

    #[test]
    fn field_names_compare_case_insensitively_and_names_are_lower_cased() {
        let stanza = b"package: Foo\nversion: 2.0\nARCHITECTURE: amd64\nsize: 12";
        let name = package_name(stanza).expect("name");
        let offer = offer(stanza, name, 3).expect("offer");
        assert_eq!(
            (offer.name.as_str(), offer.version.as_str()),
            ("foo", "2.0")
        );
        assert_eq!(
            (offer.arch.as_str(), offer.size, offer.source),
            ("amd64", Some(12), 3)
        );
        assert!(super::offer(b"Package: bar\nArchitecture: all", "bar".into(), 0).is_none());
    }
}
