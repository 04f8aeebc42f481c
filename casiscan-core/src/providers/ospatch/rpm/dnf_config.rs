//! dnf's own configuration under a root: enabled repositories, priorities, excludes and
//! version locks, so the candidate is the one dnf itself would pick.

use std::collections::HashMap;
use std::path::Path;

use std::cmp::Ordering;

use super::super::cache_file::{Limits, present, read_text};
use super::super::glob::glob;
use super::vercmp::{Evr, compare_evr};

/// dnf's default repository priority (lower numbers win).
const DEFAULT_PRIORITY: i32 = 99;

/// One repository's settings from `etc/yum.repos.d/*.repo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoConfig {
    /// `enabled` (default true).
    pub enabled: bool,
    /// `priority` (default 99; lower wins).
    pub priority: i32,
    /// `exclude`/`excludepkgs` patterns.
    pub excludes: Vec<String>,
    /// `includepkgs` patterns (empty: everything).
    pub includes: Vec<String>,
}

impl Default for RepoConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            priority: DEFAULT_PRIORITY,
            excludes: Vec::new(),
            includes: Vec::new(),
        }
    }
}

/// Version locks: dnf 4's list (packages kept at listed versions, `!` versions excluded) and
/// dnf 5's `versionlock.toml` entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionLock {
    /// Patterns a locked package's version must match.
    pub keep: Vec<String>,
    /// Patterns (`!` lines) no version may match.
    pub drop: Vec<String>,
    /// dnf 5 entries: a package whose name matches some entry must meet all the conditions of
    /// one of them.
    pub entries: Vec<LockEntry>,
}

/// One `[[packages]]` entry of dnf 5's `versionlock.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct LockEntry {
    /// Package name (glob).
    pub name: String,
    /// Conditions, all of which must hold.
    #[serde(default)]
    pub conditions: Vec<LockCondition>,
}

/// A condition of a dnf 5 lock entry: `key comparator value`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct LockCondition {
    /// What is compared.
    pub key: LockKey,
    /// `=`, `!=`, `<`, `<=`, `>`, `>=`.
    pub comparator: String,
    /// The value compared with.
    pub value: String,
}

/// What a dnf 5 lock condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LockKey {
    /// The package's epoch.
    Epoch,
    /// The package's `[epoch:]version-release`.
    Evr,
    /// The package's architecture.
    Arch,
}

impl LockCondition {
    fn holds(&self, evr: &Evr, arch: &str) -> bool {
        let order = match self.key {
            LockKey::Evr => compare_evr(evr, &Evr::parse(&self.value)),
            LockKey::Epoch => match self.value.trim().parse::<u64>() {
                Ok(e) => evr.epoch.unwrap_or(0).cmp(&e),
                Err(_) => return false,
            },
            LockKey::Arch => {
                return match self.comparator.as_str() {
                    "=" => arch == self.value,
                    "!=" => arch != self.value,
                    _ => false,
                };
            }
        };
        match self.comparator.as_str() {
            "=" => order == Ordering::Equal,
            "!=" => order != Ordering::Equal,
            "<" => order == Ordering::Less,
            "<=" => order != Ordering::Greater,
            ">" => order == Ordering::Greater,
            ">=" => order != Ordering::Less,
            _ => false,
        }
    }
}

/// The shape of `versionlock.toml`.
#[derive(serde::Deserialize)]
struct LockFile {
    #[serde(default)]
    packages: Vec<LockEntry>,
}

impl VersionLock {
    /// Whether some lock pattern names this package (so its name is locked).
    pub fn names(&self, name: &str, evr: &Evr, arch: &str) -> bool {
        matches_any(&self.keep, name, evr, arch)
    }

    /// Whether a version may be installed under the locks (`locked`: its name is locked by
    /// the dnf 4 list).
    pub fn allows(&self, locked: bool, name: &str, evr: &Evr, arch: &str) -> bool {
        !matches_any(&self.drop, name, evr, arch)
            && (!locked || self.names(name, evr, arch))
            && self.entries_allow(name, evr, arch)
    }

