//! apt's candidate policy: file priorities, pins from preferences, Default-Release.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::super::cache_file::{Limits, read_optional_text, read_text};
use super::super::glob::glob;
use super::apt_lists::{Offer, Source};
use super::deb822::stanzas;
use super::debversion::compare;

/// One record of `etc/apt/preferences` or `preferences.d`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    /// `Package:` patterns (`*` = general pin).
    pub packages: Vec<String>,
    /// What the pin matches.
    pub target: PinTarget,
    /// `Pin-Priority`.
    pub priority: i32,
}

/// The `Pin:` line.
#[derive(Debug, Clone, PartialEq)]
pub enum PinTarget {
    /// `Pin: version GLOB`.
    Version(String),
    /// `Pin: release a=…,n=…` (all must match) or a bare archive/codename/version.
    Release(Vec<(char, String)>),
    /// `Pin: origin "host"`.
    Origin(String),
}

impl Pin {
    fn is_general(&self) -> bool {
        self.packages.iter().all(|p| p == "*")
    }

    fn names(&self, name: &str) -> bool {
        self.packages.iter().any(|p| glob(p, name))
    }

    fn matches_source(&self, s: &Source) -> bool {
        match &self.target {
            PinTarget::Version(_) => false,
            PinTarget::Origin(host) => s.site == *host,
            PinTarget::Release(terms) => terms.iter().all(|(k, v)| {
                let field = match k {
                    'a' => &s.suite,
                    'n' => &s.codename,
                    'o' => &s.origin,
                    'l' => &s.label,
                    'c' => &s.component,
                    'v' => &s.version,
                    '*' => {
                        return [&s.suite, &s.codename, &s.version]
                            .iter()
                            .any(|f| glob(v, f));
                    }
                    _ => return true,
                };
                glob(v, field)
            }),
        }
    }
}

/// Reads preferences and preferences.d (sorted; no extension or `.pref`) under `root`.
pub fn read_pins(root: &Path, warnings: &mut Vec<String>) -> Vec<Pin> {
    let mut texts = Vec::new();
    let main = root.join("etc/apt/preferences");
    if let Some(text) = read_optional_text(&main, Limits::CONFIG, warnings) {
        texts.push((main, text));
    }
    for file in config_dir(&root.join("etc/apt/preferences.d"), |n| {
        let stem = n.strip_suffix(".pref").unwrap_or(n);
        !stem.contains('.') || n.ends_with(".pref")
    }) {
        match read_text(&file, Limits::CONFIG, warnings) {
            Ok(text) => texts.push((file, text)),
            Err(e) => warnings.push(e.to_string()),
        }
    }
    let mut pins = Vec::new();
    for (file, text) in texts {
        parse_preferences(&text, &file.display().to_string(), &mut pins, warnings);
    }
    pins
}

/// The entries of a `.d` directory whose names `keep` accepts, sorted (none when it is absent).
fn config_dir(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep))
        .collect();
    files.sort();
    files
}

fn parse_preferences(text: &str, file: &str, pins: &mut Vec<Pin>, warnings: &mut Vec<String>) {
    let cleaned: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.starts_with("Explanation:"))
        .map(|l| format!("{l}\n"))
        .collect();
    for s in stanzas(&cleaned) {
        let (Some(pkg), Some(pin), Some(prio)) =
            (s.get("Package"), s.get("Pin"), s.get("Pin-Priority"))
        else {
            warnings.push(format!(
                "{file}: a record lacks Package, Pin or Pin-Priority; ignored"
            ));
            continue;
        };
        let Ok(priority) = prio.trim().parse::<i32>() else {
            warnings.push(format!(
                "{file}: Pin-Priority `{prio}` is not a number; ignored"
            ));
            continue;
        };
        let (kind, rest) = pin.split_once(char::is_whitespace).unwrap_or((pin, ""));
        let rest = rest.trim();
        let target = match kind {
            "version" => PinTarget::Version(rest.to_string()),
            "origin" => PinTarget::Origin(rest.trim_matches('"').to_string()),
            "release" => PinTarget::Release(release_terms(rest)),
            _ => {
                warnings.push(format!("{file}: unknown pin type `{kind}`; ignored"));
                continue;
            }
        };
        pins.push(Pin {
            packages: pkg.split_whitespace().map(str::to_string).collect(),
            target,
            priority,
        });
    }
}

