//! `casiscan ospatch`: the OS patch report of this machine, a mounted root, or recorded Windows
//! Update output.

use std::path::PathBuf;
use std::process::ExitCode;

use casiscan_core::providers::ospatch::{Backend, Verb, scan, summary};
use casiscan_core::{Error, Result};

use crate::render;

/// Options of the ospatch subcommand.
#[derive(Debug, clap::Args)]
pub struct OsPatchArgs {
    /// Root directory to read (`/` for this machine; a mounted image or container; or a
    /// recorded Windows Update output file, or a directory holding `wua.json`).
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// Backend: debian, rpm or windows (detected from the root when absent).
    #[arg(long)]
    pub backend: Option<String>,
    /// What to list: available, installed or all.
    #[arg(long, default_value = "available")]
    pub verb: String,
    /// Print the whole typed report as JSON (the same keys for every backend).
    #[arg(long)]
    pub json: bool,
}

/// Prints the report (JSON) or a table of Casibase's rows, from the chosen or detected backend.
pub async fn run(args: OsPatchArgs) -> Result<ExitCode> {
    let verb: Verb = args.verb.parse()?;
    let backend: Option<Backend> = args.backend.as_deref().map(str::parse).transpose()?;
    let root = args.root.clone();
    let scanned = tokio::task::spawn_blocking(move || scan(&root, backend))
        .await
        .map_err(|e| Error::provider("OS Patch", format!("the report task failed: {e}")))??;
    if args.json {
        crate::out!("{}", render::json(&scanned.report));
        return Ok(ExitCode::SUCCESS);
    }
    for w in &scanned.report.warnings {
        eprintln!("warning: {w}");
    }
    let recommendations = scanned.report.recommendations.clone();
    let result = scanned.into_result(verb);
    for r in &result.patches {
        crate::out!("{:<18} {:<9} {}", r.categories, r.status, r.title);
    }
    crate::out!("{}", summary(&result.patches));
    for rec in &recommendations {
        crate::out!("recommendation: {rec}");
    }
    Ok(ExitCode::SUCCESS)
}
