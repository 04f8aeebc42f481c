//! The Debian/Ubuntu backend: `apt-get install --only-upgrade` of exactly the planned versions.

use super::request::{PatchInstallRequest, PlannedUpdate};

/// How apt-get is started: the program and `-o` options placed before the verb (a test points
/// apt at its own sources and lists this way; the default is none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AptConfig {
    /// The program (`apt-get`).
    pub program: String,
    /// `Key=Value` settings, each passed as `-o Key=Value`.
    pub options: Vec<String>,
}

impl Default for AptConfig {
    fn default() -> Self {
        AptConfig {
            program: "apt-get".into(),
            options: Vec::new(),
        }
    }
}

/// The environment apt-get runs with: no prompt, no pager, no list of changes.
pub const APT_ENV: [(&str, &str); 3] = [
    ("DEBIAN_FRONTEND", "noninteractive"),
    ("APT_LISTCHANGES_FRONTEND", "none"),
    ("NEEDRESTART_MODE", "l"),
];

/// `name=version`, or `name:arch=version` for a foreign architecture.
pub fn target(update: &PlannedUpdate, native_arch: Option<&str>) -> String {
    let version = update.version.as_deref().unwrap_or_default();
    match update.arch.as_deref() {
        Some(a) if a != "all" && Some(a) != native_arch => {
            format!("{}:{a}={version}", update.name)
        }
        _ => format!("{}={version}", update.name),
    }
}

/// The apt-get command line: install only upgrades of the planned packages at their versions,
/// keeping changed configuration files; `simulate` adds `-s` (nothing changes).
pub fn argv(
    config: &AptConfig,
    request: &PatchInstallRequest,
    native_arch: Option<&str>,
    simulate: bool,
) -> Vec<String> {
    let mut argv = vec![config.program.clone()];
    for o in &config.options {
        argv.push("-o".into());
        argv.push(o.clone());
    }
    for o in [
        "Dpkg::Options::=--force-confdef",
        "Dpkg::Options::=--force-confold",
        "APT::Get::Show-Versions=true",
    ] {
        argv.push("-o".into());
        argv.push(o.into());
    }
    argv.extend(
        ["install", "--only-upgrade", "--no-install-recommends", "-y"]
            .iter()
            .map(|s| s.to_string()),
    );
    if simulate {
        argv.push("-s".into());
    }
    // No `--`: apt-get does not take it; names and versions never start with `-` (checked).
    argv.extend(request.updates.iter().map(|u| target(u, native_arch)));
    argv
}

/// What a simulation line says apt would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimOp {
    /// `Inst`: install or upgrade.
    Install,
    /// `Remv` or `Purg`: remove.
    Remove,
}

/// One action of `apt-get -s` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAction {
    /// Install or remove.
    pub op: SimOp,
    /// Package name, without an architecture suffix.
    pub name: String,
    /// The architecture suffix (`libc6:i386`), when apt printed one.
    pub arch: Option<String>,
    /// Version installed now (`[1.0]`).
    pub from: Option<String>,
    /// Version apt would install (`(2.0 suite [arch])`).
    pub to: Option<String>,
}

/// The `Inst`/`Remv`/`Purg` lines of `apt-get -s` output.
pub fn parse_simulation(stdout: &str) -> Vec<SimAction> {
    stdout.lines().filter_map(sim_line).collect()
}

fn sim_line(line: &str) -> Option<SimAction> {
    let (op, rest) = if let Some(r) = line.strip_prefix("Inst ") {
        (SimOp::Install, r)
    } else if let Some(r) = line.strip_prefix("Remv ").or(line.strip_prefix("Purg ")) {
        (SimOp::Remove, r)
    } else {
        return None;
    };
    let mut words = rest.split_whitespace();
    let full = words.next()?;
    let (name, arch) = match full.split_once(':') {
        Some((n, a)) => (n.to_string(), Some(a.to_string())),
        None => (full.to_string(), None),
    };
    let rest: Vec<&str> = words.collect();
    let from = rest
        .iter()
        .find(|w| w.starts_with('[') && w.ends_with(']'))
        .map(|w| w.trim_matches(['[', ']']).to_string());
    let to = rest
        .iter()
        .find(|w| w.starts_with('('))
        .map(|w| w.trim_start_matches('(').to_string());
    Some(SimAction {
        op,
        name,
        arch,
        from,
        to,
    })
}

/// apt's error lines (`E: …`), joined, for a failure's reason.
pub fn errors(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("E:"))
        .map(str::trim)
        .collect();
    if lines.is_empty() {
        stderr.lines().last().unwrap_or("").trim().to_string()
    } else {
        lines.join(" | ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ospatch::Backend;

    fn update(name: &str, arch: &str, version: &str) -> PlannedUpdate {
        PlannedUpdate {
            name: name.into(),
            arch: Some(arch.into()),
            installed_version: Some("1".into()),
            version: Some(version.into()),
            advisory: None,
            is_security: true,
        }
    }

    #[test]
    fn the_command_names_exact_versions_and_never_upgrades_the_system() {
        let request = PatchInstallRequest {
            source_scan: "a/s".into(),
            backend: Backend::Debian,
            updates: vec![
                update("openssl", "amd64", "3.0.15-1~deb12u1"),
                update("libc6", "i386", "2.36-9+deb12u9"),
                update("tzdata", "all", "2024b-0+deb12u1"),
            ],
            dry_run: false,
        };
        let argv = argv(&AptConfig::default(), &request, Some("amd64"), true);
        let tail: Vec<&str> = argv
            .iter()
            .rev()
            .take(3)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            [
                "openssl=3.0.15-1~deb12u1",
                "libc6:i386=2.36-9+deb12u9",
                "tzdata=2024b-0+deb12u1"
            ]
        );
        assert!(argv.contains(&"--only-upgrade".to_string()));
        assert!(argv.contains(&"-s".to_string()));
        assert!(
            !argv
                .iter()
                .any(|a| a.contains("dist-upgrade") || a == "upgrade")
        );
    }

    #[test]
    fn simulation_lines_are_read_with_versions_and_removals() {
        let out = "Reading package lists...\n\
            Inst casiscan-dummy [1.0] (2.0 localrepo [all])\n\
            Inst libfoo:i386 [1.2-1] (1.2-2 Debian-Security:12/stable-security [i386])\n\
            Remv oldpkg [0.9]\n\
            Conf casiscan-dummy (2.0 localrepo [all])\n";
        let acts = parse_simulation(out);
        assert_eq!(acts.len(), 3);
        assert_eq!(acts[0].name, "casiscan-dummy");
        assert_eq!(acts[0].from.as_deref(), Some("1.0"));
        assert_eq!(acts[0].to.as_deref(), Some("2.0"));
        assert_eq!(acts[1].arch.as_deref(), Some("i386"));
        assert_eq!(acts[2].op, SimOp::Remove);
    }

    #[test]
    fn apt_errors_are_kept_for_the_reason() {
        let stderr = "W: something\nE: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n";
        assert!(errors(stderr).contains("held by process 4242"));
        assert!(super::super::lock::apt_lock_message(stderr).is_some());
    }
}
