//! Who is calling the scan API: the admin token, or an account through its API key.

// A Response is the one-off error path of a request handler; boxing it would gain nothing.
#![allow(clippy::result_large_err)]

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::browser::is_cross_origin;
use super::envelope::error;
use super::state::AppState;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// `Authorization: Bearer <admin token>`: every account.
    Admin,
    /// `accessKey`/`secretKey` headers of an account's API key: that account only.
    Account(String),
    /// A user the trusted reverse proxy signed in and named in its header: every account, as
    /// the admin token (the proxy decides who reaches casiscan); key management excepted.
    User(String),
}

impl Caller {
    /// Whether the caller may act on records owned by `owner`.
    pub fn may_act_for(&self, owner: &str) -> bool {
        match self {
            Caller::Admin | Caller::User(_) => true,
            Caller::Account(account) => account == owner,
        }
    }

    /// `Ok` when the caller may act for `owner`, else the 403 answer.
    pub fn check(&self, owner: &str) -> Result<(), Response> {
        if self.may_act_for(owner) {
            Ok(())
        } else {
            tracing::debug!(owner, "denied: this API key belongs to another account");
            Err(error(StatusCode::FORBIDDEN, DENIED))
        }
    }

    /// The account a listing is limited to: the caller's own, or `requested` for the admin.
    pub fn listing_owner(&self, requested: Option<&str>) -> Result<Option<String>, Response> {
        match self {
            Caller::Admin | Caller::User(_) => Ok(requested.map(str::to_owned)),
            Caller::Account(account) => {
                self.check(requested.unwrap_or(account))?;
                Ok(Some(account.clone()))
            }
        }
    }
}

/// The caller of a write (admin token or an account's key pair); without one the request is 401.
pub struct Writer(pub Caller);

/// The caller of a read: as for writes, or anyone (as the admin) when reads are public.
pub struct Reader(pub Caller);

/// The message of every refusal for missing or wrong credentials: the text Casibase's web UI
/// (`Setting.isResponseDenied`) recognises, so it shows its "not authorized" page.
pub const DENIED: &str = "Unauthorized operation";

/// The message of a refusal of an operation only the admin token may do (also recognised by
/// Casibase's `isResponseDenied`).
pub const ADMIN_ONLY: &str = "this operation requires admin privilege";

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, DENIED)
}

fn cross_origin() -> Response {
    tracing::debug!("denied: a browser request from another origin");
    error(StatusCode::FORBIDDEN, DENIED)
}

/// The address of the connection's peer, as the accept loop recorded it.
fn peer_of(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Refuses a cross-origin browser request when the server is same-origin only.
fn check_origin(s: &AppState, parts: &Parts) -> Result<(), Response> {
    if !s.same_origin {
        return Ok(());
    }
    let forwarded = match (&s.trusted_proxy, peer_of(parts)) {
        (Some(proxy), Some(peer)) => proxy.is_proxy(peer.to_canonical()),
        _ => false,
    };
    if is_cross_origin(&parts.headers, &s.cors, forwarded) {
        Err(cross_origin())
    } else {
        Ok(())
    }
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Response> {
        check_origin(s, parts)?;
        writer(s, &parts.headers, peer_of(parts))
            .await
            .map(Writer)
            .ok_or_else(unauthorized)
    }
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Response> {
        check_origin(s, parts)?;
        reader(s, &parts.headers, peer_of(parts))
            .await
            .map(Reader)
            .ok_or_else(unauthorized)
    }
}

/// The holder of the admin token (key management); anyone else is 401.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Response> {
        if s.is_admin(&parts.headers) {
            Ok(Admin)
        } else {
            Err(error(StatusCode::UNAUTHORIZED, ADMIN_ONLY))
        }
    }
}

/// The caller of a write: the admin token, the user the trusted proxy names (on a connection
/// from `peer`), or a valid API key; `None` is a 401.
pub async fn writer(s: &AppState, h: &HeaderMap, peer: Option<IpAddr>) -> Option<Caller> {
    if s.is_admin(h) {
        return Some(Caller::Admin);
    }
    if let Some(user) = s.trusted_proxy.as_ref().and_then(|p| p.user(peer, h)) {
        return Some(Caller::User(user));
    }
    let header = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let (access, secret) = (header("accesskey"), header("secretkey"));
    if access.is_empty() || secret.is_empty() {
        return None;
    }
    s.keys
        .verify(access, secret)
        .await
        .ok()
        .map(Caller::Account)
}

/// The caller of a read: as for writes, or anyone (as the admin) when reads are public.
pub async fn reader(s: &AppState, h: &HeaderMap, peer: Option<IpAddr>) -> Option<Caller> {
    match writer(s, h, peer).await {
        Some(c) => Some(c),
        None if s.public_reads => Some(Caller::Admin),
        None => None,
    }
}

/// The owner part of an `owner/name` id.
pub fn owner_of(id: &str) -> &str {
    id.split_once('/').map_or(id, |(owner, _)| owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_act_only_for_themselves() {
        let a = Caller::Account("acme".into());
        assert!(a.may_act_for("acme") && !a.may_act_for("other"));
        assert!(Caller::Admin.may_act_for("other"));
        assert!(Caller::User("alice".into()).may_act_for("other"));
        assert_eq!(
            Caller::User("alice".into())
                .listing_owner(Some("acme"))
                .ok(),
            Some(Some("acme".into()))
        );
        assert_eq!(a.listing_owner(None).ok(), Some(Some("acme".into())));
        assert!(a.listing_owner(Some("other")).is_err());
        assert_eq!(Caller::Admin.listing_owner(None).ok(), Some(None));
        assert_eq!(owner_of("acme/scan-1"), "acme");
    }
}
