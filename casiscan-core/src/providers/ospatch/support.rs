//! Whether the installed release still gets security updates, from `usr/share/distro-info/*.csv`.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cache_file::{Limits, read_optional_text};

/// Where a release stands in its vendor's support cycle on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SupportPhase {
    /// Regular security support.
    Supported,
    /// Past regular support, in Debian's Long Term Support.
    Lts,
    /// Past LTS, in Debian's paid Extended LTS.
    Elts,
    /// Past standard support, in Ubuntu's Expanded Security Maintenance (Ubuntu Pro).
    Esm,
    /// No security support at all.
    EndOfLife,
}

/// The support dates of the installed release and its phase today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportStatus {
    /// Vendor (`debian`, `ubuntu`).
    pub distribution: String,
    /// Release series (`bookworm`, `noble`).
    pub series: String,
    /// Release version as distro-info lists it (`12`, `24.04 LTS`).
    pub version: String,
    /// End of regular support.
    pub eol: Option<NaiveDate>,
    /// End of Debian LTS.
    pub eol_lts: Option<NaiveDate>,
    /// End of Debian ELTS.
    pub eol_elts: Option<NaiveDate>,
    /// End of Ubuntu ESM.
    pub eol_esm: Option<NaiveDate>,
    /// Phase on the day of the report.
    pub phase: SupportPhase,
}

impl SupportStatus {
    /// A recommendation when the release is past regular support.
    pub fn recommendation(&self) -> Option<String> {
        let name = format!(
            "{} {} ({})",
            title(&self.distribution),
            self.version,
            self.series
        );
        let eol = self.eol.map_or_else(|| "?".into(), |d| d.to_string());
        let until =
            |d: Option<NaiveDate>| d.map_or_else(|| "an unknown date".into(), |d| d.to_string());
        match self.phase {
            SupportPhase::Supported => None,
            SupportPhase::Lts => Some(format!(
                "{name}: regular security support ended {eol}; LTS until {}: plan an upgrade",
                until(self.eol_lts)
            )),
            SupportPhase::Elts => Some(format!(
                "{name}: LTS ended {}; only paid Extended LTS until {}: upgrade the release",
                until(self.eol_lts),
                until(self.eol_elts)
            )),
            SupportPhase::Esm => Some(format!(
                "{name}: standard support ended {eol}; security updates only with Ubuntu Pro (ESM) until {}",
                until(self.eol_esm)
            )),
            SupportPhase::EndOfLife => Some(format!(
                "{name} reached end of life: no security updates are published; upgrade the release"
            )),
        }
    }
}

fn title(distribution: &str) -> String {
    let mut chars = distribution.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// The text of `<root>/etc/os-release`, else `<root>/usr/lib/os-release`.
pub fn os_release(root: &Path, warnings: &mut Vec<String>) -> Option<String> {
    read_optional_text(&root.join("etc/os-release"), Limits::CONFIG, warnings)
        .or_else(|| read_optional_text(&root.join("usr/lib/os-release"), Limits::CONFIG, warnings))
}

/// `PRETTY_NAME` of an os-release text.
pub fn pretty_name(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
}

/// The support status of the release described by the os-release text `os`, on `today`;
/// `None` when os-release or the distro-info table under `root` does not know it.
pub fn support_status(
    root: &Path,
    os: &str,
    today: NaiveDate,
    warnings: &mut Vec<String>,
) -> Option<SupportStatus> {
    let value = |key: &str| {
        os.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_ascii_lowercase())
    };
    let distribution = value("ID")?;
    if distribution != "debian" && distribution != "ubuntu" {
        return None;
    }
    let codename = value("VERSION_CODENAME").or_else(|| value("UBUNTU_CODENAME"));
    let table = read_optional_text(
        &root
            .join("usr/share/distro-info")
            .join(format!("{distribution}.csv")),
        Limits::CONFIG,
        warnings,
    )?;
    let row = find_row(&table, codename.as_deref(), value("VERSION_ID").as_deref())?;
    Some(status(distribution, &row, today))
}

/// The table's row for a series (by codename, else by version number), as column → value.
fn find_row(
    table: &str,
    codename: Option<&str>,
    version: Option<&str>,
) -> Option<Vec<(String, String)>> {
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.trim().to_string(), v.trim().to_string()))
                .collect::<Vec<_>>()
        })
        .find(|row| {
            let get = |k: &str| row.iter().find(|(h, _)| h == k).map(|(_, v)| v.as_str());
            match (codename, version) {
                (Some(c), _) => get("series") == Some(c),
                (None, Some(v)) => get("version").is_some_and(|rv| rv.split(' ').next() == Some(v)),
                (None, None) => false,
            }
        })
}

