//! The credential and forwarding headers the REST server reads on every request, through the
//! `fuzzing` feature (with `http`): who the caller is (`writer`, `reader`: the admin's
//! `Authorization: Bearer`, the user a trusted proxy names, an account's `accessKey` and
//! `secretKey`), the same-origin check (`is_cross_origin`, `Origin`, `Host`,
//! `X-Forwarded-Host`, `Sec-Fetch-Site`), and what the failed-authentication limiter counts.
//! Also the server's options these depend on (the trusted proxy's header and addresses, the CORS
//! origins). No server and no database: the key ring is a memory store holding one key.
//!
//! Input: a byte of flags, then header values and options separated by NUL bytes (see `Field`;
//! an empty part is an absent header, or an empty one under the flag `KEEP_EMPTY`).
//! Checked: the caller is the admin exactly when the first `Authorization` is a bearer credential
//! of the admin token; the proxy's user only from the proxy's addresses; an account only for
//! its exact key pair; nothing else yields a caller; a request let through as same-origin names
//! no other host; `X-Forwarded-Host` counts only from the proxy.
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};

use casiscan_core::Client;
use casiscan_core::fuzzing::{
    Caller, access_key_subject, bearer_token, is_cross_origin, presents_credentials, reader, writer,
};
use casiscan_core::http::{AppState, CorsConfig, TrustedProxy};
use casiscan_core::keys::{KeyRing, access_key_well_formed, secret_key_well_formed};
use casiscan_core::lifecycle::sha256_hex;
use casiscan_core::model::ApiKeyRecord;
use casiscan_core::providers::Providers;
use casiscan_core::store::{MemoryStore, Store};
use http::{HeaderMap, HeaderName, HeaderValue};

/// The admin token of the state under test.
const ADMIN_TOKEN: &str = "fuzz-admin-token-0123456789";
/// The one account with a key.
const ACCOUNT: &str = "acme";
/// Its access key (well formed).
const ACCESS_KEY: &str = "CSAKFVZZ0123456789ABCDEF";
/// Its secret key (well formed, with its checksum).
const SECRET_KEY: &str = "cssk_FuzzSecret0123456789abcdefghijklmnopqrstuvw226VR5";
/// The trusted user header when the input names none.
const USER_HEADER: &str = "x-forwarded-user";

/// What each NUL-separated part of the input (after the flags byte) is.
#[derive(Clone, Copy)]
enum Field {
    Authorization,
    AccessKey,
    SecretKey,
    User,
    Origin,
    Host,
    ForwardedHost,
    FetchSite,
    Peer,
    Proxies,
    CorsOrigins,
    UserHeader,
}

/// Flag of the first byte: a trusted proxy is configured.
const PROXY: u8 = 1;
/// Flag: reads are public.
const PUBLIC_READS: u8 = 2;
/// Flag: CORS allows credentials.
const CORS_CREDENTIALS: u8 = 4;
/// Flag: the admin's bearer credential follows the first `Authorization`.
const SECOND_ADMIN: u8 = 8;
/// Flag: the account's key pair follows the first `accessKey` and `secretKey`.
const SECOND_KEY: u8 = 16;
/// Flag: an empty part is an empty header, not an absent one.
const KEEP_EMPTY: u8 = 32;

/// Runs a future that never waits (the memory store answers at once) to its end.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..64 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("a header check waited on something")
}

/// The server state: the admin token, and a key ring holding the account's key.
fn state() -> AppState {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let record = ApiKeyRecord {
        account: ACCOUNT.into(),
        name: "fuzz".into(),
        access_key: ACCESS_KEY.into(),
        secret_hash: sha256_hex(SECRET_KEY.as_bytes()),
        secret_hint: "6VR5".into(),
        created_at: chrono::DateTime::UNIX_EPOCH,
        created_by: "alice".into(),
    };
    assert!(access_key_well_formed(ACCESS_KEY) && secret_key_well_formed(SECRET_KEY));
    if let Err(e) = block_on(store.add_api_key(&record)) {
        panic!("cannot store the fuzz key: {e}");
    }
    let client = Client::new(Arc::new(MemoryStore::new()), Providers::new());
    let mut s = match AppState::new(client, ADMIN_TOKEN) {
        Ok(s) => s,
        Err(e) => panic!("cannot make the server state: {e}"),
    };
    s.keys = KeyRing::new(store);
    assert_eq!(
        block_on(s.keys.verify(ACCESS_KEY, SECRET_KEY))
            .ok()
            .as_deref(),
        Some(ACCOUNT)
    );
    s
}

