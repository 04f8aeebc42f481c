//! The Debian report on package trees made here: point releases, pins, holds, NotAutomatic,
//! ButAutomaticUpgrades, every compression, broken inputs.

use std::io::Write;
use std::path::Path;

use casiscan_core::ErrorKind;
use casiscan_core::providers::ospatch::SupportPhase;
use casiscan_core::providers::ospatch::debian::{
    DebianReport as OsPatchReport, DebianUpdate as Update, debian_report, debian_report_at,
};

fn status_stanza(name: &str, arch: &str, version: &str, status: &str) -> String {
    format!(
        "Package: {name}\nStatus: {status}\nArchitecture: {arch}\nVersion: {version}\nDescription: test\n multi-line\n\n"
    )
}

fn packages(entries: &[(&str, &str, &str)]) -> String {
    entries
        .iter()
        .map(|(n, a, v)| format!("Package: {n}\nArchitecture: {a}\nVersion: {v}\nSize: 1000\n\n"))
        .collect()
}

fn release(suite: &str, label: &str, extra: &str) -> String {
    format!(
        "Origin: Debian\nLabel: {label}\nSuite: {suite}\nCodename: {suite}\nDate: Sat, 21 Nov 2026 10:00:00 UTC\n{extra}"
    )
}

enum Pack {
    Plain,
    Gz,
    Xz,
    Zst,
    Lz4,
}

fn compress(data: &str, how: Pack) -> (Vec<u8>, &'static str) {
    let bytes = data.as_bytes();
    match how {
        Pack::Plain => (bytes.to_vec(), ""),
        Pack::Gz => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(bytes).expect("gz");
            (e.finish().expect("gz"), ".gz")
        }
        Pack::Xz => {
            let mut out = Vec::new();
            lzma_rs::xz_compress(&mut &bytes[..], &mut out).expect("xz");
            (out, ".xz")
        }
        Pack::Zst => (
            ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest),
            ".zst",
        ),
        Pack::Lz4 => {
            let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
            e.write_all(bytes).expect("lz4");
            (e.finish().expect("lz4"), ".lz4")
        }
    }
}

/// Release file prefix, Release text, offered packages, compression.
type Repo = (
    &'static str,
    String,
    Vec<(&'static str, &'static str, &'static str)>,
    Pack,
);

/// A root with dpkg status and four sources: stable (gz), stable-security (xz),
/// backports NotAutomatic+ButAutomaticUpgrades (zst), experimental NotAutomatic (lz4).
fn tree(root: &Path) {
    let dpkg = root.join("var/lib/dpkg");
    let lists = root.join("var/lib/apt/lists");
    std::fs::create_dir_all(&dpkg).expect("mkdir");
    std::fs::create_dir_all(&lists).expect("mkdir");
    std::fs::create_dir_all(root.join("etc/apt/preferences.d")).expect("mkdir");
    let status = [
        status_stanza("dpkg", "amd64", "1.21.22", "install ok installed"),
        status_stanza("foo", "amd64", "1.0-1", "install ok installed"),
        status_stanza("bar", "all", "2.0-1", "hold ok installed"),
        status_stanza("baz", "amd64", "1.0", "install ok unpacked"),
        status_stanza("gone", "amd64", "1.0", "deinstall ok config-files"),
        status_stanza("bp", "amd64", "1.0", "install ok installed"),
    ]
    .concat();
    std::fs::write(dpkg.join("status"), status).expect("status");
    let repos: [Repo; 5] = [
        (
            "ex.org_debian_dists_stable",
            release("stable", "Debian", ""),
            vec![
                ("foo", "amd64", "1.0-3"),
                ("bar", "all", "2.1-1"),
                ("baz", "amd64", "1.1"),
                ("gone", "amd64", "2.0"),
            ],
            Pack::Gz,
        ),
        (
            "ex.org_security_dists_stable-security",
            release("stable-security", "Debian-Security", ""),
            vec![("foo", "amd64", "1.0-2")],
            Pack::Xz,
        ),
        (
            "ex.org_debian_dists_stable-backports",
            release(
                "stable-backports",
                "Debian Backports",
                "NotAutomatic: yes\nButAutomaticUpgrades: yes\n",
            ),
            vec![("foo", "amd64", "9.0"), ("bp", "amd64", "2.0")],
            Pack::Zst,
        ),
        (
            "ex.org_debian_dists_experimental",
            release("experimental", "Debian", "NotAutomatic: yes\n"),
            vec![("baz", "amd64", "5.0")],
            Pack::Lz4,
        ),
        (
            "ex.org_debian_dists_stable-updates",
            release("stable-updates", "Debian", ""),
            vec![("other", "amd64", "1.0")],
            Pack::Plain,
        ),
    ];
    for (prefix, rel, pkgs, how) in repos {
        std::fs::write(lists.join(format!("{prefix}_Release")), rel).expect("release");
        let (bytes, ext) = compress(&packages(&pkgs), how);
        std::fs::write(
            lists.join(format!("{prefix}_main_binary-amd64_Packages{ext}")),
            bytes,
        )
        .expect("packages");
    }
}

fn update<'a>(r: &'a OsPatchReport, name: &str) -> Option<&'a Update> {
    r.updates.iter().find(|u| u.name == name)
}