    fn entries_allow(&self, name: &str, evr: &Evr, arch: &str) -> bool {
        let mut applicable = self
            .entries
            .iter()
            .filter(|e| glob(&e.name, name))
            .peekable();
        applicable.peek().is_none()
            || applicable.any(|e| e.conditions.iter().all(|c| c.holds(evr, arch)))
    }

    /// True when no lock is configured.
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty() && self.drop.is_empty() && self.entries.is_empty()
    }
}

/// Global and per-repository settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnfConfig {
    /// `[main] excludepkgs` from `etc/dnf/dnf.conf` (or `etc/yum.conf`).
    pub excludes: Vec<String>,
    /// Repositories by id.
    pub repos: HashMap<String, RepoConfig>,
    /// Version locks (only when the plugin is not disabled).
    pub locks: VersionLock,
}

impl DnfConfig {
    /// The settings of repository `id` (defaults when it has no `.repo` entry).
    pub fn repo(&self, id: &str) -> RepoConfig {
        self.repos.get(id).cloned().unwrap_or_default()
    }

    /// Whether dnf would see this package of repository `repo` at all (excludes, includepkgs).
    pub fn admits(&self, repo: &RepoConfig, name: &str, evr: &Evr, arch: &str) -> bool {
        !matches_any(&self.excludes, name, evr, arch)
            && !matches_any(&repo.excludes, name, evr, arch)
            && (repo.includes.is_empty() || matches_any(&repo.includes, name, evr, arch))
    }
}

/// Whether any pattern matches one of the spellings dnf accepts for a package.
fn matches_any(patterns: &[String], name: &str, evr: &Evr, arch: &str) -> bool {
    if patterns.is_empty() {
        return false;
    }
    let spellings = spellings(name, evr, arch);
    patterns
        .iter()
        .any(|p| spellings.iter().any(|s| glob(p, s)))
}

/// `name`, `name.arch`, `name-v`, `name-v-r`, `name-v-r.arch`, `name-e:v-r`, `name-e:v-r.arch`.
fn spellings(name: &str, evr: &Evr, arch: &str) -> Vec<String> {
    let v = &evr.version;
    let vr = match &evr.release {
        Some(r) => format!("{v}-{r}"),
        None => v.clone(),
    };
    let evr_full = format!("{}:{vr}", evr.epoch.unwrap_or(0));
    vec![
        name.to_string(),
        format!("{name}.{arch}"),
        format!("{name}-{v}"),
        format!("{name}-{vr}"),
        format!("{name}-{vr}.{arch}"),
        format!("{name}-{evr_full}"),
        format!("{name}-{evr_full}.{arch}"),
    ]
}

/// Reads dnf.conf, the `.repo` files and the versionlock list under `root`.
pub fn read_dnf_config(root: &Path, warnings: &mut Vec<String>) -> DnfConfig {
    let mut config = DnfConfig::default();
    let main = ["etc/dnf/dnf.conf", "etc/yum.conf"]
        .iter()
        .map(|p| root.join(p))
        .find(|p| present(p));
    if let Some(path) = main {
        for (section, key, value) in ini(&read(&path, warnings)) {
            if section == "main" && matches!(key.as_str(), "exclude" | "excludepkgs") {
                config.excludes.extend(list(&value));
            }
        }
    }
    config.repos = read_repo_files(root, warnings);
    config.locks = read_versionlock(root, warnings);
    config
}

/// The text of a configuration file; a problem is a warning and the text empty.
fn read(path: &Path, warnings: &mut Vec<String>) -> String {
    read_text(path, Limits::CONFIG, warnings).unwrap_or_else(|e| {
        warnings.push(e.to_string());
        String::new()
    })
}

fn read_repo_files(root: &Path, warnings: &mut Vec<String>) -> HashMap<String, RepoConfig> {
    let mut repos: HashMap<String, RepoConfig> = HashMap::new();
    let Ok(entries) = std::fs::read_dir(root.join("etc/yum.repos.d")) else {
        return repos;
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "repo"))
        .collect();
    files.sort();
    for path in files {
        for (section, key, value) in ini(&read(&path, warnings)) {
            let repo = repos.entry(section.clone()).or_default();
            match key.as_str() {
                "enabled" => repo.enabled = truthy(&value),
                "priority" => match value.parse() {
                    Ok(p) => repo.priority = p,
                    Err(_) => warnings.push(format!(
                        "{}: [{section}] priority {value:?} is not a number; 99 used",
                        path.display()
                    )),
                },
                "exclude" | "excludepkgs" => repo.excludes.extend(list(&value)),
                "includepkgs" => repo.includes.extend(list(&value)),
                _ => {}
            }
        }
    }
    repos
}

