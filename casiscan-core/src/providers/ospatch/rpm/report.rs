//! RPM updates: newest installed vs highest repo EVR per (name, arch), with the advisories in between.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use super::dnf_config::VersionLock;
use super::header::RpmPackage;
use super::repodata::{Advisory, RepoPackage};
use super::vercmp::{Evr, compare_evr};

/// One pending RPM update.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RpmUpdate {
    /// Package name.
    pub name: String,
    /// Installed architecture.
    pub arch: String,
    /// Newest installed EVR.
    pub installed_version: String,
    /// Highest EVR offered by the repositories.
    pub candidate_version: String,
    /// Some security advisory fixes a version in (installed, candidate].
    pub is_security: bool,
    /// Ids of the advisories whose fixed version lies in (installed, candidate].
    pub advisories: Vec<String>,
    /// Highest vendor severity among those advisories.
    pub severity: Option<String>,
    /// CVE ids of those advisories.
    pub cve_ids: Vec<String>,
    /// An applicable advisory suggests a reboot.
    pub reboot_suggested: bool,
    /// Package size of the candidate, bytes.
    pub download_size: Option<u64>,
    /// The versionlock list keeps this update from being installed.
    pub held: bool,
}

fn arch_fits(installed: &str, offered: &str) -> bool {
    installed == offered || offered == "noarch" || installed == "noarch"
}

/// The newest version the locks allow when it is an update, else the newest offered one marked
/// held when that is an update; `None` when nothing newer is offered.
fn candidate<'a>(
    name: &str,
    arch: &str,
    inst: &Evr,
    offered: &[&'a RepoPackage],
    locks: &VersionLock,
) -> Option<(&'a RepoPackage, bool)> {
    let newer = |r: &&&RepoPackage| compare_evr(&r.evr, inst) == Ordering::Greater;
    let newest = |it: &mut dyn Iterator<Item = &&'a RepoPackage>| {
        it.max_by(|a, b| compare_evr(&a.evr, &b.evr)).copied()
    };
    if locks.is_empty() {
        return newest(&mut offered.iter().filter(newer)).map(|c| (c, false));
    }
    let locked =
        locks.names(name, inst, arch) || offered.iter().any(|r| locks.names(name, &r.evr, &r.arch));
    let allowed = newest(
        &mut offered
            .iter()
            .filter(newer)
            .filter(|r| locks.allows(locked, name, &r.evr, &r.arch)),
    );
    match allowed {
        Some(c) => Some((c, false)),
        None => newest(&mut offered.iter().filter(newer)).map(|c| (c, true)),
    }
}

fn severity_rank(s: &str) -> u8 {
    match s.to_ascii_lowercase().as_str() {
        "critical" => 4,
        "important" | "high" => 3,
        "moderate" | "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// Computes the updates: install-only packages compare only their newest installed version;
/// an update the version locks forbid is reported as held.
pub fn rpm_updates(
    installed: &[RpmPackage],
    available: &[RepoPackage],
    advisories: &[Advisory],
    locks: &VersionLock,
) -> Vec<RpmUpdate> {
    let mut newest: BTreeMap<(&str, &str), &Evr> = BTreeMap::new();
    for p in installed {
        let slot = newest.entry((&p.name, &p.arch)).or_insert(&p.evr);
        if compare_evr(&p.evr, slot) == Ordering::Greater {
            *slot = &p.evr;
        }
    }
    let mut by_name: HashMap<&str, Vec<&RepoPackage>> = HashMap::new();
    for r in available {
        by_name.entry(r.name.as_str()).or_default().push(r);
    }
    let mut advisories_by_name: HashMap<&str, Vec<&Advisory>> = HashMap::new();
    for adv in advisories {
        let mut names: Vec<&str> = adv.packages.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for n in names {
            advisories_by_name.entry(n).or_default().push(adv);
        }
    }
    let mut out = Vec::new();
    for ((name, arch), inst) in newest {
        let offered: Vec<&RepoPackage> = by_name
            .get(name)
            .into_iter()
            .flatten()
            .copied()
            .filter(|r| arch_fits(arch, &r.arch))
            .collect();
        let Some((cand, held)) = candidate(name, arch, inst, &offered, locks) else {
            continue;
        };
        let mut u = RpmUpdate {
            name: name.to_string(),
            arch: arch.to_string(),
            installed_version: inst.to_string(),
            candidate_version: cand.evr.to_string(),
            is_security: false,
            advisories: Vec::new(),
            severity: None,
            cve_ids: Vec::new(),
            reboot_suggested: false,
            download_size: cand.size,
            held,
        };
        let named = advisories_by_name.get(name).map_or(&[][..], Vec::as_slice);
        for adv in named.iter().copied() {
            let hits: Vec<_> = adv
                .packages
                .iter()
                .filter(|p| {
                    p.name == name
                        && arch_fits(arch, &p.arch)
                        && compare_evr(&p.evr, inst) == Ordering::Greater
                        && compare_evr(&p.evr, &cand.evr) != Ordering::Greater
                })
                .collect();
            if hits.is_empty() {
                continue;
            }
            u.is_security |= adv.kind == "security";
            u.reboot_suggested |= hits.iter().any(|p| p.reboot_suggested);
            if !u.advisories.contains(&adv.id) {
                u.advisories.push(adv.id.clone());
            }
            if let Some(s) = &adv.severity
                && u.severity.as_deref().map_or(0, severity_rank) < severity_rank(s)
            {
                u.severity = Some(s.clone());
            }
            for c in &adv.cve_ids {
                if !u.cve_ids.contains(c) {
                    u.cve_ids.push(c.clone());
                }
            }
        }
        out.push(u);
    }
    out
}
