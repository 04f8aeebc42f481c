//! `casiscan install-patch`: queues an OS Patch Install job from a finished OS patch scan.

use std::process::ExitCode;

use casiscan_core::providers::patch_install::{PatchInstallRequest, PatchSelection};
use casiscan_core::{Client, Result};

/// Options of the install-patch subcommand.
#[derive(Debug, clap::Args)]
pub struct InstallPatchArgs {
    /// The finished OS patch scan: `owner/name`, or a name of --owner.
    pub scan: String,
    /// Package names (`name` or `name:arch`), KB ids or advisory ids from the scan's result.
    #[arg(
        required_unless_present = "all_security",
        conflicts_with = "all_security"
    )]
    pub updates: Vec<String>,
    /// Every update the scan's backend called a security update.
    #[arg(long)]
    pub all_security: bool,
    /// Only show what would be installed (apt `-s`, dnf `--assumeno`); nothing changes.
    #[arg(long)]
    pub dry_run: bool,
}

/// Queues the job and prints it: `owner/name Pending` and one line per planned update.
pub async fn run(client: &Client, scan: &str, args: InstallPatchArgs) -> Result<ExitCode> {
    let selection = PatchSelection {
        all_security: args.all_security,
        updates: args.updates,
        dry_run: args.dry_run,
    };
    let job = client.install_patch(scan, &selection).await?;
    crate::out!("{}/{} {}", job.owner, job.name, job.state);
    let request = PatchInstallRequest::from_command(&job.command)?;
    for u in &request.updates {
        crate::out!(
            "  {} {} -> {}{}",
            u.name,
            u.installed_version.as_deref().unwrap_or("?"),
            u.version.as_deref().unwrap_or("(Windows Update)"),
            if u.is_security { " [security]" } else { "" }
        );
    }
    Ok(ExitCode::SUCCESS)
}