#[test]
fn default_policy_point_release_and_security_range() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    let r = debian_report(dir.path()).expect("report");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.sources.len(), 5, "every compression was read");
    let foo = update(&r, "foo").expect("foo");
    assert_eq!(
        foo.candidate_version, "1.0-3",
        "NotAutomatic+ButAutomaticUpgrades (100) loses to 500"
    );
    assert!(
        foo.is_security,
        "1.0-2 from the security archive lies in (1.0-1, 1.0-3]"
    );
    assert!(
        !foo.candidate_in_security_archive,
        "the candidate is the point release"
    );
    assert_eq!(foo.security_version.as_deref(), Some("1.0-2"));
    let bar = update(&r, "bar").expect("bar");
    assert!(bar.held);
    assert_eq!(
        (bar.arch.as_str(), bar.candidate_version.as_str()),
        ("all", "2.1-1")
    );
    assert_eq!(
        update(&r, "baz").expect("baz").candidate_version,
        "1.1",
        "unpacked counts as installed; experimental (1) loses"
    );
    assert!(
        update(&r, "gone").is_none(),
        "config-files is not installed"
    );
    assert_eq!(
        update(&r, "bp").expect("bp").candidate_version,
        "2.0",
        "ButAutomaticUpgrades upgrades what only backports offers"
    );
    assert_eq!(r.summary.installed_count, 5);
    assert_eq!(r.summary.security_updates_count, 1);
    assert_eq!(r.summary.security_candidate_count, 0);
    assert_eq!(r.summary.held_count, 1);
    assert!(
        r.recommendations
            .iter()
            .any(|m| m.contains("security updates"))
    );
    assert_eq!(
        r.reboot.required, None,
        "unknown for a mounted root, never a guess"
    );
}

#[test]
fn pins_change_the_candidate() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    let prefs = "Package: baz\nPin: version 5.*\nPin-Priority: 600\n\nPackage: *\nPin: release a=stable-backports\nPin-Priority: 550\n\nPackage: bar\nPin: release n=stable\nPin-Priority: -1\n";
    std::fs::write(dir.path().join("etc/apt/preferences.d/test.pref"), prefs).expect("prefs");
    let r = debian_report(dir.path()).expect("report");
    assert_eq!(
        update(&r, "baz").expect("baz").candidate_version,
        "5.0",
        "a version pin beats NotAutomatic"
    );
    assert_eq!(
        update(&r, "foo").expect("foo").candidate_version,
        "9.0",
        "a general pin raises backports"
    );
    assert!(
        update(&r, "bar").is_none(),
        "a -1 pin removes the candidate"
    );
}

#[test]
fn default_release_wins() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    std::fs::create_dir_all(dir.path().join("etc/apt/apt.conf.d")).expect("mkdir");
    std::fs::write(
        dir.path().join("etc/apt/apt.conf.d/01default"),
        "APT::Default-Release \"stable-security\";\n",
    )
    .expect("conf");
    let r = debian_report(dir.path()).expect("report");
    let foo = update(&r, "foo").expect("foo");
    assert_eq!(
        foo.candidate_version, "1.0-2",
        "990 for the default release"
    );
    assert!(foo.candidate_in_security_archive);
}

#[test]
fn a_corrupt_list_is_a_warning_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    let gz = dir
        .path()
        .join("var/lib/apt/lists/ex.org_debian_dists_stable_main_binary-amd64_Packages.gz");
    let bytes = std::fs::read(&gz).expect("read");
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).expect("truncate");
    let r = debian_report(dir.path()).expect("report");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("ex.org_debian_dists_stable_main") && w.contains("gzip")),
        "{:?}",
        r.warnings
    );
    assert_eq!(r.sources.len(), 4);
}

#[test]
fn broken_or_missing_status_is_an_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let err = debian_report(dir.path()).expect_err("missing");
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("var/lib/dpkg/status"));
    std::fs::create_dir_all(dir.path().join("var/lib/dpkg")).expect("mkdir");
    std::fs::write(
        dir.path().join("var/lib/dpkg/status"),
        "Package: x\nVersion: 1\n\n",
    )
    .expect("write");
    let err = debian_report(dir.path()).expect_err("broken");
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(err.to_string().contains("Status"), "{err}");
}

#[test]
fn no_lists_is_said_not_silently_empty() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    std::fs::remove_dir_all(dir.path().join("var/lib/apt/lists")).expect("rm");
    let r = debian_report(dir.path()).expect("report");
    assert!(r.updates.is_empty());
    assert!(
        r.warnings.iter().any(|w| w.contains("apt-get update")),
        "{:?}",
        r.warnings
    );
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&chrono::Utc)
}

