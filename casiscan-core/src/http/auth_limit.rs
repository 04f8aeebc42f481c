//! Failed-authentication limits: a client address or an access key that presents wrong
//! credentials too often is answered 429 for a while, whatever it presents next.
//!
//! Only requests that carry credentials (an `Authorization` header, or `accessKey`/`secretKey`)
//! and are refused 401 count. While an address or key is over its quota every request from it
//! is refused before its credentials are checked, so guessing cannot go on behind the 429s.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::envelope::error;
use crate::export::{ExportError, ExportResponse};

/// Longest access key kept as a limiter key; longer ones are cut (they are invalid anyway).
const MAX_KEY_CHARS: usize = 128;
/// Number of tracked addresses or keys above which idle ones are forgotten.
const PRUNE_ABOVE: usize = 16_384;

/// Who a failure is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    /// The client's IP address (the TCP peer).
    Address(IpAddr),
    /// The `accessKey` header's value.
    AccessKey(String),
}

/// Counts failed authentications per client address and per access key.
pub struct FailedAuthLimiter {
    quota: DefaultKeyedRateLimiter<Subject>,
    clock: DefaultClock,
    blocked: Mutex<HashMap<Subject, Instant>>,
}

impl FailedAuthLimiter {
    /// Allows `per_minute` failures a minute (as a burst, refilled evenly) per address and key.
    pub fn new(per_minute: NonZeroU32) -> Self {
        FailedAuthLimiter {
            quota: RateLimiter::dashmap(Quota::per_minute(per_minute)),
            clock: DefaultClock::default(),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// How long the longest block among `subjects` still lasts, if any is blocked.
    fn blocked_for(&self, subjects: &[Subject]) -> Option<Duration> {
        let now = Instant::now();
        let blocked = self.blocked.lock().ok()?;
        subjects
            .iter()
            .filter_map(|s| blocked.get(s))
            .filter_map(|until| until.checked_duration_since(now))
            .filter(|left| !left.is_zero())
            .max()
    }

    /// Counts one failure against each subject; the block it starts, if one ran out of quota.
    fn record_failure(&self, subjects: &[Subject]) -> Option<Duration> {
        let mut longest: Option<Duration> = None;
        for subject in subjects {
            if let Err(not_until) = self.quota.check_key(subject) {
                let wait = not_until
                    .wait_time_from(self.clock.now())
                    .max(Duration::from_secs(1));
                self.block(subject.clone(), wait);
                longest = Some(longest.map_or(wait, |l| l.max(wait)));
            }
        }
        if self.quota.len() > PRUNE_ABOVE {
            self.quota.retain_recent();
        }
        longest
    }

    fn block(&self, subject: Subject, wait: Duration) {
        let Ok(mut blocked) = self.blocked.lock() else {
            return;
        };
        let now = Instant::now();
        if blocked.len() > PRUNE_ABOVE {
            blocked.retain(|_, until| *until > now);
        }
        blocked.insert(subject, now + wait);
    }
}

/// The subjects a request is counted against: its client address (when the server knows it)
/// and the access key it presents.
fn subjects(request: &Request) -> Vec<Subject> {
    let mut out = Vec::with_capacity(2);
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        out.push(Subject::Address(peer.ip()));
    }
    if let Some(key) = access_key_subject(request.headers()) {
        out.push(Subject::AccessKey(key));
    }
    out
}

/// The access key a request is counted against: its `accessKey` header, cut to
/// [`MAX_KEY_CHARS`] characters; `None` when the header is absent, empty or not text.
pub fn access_key_subject(headers: &HeaderMap) -> Option<String> {
    let key = headers.get("accesskey").and_then(|v| v.to_str().ok())?;
    (!key.is_empty()).then(|| key.chars().take(MAX_KEY_CHARS).collect())
}

/// True when the request carries credentials of any kind.
pub fn presents_credentials(headers: &HeaderMap) -> bool {
    ["authorization", "accesskey", "secretkey"]
        .iter()
        .any(|h| headers.contains_key(*h))
}

/// Middleware: refuses blocked clients with 429 and counts the 401s of those that present
/// credentials.
pub async fn limit_failed_auth(
    State(limiter): State<Arc<FailedAuthLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let export = request.uri().path().starts_with("/client/");
    let subjects = subjects(&request);
    if let Some(wait) = limiter.blocked_for(&subjects) {
        tracing::info!(?subjects, "refused: too many failed authentications");
        return too_many(export, wait);
    }
    let presented = presents_credentials(request.headers());
    let response = next.run(request).await;
    if presented
        && response.status() == StatusCode::UNAUTHORIZED
        && let Some(wait) = limiter.record_failure(&subjects)
    {
        tracing::warn!(
            ?subjects,
            wait_seconds = wait.as_secs(),
            "failed-authentication limit reached"
        );
        return too_many(export, wait);
    }
    response
}

/// The 429 answer, in the export's envelope for `/client/` paths and Casibase's elsewhere,
/// with `Retry-After` in whole seconds.
fn too_many(export: bool, wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = if export {
        let r = ExportResponse::error(ExportError::TooManyAttempts);
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, r.content_type)],
            r.body,
        )
            .into_response()
    } else {
        error(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("too many failed authentication attempts; retry in {seconds} s"),
        )
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_key_counted_is_cut_and_an_empty_or_binary_one_is_not_counted() {
        let with = |value: &[u8]| {
            let mut h = HeaderMap::new();
            h.insert("accesskey", HeaderValue::from_bytes(value).expect("value"));
            h
        };
        assert_eq!(
            access_key_subject(&with(b"CSAK1")).as_deref(),
            Some("CSAK1")
        );
        let long = "k".repeat(MAX_KEY_CHARS + 5);
        let cut = access_key_subject(&with(long.as_bytes())).expect("counted");
        assert_eq!(cut.len(), MAX_KEY_CHARS);
        assert_eq!(access_key_subject(&with(b"")), None);
        assert_eq!(access_key_subject(&with(b"\xff\xfe")), None);
        assert_eq!(access_key_subject(&HeaderMap::new()), None);
        assert!(!presents_credentials(&HeaderMap::new()));
        assert!(presents_credentials(&with(b"")));
    }

    #[test]
    fn a_subject_is_blocked_once_its_quota_is_spent_and_others_are_not() {
        let limiter = FailedAuthLimiter::new(NonZeroU32::new(3).expect("nonzero"));
        let a = [Subject::Address("127.0.0.2".parse().expect("ip"))];
        let b = [Subject::Address("127.0.0.3".parse().expect("ip"))];
        for _ in 0..3 {
            assert_eq!(limiter.record_failure(&a), None);
        }
        assert!(limiter.blocked_for(&a).is_none());
        let wait = limiter.record_failure(&a).expect("blocked");
        assert!(
            wait >= Duration::from_secs(1) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(limiter.blocked_for(&a).is_some());
        assert!(limiter.blocked_for(&b).is_none());
    }
}
