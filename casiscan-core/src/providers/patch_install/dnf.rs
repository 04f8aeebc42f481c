//! The RPM backend: `dnf upgrade` of the planned packages at their versions, or of the named
//! advisories (`--advisory`).

use super::request::PatchInstallRequest;

/// The program that installs RPM updates.
pub const DNF: &str = "dnf";

/// `name-version.arch` (dnf's NEVRA form), or `name-version` without an architecture.
fn nevra(name: &str, version: &str, arch: Option<&str>) -> String {
    match arch {
        Some(a) => format!("{name}-{version}.{a}"),
        None => format!("{name}-{version}"),
    }
}

/// The dnf command line: `upgrade` of exactly the planned packages (or `--advisory` for the
/// advisories the caller named); `simulate` answers no to the transaction (`--assumeno`).
pub fn argv(program: &str, request: &PatchInstallRequest, simulate: bool) -> Vec<String> {
    let mut argv = vec![
        program.to_string(),
        "upgrade".to_string(),
        if simulate { "--assumeno" } else { "-y" }.to_string(),
    ];
    let mut advisories: Vec<&str> = request
        .updates
        .iter()
        .filter_map(|u| u.advisory.as_deref())
        .collect();
    advisories.sort_unstable();
    advisories.dedup();
    argv.extend(advisories.iter().map(|a| format!("--advisory={a}")));
    argv.extend(
        request
            .updates
            .iter()
            .filter(|u| u.advisory.is_none())
            .map(|u| {
                nevra(
                    &u.name,
                    u.version.as_deref().unwrap_or_default(),
                    u.arch.as_deref(),
                )
            }),
    );
    argv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ospatch::Backend;
    use crate::providers::patch_install::PlannedUpdate;

    #[test]
    fn packages_by_version_and_advisories_by_id() {
        let u = |name: &str, advisory: Option<&str>| PlannedUpdate {
            name: name.into(),
            arch: Some("x86_64".into()),
            installed_version: Some("1.0-1.el9".into()),
            version: Some("1.0-2.el9".into()),
            advisory: advisory.map(Into::into),
            is_security: true,
        };
        let request = PatchInstallRequest {
            source_scan: "a/s".into(),
            backend: Backend::Rpm,
            updates: vec![
                u("openssl", None),
                u("curl", Some("RHSA-2024:1234")),
                u("libcurl", Some("RHSA-2024:1234")),
            ],
            dry_run: true,
        };
        assert_eq!(
            argv(DNF, &request, true),
            [
                "dnf",
                "upgrade",
                "--assumeno",
                "--advisory=RHSA-2024:1234",
                "openssl-1.0-2.el9.x86_64"
            ]
        );
        assert_eq!(argv(DNF, &request, false)[2], "-y");
    }
}
