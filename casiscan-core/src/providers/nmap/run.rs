//! Runs the real `nmap`: no shell, own process group, timeout and cancel kill the group.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use super::bounded::read_capped_text;
use super::options::{NmapCommand, Setting};
use super::progress::progress_from_line;
use super::sandbox::{Confinement, FileRules, ParentThread, RunAs, spawn_confined};
use crate::error::{Error, Result};
use crate::model::Target;
use crate::providers::RunContext;

/// What one nmap process produced. Nothing of it grows with nmap's output in memory: the XML was
/// read by the caller's parser as it arrived, the normal output is capped.
#[derive(Debug)]
pub struct NmapOutput<T> {
    /// What the caller's parser made of the `-oX -` document on stdout.
    pub parsed: T,
    /// nmap's normal (human) output, at most `max_raw_bytes` of it (cut at a line end).
    pub normal: String,
    /// How far Landlock confined nmap's file access.
    pub confinement: Confinement,
}

/// nmap's stdout as it arrives, read on a blocking thread by a streaming parser: chunks of at
/// most 64 KiB, at most [`XML_CHUNKS_IN_FLIGHT`] of them waiting (nmap waits when the parser is
/// behind). The end of the stream is the end of nmap's output, or of the run when it is stopped.
#[derive(Debug)]
pub struct XmlStream {
    chunks: tokio::sync::mpsc::Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
}

/// Chunks of nmap's stdout waiting for the parser.
pub const XML_CHUNKS_IN_FLIGHT: usize = 16;

impl std::io::Read for XmlStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        super::source::read_buffered(self, buf)
    }
}

impl std::io::BufRead for XmlStream {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.pos >= self.chunk.len() {
            match self.chunks.blocking_recv() {
                Some(chunk) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                None => return Ok(&[]),
            }
        }
        Ok(&self.chunk[self.pos..])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.chunk.len());
    }
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

/// How nmap is run: the program, whether Landlock confines it, the time limit, and the cap on
/// the normal output kept (also applied to the live partial output).
#[derive(Debug, Clone)]
pub struct RunSettings<'a> {
    /// The nmap program.
    pub binary: &'a Path,
    /// Confine nmap's file access with Landlock.
    pub confine: bool,
    /// Run nmap as this unprivileged account (its private directory is handed to it).
    pub run_as: Option<RunAs>,
    /// Wall-clock limit.
    pub timeout: Duration,
    /// Most bytes of normal output kept.
    pub max_raw_bytes: usize,
}