/// dnf 4's versionlock list (unless `versionlock.conf` disables the plugin) and dnf 5's
/// `etc/dnf/versionlock.toml`.
fn read_versionlock(root: &Path, warnings: &mut Vec<String>) -> VersionLock {
    let mut locks = read_versionlock_list(root, warnings);
    let toml_path = root.join("etc/dnf/versionlock.toml");
    if present(&toml_path) {
        match toml::from_str::<LockFile>(&read(&toml_path, warnings)) {
            Ok(file) => locks.entries = file.packages,
            Err(e) => warnings.push(format!(
                "{}: not a versionlock file, ignored: {}",
                toml_path.display(),
                e.message()
            )),
        }
    }
    locks
}

fn read_versionlock_list(root: &Path, warnings: &mut Vec<String>) -> VersionLock {
    let conf = root.join("etc/dnf/plugins/versionlock.conf");
    let mut list_path = root.join("etc/dnf/plugins/versionlock.list");
    if present(&conf) {
        for (section, key, value) in ini(&read(&conf, warnings)) {
            match (section.as_str(), key.as_str()) {
                ("main", "enabled") if !truthy(&value) => return VersionLock::default(),
                ("main", "locklist") => {
                    list_path = root.join(value.trim_start_matches('/'));
                }
                _ => {}
            }
        }
    }
    let mut locks = VersionLock::default();
    if !present(&list_path) {
        return locks;
    }
    for line in read(&list_path, warnings).lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_prefix('!') {
            Some(p) => locks.drop.push(p.trim().to_string()),
            None => locks.keep.push(line.to_string()),
        }
    }
    locks
}

/// `(section, key, value)` triples of an INI file (keys lower-cased, `#`/`;` comments).
fn ini(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.trim().to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            out.push((
                section.clone(),
                k.trim().to_ascii_lowercase(),
                v.trim().to_string(),
            ));
        }
    }
    out
}