fn refresh_advice(r: &OsPatchReport) -> Vec<&String> {
    r.recommendations
        .iter()
        .filter(|m| m.contains("apt-get update"))
        .collect()
}

#[test]
fn old_and_expired_lists_are_recommended_for_refresh() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    let fresh = debian_report_at(dir.path(), at("2026-11-22T09:00:00Z")).expect("report");
    assert_eq!(
        fresh.summary.metadata_as_of.as_deref(),
        Some("2026-11-21T10:00:00+00:00")
    );
    assert!(!fresh.summary.metadata_expired);
    assert!(
        refresh_advice(&fresh).is_empty(),
        "{:?}",
        fresh.recommendations
    );

    let old = debian_report_at(dir.path(), at("2026-12-10T09:00:00Z")).expect("report");
    let advice = refresh_advice(&old);
    assert!(
        advice.len() == 1 && advice[0].contains("2026-11-21"),
        "{advice:?}"
    );

    let lists = dir.path().join("var/lib/apt/lists");
    let security = release(
        "stable-security",
        "Debian-Security",
        "Valid-Until: Sat, 28 Nov 2026 10:00:00 UTC\n",
    );
    std::fs::write(
        lists.join("ex.org_security_dists_stable-security_Release"),
        security,
    )
    .expect("release");
    let before = debian_report_at(dir.path(), at("2026-11-28T09:59:59Z")).expect("report");
    assert!(!before.summary.metadata_expired);
    let after = debian_report_at(dir.path(), at("2026-11-28T10:00:01Z")).expect("report");
    assert!(after.summary.metadata_expired);
    let advice = refresh_advice(&after);
    assert!(
        advice.len() == 1 && advice[0].contains("ex.org_security_dists_stable-security_main"),
        "{advice:?}"
    );
}

#[test]
fn the_release_support_phase_comes_from_distro_info() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    let share = dir.path().join("usr/share/distro-info");
    std::fs::create_dir_all(&share).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
    std::fs::write(
        dir.path().join("etc/os-release"),
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
    )
    .expect("os-release");
    std::fs::write(
        share.join("debian.csv"),
        "version,codename,series,created,release,eol,eol-lts,eol-elts\n\
         12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,2033-06-30\n",
    )
    .expect("csv");
    let r = debian_report_at(dir.path(), at("2026-11-22T09:00:00Z")).expect("report");
    let support = r.support.as_ref().expect("known release");
    assert_eq!(support.phase, SupportPhase::Lts);
    assert!(
        r.recommendations
            .iter()
            .any(|m| m.contains("LTS until 2028-06-30")),
        "{:?}",
        r.recommendations
    );
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["support"]["phase"], "lts");
    assert_eq!(json["support"]["eolLts"], "2028-06-30");
    std::fs::remove_file(share.join("debian.csv")).expect("rm");
    let r = debian_report_at(dir.path(), at("2026-11-22T09:00:00Z")).expect("report");
    assert!(r.support.is_none(), "no table, no guess");
}

#[test]
fn the_providers_own_result_yields_findings_and_diffs() {
    use casiscan_core::lifecycle::{diff_results, ospatch_detections};
    use casiscan_core::model::ScanResult;
    use casiscan_core::providers::ospatch::OsPatchProvider;
    use casiscan_core::providers::{Provider, RunContext, RunRequest};
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    let provider = OsPatchProvider::with_root(dir.path());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let request = || RunRequest {
        owner: "admin".into(),
        target: "127.0.0.1".parse().expect("target"),
        command: "available".into(),
        timeout: std::time::Duration::from_secs(60),
    };
    let out = rt
        .block_on(provider.run(request(), RunContext::detached()))
        .expect("run");
    let report = |r: &ScanResult| match r {
        ScanResult::OsPatch(r) => r.report.clone().expect("report"),
        ScanResult::Nmap(_) | ScanResult::PatchInstall(_) => panic!("an OS patch result"),
    };
    let found = ospatch_detections(&report(&out.result));
    let titles: Vec<&str> = found.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, ["PKG-UPDATE:foo: security update for foo missing"]);
    assert!(
        found[0].found_on.starts_with("pkg:deb/foo@1.0-1"),
        "{}",
        found[0].found_on
    );

    // Apply foo's update: the next run's diff says so.
    let status = dir.path().join("var/lib/dpkg/status");
    let text = std::fs::read_to_string(&status).expect("status");
    std::fs::write(
        &status,
        text.replace(
            "Package: foo\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1",
            "Package: foo\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-3",
        ),
    )
    .expect("write");
    let later = rt
        .block_on(provider.run(request(), RunContext::detached()))
        .expect("run");
    assert!(ospatch_detections(&report(&later.result)).is_empty());
    assert_eq!(
        diff_results(&out.result, &later.result).updates_applied,
        ["foo amd64"]
    );
}
