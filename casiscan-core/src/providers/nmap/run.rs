//! Runs the real `nmap`: no shell, own process group, timeout and cancel kill the group.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use super::bounded::read_capped_text;
use super::options::{NmapCommand, Setting};
use super::progress::progress_from_line;
use super::sandbox::{Confinement, FileRules, spawn_confined};
use crate::error::{Error, Result};
use crate::model::Target;
use crate::providers::RunContext;

/// What one nmap process produced. Nothing of it grows with the scan in memory: the XML is a file
/// in the private working directory (removed when this is dropped), the normal output is capped.
#[derive(Debug)]
pub struct NmapOutput {
    /// The private working directory holding [`NmapOutput::xml_path`].
    workdir: tempfile::TempDir,
    /// nmap's normal (human) output, at most `max_raw_bytes` of it (cut at a line end).
    pub normal: String,
    /// How far Landlock confined nmap's file access.
    pub confinement: Confinement,
}

impl NmapOutput {
    /// The `-oX -` document nmap wrote to stdout, as copied to a file while it was read.
    pub fn xml_path(&self) -> PathBuf {
        self.workdir.path().join(XML_FILE)
    }
}

/// The copy of nmap's stdout in the working directory.
const XML_FILE: &str = "stdout.xml";

/// Environment variables nmap reads that could change its arguments, data or option parsing.
const NMAP_ENVIRONMENT: &[&str] = &["NMAP_ARGS", "NMAPDIR", "POSIXLY_CORRECT"];

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

/// How nmap is run: the program, whether Landlock confines it, the time limit, and the cap on
/// the normal output kept (also applied to the live partial output).
#[derive(Debug, Clone)]
pub struct RunSettings<'a> {
    /// The nmap program.
    pub binary: &'a Path,
    /// Confine nmap's file access with Landlock.
    pub confine: bool,
    /// Wall-clock limit.
    pub timeout: Duration,
    /// Most bytes of normal output kept.
    pub max_raw_bytes: usize,
}

/// Runs nmap with a checked command against `target`, streaming progress into `ctx` and nmap's
/// XML into a file of its private working directory.
pub async fn run_nmap(
    settings: &RunSettings<'_>,
    command: &NmapCommand,
    target: &Target,
    ctx: &RunContext,
) -> Result<NmapOutput> {
    let RunSettings {
        binary,
        confine,
        timeout,
        max_raw_bytes,
    } = *settings;
    let workdir = tempfile::Builder::new()
        .prefix("casiscan-nmap-")
        .tempdir()
        .map_err(|e| nmap_error(format!("cannot create a private working directory: {e}")))?;
    let normal_path = workdir.path().join("normal.txt");
    let argv = full_argv(command, target, &normal_path);
    let (mut child, confinement) = spawn(binary, argv, workdir.path(), confine).await?;
    let xml_path = workdir.path().join(XML_FILE);
    let work = collect(&mut child, &xml_path, &normal_path, max_raw_bytes, ctx);
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
    let (stderr, status) = outcome?;
    if !status.success() {
        let detail = stderr.trim();
        return Err(nmap_error(format!("nmap exited with {status}: {detail}")));
    }
    let normal = read_capped_text(&normal_path, max_raw_bytes);
    Ok(NmapOutput {
        workdir,
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
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        for name in NMAP_ENVIRONMENT {
            cmd.env_remove(name);
        }
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

type Collected = (String, std::process::ExitStatus);

/// Longest stdout line looked at for progress (a `<taskprogress>` line is about 120 bytes).
const MAX_PROGRESS_LINE: usize = 4096;

/// Most bytes of nmap's stderr kept for an error message.
const MAX_STDERR_BYTES: u64 = 64 * 1024;

/// Copies stdout line by line to `xml` (publishing progress), reads stderr (capped), then waits
/// for exit.
async fn collect(
    child: &mut Child,
    xml: &Path,
    normal: &Path,
    max_raw_bytes: usize,
    ctx: &RunContext,
) -> Result<Collected> {
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| nmap_error("no stdout pipe"))?;
    let mut stderr = child
        .stderr
        .take()
        .ok_or_else(|| nmap_error("no stderr pipe"))?;
    let err_task = tokio::spawn(async move {
        let mut kept = Vec::new();
        (&mut stderr)
            .take(MAX_STDERR_BYTES)
            .read_to_end(&mut kept)
            .await?;
        // The rest is drained so that nmap never blocks on a full pipe.
        tokio::io::copy(&mut stderr, &mut tokio::io::sink()).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&kept).into_owned())
    });
    // A local file written through a buffer: these writes do not wait on anything but the page
    // cache, like the reads of the normal output below.
    let file = std::fs::File::create(xml)
        .map_err(|e| nmap_error(format!("cannot create {}: {e}", xml.display())))?;
    let mut spool = std::io::BufWriter::with_capacity(1 << 16, file);
    let written = |e: std::io::Error| nmap_error(format!("cannot keep nmap's output: {e}"));
    let mut stdout = BufReader::with_capacity(1 << 16, stdout);
    // The start of the current line, up to MAX_PROGRESS_LINE bytes (progress lines are short).
    let mut line = Vec::new();
    let mut long = false;
    loop {
        let chunk = stdout
            .fill_buf()
            .await
            .map_err(|e| nmap_error(format!("reading nmap's output failed: {e}")))?;
        if chunk.is_empty() {
            break;
        }
        let (part, ends_line) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (&chunk[..=i], true),
            None => (chunk, false),
        };
        spool.write_all(part).map_err(written)?;
        if !long && line.len() + part.len() <= MAX_PROGRESS_LINE {
            line.extend_from_slice(part);
        } else {
            long = true;
        }
        let used = part.len();
        stdout.consume(used);
        if ends_line {
            if let Some(p) = (!long).then(|| progress_from_line(&line)).flatten() {
                ctx.progress.send_replace(p);
                ctx.partial_raw
                    .send_replace(read_capped_text(normal, max_raw_bytes));
            }
            line.clear();
            long = false;
        }
    }
    spool.flush().map_err(written)?;
    let stderr = err_task
        .await
        .map_err(|e| nmap_error(format!("stderr reader failed: {e}")))?
        .unwrap_or_default();
    let status = child
        .wait()
        .await
        .map_err(|e| nmap_error(format!("waiting for nmap failed: {e}")))?;
    Ok((stderr, status))
}

/// Kills nmap's whole process group (nmap may have children, e.g. NSE helpers).
async fn kill_group(child: &mut Child) {
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        let _ =
            nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
    }
    let _ = child.kill().await;
}
