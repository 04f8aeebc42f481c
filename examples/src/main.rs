//! `casiscan`: add, run, list and manage scans from the command line.

mod cli;
mod cmd_diff;
mod cmd_ospatch;
mod cmd_patch;
mod cmd_schedule;
mod cmd_scope;
mod cmd_serve;
mod cmd_worker;
mod commands;
mod logging;
mod metrics_export;
mod nmap_policy;
mod render;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Long-running commands say what they decide; one-shot commands only warn.
    let level = match cli.command {
        cli::Command::Worker(_) | cli::Command::Serve { .. } => "info",
        _ => "warn",
    };
    logging::init(cli.log_format, level);
    match commands::dispatch(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("casiscan: {e}");
            ExitCode::from(exit_code(e.kind()))
        }
    }
}

/// Distinct exit codes per error kind, so scripts can tell them apart.
fn exit_code(kind: casiscan_core::ErrorKind) -> u8 {
    use casiscan_core::ErrorKind as K;
    match kind {
        K::InvalidInput => 2,
        K::NotFound => 3,
        K::Conflict => 4,
        K::Parse => 5,
        K::Provider => 6,
        K::Storage => 7,
        K::Auth => 8,
        K::Canceled => 9,
        K::Io => 1,
        K::Forbidden => 10,
    }
}
