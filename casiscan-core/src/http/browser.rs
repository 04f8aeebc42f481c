//! What a browser-facing deployment needs: a trusted reverse proxy that names the signed-in
//! user in a header, a same-origin check for browser requests, and CORS (all off by default).

use std::net::IpAddr;

use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use ipnet::{IpNet, Ipv4Net};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::{Error, Result};

/// A reverse proxy that authenticates users and names them in a header; the header is honoured
/// only on connections from the proxy's own addresses.
#[derive(Debug, Clone)]
pub struct TrustedProxy {
    header: HeaderName,
    proxies: Vec<IpNet>,
}

impl TrustedProxy {
    /// Trusts `header` (e.g. `X-Forwarded-User`) from `proxies` (addresses or CIDR networks);
    /// `InvalidInput` for a bad header name, a bad address, or no address at all.
    pub fn new(header: &str, proxies: &[String]) -> Result<Self> {
        let header = HeaderName::try_from(header).map_err(|e| {
            Error::invalid(format!("trusted user header `{header}`"), e.to_string())
        })?;
        if proxies.is_empty() {
            return Err(Error::invalid(
                "trusted user header",
                "needs at least one trusted proxy address",
            ));
        }
        let proxies = proxies
            .iter()
            .map(|p| parse_net(p))
            .collect::<Result<Vec<_>>>()?;
        Ok(TrustedProxy { header, proxies })
    }

    /// The user the proxy names, when `peer` is one of the proxy's addresses.
    pub fn user(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<String> {
        let peer = peer?.to_canonical();
        if !self.is_proxy(peer) {
            return None;
        }
        headers
            .get(&self.header)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
    }

    /// Whether `peer` is one of the proxy's addresses (an IPv4-mapped IPv6 address counts as
    /// its IPv4 address).
    pub fn is_proxy(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        let mapped = match peer {
            IpAddr::V4(v4) => Some(IpAddr::V6(v4.to_ipv6_mapped())),
            IpAddr::V6(_) => None,
        };
        self.proxies
            .iter()
            .any(|net| net.contains(&peer) || mapped.is_some_and(|m| net.contains(&m)))
    }
}

fn parse_net(text: &str) -> Result<IpNet> {
    let bad = |why: &str| Error::invalid(format!("trusted proxy `{}`", text.escape_debug()), why);
    let net = if text.contains('/') {
        text.parse::<IpNet>().ok()
    } else {
        text.parse::<IpAddr>().ok().map(IpNet::from)
    };
    net.map(canonical_net)
        .ok_or_else(|| bad("expected an IP address or a CIDR network"))
}

/// An IPv4-mapped IPv6 network (`::ffff:10.0.0.0/104`) as the IPv4 network it maps, since
/// peers are compared in their canonical form.
fn canonical_net(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net
        && let Some(v4) = v6.network().to_ipv4_mapped()
        && let Some(prefix) = v6.prefix_len().checked_sub(96)
        && let Ok(mapped) = Ipv4Net::new(v4, prefix)
    {
        return IpNet::V4(mapped);
    }
    net
}

/// Origins allowed to call the API from a browser on another origin, and whether they may send
/// credentials (cookies, `Authorization`).
#[derive(Debug, Clone, Default)]
pub struct CorsConfig {
    origins: Vec<HeaderValue>,
    credentials: bool,
}

impl CorsConfig {
    /// `origins` as `scheme://host[:port]`; `InvalidInput` for anything else (`*` included:
    /// an open API is a choice to make per origin).
    pub fn new(origins: &[String], credentials: bool) -> Result<Self> {
        let origins = origins
            .iter()
            .map(|o| parse_origin(o))
            .collect::<Result<Vec<_>>>()?;
        Ok(CorsConfig {
            origins,
            credentials,
        })
    }

    /// Whether `origin` is allowed.
    pub fn allows(&self, origin: &HeaderValue) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    /// Whether no origin is allowed (CORS off).
    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
    }

    /// The tower-http layer answering preflights and adding the CORS headers.
    pub fn layer(&self) -> CorsLayer {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(self.origins.clone()))
            .allow_credentials(self.credentials)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                AUTHORIZATION,
                CONTENT_TYPE,
                ACCEPT_LANGUAGE,
                HeaderName::from_static("accesskey"),
                HeaderName::from_static("secretkey"),
            ])
    }
}

fn parse_origin(text: &str) -> Result<HeaderValue> {
    let bad = || {
        Error::invalid(
            format!("CORS origin `{}`", text.escape_debug()),
            "expected scheme://host[:port], e.g. https://casibase.example.com",
        )
    };
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or_else(bad)?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '*', ' ']) {
        return Err(bad());
    }
    HeaderValue::from_str(text).map_err(|_| bad())
}

