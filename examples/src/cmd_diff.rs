//! `casiscan diff ID [--from N] [--to M]`: what changed between two stored runs of a scan.

use std::process::ExitCode;

use casiscan_core::providers::nmap;
use casiscan_core::{Client, Error, Result};

/// Prints the difference between runs `from` and `to` of scan `id` (default: its last two):
/// ndiff's text report, or with `json` every category as JSON; exit 1 when they differ.
pub async fn stored(
    client: &Client,
    id: &str,
    (from, to): (Option<u64>, Option<u64>),
    json: bool,
) -> Result<ExitCode> {
    if json {
        let d = client.diff_runs(id, from, to).await?;
        crate::out!("{}", crate::render::json(&d));
        return Ok(ExitCode::from(u8::from(!d.is_empty())));
    }
    let (older, newer) = client.run_pair(id, from, to).await?;
    let kept = |run: &casiscan_core::model::ScanRun| {
        run.nmap_run().ok_or_else(|| {
            Error::invalid(
                format!("run {} of scan {id}", run.seq),
                "kept no nmap run to compare as text (not an nmap run, or stored before runs \
                 kept it): use --json",
            )
        })
    };
    let (a, b) = (kept(&older)?, kept(&newer)?);
    let d = nmap::diff(&a, &b);
    let text = nmap::diff_text(&a, &b, &d);
    if let Some(body) = text.strip_suffix('\n') {
        crate::out!("{body}");
    }
    Ok(ExitCode::from(u8::from(d.cost() > 0)))
}
