//! Hostname resolution for the execution-time scope check: the system's resolver, or a fixed
//! table (tests, embedding).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::error::{Error, Result};

/// Turns a hostname into the addresses a scan of it would reach.
#[async_trait]
pub trait Resolver: Send + Sync + std::fmt::Debug {
    /// The addresses of `host`; an error when it does not resolve.
    async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>>;
}

/// The operating system's resolver (`getaddrinfo`, so `/etc/hosts` and DNS).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

#[async_trait]
impl Resolver for SystemResolver {
    async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>> {
        let found = tokio::net::lookup_host((host, 0)).await.map_err(|e| {
            Error::invalid(format!("target `{host}`"), format!("does not resolve: {e}"))
        })?;
        let mut addrs: Vec<IpAddr> = found.map(|a| a.ip()).collect();
        addrs.sort();
        addrs.dedup();
        Ok(addrs)
    }
}

/// A resolver answering from a table that can be changed while in use (clones share it).
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    table: Arc<Mutex<BTreeMap<String, Vec<IpAddr>>>>,
}

impl StaticResolver {
    /// An empty table: every name fails to resolve.
    pub fn new() -> Self {
        StaticResolver::default()
    }

    /// Makes `host` (any case) resolve to `addrs` from now on.
    pub fn set(&self, host: &str, addrs: Vec<IpAddr>) {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        table.insert(host.to_ascii_lowercase(), addrs);
    }
}

#[async_trait]
impl Resolver for StaticResolver {
    async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>> {
        let table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        match table.get(&host.trim_end_matches('.').to_ascii_lowercase()) {
            Some(addrs) if !addrs.is_empty() => Ok(addrs.clone()),
            _ => Err(Error::invalid(
                format!("target `{host}`"),
                "does not resolve",
            )),
        }
    }
}
