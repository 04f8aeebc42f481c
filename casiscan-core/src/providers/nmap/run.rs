//! Runs the real `nmap`: no shell, own process group, timeout and cancel kill the group.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use super::progress::progress_from_line;
use crate::error::{Error, Result};
use crate::providers::RunContext;

/// What one nmap process produced.
#[derive(Debug)]
pub struct NmapOutput {
    /// The `-oX -` document from stdout.
    pub xml: Vec<u8>,
    /// nmap's normal (human) output.
    pub normal: String,
}

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

/// Runs nmap with `argv` (already checked), streaming progress into `ctx`.
pub async fn run_nmap(
    binary: &Path,
    argv: &[String],
    timeout: Duration,
    ctx: &RunContext,
) -> Result<NmapOutput> {
    let workdir = tempfile::Builder::new()
        .prefix("casiscan-nmap-")
        .tempdir()
        .map_err(|e| nmap_error(format!("cannot create a private working directory: {e}")))?;
    let normal_path = workdir.path().join("normal.txt");
    let mut child = Command::new(binary)
        .args(argv)
        .arg("-oX")
        .arg("-")
        .arg("-oN")
        .arg(&normal_path)
        .args(stats_args(argv))
        .current_dir(workdir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| spawn_error(binary, e))?;
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
    Ok(NmapOutput { xml, normal })
}

/// `--stats-every 1s` unless the user chose an interval.
fn stats_args(argv: &[String]) -> Vec<&'static str> {
    if argv.iter().any(|a| a.starts_with("--stats-every")) {
        Vec::new()
    } else {
        vec!["--stats-every", "1s"]
    }
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