/// `Bearer`'s token read from the definition: optional leading whitespace, the scheme in any
/// case, one space, the token with spaces around it.
fn expected_bearer(value: &str) -> Option<&str> {
    let value = value.trim_start();
    let scheme = value.get(..7)?;
    scheme
        .eq_ignore_ascii_case("bearer ")
        .then(|| value[7..].trim_matches(' '))
}

/// The first value of header `name` as text, when there is one.
fn text<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Appends `value` as header `name` when both are valid (hyper refuses a request otherwise).
fn put(h: &mut HeaderMap, name: &str, value: &[u8]) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_bytes(value),
    ) {
        h.append(n, v);
    }
}

/// The trusted proxy the input configures, checked: each listed address is trusted.
fn proxy(header: &str, list: &str) -> Option<TrustedProxy> {
    let entries: Vec<String> = list.split(',').map(str::to_owned).collect();
    let proxy = TrustedProxy::new(header, &entries).ok()?;
    for entry in &entries {
        let address = entry.split_once('/').map_or(entry.as_str(), |(a, _)| a);
        match address.parse::<IpAddr>() {
            Ok(ip) => assert!(proxy.is_proxy(ip), "{entry} is listed but not trusted"),
            Err(_) => panic!("a proxy entry without an address was taken: {entry:?}"),
        }
    }
    Some(proxy)
}

/// The CORS origins the input configures, checked: each one taken is allowed and well formed.
fn cors(list: &str, credentials: bool) -> Option<CorsConfig> {
    let origins: Vec<String> = list.split(',').map(str::to_owned).collect();
    let cors = CorsConfig::new(&origins, credentials).ok()?;
    for o in &origins {
        let rest = o
            .strip_prefix("https://")
            .or_else(|| o.strip_prefix("http://"));
        assert!(
            rest.is_some_and(|r| !r.is_empty() && !r.contains(['/', '?', '#', '*', ' '])),
            "a CORS origin not of the form scheme://host[:port] was taken: {o:?}"
        );
        match HeaderValue::from_str(o) {
            Ok(v) => assert!(cors.allows(&v), "{o} is configured but not allowed"),
            Err(_) => panic!("a CORS origin that is no header value was taken: {o:?}"),
        }
    }
    Some(cors)
}

/// The caller a request with headers `h` from `peer` must get, from the rules of caller.rs's
/// documentation: the admin token, else the proxy's user, else the account's exact key pair.
fn expected_caller(
    h: &HeaderMap,
    proxy: Option<&TrustedProxy>,
    header: &str,
    peer: Option<IpAddr>,
) -> Option<Caller> {
    if text(h, "authorization").and_then(expected_bearer) == Some(ADMIN_TOKEN) {
        return Some(Caller::Admin);
    }
    let from_proxy = proxy.is_some_and(|p| peer.is_some_and(|ip| p.is_proxy(ip.to_canonical())));
    if let Some(user) = text(h, header)
        .map(str::trim)
        .filter(|u| from_proxy && !u.is_empty())
    {
        return Some(Caller::User(user.to_owned()));
    }
    let pair = (text(h, "accesskey"), text(h, "secretkey"));
    (pair == (Some(ACCESS_KEY), Some(SECRET_KEY))).then(|| Caller::Account(ACCOUNT.into()))
}

/// The same-origin check on `h`: what it lets through names no other host.
fn origin_check(h: &HeaderMap, cors: &CorsConfig, forwarded: bool) {
    let cross = is_cross_origin(h, cors, forwarded);
    let allowed = h.get("origin").is_some_and(|o| cors.allows(o));
    if allowed {
        assert!(!cross, "an allowed origin was refused");
        return;
    }
    if matches!(text(h, "sec-fetch-site"), Some("cross-site" | "same-site")) {
        assert!(cross, "a browser's cross-site request was let through");
    }
    if !cross && let Some(origin) = text(h, "origin") {
        let host = match forwarded {
            true => text(h, "x-forwarded-host").or_else(|| text(h, "host")),
            false => text(h, "host"),
        };
        let named = origin.split_once("://").map(|(_, rest)| rest);
        assert!(
            named.is_some() && named == host,
            "origin {origin:?} let through for host {host:?}"
        );
    }
    if !forwarded && h.contains_key("x-forwarded-host") {
        let mut without = h.clone();
        without.remove("x-forwarded-host");
        assert_eq!(
            is_cross_origin(&without, cors, false),
            cross,
            "X-Forwarded-Host counted on a connection that is not the proxy's"
        );
    }
}