/// Runs nmap with a checked command against `target`, streaming progress into `ctx` and nmap's
/// XML into `parse`, which runs on a blocking thread while nmap runs.
pub async fn run_nmap<T, P>(
    settings: &RunSettings<'_>,
    command: &NmapCommand,
    target: &Target,
    ctx: &RunContext,
    parse: P,
) -> Result<NmapOutput<T>>
where
    T: Send + 'static,
    P: FnOnce(XmlStream) -> Result<T> + Send + 'static,
{
    let RunSettings {
        binary,
        confine,
        run_as,
        timeout,
        max_raw_bytes,
    } = *settings;
    let mut workdir = tempfile::Builder::new();
    workdir.prefix("casiscan-nmap-");
    let workdir = match &ctx.scratch_dir {
        Some(dir) => workdir.tempdir_in(dir),
        None => workdir.tempdir(),
    }
    .map_err(|e| nmap_error(format!("cannot create a private working directory: {e}")))?;
    let normal_path = workdir.path().join("normal.txt");
    let argv = full_argv(command, target, &normal_path);
    // Held to the end: nmap is killed if its parent thread ends (or the runner dies).
    let (mut child, confinement, _parent) =
        spawn(binary, argv, workdir.path(), confine, run_as).await?;
    let work = collect(&mut child, parse, &normal_path, max_raw_bytes, ctx);
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
    let (parsed, stderr, status) = match outcome {
        Ok(collected) => collected,
        Err(e) => {
            kill_group(&mut child).await;
            return Err(e);
        }
    };
    if !status.success() {
        let detail = stderr.trim();
        return Err(nmap_error(format!("nmap exited with {status}: {detail}")));
    }
    let normal = read_capped_text(&normal_path, max_raw_bytes);
    Ok(NmapOutput {
        parsed: parsed?,
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
    run_as: Option<RunAs>,
) -> Result<(Child, Confinement, ParentThread)> {
    if let Some(account) = run_as {
        std::os::unix::fs::chown(workdir, Some(account.uid), Some(account.gid)).map_err(|e| {
            nmap_error(format!(
                "cannot hand the private directory to uid {}: {e}",
                account.uid
            ))
        })?;
    }
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
        if let Some(account) = run_as {
            cmd.uid(account.uid).gid(account.gid);
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

type Collected<T> = (Result<T>, String, std::process::ExitStatus);

/// Longest stdout line looked at for progress (a `<taskprogress>` line is about 120 bytes).
const MAX_PROGRESS_LINE: usize = 4096;

/// Most bytes of nmap's stderr kept for an error message.
const MAX_STDERR_BYTES: u64 = 64 * 1024;

/// Hands stdout to `parse` chunk by chunk (publishing progress from its lines), reads stderr
/// (capped), then waits for exit and for the parser.
async fn collect<T, P>(
    child: &mut Child,
    parse: P,
    normal: &Path,
    max_raw_bytes: usize,
    ctx: &RunContext,
) -> Result<Collected<T>>
where
    T: Send + 'static,
    P: FnOnce(XmlStream) -> Result<T> + Send + 'static,
{
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
    let (tx, chunks) = tokio::sync::mpsc::channel(XML_CHUNKS_IN_FLIGHT);
    let parser = tokio::task::spawn_blocking(move || {
        parse(XmlStream {
            chunks,
            chunk: Vec::new(),
            pos: 0,
        })
    });
    // Dropped when the parser stops early (an error): the rest of stdout is then drained.
    let mut to_parser = Some(tx);
    let mut stdout = BufReader::with_capacity(1 << 16, stdout);
    // The start of the current line, up to MAX_PROGRESS_LINE bytes (progress lines are short).
    let mut line = Vec::new();
    let mut long = false;
    loop {
        let chunk = stdout
            .fill_buf()
            .await
            .map_err(|e| nmap_error(format!("reading nmap's output failed: {e}")))?
            .to_vec();
        if chunk.is_empty() {
            break;
        }
        stdout.consume(chunk.len());
        for part in chunk.split_inclusive(|b| *b == b'\n') {
            if !long && line.len() + part.len() <= MAX_PROGRESS_LINE {
                line.extend_from_slice(part);
            } else {
                long = true;
            }
            if part.ends_with(b"\n") {
                if let Some(p) = (!long).then(|| progress_from_line(&line)).flatten() {
                    ctx.progress.send_replace(p);
                    ctx.partial_raw
                        .send_replace(read_capped_text(normal, max_raw_bytes));
                }
                line.clear();
                long = false;
            }
        }
        if let Some(tx) = &to_parser
            && tx.send(chunk).await.is_err()
        {
            to_parser = None;
        }
    }
    drop(to_parser);
    let parsed = parser
        .await
        .map_err(|e| nmap_error(format!("the XML reader failed: {e}")))?;
    let stderr = err_task
        .await
        .map_err(|e| nmap_error(format!("stderr reader failed: {e}")))?
        .unwrap_or_default();
    let status = child
        .wait()
        .await
        .map_err(|e| nmap_error(format!("waiting for nmap failed: {e}")))?;
    Ok((parsed, stderr, status))
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
        let (child, _, _parent) = spawn(env, Vec::new(), workdir.path(), true, None)
            .await
            .unwrap();
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

    #[tokio::test]
    async fn nmap_can_run_as_an_unprivileged_account_that_owns_its_directory() {
        let workdir = tempfile::tempdir().unwrap();
        let nobody = RunAs::user("nobody").unwrap();
        let id = Path::new("/usr/bin/id");
        let (child, _, _parent) = spawn(id, vec!["-u".into()], workdir.path(), true, Some(nobody))
            .await
            .unwrap();
        let out = child.wait_with_output().await.unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            nobody.uid.to_string()
        );
        use std::os::unix::fs::MetadataExt;
        assert_eq!(std::fs::metadata(workdir.path()).unwrap().uid(), nobody.uid);
        assert!(RunAs::user("no-such-user-here").is_err());
    }
}
