//! The operator's nmap policy from the command line: target size and per-account grants.

use std::sync::Arc;

use casiscan_core::Result;
use casiscan_core::providers::nmap::{NmapPolicy, NmapProvider, options::AccountSet};
use casiscan_core::providers::{self, Providers};

/// What accounts may ask of nmap beyond the safe defaults (the same on `serve` and `worker`).
#[derive(Debug, Clone, clap::Args)]
pub struct NmapPolicyArgs {
    /// Largest nmap target, in addresses, without a wide-targets grant.
    #[arg(
        long,
        global = true,
        default_value_t = 65_536,
        env = "CASISCAN_NMAP_MAX_ADDRESSES"
    )]
    pub nmap_max_addresses: u128,
    /// Accounts (comma-separated, `*` for all) allowed targets wider than --nmap-max-addresses.
    #[arg(
        long,
        global = true,
        value_delimiter = ',',
        env = "CASISCAN_NMAP_WIDE_TARGETS"
    )]
    pub nmap_wide_targets: Vec<String>,
    /// Accounts (comma-separated, `*` for all) allowed risky NSE categories (dos, exploit, brute,
    /// intrusive, external, all), script wildcards and script arguments naming paths.
    #[arg(
        long,
        global = true,
        value_delimiter = ',',
        env = "CASISCAN_NMAP_RISKY_SCRIPTS"
    )]
    pub nmap_risky_scripts: Vec<String>,
    /// Run nmap as this unprivileged user (defence in depth where the kernel lacks Landlock).
    #[arg(long, global = true, env = "CASISCAN_NMAP_USER")]
    pub nmap_user: Option<String>,
}

impl NmapPolicyArgs {
    /// The policy these arguments describe.
    pub fn policy(&self) -> NmapPolicy {
        NmapPolicy {
            max_target_addresses: self.nmap_max_addresses,
            wide_targets: AccountSet::of(self.nmap_wide_targets.iter().cloned()),
            risky_scripts: AccountSet::of(self.nmap_risky_scripts.iter().cloned()),
        }
    }

    /// The built-in providers, nmap under this policy (and user, when given).
    pub fn providers(&self) -> Result<Providers> {
        let mut nmap = NmapProvider::new().with_policy(self.policy());
        if let Some(user) = &self.nmap_user {
            nmap = nmap.run_as_user(user)?;
        }
        Ok(providers::defaults().with(Arc::new(nmap)))
    }
}
