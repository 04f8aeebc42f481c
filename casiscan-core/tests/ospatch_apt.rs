//! The Debian report against the real apt and dpkg on this machine.

use std::cmp::Ordering;
use std::io::Write;
use std::process::{Command, Stdio};

use casiscan_core::providers::ospatch::compare_debian_versions;
use casiscan_core::providers::ospatch::debian::debian_report;

/// `(name, candidate, installed)` from `apt list --upgradable`.
fn apt_upgradable() -> Vec<(String, String, String)> {
    let out = Command::new("apt")
        .args(["list", "--upgradable"])
        .env("LANG", "C")
        .output()
        .expect("apt");
    let mut rows: Vec<(String, String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("[upgradable from: "))
        .filter_map(|l| {
            let (name, rest) = l.split_once('/')?;
            let mut words = rest.split_whitespace();
            let _suites = words.next()?;
            let cand = words.next()?.to_string();
            let inst = l.rsplit_once("from: ")?.1.trim_end_matches(']').to_string();
            Some((name.to_string(), cand, inst))
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn available_set_equals_apt_list_upgradable() {
    let lists = std::fs::read_dir("/var/lib/apt/lists").expect("apt lists");
    assert!(
        lists
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains("_Packages")),
        "no apt lists: run `apt-get update` (scripts/install-deps.sh does)"
    );
    let report = debian_report(std::path::Path::new("/")).expect("report");
    let mut ours: Vec<(String, String, String)> = report
        .updates
        .iter()
        .map(|u| {
            (
                u.name.clone(),
                u.candidate_version.clone(),
                u.installed_version.clone(),
            )
        })
        .collect();
    ours.sort();
    ours.dedup();
    let apt = apt_upgradable();
    assert_eq!(ours, apt, "ours vs apt list --upgradable");
    assert_eq!(report.summary.installed_count, report.installed.len());
    assert!(report.summary.security_updates_count >= report.summary.security_candidate_count);
}

#[test]
fn debian_versions_agree_with_dpkg_on_generated_pairs() {
    let parts = [
        "0",
        "1",
        "1.0",
        "1.0~rc1",
        "1.0~",
        "1.0a",
        "1.0+b1",
        "1.0.",
        "01",
        "2:1",
        "1:1.0",
        "a",
        "1.0-1",
        "1.0-1~bpo",
        "1.0-1+deb12u1",
        "1.0-10",
        "9",
        "10",
        "1~~",
        "1.2.3",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut pairs = Vec::new();
    while pairs.len() < 2000 {
        let a = format!(
            "{}{}",
            parts[next(parts.len())],
            ["", ".1", "~x", "+y", "a1"][next(5)]
        );
        let b = format!(
            "{}{}",
            parts[next(parts.len())],
            ["", ".1", "~x", "+y", "a1"][next(5)]
        );
        if a.starts_with(|c: char| c.is_ascii_digit())
            && b.starts_with(|c: char| c.is_ascii_digit())
        {
            pairs.push((a, b));
        }
    }
    let mut script = String::new();
    for (a, b) in &pairs {
        script.push_str(&format!(
            "if dpkg --compare-versions '{a}' lt '{b}' 2>/dev/null; then echo lt; elif dpkg --compare-versions '{a}' eq '{b}' 2>/dev/null; then echo eq; else echo gt; fi\n"
        ));
    }
    let mut sh = Command::new("sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sh");
    sh.stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("write");
    let out = sh.wait_with_output().expect("dpkg");
    let verdicts: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(verdicts.len(), pairs.len());
    let mut wrong = Vec::new();
    for ((a, b), v) in pairs.iter().zip(&verdicts) {
        let ours = match compare_debian_versions(a, b) {
            Ordering::Less => "lt",
            Ordering::Equal => "eq",
            Ordering::Greater => "gt",
        };
        if ours != v {
            wrong.push(format!("{a} vs {b}: dpkg {v}, ours {ours}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        pairs.len(),
        wrong.join("\n")
    );
}