/// Whether a browser request comes from another origin than the one it is addressed to (and
/// not from an origin CORS allows): `Sec-Fetch-Site` says so, or `Origin` names another host
/// than `Host` (`X-Forwarded-Host` when set by the trusted proxy). A request with neither
/// header (not a browser, or a same-origin GET) is not cross-origin.
pub fn is_cross_origin(headers: &HeaderMap, cors: &CorsConfig, forwarded: bool) -> bool {
    let origin = headers.get(ORIGIN);
    if origin.is_some_and(|o| cors.allows(o)) {
        return false;
    }
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return true;
    }
    let Some(origin) = origin.and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let host = forwarded
        .then(|| headers.get("x-forwarded-host"))
        .flatten()
        .or_else(|| headers.get(HOST))
        .and_then(|h| h.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, h)| h);
    origin_host.is_none() || origin_host != host
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn an_ipv4_mapped_proxy_address_or_network_trusts_its_ipv4_peers() {
        let proxy = TrustedProxy::new(
            "X-Forwarded-User",
            &["::ffff:10.0.0.1".into(), "::ffff:192.168.1.0/120".into()],
        )
        .expect("valid");
        let h = headers(&[("x-forwarded-user", "alice")]);
        for peer in [
            "10.0.0.1",
            "::ffff:10.0.0.1",
            "192.168.1.77",
            "::ffff:192.168.1.77",
        ] {
            let peer = peer.parse().ok();
            assert_eq!(proxy.user(peer, &h).as_deref(), Some("alice"), "{peer:?}");
        }
        for peer in ["10.0.0.2", "192.168.2.1", "::1"] {
            assert_eq!(proxy.user(peer.parse().ok(), &h), None, "{peer}");
        }
        // An IPv6 network holding the whole mapped range holds the IPv4 peers too.
        let wide = TrustedProxy::new("X-Forwarded-User", &["::/64".into()]).expect("valid");
        assert!(wide.is_proxy("10.0.0.1".parse().expect("ip")));
    }

    #[test]
    fn the_user_header_counts_only_from_the_proxy() {
        let proxy = TrustedProxy::new("X-Forwarded-User", &["10.0.0.0/8".into(), "::1".into()])
            .expect("valid");
        let h = headers(&[("x-forwarded-user", "alice")]);
        assert_eq!(
            proxy.user(Some("10.1.2.3".parse().unwrap()), &h).as_deref(),
            Some("alice")
        );
        assert_eq!(
            proxy
                .user(Some("::ffff:10.1.2.3".parse().unwrap()), &h)
                .as_deref(),
            Some("alice")
        );
        assert_eq!(
            proxy.user(Some("::1".parse().unwrap()), &h).as_deref(),
            Some("alice")
        );
        assert_eq!(proxy.user(Some("192.0.2.1".parse().unwrap()), &h), None);
        assert_eq!(proxy.user(None, &h), None);
        let blank = headers(&[("x-forwarded-user", " ")]);
        assert_eq!(proxy.user(Some("10.0.0.1".parse().unwrap()), &blank), None);
        for bad in [
            vec![],
            vec!["10.0.0.300".to_string()],
            vec!["proxy.example".to_string()],
        ] {
            let err = TrustedProxy::new("X-Forwarded-User", &bad).expect_err("refused");
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{err}");
        }
        assert!(TrustedProxy::new("bad header", &["10.0.0.1".into()]).is_err());
    }

    #[test]
    fn cross_origin_browser_requests_are_told_apart() {
        let none = CorsConfig::default();
        let same = headers(&[("origin", "https://scan.example"), ("host", "scan.example")]);
        assert!(!is_cross_origin(&same, &none, false));
        let other = headers(&[("origin", "https://evil.example"), ("host", "scan.example")]);
        assert!(is_cross_origin(&other, &none, false));
        let site = headers(&[("sec-fetch-site", "cross-site"), ("host", "scan.example")]);
        assert!(is_cross_origin(&site, &none, false));
        assert!(!is_cross_origin(
            &headers(&[("host", "scan.example")]),
            &none,
            false
        ));
        let proxied = headers(&[
            ("origin", "https://ui.example"),
            ("host", "127.0.0.1:8000"),
            ("x-forwarded-host", "ui.example"),
        ]);
        assert!(!is_cross_origin(&proxied, &none, true));
        assert!(
            is_cross_origin(&proxied, &none, false),
            "only from the proxy"
        );
        let cors = CorsConfig::new(&["https://evil.example".into()], false).expect("valid");
        assert!(!is_cross_origin(&other, &cors, false));
    }

    #[test]
    fn cors_origins_must_be_origins() {
        for bad in [
            "*",
            "evil.example",
            "https://a.example/path",
            "ftp://a.example",
            "https://",
        ] {
            let err = CorsConfig::new(&[bad.to_string()], true).expect_err(bad);
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{err}");
        }
        let ok = CorsConfig::new(&["http://localhost:7001".into()], true).expect("valid");
        assert!(ok.allows(&HeaderValue::from_static("http://localhost:7001")));
        assert!(!ok.allows(&HeaderValue::from_static("http://localhost:7002")));
    }
}
