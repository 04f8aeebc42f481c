//! The two scope checks: a target as written, and a target as resolved just before a run.

use crate::error::{Error, Result};
use crate::model::{ScopeRule, Target};
use crate::store::Store;

use super::Resolver;

fn forbidden(target: String, account: &str, rule: &ScopeRule) -> Error {
    Error::Forbidden {
        target,
        account: account.to_string(),
        rule: rule.to_string(),
    }
}

/// Checks `target` as written against `account`'s policy (no policy: allowed).
pub async fn check_target(store: &dyn Store, account: &str, target: &Target) -> Result<()> {
    let Some(policy) = store.get_scope_policy(account).await? else {
        return Ok(());
    };
    policy.check_target(target).map_err(|rule| {
        tracing::info!(%account, %target, %rule, "scan target refused by scope");
        forbidden(target.to_string(), account, &rule)
    })
}

/// Checks `target` right before it is scanned: as written, and a hostname's every address as
/// `resolver` gives it now (the error names `host -> address`).
pub async fn check_before_run(
    store: &dyn Store,
    resolver: &dyn Resolver,
    account: &str,
    target: &Target,
) -> Result<()> {
    let Some(policy) = store.get_scope_policy(account).await? else {
        return Ok(());
    };
    if let Err(rule) = policy.check_target(target) {
        return Err(forbidden(target.to_string(), account, &rule));
    }
    let Target::Hostname(host) = target else {
        return Ok(());
    };
    for addr in resolver.resolve(host).await? {
        if let Err(rule) = policy.check_address(addr) {
            tracing::warn!(%account, %host, %addr, %rule, "resolved address refused by scope");
            return Err(forbidden(format!("{host} -> {addr}"), account, &rule));
        }
    }
    Ok(())
}