fn truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// A dnf list option: items separated by commas and/or white space.
fn list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evr(s: &str) -> Evr {
        Evr::parse(s)
    }

    #[test]
    fn patterns_match_the_spellings_dnf_accepts() {
        let e = evr("1:2.4-3.el9");
        for p in [
            "httpd",
            "http*",
            "httpd.x86_64",
            "httpd-2.4",
            "httpd-2.4-3.el9",
            "httpd-2.4-3.el9.x86_64",
            "httpd-1:2.4-3.el9.*",
        ] {
            assert!(matches_any(&[p.into()], "httpd", &e, "x86_64"), "{p}");
        }
        for p in [
            "httpd-2.5*",
            "httpd.noarch",
            "nginx",
            "httpd-0:2.4-3.el9.x86_64",
        ] {
            assert!(!matches_any(&[p.into()], "httpd", &e, "x86_64"), "{p}");
        }
    }

    #[test]
    fn config_files_are_read_with_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc/dnf/plugins")).expect("mkdir");
        std::fs::create_dir_all(root.join("etc/yum.repos.d")).expect("mkdir");
        std::fs::write(
            root.join("etc/dnf/dnf.conf"),
            "[main]\ngpgcheck=1\nexcludepkgs=kernel*, firefox  thunderbird\n",
        )
        .expect("dnf.conf");
        std::fs::write(
            root.join("etc/yum.repos.d/a.repo"),
            "# comment\n[base]\nenabled=1\npriority=10\nexclude=php*\n\n[epel]\nenabled=False\nincludepkgs=htop\n[bad]\npriority=high\n",
        )
        .expect("repo");
        std::fs::write(
            root.join("etc/dnf/plugins/versionlock.list"),
            "# locked\nbash-0:5.1.8-6.el9.*\n!openssl-1:3.0.7-*\n\n",
        )
        .expect("locks");
        let mut warnings = Vec::new();
        let c = read_dnf_config(root, &mut warnings);
        assert_eq!(c.excludes, ["kernel*", "firefox", "thunderbird"]);
        let base = c.repo("base");
        assert_eq!(
            (base.enabled, base.priority, base.excludes),
            (true, 10, vec!["php*".into()])
        );
        assert!(!c.repo("epel").enabled);
        assert_eq!(c.repo("epel").includes, ["htop"]);
        assert_eq!(c.repo("unlisted"), RepoConfig::default());
        assert_eq!(c.repo("bad").priority, 99);
        assert!(
            warnings.iter().any(|w| w.contains("priority")),
            "{warnings:?}"
        );
        assert_eq!(c.locks.keep, ["bash-0:5.1.8-6.el9.*"]);
        assert_eq!(c.locks.drop, ["openssl-1:3.0.7-*"]);

        std::fs::write(
            root.join("etc/dnf/plugins/versionlock.conf"),
            "[main]\nenabled = 0\n",
        )
        .expect("conf");
        assert!(read_dnf_config(root, &mut warnings).locks.is_empty());
    }

    #[test]
    fn dnf5_toml_entries_lock_by_conditions() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc/dnf")).expect("mkdir");
        std::fs::write(
            dir.path().join("etc/dnf/versionlock.toml"),
            r#"version = "1.0"
[[packages]]
name = "bash"
comment = "kept"
[[packages.conditions]]
key = "evr"
comparator = "="
value = "0:5.2.15-5.fc40"

[[packages]]
name = "*nvidia*"
[[packages.conditions]]
key = "evr"
comparator = ">="
value = "3:570"
[[packages.conditions]]
key = "evr"
comparator = "<"
value = "3:571"

[[packages]]
name = "iftop"
[[packages.conditions]]
key = "evr"
comparator = "!="
value = "1.0-0.31.pre4.fc39"
"#,
        )
        .expect("toml");
        let mut warnings = Vec::new();
        let locks = read_dnf_config(dir.path(), &mut warnings).locks;
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(locks.entries.len(), 3);
        let allows = |n: &str, v: &str| locks.allows(false, n, &evr(v), "x86_64");
        assert!(allows("bash", "5.2.15-5.fc40") && !allows("bash", "5.2.26-1.fc40"));
        assert!(
            allows("xorg-x11-drv-nvidia", "3:570.86-1")
                && !allows("xorg-x11-drv-nvidia", "3:571.1-1")
        );
        assert!(!allows("iftop", "1.0-0.31.pre4.fc39") && allows("iftop", "1.0-0.32.fc39"));
        assert!(allows("zsh", "9.9-1"), "an unlocked name is free");

        std::fs::write(
            dir.path().join("etc/dnf/versionlock.toml"),
            "[[packages]\nname=",
        )
        .expect("bad");
        let locks = read_dnf_config(dir.path(), &mut warnings).locks;
        assert!(locks.entries.is_empty());
        assert!(
            warnings.iter().any(|w| w.contains("versionlock.toml")),
            "{warnings:?}"
        );
    }

    #[test]
    fn locks_keep_listed_versions_and_drop_banned_ones() {
        let locks = VersionLock {
            keep: vec!["bash-0:5.1.8-6.el9.*".into()],
            drop: vec!["openssl-1:3.0.7-*".into()],
            entries: Vec::new(),
        };
        let (old, new) = (evr("5.1.8-6.el9"), evr("5.1.8-9.el9"));
        assert!(locks.names("bash", &old, "x86_64"));
        assert!(locks.allows(true, "bash", &old, "x86_64"));
        assert!(!locks.allows(true, "bash", &new, "x86_64"));
        assert!(locks.allows(false, "zsh", &new, "x86_64"));
        assert!(!locks.allows(false, "openssl", &evr("1:3.0.7-27.el9"), "x86_64"));
        assert!(locks.allows(false, "openssl", &evr("1:3.0.8-1.el9"), "x86_64"));
    }
}