/// What the failed-authentication limiter reads of `h`.
fn limiter(h: &HeaderMap) {
    let presented = ["authorization", "accesskey", "secretkey"]
        .iter()
        .any(|k| h.contains_key(*k));
    assert_eq!(presents_credentials(h), presented);
    match (access_key_subject(h), text(h, "accesskey")) {
        (Some(key), Some(whole)) => {
            assert!(!key.is_empty() && whole.starts_with(&key));
            assert_eq!(key.chars().count(), whole.chars().count().min(128));
        }
        (None, whole) => assert!(whole.is_none_or(str::is_empty), "{whole:?} not counted"),
        (Some(key), None) => panic!("counted against {key:?}, which the request does not carry"),
    }
}

/// The server state, made once (a static: the fuzzing closure must be unwind safe).
fn base() -> &'static AppState {
    static BASE: OnceLock<AppState> = OnceLock::new();
    BASE.get_or_init(state)
}

fn main() {
    base();
    afl::fuzz!(|data: &[u8]| {
        let Some((&flags, rest)) = data.split_first() else {
            return;
        };
        let parts: Vec<&[u8]> = rest.split(|&b| b == 0).collect();
        // An empty part is an absent header (an empty one with KEEP_EMPTY) or the default option.
        let field = |f: Field| {
            let part = parts.get(f as usize).copied()?;
            (!part.is_empty() || flags & KEEP_EMPTY != 0).then_some(part)
        };
        let string = |f: Field| {
            let part = parts.get(f as usize).copied()?;
            std::str::from_utf8(part).ok().filter(|s| !s.is_empty())
        };

        if let Some(value) = string(Field::Authorization) {
            assert_eq!(bearer_token(value), expected_bearer(value), "{value:?}");
        }
        let header = string(Field::UserHeader).unwrap_or(USER_HEADER);
        let proxy = if flags & PROXY == 0 {
            None
        } else {
            proxy(header, string(Field::Proxies).unwrap_or("10.0.0.0/8,::1"))
        };
        let credentials = flags & CORS_CREDENTIALS != 0;
        let cors = string(Field::CorsOrigins)
            .and_then(|list| cors(list, credentials))
            .unwrap_or_default();
        let peer = string(Field::Peer).and_then(|p| p.parse::<IpAddr>().ok());

        let mut h = HeaderMap::new();
        let named = [
            (Field::Authorization, "authorization"),
            (Field::AccessKey, "accesskey"),
            (Field::SecretKey, "secretkey"),
            (Field::User, header),
            (Field::Origin, "origin"),
            (Field::Host, "host"),
            (Field::ForwardedHost, "x-forwarded-host"),
            (Field::FetchSite, "sec-fetch-site"),
        ];
        for (f, name) in named {
            if let Some(value) = field(f) {
                put(&mut h, name, value);
            }
        }
        // A second credential after the first: only the first of each header counts.
        if flags & SECOND_ADMIN != 0 {
            put(
                &mut h,
                "authorization",
                format!("Bearer {ADMIN_TOKEN}").as_bytes(),
            );
        }
        if flags & SECOND_KEY != 0 {
            put(&mut h, "accesskey", ACCESS_KEY.as_bytes());
            put(&mut h, "secretkey", SECRET_KEY.as_bytes());
        }

        let mut s = base().clone();
        s.public_reads = flags & PUBLIC_READS != 0;
        s.trusted_proxy = proxy.clone();
        s.cors = cors.clone();

        let user_header = HeaderName::from_bytes(header.as_bytes())
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default();
        let expected = expected_caller(&h, proxy.as_ref(), &user_header, peer);
        assert_eq!(s.is_admin(&h), expected == Some(Caller::Admin));
        let caller = block_on(writer(&s, &h, peer));
        assert_eq!(caller, expected, "headers {h:?} from {peer:?}");
        let read = block_on(reader(&s, &h, peer));
        let read_expected = caller.clone().or(s.public_reads.then_some(Caller::Admin));
        assert_eq!(read, read_expected);
        match &caller {
            Some(Caller::Admin | Caller::Account(_)) => assert!(presents_credentials(&h)),
            Some(Caller::User(user)) => assert!(!user.is_empty() && user.trim() == user),
            None => {}
        }
        if let Some(Caller::Account(_)) = caller {
            let access = text(&h, "accesskey").unwrap_or_default();
            let secret = text(&h, "secretkey").unwrap_or_default();
            assert!(access_key_well_formed(access) && secret_key_well_formed(secret));
        }

        let forwarded = match (&proxy, peer) {
            (Some(p), Some(ip)) => p.is_proxy(ip.to_canonical()),
            _ => false,
        };
        origin_check(&h, &cors, forwarded);
        limiter(&h);
    });
}
