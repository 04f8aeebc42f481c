//! The configuration a Debian scan reads beside its lists (the first byte chooses the file the
//! rest fills): `etc/apt/preferences` (the pins, then the candidates they give among a few fixed
//! sources and offers), `etc/apt/apt.conf` (`APT::Default-Release`), `etc/os-release`
//! (`PRETTY_NAME` and the support status it names; a NUL byte may follow with a distro-info
//! table used as both Debian's and Ubuntu's). Every candidate is one of the offered or installed
//! versions.
use casiscan_core::fuzzing::{
    Offer, candidate, default_release, os_release, pretty_name, prioritise, read_pins,
    support_status,
};
use casiscan_core::providers::ospatch::Source;
use casiscan_fuzz::root_with;
use chrono::NaiveDate;

/// The distro-info table of Debian the os-release input is checked against by default.
const DEBIAN_TABLE: &[u8] = b"version,codename,series,created,release,eol,eol-lts,eol-elts\n\
11,Bullseye,bullseye,2019-07-06,2021-08-14,2024-08-14,2026-08-31,2031-06-30\n\
12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,2033-06-30\n";

/// The distro-info table of Ubuntu the os-release input is checked against by default.
const UBUNTU_TABLE: &[u8] = b"version,codename,series,created,release,eol,eol-server,eol-esm\n\
22.04 LTS,Jammy Jellyfish,jammy,2021-10-14,2022-04-21,2027-06-01,2027-06-01,2032-04-09\n";

/// Three sources as apt's lists describe them: the release, its security archive, backports.
fn sources() -> Vec<Source> {
    let source = |id: &str, suite: &str, codename: &str, label: &str| Source {
        id: id.to_string(),
        origin: "Debian".to_string(),
        label: label.to_string(),
        suite: suite.to_string(),
        codename: codename.to_string(),
        version: "12.8".to_string(),
        component: "main".to_string(),
        site: "deb.example".to_string(),
        is_security: label == "Debian-Security",
        ..Source::default()
    };
    let mut backports = source(
        "bpo",
        "stable-backports",
        "bookworm-backports",
        "Debian Backports",
    );
    backports.not_automatic = true;
    backports.but_automatic_upgrades = true;
    vec![
        source("main", "stable", "bookworm", "Debian"),
        source(
            "security",
            "stable-security",
            "bookworm-security",
            "Debian-Security",
        ),
        backports,
    ]
}

/// Offered versions (package, version, source index) and the installed version of each package.
const OFFERS: [(&str, &str, usize); 6] = [
    ("openssl", "3.0.14-1~deb12u2", 0),
    ("openssl", "3.0.15-1~deb12u1", 1),
    ("openssl", "3.3.2-1~bpo12+1", 2),
    ("linux-image-amd64", "6.1.119-1", 0),
    ("linux-image-amd64", "6.11.5-1~bpo12+1", 2),
    ("bash", "5.2.15-2+b7", 0),
];
const INSTALLED: [(&str, Option<&str>); 4] = [
    ("openssl", Some("3.0.14-1~deb12u2")),
    ("linux-image-amd64", Some("6.1.112-1")),
    ("bash", None),
    ("curl", Some("7.88.1-10+deb12u8")),
];

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
    let offers: Vec<Offer> = OFFERS
        .iter()
        .map(|&(name, version, source)| Offer {
            name: name.to_string(),
            arch: "amd64".to_string(),
            version: version.to_string(),
            source,
            phased: None,
            size: Some(1024),
        })
        .collect();
    afl::fuzz!(|data: &[u8]| {
        let Some((&which, rest)) = data.split_first() else {
            return;
        };
        // Every input writes the same paths (the chosen one with the content, the others empty
        // or the fixed tables) so that nothing of an earlier input is left behind.
        let mut content: [&[u8]; 3] = [b"", b"", b""];
        let (mut debian, mut ubuntu) = (DEBIAN_TABLE, UBUNTU_TABLE);
        match which % 3 {
            0 => content[0] = rest,
            1 => content[1] = rest,
            _ => match rest.iter().position(|&b| b == 0) {
                Some(nul) => {
                    content[2] = &rest[..nul];
                    debian = &rest[nul + 1..];
                    ubuntu = debian;
                }
                None => content[2] = rest,
            },
        }
        let root = root_with(&[
            ("etc/apt/preferences", content[0]),
            ("etc/apt/apt.conf", content[1]),
            ("etc/os-release", content[2]),
            ("usr/share/distro-info/debian.csv", debian),
            ("usr/share/distro-info/ubuntu.csv", ubuntu),
        ]);
        let mut warnings = Vec::new();

        let pins = read_pins(&root, &mut warnings);
        let default = default_release(&root, &mut warnings);
        if let Some(d) = &default {
            assert!(
                !d.contains('\n'),
                "a default release of more than one line: {d:?}"
            );
        }
        let mut sources = sources();
        prioritise(&mut sources, &pins, default.as_deref());
        for (name, installed) in INSTALLED {
            let offered: Vec<&Offer> = offers.iter().filter(|o| o.name == name).collect();
            if let Some((version, _)) = candidate(name, &offered, &sources, &pins, installed) {
                assert!(
                    offered.iter().any(|o| o.version == version)
                        || installed == Some(version.as_str()),
                    "candidate {version} of {name} was neither offered nor installed"
                );
            }
        }

        if let Some(os) = os_release(&root, &mut warnings) {
            let _ = pretty_name(&os);
            if let Some(status) = support_status(&root, &os, today, &mut warnings) {
                let _ = status.recommendation();
            }
        }
    });
}
