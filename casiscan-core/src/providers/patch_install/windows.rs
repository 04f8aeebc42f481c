//! The Windows backend: installs the named KBs with the Windows Update Agent through PowerShell
//! (the same path as the OS patch scan), and reads the script's JSON. Tested on recorded output
//! only: this project cannot run Windows.

use serde::Deserialize;

use super::request::PatchInstallRequest;
use super::result::{AppliedUpdate, FailedUpdate, PatchInstallResult};
use crate::error::{Error, Result};
use crate::providers::ospatch::Backend;
use crate::providers::ospatch::windows::command::encoded_command;

/// The install script; `@@KBS@@` becomes the quoted KB numbers, `@@DRYRUN@@` `$true`/`$false`.
const INSTALL_SCRIPT: &str = r#"[Console]::OutputEncoding = [System.Text.Encoding]::UTF8
$ErrorActionPreference = 'Stop'
$wanted = @(@@KBS@@)
$dryRun = @@DRYRUN@@
$session = New-Object -ComObject Microsoft.Update.Session
$searcher = $session.CreateUpdateSearcher()
$res = $searcher.Search("IsInstalled=0 and IsHidden=0 and Type='Software'")
$chosen = New-Object -ComObject Microsoft.Update.UpdateColl
$found = @()
foreach ($u in $res.Updates) {
  $kbs = @($u.KBArticleIDs | ForEach-Object { "$_" })
  foreach ($kb in $kbs) {
    if ($wanted -contains $kb) {
      if (-not $u.EulaAccepted) { $u.AcceptEula() }
      [void]$chosen.Add($u); $found += $kb; break
    }
  }
}
$results = @()
$reboot = $false
if (-not $dryRun -and $chosen.Count -gt 0) {
  $downloader = $session.CreateUpdateDownloader(); $downloader.Updates = $chosen; [void]$downloader.Download()
  $installer = $session.CreateUpdateInstaller(); $installer.Updates = $chosen
  $outcome = $installer.Install()
  $reboot = [bool]$outcome.RebootRequired
  for ($i = 0; $i -lt $chosen.Count; $i++) {
    $r = $outcome.GetUpdateResult($i)
    $results += [pscustomobject]@{
      kb = "KB" + @($chosen.Item($i).KBArticleIDs)[0]; title = $chosen.Item($i).Title
      resultCode = [int]$r.ResultCode; hResult = [int]$r.HResult; rebootRequired = [bool]$r.RebootRequired
    }
  }
} else {
  for ($i = 0; $i -lt $chosen.Count; $i++) {
    $results += [pscustomobject]@{ kb = "KB" + @($chosen.Item($i).KBArticleIDs)[0]; title = $chosen.Item($i).Title; resultCode = 0; hResult = 0; rebootRequired = $false }
  }
}
$notFound = @($wanted | Where-Object { $found -notcontains $_ } | ForEach-Object { "KB$_" })
[pscustomobject]@{
  schema = 1; dryRun = $dryRun; results = $results; notFound = $notFound
  rebootRequired = [bool]($reboot -or (New-Object -ComObject Microsoft.Update.SystemInfo).RebootRequired)
} | ConvertTo-Json -Depth 4 -Compress
"#;

/// The KB number of `name` (`KB5034441` or `5034441`), digits only.
fn kb_number(name: &str) -> Result<String> {
    let digits = name
        .strip_prefix("KB")
        .or_else(|| name.strip_prefix("kb"))
        .unwrap_or(name);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::invalid(
            format!("Windows update `{}`", name.escape_debug()),
            "expected a KB id (KB and digits)",
        ));
    }
    Ok(digits.to_string())
}

/// The script for `request` (KB numbers checked to be digits, so nothing can break the quoting).
pub fn install_script(request: &PatchInstallRequest) -> Result<String> {
    let kbs = request
        .updates
        .iter()
        .map(|u| kb_number(&u.name).map(|n| format!("'{n}'")))
        .collect::<Result<Vec<_>>>()?;
    Ok(INSTALL_SCRIPT.replace("@@KBS@@", &kbs.join(",")).replace(
        "@@DRYRUN@@",
        if request.dry_run { "$true" } else { "$false" },
    ))
}