fn status(distribution: String, row: &[(String, String)], today: NaiveDate) -> SupportStatus {
    let get = |k: &str| row.iter().find(|(h, _)| h == k).map(|(_, v)| v.as_str());
    let date = |k: &str| get(k).and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok());
    let mut status = SupportStatus {
        series: get("series").unwrap_or_default().to_string(),
        version: get("version").unwrap_or_default().to_string(),
        eol: date("eol"),
        eol_lts: date("eol-lts"),
        eol_elts: date("eol-elts"),
        eol_esm: date("eol-esm"),
        phase: SupportPhase::Supported,
        distribution,
    };
    // Ubuntu LTS rows carry a later `eol-server` date for standard support on servers.
    let regular_end = date("eol-server").max(status.eol);
    let after = |d: Option<NaiveDate>| d.is_some_and(|d| today > d);
    let within = |d: Option<NaiveDate>| d.is_some_and(|d| today <= d);
    status.phase = if !after(regular_end) {
        SupportPhase::Supported
    } else if within(status.eol_lts) {
        SupportPhase::Lts
    } else if within(status.eol_elts) {
        SupportPhase::Elts
    } else if within(status.eol_esm) {
        SupportPhase::Esm
    } else {
        SupportPhase::EndOfLife
    };
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = "version,codename,series,created,release,eol,eol-lts,eol-elts\n\
        11,Bullseye,bullseye,2019-07-06,2021-08-14,2024-08-14,2026-08-31,2031-06-30\n\
        12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,2033-06-30\n\
        13,Trixie,trixie,2023-06-10,2025-08-09\n";
    const UBUNTU: &str = "version,codename,series,created,release,eol,eol-server,eol-esm\n\
        20.04 LTS,Focal Fossa,focal,2019-10-17,2020-04-23,2025-05-29,2025-05-29,2030-04-23\n\
        23.10,Mantic Minotaur,mantic,2023-04-20,2023-10-12,2024-07-11\n";

    fn root(id: &str, codename: &str, version: &str, table: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("etc");
        std::fs::create_dir_all(dir.path().join("usr/share/distro-info")).expect("share");
        let release = format!("ID={id}\nVERSION_ID=\"{version}\"\nVERSION_CODENAME={codename}\n");
        std::fs::write(dir.path().join("etc/os-release"), release).expect("os-release");
        std::fs::write(
            dir.path().join(format!("usr/share/distro-info/{id}.csv")),
            table,
        )
        .expect("csv");
        dir
    }

    fn support_status(root: &Path, today: NaiveDate) -> Option<SupportStatus> {
        let mut warnings = Vec::new();
        let os = os_release(root, &mut warnings)?;
        let status = super::support_status(root, &os, today, &mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        status
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn debian_phases_follow_the_table_dates() {
        let dir = root("debian", "bookworm", "12", DEBIAN);
        let phase = |d: &str| support_status(dir.path(), day(d)).expect("known").phase;
        assert_eq!(
            phase("2026-07-11"),
            SupportPhase::Supported,
            "the eol day is still supported"
        );
        assert_eq!(phase("2026-07-12"), SupportPhase::Lts);
        assert_eq!(phase("2028-07-01"), SupportPhase::Elts);
        assert_eq!(phase("2033-07-01"), SupportPhase::EndOfLife);
        let lts = support_status(dir.path(), day("2026-11-22")).expect("known");
        let text = lts.recommendation().expect("recommended");
        assert!(
            text.contains("2026-07-11") && text.contains("2028-06-30"),
            "{text}"
        );
    }

    #[test]
    fn a_release_without_an_eol_date_is_supported() {
        let dir = root("debian", "trixie", "13", DEBIAN);
        let s = support_status(dir.path(), day("2030-01-01")).expect("known");
        assert_eq!((s.phase, s.eol), (SupportPhase::Supported, None));
        assert_eq!(s.recommendation(), None);
    }

    #[test]
    fn ubuntu_esm_and_interim_releases() {
        let dir = root("ubuntu", "focal", "20.04", UBUNTU);
        let s = support_status(dir.path(), day("2026-11-22")).expect("known");
        assert_eq!(s.phase, SupportPhase::Esm);
        assert!(s.recommendation().expect("esm").contains("Ubuntu Pro"));
        let dir = root("ubuntu", "mantic", "23.10", UBUNTU);
        let s = support_status(dir.path(), day("2026-11-22")).expect("known");
        assert_eq!(s.phase, SupportPhase::EndOfLife);
    }

    #[test]
    fn unknown_release_or_missing_table_is_none() {
        let dir = root("debian", "nosuch", "99", DEBIAN);
        assert_eq!(support_status(dir.path(), day("2026-11-22")), None);
        std::fs::remove_file(dir.path().join("usr/share/distro-info/debian.csv")).expect("rm");
        assert_eq!(support_status(dir.path(), day("2026-11-22")), None);
    }
}
