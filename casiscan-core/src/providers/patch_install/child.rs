//! Runs a package manager in its own process group, with a deadline and an optional cancel.

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};

/// How much of each output stream is kept.
const MAX_OUTPUT_BYTES: u64 = 4 << 20;

/// What a finished child wrote and how it exited.
#[derive(Debug)]
pub struct ChildOutput {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output (lossy UTF-8, capped).
    pub stdout: String,
    /// Standard error (lossy UTF-8, capped).
    pub stderr: String,
}

fn failure(message: impl Into<String>) -> Error {
    Error::provider("OS Patch Install", message)
}

async fn read_capped(stream: impl AsyncRead + Unpin) -> String {
    let mut out = Vec::new();
    // A read error leaves what was read; the exit status tells the outcome.
    let _ = stream.take(MAX_OUTPUT_BYTES).read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Kills the child's whole process group (apt-get's dpkg, dnf's scriptlets).
#[cfg(unix)]
fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Elsewhere the child alone is killed (`kill_on_drop`).
#[cfg(not(unix))]
fn kill_group(_pid: Option<u32>) {}

/// Runs `argv` with `env` added; kills its process group at `timeout` or when `cancel` fires
/// (`None`: not cancelable, for a real installation that must not be cut in the middle).
pub async fn run(
    argv: &[String],
    env: &[(&str, &str)],
    timeout: Duration,
    cancel: Option<&CancellationToken>,
) -> Result<ChildOutput> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| failure("empty command line"))?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| failure(format!("cannot start `{program}`: {e}")))?;
    let pid = child.id();
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        kill_group(pid);
        return Err(failure("the output could not be captured"));
    };
    let work = async {
        let (stdout, stderr) = tokio::join!(read_capped(stdout), read_capped(stderr));
        let status = child
            .wait()
            .await
            .map_err(|e| failure(format!("cannot wait for `{program}`: {e}")))?;
        Ok::<_, Error>(ChildOutput {
            status,
            stdout,
            stderr,
        })
    };
    let canceled = async {
        match cancel {
            Some(c) => c.cancelled().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        r = work => r,
        () = tokio::time::sleep(timeout) => {
            kill_group(pid);
            Err(failure(format!("`{program}` did not finish within {} s and was killed", timeout.as_secs())))
        }
        () = canceled => {
            kill_group(pid);
            Err(Error::Canceled("the OS patch install was canceled".into()))
        }
    }
}
