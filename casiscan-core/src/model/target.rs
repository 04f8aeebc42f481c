//! Scan targets: validated IPs, CIDR blocks, nmap ranges and hostnames.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A validated scan target, safe to pass as one argv item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// One IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A network in CIDR notation, e.g. `10.0.0.0/24` or `2001:db8::/64`.
    Cidr {
        /// The network address as written.
        addr: IpAddr,
        /// The prefix length.
        prefix: u8,
    },
    /// An nmap octet range, e.g. `10.0.0.1-20` or `192.168.*.1,3`.
    Range(String),
    /// An RFC 1123 hostname, optionally with a CIDR suffix (`host.example/28`).
    Hostname(String),
}

impl Target {
    /// The target as nmap receives it.
    pub fn as_arg(&self) -> String {
        self.to_string()
    }

    /// True when the target is a loopback address or `localhost` (any case).
    pub fn is_loopback(&self) -> bool {
        match self {
            Target::Ip(ip) => ip.is_loopback(),
            Target::Cidr { addr, prefix } => match addr {
                IpAddr::V4(v4) => v4.octets()[0] == 127 && *prefix >= 8,
                IpAddr::V6(v6) => v6.is_loopback() && *prefix == 128,
            },
            Target::Range(r) => r.starts_with("127."),
            Target::Hostname(h) => {
                let h = h.trim_end_matches('.');
                h.eq_ignore_ascii_case("localhost")
            }
        }
    }
}

impl FromStr for Target {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason: &str| {
            Err(Error::invalid(
                format!("target `{}`", s.escape_debug()),
                reason,
            ))
        };
        if s.is_empty() {
            return bad("the target is empty");
        }
        if s.chars().any(char::is_control) {
            return bad("control characters are not allowed");
        }
        if s.chars().any(char::is_whitespace) {
            return bad("whitespace is not allowed; give one target");
        }
        if s.starts_with('-') {
            return bad("a target may not start with `-` (it would be read as an option)");
        }
        if s.len() > 255 {
            return bad("a target is at most 255 characters");
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Target::Ip(ip));
        }
        if let Some((head, prefix)) = s.split_once('/') {
            let Ok(prefix) = prefix.parse::<u8>() else {
                return bad("the CIDR prefix must be a number");
            };
            if let Ok(addr) = head.parse::<IpAddr>() {
                let max = if addr.is_ipv4() { 32 } else { 128 };
                if prefix > max {
                    return bad("the CIDR prefix is too long for the address family");
                }
                return Ok(Target::Cidr { addr, prefix });
            }
            if prefix > 32 {
                return bad("the CIDR prefix is too long");
            }
            if is_hostname(head) {
                return Ok(Target::Hostname(s.to_string()));
            }
            return bad("not an IP address or hostname before the CIDR prefix");
        }
        if is_octet_range(s) {
            return Ok(Target::Range(s.to_string()));
        }
        if is_hostname(s) {
            return Ok(Target::Hostname(s.to_string()));
        }
        bad("not an IPv4/IPv6 address, CIDR block, nmap range or RFC 1123 hostname")
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Ip(ip) => write!(f, "{ip}"),
            Target::Cidr { addr, prefix } => write!(f, "{addr}/{prefix}"),
            Target::Range(r) | Target::Hostname(r) => f.write_str(r),
        }
    }
}

/// `a.b.c.d` where each octet is `*` or a comma list of `n` / `n-m` (0–255).
fn is_octet_range(s: &str) -> bool {
    let octets: Vec<&str> = s.split('.').collect();
    octets.len() == 4 && octets.iter().all(|o| is_octet_spec(o))
}

fn is_octet_spec(spec: &str) -> bool {
    if spec == "*" {
        return true;
    }
    !spec.is_empty()
        && spec.split(',').all(|item| match item.split_once('-') {
            Some((lo, hi)) => match (octet(lo), octet(hi)) {
                (Some(lo), Some(hi)) => lo <= hi,
                _ => false,
            },
            None => octet(item).is_some(),
        })
}

fn octet(s: &str) -> Option<u8> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// RFC 1123: labels of 1–63 letters, digits and inner hyphens; at most 253 characters.
fn is_hostname(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    let labels_ok = s.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    // The last label must hold a letter (RFC 3696 §2): `10.0.0.300-301` is a bad range, not a name.
    let last_has_letter = s
        .rsplit('.')
        .next()
        .is_some_and(|l| l.bytes().any(|b| b.is_ascii_alphabetic()));
    labels_ok && last_has_letter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_target_form() {
        let cases = [
            ("127.0.0.1", "ip"),
            ("::1", "ip"),
            ("2001:db8::1", "ip"),
            ("10.0.0.0/24", "cidr"),
            ("2001:db8::/64", "cidr"),
            ("10.0.0.1-20", "range"),
            ("192.168.*.1,3,5-7", "range"),
            ("scanme.nmap.org", "host"),
            ("web-01", "host"),
            ("host.example.com.", "host"),
            ("scanme.nmap.org/28", "host"),
        ];
        for (input, kind) in cases {
            let t: Target = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            let got = match t {
                Target::Ip(_) => "ip",
                Target::Cidr { .. } => "cidr",
                Target::Range(_) => "range",
                Target::Hostname(_) => "host",
            };
            assert_eq!(got, kind, "{input}");
            assert_eq!(t.as_arg(), input);
        }
    }

    #[test]
    fn refuses_injection_and_garbage() {
        for bad in [
            "",
            " ",
            "-oN /etc/passwd",
            "-iL",
            "--script=x",
            "a b",
            "host\n",
            "host\u{7}",
            "10.0.0.1;id",
            "$(id)",
            "10.0.0.0/33",
            "::1/129",
            "256.1.1.1",
            "10.0.0.300-301",
            "10.0.0.20-1",
            "-host",
            "host-.example",
            "under_score.example",
            "a/b",
        ] {
            let err = bad.parse::<Target>().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn recognises_loopback() {
        for t in [
            "127.0.0.1",
            "127.3.2.1",
            "::1",
            "0:0::1",
            "localhost",
            "LocalHost",
        ] {
            assert!(t.parse::<Target>().unwrap().is_loopback(), "{t}");
        }
        for t in ["10.0.0.1", "example.com", "::2"] {
            assert!(!t.parse::<Target>().unwrap().is_loopback(), "{t}");
        }
    }
}
