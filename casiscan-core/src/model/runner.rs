//! Who a runner is: name, hostname, interface and public IPs, available providers.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::ProviderKind;

/// A runner's identity, used to decide which scans it may claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunnerIdentity {
    /// Runner name recorded on the scans it runs.
    pub name: String,
    /// Hostname, compared case-insensitively.
    pub hostname: String,
    /// Addresses on this machine's up, non-loopback interfaces.
    pub ips: Vec<IpAddr>,
    /// Public (NAT or elastic) addresses configured for this machine.
    pub public_ips: Vec<IpAddr>,
    /// Providers whose tool is available here.
    pub providers: Vec<ProviderKind>,
    /// Accounts whose scans this runner takes; every account's when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
}

impl RunnerIdentity {
    /// True when this runner takes scans of `owner`.
    pub fn serves_owner(&self, owner: &str) -> bool {
        self.owners.is_empty() || self.owners.iter().any(|o| o == owner)
    }

    /// True when `ip` is one of this runner's interface or public addresses.
    pub fn owns_ip(&self, ip: &IpAddr) -> bool {
        self.ips
            .iter()
            .chain(&self.public_ips)
            .any(|mine| mine == ip)
    }
}
