//! An RPM system under a root directory: the rpmdb plus every enabled repository cached by dnf.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use super::super::cache_file::present;
use super::dnf_config::read_dnf_config;
use super::header::RpmPackage;
use super::repodata::RepoPackage;
use super::repomd::read_repo;
use super::report::{RpmUpdate, rpm_updates};
use super::rpmdb::read_rpmdb;

/// The RPM part of an OS patch report.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RpmScan {
    /// Installed packages (without `gpg-pubkey`).
    pub installed: Vec<RpmPackage>,
    /// Pending updates with their advisories.
    pub updates: Vec<RpmUpdate>,
    /// Repository cache directories that were read.
    pub repos: Vec<String>,
    /// Whether every repository read shipped updateinfo (otherwise security is unknown).
    pub security_known: bool,
    /// Problems that did not stop the scan, each naming its file.
    pub warnings: Vec<String>,
}

const RPMDB_PATHS: [&str; 2] = ["usr/lib/sysimage/rpm", "var/lib/rpm"];
const CACHE_DIRS: [&str; 2] = ["var/cache/dnf", "var/cache/libdnf5"];

fn locate_rpmdb(root: &Path) -> Result<PathBuf> {
    for dir in RPMDB_PATHS {
        let p = root.join(dir).join("rpmdb.sqlite");
        if present(&p) {
            return Ok(p);
        }
    }
    for dir in RPMDB_PATHS {
        for legacy in ["Packages", "Packages.db"] {
            let p = root.join(dir).join(legacy);
            if p.is_file() {
                return Err(Error::invalid(
                    p.display().to_string(),
                    "Berkeley DB / ndb rpmdb is not supported (only rpmdb.sqlite)",
                ));
            }
        }
    }
    Err(Error::not_found(format!(
        "rpmdb.sqlite under {}/{{usr/lib/sysimage/rpm,var/lib/rpm}}",
        root.display()
    )))
}

/// For each (name, arch), only the packages of the best-priority (lowest number) repositories
/// offering it, as dnf's priority filter keeps them.
fn best_priority(packages: Vec<(i32, RepoPackage)>) -> Vec<RepoPackage> {
    let mut best: HashMap<(&str, &str), i32> = HashMap::new();
    for (prio, p) in &packages {
        let slot = best
            .entry((p.name.as_str(), p.arch.as_str()))
            .or_insert(*prio);
        *slot = (*slot).min(*prio);
    }
    let keep: Vec<bool> = packages
        .iter()
        .map(|(prio, p)| best.get(&(p.name.as_str(), p.arch.as_str())) == Some(prio))
        .collect();
    packages
        .into_iter()
        .zip(keep)
        .filter_map(|((_, p), k)| k.then_some(p))
        .collect()
}

/// The repo id of a dnf cache directory name `<id>-<16 hex>`.
fn repo_id(dir_name: &str) -> &str {
    match dir_name.rsplit_once('-') {
        Some((id, hash)) if hash.len() == 16 && hash.bytes().all(|c| c.is_ascii_hexdigit()) => id,
        _ => dir_name,
    }
}

/// Scans the RPM system under `root`; a missing or unreadable rpmdb is an error, a bad repo a warning.
pub fn scan_rpm(root: &Path) -> Result<RpmScan> {
    let installed = read_rpmdb(&locate_rpmdb(root)?)?;
    let mut warnings = Vec::new();
    let config = read_dnf_config(root, &mut warnings);
    let (mut packages, mut advisories, mut repos) = (Vec::new(), Vec::new(), Vec::new());
    let mut security_known = true;
    for cache in CACHE_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(cache)) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| present(&p.join("repodata/repomd.xml")))
            .collect();
        dirs.sort();
        for dir in dirs {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let repo = config.repo(repo_id(&name));
            if !repo.enabled {
                continue;
            }
            match read_repo(&dir) {
                Ok(r) => {
                    if !r.has_updateinfo {
                        security_known = false;
                        warnings.push(format!("updateinfo-missing: {}", dir.display()));
                    }
                    packages.extend(
                        r.packages
                            .into_iter()
                            .filter(|p| config.admits(&repo, &p.name, &p.evr, &p.arch))
                            .map(|p| (repo.priority, p)),
                    );
                    advisories.extend(r.advisories);
                    repos.push(dir.display().to_string());
                }
                Err(e) => {
                    security_known = false;
                    warnings.push(format!("repo-unreadable: {e}"));
                }
            }
        }
    }
    if repos.is_empty() {
        security_known = false;
        warnings.push(format!(
            "no-repo-metadata: no dnf cache under {}/var/cache/{{dnf,libdnf5}}",
            root.display()
        ));
    }
    let packages = best_priority(packages);
    let updates = rpm_updates(&installed, &packages, &advisories, &config.locks);
    Ok(RpmScan {
        installed,
        updates,
        repos,
        security_known,
        warnings,
    })
}
