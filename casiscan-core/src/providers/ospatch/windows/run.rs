//! Runs the Windows Update Agent script through PowerShell and reads its JSON report.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use super::wua::{WuaReport, parse_wua_json};
use crate::error::{Error, Result};

/// Largest report accepted from PowerShell (a real one is a few hundred kilobytes).
pub const MAX_OUTPUT_BYTES: u64 = 64 << 20;

/// How much of PowerShell's error output is kept for the message.
const MAX_STDERR_BYTES: u64 = 16 << 10;

/// The program and arguments that produce the report (PowerShell with the WUA script).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WuaCommand {
    /// Program to start (`powershell.exe` on Windows).
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
}

impl Default for WuaCommand {
    fn default() -> Self {
        let (program, args) = super::command::wua_command();
        WuaCommand {
            program: program.to_string(),
            args,
        }
    }
}

fn failure(message: impl Into<String>) -> Error {
    Error::provider("OS Patch", message)
}

/// Reads at most `limit` bytes; true in the flag when the stream had more.
async fn read_capped(
    stream: impl AsyncRead + Unpin,
    limit: u64,
) -> std::io::Result<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    stream.take(limit + 1).read_to_end(&mut out).await?;
    let over = out.len() as u64 > limit;
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((out, over))
}

/// Runs `command` and parses its report; kills it on timeout, cancel or oversized output.
pub async fn run_wua(
    command: &WuaCommand,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<WuaReport> {
    let mut child = Command::new(&command.program)
        .args(&command.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            failure(format!(
                "cannot start `{}`: {e} (the Windows Update backend needs Windows PowerShell)",
                command.program
            ))
        })?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(failure("PowerShell's output could not be captured"));
    };
    let work = async {
        let (out, err) = tokio::join!(
            read_capped(stdout, MAX_OUTPUT_BYTES),
            read_capped(stderr, MAX_STDERR_BYTES)
        );
        let (out, over) =
            out.map_err(|e| failure(format!("cannot read PowerShell's output: {e}")))?;
        if over {
            return Err(failure(format!(
                "PowerShell wrote more than {MAX_OUTPUT_BYTES} bytes; refusing the report"
            )));
        }
        let err = err.map(|(e, _)| e).unwrap_or_default();
        let status = child
            .wait()
            .await
            .map_err(|e| failure(format!("cannot wait for PowerShell: {e}")))?;
        Ok((out, err, status))
    };
    let (out, err, status) = tokio::select! {
        r = work => r?,
        () = tokio::time::sleep(timeout) => {
            return Err(failure(format!("PowerShell did not finish within {} s", timeout.as_secs())));
        }
        () = cancel.cancelled() => {
            return Err(Error::Canceled("the OS patch scan was canceled".into()));
        }
    };
    if !status.success() {
        let detail = String::from_utf8_lossy(&err);
        let detail = detail.trim();
        return Err(failure(format!(
            "PowerShell exited with {status}{}{}",
            if detail.is_empty() { "" } else { ": " },
            detail.lines().take(5).collect::<Vec<_>>().join(" | ")
        )));
    }
    parse_wua_json(&out, "PowerShell output")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn output_of_exactly_the_limit_is_kept_and_one_byte_more_is_flagged() {
        assert_eq!(MAX_OUTPUT_BYTES, 64 << 20, "the documented limit");
        let data = b"{\"updates\": []}\n";
        let limit = data.len() as u64;
        let (out, over) = read_capped(&data[..], limit).await.expect("read");
        assert_eq!((out.as_slice(), over), (&data[..], false), "at the limit");
        let (out, over) = read_capped(&data[..], limit - 1).await.expect("read");
        assert_eq!((out.as_slice(), over), (&data[..data.len() - 1], true));
    }
}
