//! The scope part of [`Client`]: an account's allowed and denied targets, and the check of a
//! scan's target against them.

use crate::Client;
use crate::error::{ErrorKind, Result};
use crate::model::{Scan, ScopePolicy};

impl Client {
    /// Sets an account's scope from entry texts (`10.0.0.0/8`, `10.0.0.1-10.0.0.9`,
    /// `host.example`, `*.corp.example`); deny wins over allow. A malformed entry or two
    /// overlapping entries of one list are an `InvalidInput` error naming the field
    /// (`scope.allow[1]`, `scope.deny`); nothing changes. Returns the stored policy.
    pub async fn set_scope_policy(
        &self,
        account: &str,
        allow: &[String],
        deny: &[String],
    ) -> Result<ScopePolicy> {
        check_account(account)?;
        let policy = ScopePolicy::parse(allow, deny)?;
        self.store()
            .set_scope_policy(account, Some(&policy))
            .await?;
        tracing::info!(%account, allow = policy.allow.len(), deny = policy.deny.len(), "scope policy set");
        Ok(policy)
    }

    /// Removes an account's scope policy: its scans may target anything again.
    pub async fn remove_scope_policy(&self, account: &str) -> Result<()> {
        check_account(account)?;
        self.store().set_scope_policy(account, None).await
    }

    /// The scope policy of an account (`None`: no policy, every target allowed).
    pub async fn scope_policy(&self, account: &str) -> Result<Option<ScopePolicy>> {
        check_account(account)?;
        self.store().get_scope_policy(account).await
    }

    /// Refuses a scan whose target is out of its owner's scope (`Forbidden`). An Asset-mode
    /// scan whose asset is missing is not decided here (the run refuses it later).
    pub(crate) async fn check_scope(&self, scan: &Scan) -> Result<()> {
        let target = match crate::runner::resolve_target(self.store().as_ref(), scan).await {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        crate::scope::check_target(self.store().as_ref(), &scan.owner, &target).await
    }
}

fn check_account(account: &str) -> Result<()> {
    match account.is_empty() || account.contains('/') {
        true => Err(crate::Error::invalid(
            format!("account `{account}`"),
            "an account is a non-empty name without `/`",
        )),
        false => Ok(()),
    }
}
