//! `casiscan ospatch`: the OS patch report of this machine or of a mounted root.

use std::path::PathBuf;
use std::process::ExitCode;

use std::time::Duration;

use casiscan_core::Result;
use casiscan_core::providers::ospatch::{
    Backend, OsPatchProvider, Verb, debian_report, rows, summary,
};
use casiscan_core::providers::{Provider, RunContext, RunRequest};

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

/// Prints the report (JSON) or a table of the rows, from whichever backend the root has.
pub async fn run(args: OsPatchArgs) -> Result<ExitCode> {
    let verb: Verb = args.verb.parse()?;
    let provider = OsPatchProvider::with_root(&args.root);
    if provider.backend()? != Backend::Debian {
        return run_provider(&provider, &args).await;
    }
    let report = debian_report(&args.root)?;
    if args.json {
        crate::out!("{}", render::json(&report));
        return Ok(ExitCode::SUCCESS);
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let rows = rows(&report, verb);
    for r in &rows {
        crate::out!("{:<18} {:<9} {}", r.categories, r.status, r.title);
    }
    crate::out!("{}", summary(&rows));
    for rec in &report.recommendations {
        crate::out!("recommendation: {rec}");
    }
    Ok(ExitCode::SUCCESS)
}

/// RPM and Windows: the provider's own output (rows in Casibase's shape plus the report).
async fn run_provider(provider: &OsPatchProvider, args: &OsPatchArgs) -> Result<ExitCode> {
    let request = RunRequest {
        owner: String::new(),
        target: "localhost".parse()?,
        command: args.verb.clone(),
        timeout: Duration::from_secs(600),
    };
    let out = provider.run(request, RunContext::detached()).await?;
    if args.json {
        crate::out!("{}", render::json(&out.result["report"]));
        return Ok(ExitCode::SUCCESS);
    }
    let text = |row: &serde_json::Value, key: &str| row[key].as_str().unwrap_or("").to_string();
    for row in out.result["patches"].as_array().into_iter().flatten() {
        let categories = match &row["categories"] {
            serde_json::Value::Array(c) => c
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(","),
            other => other.as_str().unwrap_or("").to_string(),
        };
        crate::out!(
            "{:<18} {:<9} {}",
            categories,
            text(row, "status"),
            text(row, "title")
        );
    }
    crate::out!("{}", out.summary);
    Ok(ExitCode::SUCCESS)
}
