//! `casiscan scope show | set --allow X --deny Y | clear`: an account's scope policy.

use std::process::ExitCode;

use casiscan_core::{Client, Result};

/// What to do with the scope policy of an account (default: --owner).
#[derive(Debug, clap::Subcommand)]
pub enum ScopeCommand {
    /// Print the policy as JSON (`null` when the account has none).
    Show {
        /// The account (default: --owner).
        #[arg(long)]
        account: Option<String>,
    },
    /// Replace the policy: allowed and denied targets (deny wins).
    Set {
        /// The account (default: --owner).
        #[arg(long)]
        account: Option<String>,
        /// An allowed target: address, CIDR, range `a-b`, hostname or `*.domain`; repeat.
        #[arg(long)]
        allow: Vec<String>,
        /// A denied target, same forms; repeat.
        #[arg(long)]
        deny: Vec<String>,
    },
    /// Remove the policy: every target is allowed again.
    Clear {
        /// The account (default: --owner).
        #[arg(long)]
        account: Option<String>,
    },
}

/// Runs a scope subcommand for `owner` unless it names an account.
pub async fn run(client: &Client, owner: &str, command: &ScopeCommand) -> Result<ExitCode> {
    match command {
        ScopeCommand::Show { account } => {
            let policy = client
                .scope_policy(account.as_deref().unwrap_or(owner))
                .await?;
            crate::out!("{}", crate::render::json(&policy));
        }
        ScopeCommand::Set {
            account,
            allow,
            deny,
        } => {
            let account = account.as_deref().unwrap_or(owner);
            let policy = client.set_scope_policy(account, allow, deny).await?;
            crate::out!("{}", crate::render::json(&policy));
        }
        ScopeCommand::Clear { account } => {
            let account = account.as_deref().unwrap_or(owner);
            client.remove_scope_policy(account).await?;
            crate::out!("{account}: no scope policy");
        }
    }
    Ok(ExitCode::SUCCESS)
}
