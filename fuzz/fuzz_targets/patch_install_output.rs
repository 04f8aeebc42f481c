//! What an OS Patch Install job reads (the first byte chooses): apt-get's simulation output
//! (`apt::parse_simulation`, and `apt::errors` on the same text as its stderr), the Windows
//! install script's JSON (`windows::parse_install_output` for a fixed request; the result
//! is stored and read back equal), and a job's stored command
//! (`PatchInstallRequest::from_command`: an accepted request passes its check, round-trips
//! through `to_command`, and puts no option where apt-get, dnf or PowerShell take a package).
use casiscan_core::model::{ProviderKind, ScanResult};
use casiscan_core::providers::ospatch::Backend;
use casiscan_core::providers::patch_install::{
    PatchInstallRequest, PlannedUpdate, apt, dnf, windows,
};

/// The Windows request the install output is read for: two KBs.
fn windows_request() -> PatchInstallRequest {
    let kb = |name: &str| PlannedUpdate {
        name: name.to_string(),
        arch: None,
        installed_version: None,
        version: None,
        advisory: None,
        is_security: true,
    };
    PatchInstallRequest {
        source_scan: "acme/patch-scan".to_string(),
        backend: Backend::Windows,
        updates: vec![kb("KB5037782"), kb("KB890830")],
        dry_run: false,
    }
}

/// apt-get's `-s` output: every action names a package in one word.
fn simulation(text: &str) {
    let actions = apt::parse_simulation(text);
    assert!(actions.len() <= text.lines().count());
    for a in &actions {
        assert!(
            !a.name.is_empty() || a.arch.is_some(),
            "an action without a package: {a:?}"
        );
        let words = [
            Some(&a.name),
            a.arch.as_ref(),
            a.from.as_ref(),
            a.to.as_ref(),
        ];
        assert!(
            words
                .iter()
                .flatten()
                .all(|w| !w.contains(char::is_whitespace)),
            "an action's word holds a space: {a:?}"
        );
    }
    let _ = apt::errors(text);
}

/// The install script's JSON for the fixed request.
fn install_output(request: &PatchInstallRequest, json: &[u8]) {
    let command = vec!["powershell.exe".to_string()];
    let Ok(result) = windows::parse_install_output(request, json, command) else {
        return;
    };
    assert!(
        !result.dry_run || result.installed.is_empty(),
        "a dry run installed something: {result:?}"
    );
    assert!(
        result.dry_run || result.would_install.is_empty(),
        "a real run lists what it would install: {result:?}"
    );
    let _ = result.summary();
    // Stored and read back as a job's result is.
    let stored = ScanResult::PatchInstall(result);
    let text = match stored.to_stored() {
        Ok(text) => text,
        Err(e) => panic!("a result cannot be stored: {e}"),
    };
    match ScanResult::from_stored(ProviderKind::PatchInstall, &text) {
        Ok(back) => assert_eq!(back, stored, "the stored result reads back different"),
        Err(e) => panic!("a stored result does not read back: {e}\n{text}"),
    }
}

/// A stored command: checked, written back, and turned into each backend's command line.
fn command(text: &str) {
    let Ok(request) = PatchInstallRequest::from_command(text) else {
        return;
    };
    assert!(
        request.check().is_ok(),
        "an accepted command fails its check"
    );
    let stored = match request.to_command() {
        Ok(stored) => stored,
        Err(e) => panic!("an accepted command cannot be written back: {e}"),
    };
    match PatchInstallRequest::from_command(&stored) {
        Ok(back) => assert_eq!(back, request, "the command changed through to_command"),
        Err(e) => panic!("a written command is refused: {e}\n{stored}"),
    }

    let n = request.updates.len();
    let argv = apt::argv(&apt::AptConfig::default(), &request, Some("amd64"), true);
    let packages = &argv[argv.len().saturating_sub(n)..];
    assert!(
        packages.iter().all(|a| !a.starts_with('-')),
        "an apt-get package argument reads as an option: {packages:?}"
    );
    let argv = dnf::argv(dnf::DNF, &request, true);
    for a in argv.iter().skip(3) {
        let value = a.strip_prefix("--advisory=").unwrap_or(a);
        assert!(
            !value.starts_with('-'),
            "a dnf argument reads as an option: {a:?}"
        );
    }
    if let Ok(script) = windows::install_script(&request) {
        let wanted = script
            .lines()
            .find_map(|l| l.strip_prefix("$wanted = @("))
            .unwrap_or_default();
        assert!(
            wanted
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '\'' | ',' | ')')),
            "the script's KB list holds more than KB numbers: {wanted:?}"
        );
    }
}

fn main() {
    let request = windows_request();
    afl::fuzz!(|data: &[u8]| {
        let Some((&which, body)) = data.split_first() else {
            return;
        };
        match which % 3 {
            0 => simulation(&String::from_utf8_lossy(body)),
            1 => install_output(&request, body),
            _ => {
                if let Ok(text) = std::str::from_utf8(body) {
                    command(text);
                }
            }
        }
    });
}
