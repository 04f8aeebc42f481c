//! `casiscan ospatch`: the OS patch report of this machine or of a mounted root.

use std::path::PathBuf;
use std::process::ExitCode;

use casiscan_core::Result;
use casiscan_core::providers::ospatch::{Verb, debian_report, rows, summary};

use crate::render;

/// Options of the ospatch subcommand.
#[derive(Debug, clap::Args)]
pub struct OsPatchArgs {
    /// Root directory to read (`/` for this machine; a mounted image or container otherwise).
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// What to list: available, installed or all.
    #[arg(long, default_value = "available")]
    pub verb: String,
    /// Print the whole typed report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Prints the report (JSON) or a table of the rows.
pub fn run(args: OsPatchArgs) -> Result<ExitCode> {
    let verb: Verb = args.verb.parse()?;
    let report = debian_report(&args.root)?;
    if args.json {
        println!("{}", render::json(&report));
        return Ok(ExitCode::SUCCESS);
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let rows = rows(&report, verb);
    for r in &rows {
        println!("{:<18} {:<9} {}", r.categories, r.status, r.title);
    }
    println!("{}", summary(&rows));
    for rec in &report.recommendations {
        println!("recommendation: {rec}");
    }
    Ok(ExitCode::SUCCESS)
}
