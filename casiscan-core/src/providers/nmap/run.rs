//! Runs the real `nmap`: no shell, own process group, timeout and cancel kill the group.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use super::options::{NmapCommand, Setting};
use super::progress::progress_from_line;
use super::sandbox::{Confinement, FileRules, spawn_confined};
use crate::error::{Error, Result};
use crate::model::Target;
use crate::providers::RunContext;

/// What one nmap process produced.
#[derive(Debug)]
pub struct NmapOutput {
    /// The `-oX -` document from stdout.
    pub xml: Vec<u8>,
    /// nmap's normal (human) output.
    pub normal: String,
    /// How far Landlock confined nmap's file access.
    pub confinement: Confinement,
}

/// The only environment nmap gets: none of the runner's (its secrets, `NMAP_ARGS`, `NMAPDIR`,
/// `POSIXLY_CORRECT`), a fixed `PATH`, and `HOME` in the private directory (so no `~/.nmap`).
const NMAP_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Finds `nmap` on PATH.
pub fn find_nmap() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("nmap"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn nmap_error(message: impl Into<String>) -> Error {
    Error::provider("Nmap", message)
}

/// The whole argv: the command's canonical options, casiscan's outputs, `--`, the target.
pub fn full_argv(command: &NmapCommand, target: &Target, normal: &Path) -> Vec<String> {
    let mut argv = command.option_words();
    argv.push("--oX=-".into());
    argv.push(format!("--oN={}", normal.display()));
    if !command.has_setting(Setting::StatsEvery) {
        argv.push("--stats-every=1s".into());
    }
    argv.push("--".into());
    argv.push(target.as_arg());
    argv
}

/// Runs nmap with a checked command against `target`, streaming progress into `ctx`.
pub async fn run_nmap(
    binary: &Path,
    command: &NmapCommand,
    target: &Target,
    confine: bool,
    timeout: Duration,
    ctx: &RunContext,
) -> Result<NmapOutput> {
    let workdir = tempfile::Builder::new()
        .prefix("casiscan-nmap-")
        .tempdir()
        .map_err(|e| nmap_error(format!("cannot create a private working directory: {e}")))?;
    let normal_path = workdir.path().join("normal.txt");
    let argv = full_argv(command, target, &normal_path);
    let (mut child, confinement) = spawn(binary, argv, workdir.path(), confine).await?;
    let work = collect(&mut child, &normal_path, ctx);
    let outcome = tokio::select! {
        r = work => r,
        () = tokio::time::sleep(timeout) => {
            kill_group(&mut child).await;
            return Err(nmap_error(format!("timed out after {} s; the nmap process group was killed", timeout.as_secs())));
        }
        () = ctx.cancel.cancelled() => {
            kill_group(&mut child).await;
            return Err(Error::Canceled("the scan was canceled; the nmap process group was killed".into()));
        }
    };
    let (xml, stderr, status) = outcome?;
    let normal = std::fs::read_to_string(&normal_path).unwrap_or_default();
    if !status.success() {
        let detail = stderr.trim();
        return Err(nmap_error(format!("nmap exited with {status}: {detail}")));
    }
    Ok(NmapOutput {
        xml,
        normal,
        confinement,
    })
}

/// Starts nmap confined to its files and `workdir`, without the environment that steers it.
async fn spawn(
    binary: &Path,
    argv: Vec<String>,
    workdir: &Path,
    confine: bool,
) -> Result<(Child, Confinement)> {
    let rules = confine.then(|| FileRules {
        program_dir: binary.parent().map(Path::to_path_buf),
        workdir: workdir.to_path_buf(),
    });
    let program = binary.to_path_buf();
    let dir = workdir.to_path_buf();
    spawn_confined(rules, move || {
        let mut cmd = Command::new(program);
        cmd.args(argv)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        cmd.env_clear()
            .env("PATH", NMAP_PATH)
            .env("HOME", &dir)
            .env("LC_ALL", "C");
        cmd
    })
    .await
    .map_err(|e| spawn_error(binary, e))
}

fn spawn_error(binary: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        nmap_error(format!(
            "nmap is not installed (looked for {})",
            binary.display()
        ))
    } else {
        nmap_error(format!("cannot start {}: {e}", binary.display()))
    }
}

type Collected = (Vec<u8>, String, std::process::ExitStatus);

/// Reads stdout line by line (publishing progress), stderr fully, then waits for exit.
async fn collect(child: &mut Child, normal: &Path, ctx: &RunContext) -> Result<Collected> {
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| nmap_error("no stdout pipe"))?;
    let mut stderr = child
        .stderr
        .take()
        .ok_or_else(|| nmap_error("no stderr pipe"))?;
    let err_task = tokio::spawn(async move {
        let mut s = String::new();
        stderr.read_to_string(&mut s).await.map(|_| s)
    });
    let mut xml = Vec::with_capacity(64 * 1024);
    let mut lines = BufReader::new(stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = lines
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| nmap_error(format!("reading nmap's output failed: {e}")))?;
        if n == 0 {
            break;
        }
        if let Some(p) = progress_from_line(&line) {
            ctx.progress.send_replace(p);
            if let Ok(text) = std::fs::read_to_string(normal) {
                ctx.partial_raw.send_replace(text);
            }
        }
        xml.extend_from_slice(&line);
    }
    let stderr = err_task
        .await
        .map_err(|e| nmap_error(format!("stderr reader failed: {e}")))?
        .unwrap_or_default();
    let status = child
        .wait()
        .await
        .map_err(|e| nmap_error(format!("waiting for nmap failed: {e}")))?;
    Ok((xml, stderr, status))
}

/// Kills nmap's whole process group (nmap may have children, e.g. NSE helpers).
async fn kill_group(child: &mut Child) {
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        let _ =
            nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
    }
    let _ = child.kill().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nmap_gets_none_of_the_runners_environment() {
        let workdir = tempfile::tempdir().unwrap();
        // The runner's own environment holds secrets (admin token, database URL) and NMAP_ARGS.
        let env = Path::new("/usr/bin/env");
        let (child, _) = spawn(env, Vec::new(), workdir.path(), true).await.unwrap();
        let out = child.wait_with_output().await.unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let mut names: Vec<&str> = text.lines().filter_map(|l| l.split('=').next()).collect();
        names.sort_unstable();
        assert_eq!(names, ["HOME", "LC_ALL", "PATH"], "{text}");
        assert!(text.contains(&format!("HOME={}", workdir.path().display())));
    }

    #[test]
    fn casiscan_adds_its_outputs_and_the_target_last() {
        let command = NmapCommand::parse("-sT -p 80 --stats-every 5s").unwrap();
        let target: Target = "127.0.0.1".parse().unwrap();
        let argv = full_argv(&command, &target, Path::new("/w/n.txt"));
        assert_eq!(
            argv,
            [
                "-sT",
                "-p",
                "80",
                "--stats-every=5s",
                "--oX=-",
                "--oN=/w/n.txt",
                "--",
                "127.0.0.1"
            ]
        );
    }
}