fn release_terms(text: &str) -> Vec<(char, String)> {
    if !text.contains('=') {
        return vec![('*', text.to_string())];
    }
    text.split(',')
        .filter_map(|t| t.trim().split_once('='))
        .filter_map(|(k, v)| k.chars().next().map(|c| (c, v.to_string())))
        .collect()
}

/// `APT::Default-Release "x";` from apt.conf and apt.conf.d.
pub fn default_release(root: &Path, warnings: &mut Vec<String>) -> Option<String> {
    let main = root.join("etc/apt/apt.conf");
    let mut texts: Vec<String> = read_optional_text(&main, Limits::CONFIG, warnings)
        .into_iter()
        .collect();
    for file in config_dir(&root.join("etc/apt/apt.conf.d"), |_| true) {
        match read_text(&file, Limits::CONFIG, warnings) {
            Ok(text) => texts.push(text),
            Err(e) => warnings.push(e.to_string()),
        }
    }
    texts.iter().find_map(|text| {
        text.lines().find_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("APT::Default-Release")?;
            Some(
                rest.trim()
                    .trim_end_matches(';')
                    .trim()
                    .trim_matches('"')
                    .to_string(),
            )
        })
    })
}

/// Sets every source's priority: defaults, Default-Release (990), then the first general pin.
pub fn prioritise(sources: &mut [Source], pins: &[Pin], default_release: Option<&str>) {
    for s in sources.iter_mut() {
        s.priority = match (s.not_automatic, s.but_automatic_upgrades) {
            (true, true) => 100,
            (true, false) => 1,
            _ => 500,
        };
        if default_release.is_some_and(|d| d == s.suite || d == s.codename) {
            s.priority = 990;
            continue;
        }
        if let Some(pin) = pins.iter().find(|p| p.is_general() && p.matches_source(s)) {
            s.priority = pin.priority;
        }
    }
}

/// The priority of one version of a package: a specific pin, else its best source.
pub fn version_priority(
    name: &str,
    version: &str,
    offers: &[&Offer],
    sources: &[Source],
    pins: &[Pin],
    installed: Option<&str>,
) -> i32 {
    let of_version: Vec<&&Offer> = offers.iter().filter(|o| o.version == version).collect();
    let specific = pins
        .iter()
        .filter(|p| !p.is_general() && p.names(name))
        .find(|p| match &p.target {
            PinTarget::Version(g) => glob(g, version),
            _ => of_version
                .iter()
                .any(|o| p.matches_source(&sources[o.source])),
        });
    if let Some(pin) = specific {
        return pin.priority;
    }
    let from_lists = of_version.iter().map(|o| sources[o.source].priority).max();
    let from_status = (installed == Some(version)).then_some(100);
    from_lists
        .into_iter()
        .chain(from_status)
        .max()
        .unwrap_or(-1)
}

/// apt's candidate: newest first; the first of the highest priority; no downgrade below 1000.
pub fn candidate(
    name: &str,
    offers: &[&Offer],
    sources: &[Source],
    pins: &[Pin],
    installed: Option<&str>,
) -> Option<(String, i32)> {
    let mut versions: Vec<&str> = offers
        .iter()
        .map(|o| o.version.as_str())
        .chain(installed)
        .collect();
    versions.sort_by(|a, b| compare(b, a));
    versions.dedup_by(|a, b| compare(a, b) == Ordering::Equal);
    // The offers of each version, found once: filtering all offers for every version was
    // quadratic (a list of 2^19 versions of one package took hours).
    let mut by_version: HashMap<&str, Vec<&Offer>> = HashMap::new();
    for o in offers {
        by_version.entry(o.version.as_str()).or_default().push(o);
    }
    let mut best: Option<(String, i32)> = None;
    for v in versions {
        let of_version = by_version.get(v).map_or(&[][..], Vec::as_slice);
        let p = version_priority(name, v, of_version, sources, pins, installed);
        if p == 0 || p <= best.as_ref().map_or(-1, |(_, bp)| *bp) {
            continue;
        }
        if let Some(inst) = installed
            && p < 1000
            && compare(v, inst) == Ordering::Less
        {
            continue;
        }
        best = Some((v.to_string(), p));
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_release_terms() {
        assert!(glob("linux-*", "linux-image-amd64"));
        assert!(glob("1.2*", "1.2.3-1"));
        assert!(!glob("lib?", "libc6"));
        assert_eq!(
            release_terms("a=stable, n=bookworm"),
            vec![('a', "stable".into()), ('n', "bookworm".into())]
        );
    }
}