/// Windows PowerShell's command line for `request`.
pub fn powershell_argv(request: &PatchInstallRequest) -> Result<Vec<String>> {
    let mut argv: Vec<String> = [
        "powershell.exe",
        "-NoProfile",
        "-NonInteractive",
        "-ExecutionPolicy",
        "Bypass",
        "-EncodedCommand",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    argv.push(encoded_command(&install_script(request)?));
    Ok(argv)
}

/// The script's JSON.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InstallOutput {
    schema: u32,
    dry_run: bool,
    #[serde(default)]
    results: OneOrMany<UpdateOutcome>,
    #[serde(default)]
    not_found: OneOrMany<String>,
    reboot_required: bool,
}

/// PowerShell 5.1 writes a one-element array as the element itself.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(t) => vec![t],
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateOutcome {
    kb: String,
    title: String,
    result_code: i32,
    h_result: i64,
}

/// WUA's `OperationResultCode` in words.
fn result_code(code: i32) -> &'static str {
    match code {
        0 => "not started",
        1 => "in progress",
        2 => "succeeded",
        3 => "succeeded with errors",
        4 => "failed",
        5 => "aborted",
        _ => "unknown result",
    }
}

/// The job's result from the script's JSON (recorded or live) for `request`, ran as `command`.
pub fn parse_install_output(
    request: &PatchInstallRequest,
    json: &[u8],
    command: Vec<String>,
) -> Result<PatchInstallResult> {
    let text = std::str::from_utf8(json).map_err(|e| {
        Error::provider(
            "OS Patch Install",
            format!("PowerShell output is not UTF-8: {e}"),
        )
    })?;
    let text = text.trim_start_matches('\u{feff}').trim();
    let out: InstallOutput = serde_json::from_str(text).map_err(|e| Error::Parse {
        message: format!("Windows Update install output: {e}"),
        line: Some(e.line() as u64),
        column: Some(e.column() as u64),
    })?;
    if out.schema != 1 {
        return Err(Error::provider(
            "OS Patch Install",
            format!("unknown install output schema {}", out.schema),
        ));
    }
    let mut result = PatchInstallResult {
        source_scan: request.source_scan.clone(),
        backend: Backend::Windows,
        dry_run: out.dry_run,
        installed: Vec::new(),
        would_install: Vec::new(),
        failed: Vec::new(),
        reboot_required: Some(out.reboot_required),
        command,
    };
    for kb in out.not_found.into_vec() {
        result.failed.push(FailedUpdate {
            name: kb,
            version: None,
            reason: "no longer offered by Windows Update (installed or superseded); scan again"
                .into(),
        });
    }
    for r in out.results.into_vec() {
        let applied = AppliedUpdate {
            name: r.kb.clone(),
            arch: None,
            from_version: None,
            to_version: None,
        };
        match (out.dry_run, r.result_code) {
            (true, _) => result.would_install.push(applied),
            (false, 2 | 3) => result.installed.push(applied),
            (false, code) => result.failed.push(FailedUpdate {
                name: r.kb,
                version: None,
                reason: format!(
                    "{}: {} (HRESULT 0x{:08X})",
                    r.title,
                    result_code(code),
                    r.h_result as u32
                ),
            }),
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::patch_install::PlannedUpdate;

    fn request(names: &[&str]) -> PatchInstallRequest {
        PatchInstallRequest {
            source_scan: "a/s".into(),
            backend: Backend::Windows,
            updates: names
                .iter()
                .map(|n| PlannedUpdate {
                    name: n.to_string(),
                    arch: None,
                    installed_version: None,
                    version: None,
                    advisory: None,
                    is_security: true,
                })
                .collect(),
            dry_run: false,
        }
    }

    #[test]
    fn the_script_names_only_kb_numbers() {
        let script = install_script(&request(&["KB5037782", "890830"])).expect("script");
        assert!(script.contains("$wanted = @('5037782','890830')"));
        assert!(script.contains("$dryRun = $false"));
        assert!(install_script(&request(&["KB1'; Remove-Item C:\\"])).is_err());
        let argv = powershell_argv(&request(&["KB5037782"])).expect("argv");
        assert_eq!(argv[0], "powershell.exe");
        assert_eq!(argv[5], "-EncodedCommand");
    }
}
