//! Finding out who this runner is: hostname, interface IPs, available providers.

use std::net::IpAddr;

use crate::model::RunnerIdentity;
use crate::providers::Providers;

impl RunnerIdentity {
    /// Detects hostname and interface IPs; the name defaults to the hostname.
    pub async fn detect(providers: &Providers) -> Self {
        let hostname = local_hostname();
        let mut available = Vec::new();
        for p in providers.all() {
            if p.available().await {
                available.push(p.kind());
            }
        }
        RunnerIdentity {
            name: hostname.clone(),
            hostname,
            ips: interface_ips(),
            public_ips: Vec::new(),
            providers: available,
            owners: Vec::new(),
        }
    }
}

/// This machine's hostname, read from the kernel; `localhost` when it cannot be read.
pub fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

/// Non-loopback addresses of up interfaces, from `/proc/net/fib_trie` and `/proc/net/if_inet6`.
pub fn interface_ips() -> Vec<IpAddr> {
    let mut ips: Vec<IpAddr> = std::fs::read_to_string("/proc/net/fib_trie")
        .map(|t| local_v4(&t))
        .unwrap_or_default();
    if let Ok(text) = std::fs::read_to_string("/proc/net/if_inet6") {
        ips.extend(local_v6(&text));
    }
    ips.retain(|ip| !ip.is_loopback());
    ips.sort();
    ips.dedup();
    ips
}

/// IPv4 addresses marked `/32 host LOCAL` in fib_trie.
fn local_v4(fib_trie: &str) -> Vec<IpAddr> {
    let mut out = Vec::new();
    let mut last: Option<&str> = None;
    for line in fib_trie.lines() {
        let t = line.trim_start_matches([' ', '|', '+', '-']);
        if line.contains("/32 host LOCAL") {
            if let Some(ip) = last.and_then(|a| a.parse().ok()) {
                out.push(ip);
            }
        } else if let Some(addr) = t.split_whitespace().next() {
            last = Some(addr);
        }
    }
    out
}

/// IPv6 addresses from if_inet6 (32 hex digits per line).
fn local_v6(if_inet6: &str) -> Vec<IpAddr> {
    if_inet6
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|hex| hex.len() == 32)
        .filter_map(|hex| u128::from_str_radix(hex, 16).ok())
        .map(|n| IpAddr::V6(std::net::Ipv6Addr::from(n)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_local_ipv4_from_fib_trie() {
        let trie = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 10.0.2.15\n        /32 host LOCAL\n     |-- 10.0.2.255\n        /32 link BROADCAST\n     |-- 127.0.0.1\n        /32 host LOCAL\n";
        let ips = local_v4(trie);
        assert_eq!(
            ips,
            vec![
                "10.0.2.15".parse::<IpAddr>().unwrap(),
                "127.0.0.1".parse().unwrap()
            ]
        );
    }

    #[test]
    fn reads_ipv6_from_if_inet6() {
        let text = "00000000000000000000000000000001 01 80 10 80       lo\nfe800000000000000000000000000001 02 40 20 80     eth0\n";
        let ips = local_v6(text);
        assert_eq!(
            ips,
            vec!["::1".parse::<IpAddr>().unwrap(), "fe80::1".parse().unwrap()]
        );
    }
}
