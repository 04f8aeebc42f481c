//! One entry of a scope policy: a network, an address range, or a hostname pattern.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// An address as (is IPv6, number), so that ranges of one family compare as integers.
pub(crate) type Point = (bool, u128);

/// The number of an address within its family.
pub(crate) fn point(addr: IpAddr) -> Point {
    match addr {
        IpAddr::V4(v4) => (false, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (true, u128::from(v6)),
    }
}

/// A hostname, or `*.suffix`: any name under `suffix` (not `suffix` itself). Lowercase, no
/// trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPattern {
    wildcard: bool,
    name: String,
}

impl HostPattern {
    /// True when `host` (any case, trailing dot ignored) matches.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        match self.wildcard {
            false => host == self.name,
            true => host
                .strip_suffix(&self.name)
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        }
    }

    /// True when every name this pattern matches is also matched by `other`, or the reverse.
    fn overlaps(&self, other: &HostPattern) -> bool {
        let covers = |a: &HostPattern, b: &HostPattern| match (a.wildcard, b.wildcard) {
            (false, false) => a.name == b.name,
            (true, _) => {
                let probe = match b.wildcard {
                    true => format!("x.{}", b.name),
                    false => b.name.clone(),
                };
                a.matches(&probe)
            }
            (false, true) => false,
        };
        covers(self, other) || covers(other, self)
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.wildcard {
            true => write!(f, "*.{}", self.name),
            false => f.write_str(&self.name),
        }
    }
}

/// An allowed or denied target of a scope policy, written as text: `10.0.0.0/8`, `10.0.0.5`,
/// `10.0.0.1-10.0.0.50`, `scanme.corp.example` or `*.corp.example`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ScopeEntry {
    /// A network; a single address is a /32 or /128.
    Network(IpNet),
    /// An inclusive address range of one family.
    Range {
        /// First address.
        first: IpAddr,
        /// Last address (not below `first`).
        last: IpAddr,
    },
    /// A hostname or wildcard pattern.
    Host(HostPattern),
}

impl ScopeEntry {
    /// The first and last address covered (`None` for a hostname pattern).
    pub(crate) fn span(&self) -> Option<(Point, Point)> {
        match self {
            ScopeEntry::Network(net) => Some((point(net.network()), point(net.broadcast()))),
            ScopeEntry::Range { first, last } => Some((point(*first), point(*last))),
            ScopeEntry::Host(_) => None,
        }
    }

    /// True when the two entries cover a common address or hostname.
    pub fn overlaps(&self, other: &ScopeEntry) -> bool {
        match (self, other) {
            (ScopeEntry::Host(a), ScopeEntry::Host(b)) => a.overlaps(b),
            _ => match (self.span(), other.span()) {
                (Some((a0, a1)), Some((b0, b1))) => a0.0 == b0.0 && a0 <= b1 && b0 <= a1,
                _ => false,
            },
        }
    }
}

impl fmt::Display for ScopeEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeEntry::Network(net) if net.prefix_len() == net.max_prefix_len() => {
                write!(f, "{}", net.addr())
            }
            ScopeEntry::Network(net) => write!(f, "{net}"),
            ScopeEntry::Range { first, last } => write!(f, "{first}-{last}"),
            ScopeEntry::Host(h) => write!(f, "{h}"),
        }
    }
}

impl From<ScopeEntry> for String {
    fn from(e: ScopeEntry) -> String {
        e.to_string()
    }
}

impl TryFrom<String> for ScopeEntry {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl FromStr for ScopeEntry {
    type Err = String;

    /// Reads an entry; the error says why it is malformed.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("the entry is empty".into());
        }
        if let Ok(addr) = t.parse::<IpAddr>() {
            return Ok(ScopeEntry::Network(IpNet::from(addr)));
        }
        if t.contains('/') {
            let net: IpNet = t
                .parse()
                .map_err(|_| format!("`{t}` is not a CIDR network (e.g. 10.0.0.0/8)"))?;
            if net.trunc() != net {
                return Err(format!(
                    "`{t}` has host bits set: the network is {}",
                    net.trunc()
                ));
            }
            return Ok(ScopeEntry::Network(net));
        }
        if let Some((a, b)) = t.split_once('-')
            && let (Ok(first), Ok(last)) = (a.trim().parse::<IpAddr>(), b.trim().parse::<IpAddr>())
        {
            if first.is_ipv4() != last.is_ipv4() {
                return Err(format!("`{t}` mixes IPv4 and IPv6"));
            }
            if point(first) > point(last) {
                return Err(format!("`{t}` ends before it starts"));
            }
            return Ok(ScopeEntry::Range { first, last });
        }
        let lower = t.trim_end_matches('.').to_ascii_lowercase();
        let (wildcard, name) = match lower.strip_prefix("*.") {
            Some(rest) => (true, rest.to_string()),
            None => (false, lower.clone()),
        };
        if !is_hostname(&name) || (wildcard && !name.contains('.')) {
            return Err(format!(
                "`{t}` is not an address, CIDR network, address range (a-b), hostname or \
                 `*.domain` pattern with at least two labels"
            ));
        }
        Ok(ScopeEntry::Host(HostPattern { wildcard, name }))
    }
}

/// RFC 1123 hostname: dot-separated labels of letters, digits and inner hyphens; not all digits.
fn is_hostname(s: &str) -> bool {
    s.len() <= 253
        && !s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> ScopeEntry {
        s.parse().expect(s)
    }

    #[test]
    fn entries_read_and_print_back() {
        for s in [
            "10.0.0.0/8",
            "10.0.0.5",
            "2001:db8::/32",
            "10.0.0.1-10.0.0.50",
            "scanme.corp.example",
            "*.corp.example",
        ] {
            assert_eq!(e(s).to_string(), s);
        }
        assert_eq!(e("*.Corp.Example.").to_string(), "*.corp.example");
    }

    #[test]
    fn malformed_entries_say_why() {
        for (s, why) in [
            ("", "empty"),
            ("10.0.0.1/8", "host bits"),
            ("10.0.0.0/33", "CIDR"),
            ("10.0.0.9-10.0.0.1", "before it starts"),
            ("10.0.0.1-::1", "mixes"),
            ("*.example", "pattern"),
            ("bad_host!", "hostname"),
            ("a.*.example", "hostname"),
            ("999.1.1.1", "hostname"),
        ] {
            let err = s.parse::<ScopeEntry>().expect_err(s);
            assert!(err.contains(why), "{s}: {err}");
        }
    }

    #[test]
    fn wildcards_match_names_below_the_suffix_only() {
        let ScopeEntry::Host(p) = e("*.corp.example") else {
            panic!("a host pattern")
        };
        assert!(p.matches("a.corp.example") && p.matches("A.B.Corp.Example."));
        assert!(!p.matches("corp.example") && !p.matches("evilcorp.example"));
    }

    #[test]
    fn overlaps_within_a_family_and_between_patterns() {
        assert!(e("10.0.0.0/8").overlaps(&e("10.1.2.3")));
        assert!(e("10.0.0.1-10.0.0.9").overlaps(&e("10.0.0.8/29")));
        assert!(!e("10.0.0.0/24").overlaps(&e("10.0.1.0/24")));
        assert!(!e("0.0.0.0/0").overlaps(&e("::/0")));
        assert!(e("*.corp.example").overlaps(&e("a.corp.example")));
        assert!(e("*.corp.example").overlaps(&e("*.lab.corp.example")));
        assert!(!e("*.corp.example").overlaps(&e("corp.example")));
        assert!(!e("a.example").overlaps(&e("10.0.0.0/8")));
    }
}
