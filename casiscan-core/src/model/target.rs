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
    /// An RFC 1123 hostname.
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

impl Target {
    /// How many addresses the target covers (a hostname counts as one, or its CIDR block).
    pub fn address_count(&self) -> u128 {
        let block = |bits: u32, prefix: u8| {
            1u128
                .checked_shl(bits.saturating_sub(u32::from(prefix)))
                .unwrap_or(u128::MAX)
        };
        match self {
            Target::Ip(_) => 1,
            Target::Cidr { addr, prefix } => block(if addr.is_ipv4() { 32 } else { 128 }, *prefix),
            Target::Range(r) => r
                .split('.')
                .map(|spec| {
                    octet_ranges(spec)
                        .iter()
                        .map(|(lo, hi)| u128::from(hi - lo) + 1)
                        .sum::<u128>()
                })
                .product(),
            Target::Hostname(_) => 1,
        }
    }

    /// The first and last address the target covers (an nmap octet range: the smallest and
    /// largest of each octet); `None` for a hostname.
    pub fn address_span(&self) -> Option<(IpAddr, IpAddr)> {
        match self {
            Target::Ip(ip) => Some((*ip, *ip)),
            Target::Cidr { addr, prefix } => {
                let net = ipnet::IpNet::new(*addr, *prefix).ok()?;
                Some((net.network(), net.broadcast()))
            }
            Target::Range(r) => {
                let mut first = [0u8; 4];
                let mut last = [0u8; 4];
                for (i, spec) in r.split('.').take(4).enumerate() {
                    let ranges = octet_ranges(spec);
                    first[i] = ranges.iter().map(|(lo, _)| *lo).min()?;
                    last[i] = ranges.iter().map(|(_, hi)| *hi).max()?;
                }
                Some((IpAddr::from(first), IpAddr::from(last)))
            }
            Target::Hostname(_) => None,
        }
    }

    /// Why the target can never be a real host, if so: `0.0.0.0/8`, multicast, broadcast, `::`.
    pub fn reserved_reason(&self) -> Option<&'static str> {
        const ZERO: &str = "0.0.0.0/8 is not a real host address";
        const MULTICAST: &str = "multicast addresses are not hosts to scan";
        const BROADCAST: &str = "255.255.255.255 is the broadcast address";
        match self {
            Target::Ip(ip) => reserved_v4_block(*ip, 32).or_else(|| reserved_v6(*ip, 128)),
            Target::Cidr { addr, prefix } => {
                reserved_v4_block(*addr, *prefix).or_else(|| reserved_v6(*addr, *prefix))
            }
            Target::Range(r) => {
                let octets: Vec<Vec<(u8, u8)>> = r.split('.').map(octet_ranges).collect();
                let first = octets.first().map(Vec::as_slice).unwrap_or(&[]);
                if first.iter().any(|(lo, _)| *lo == 0) {
                    Some(ZERO)
                } else if first.iter().any(|(lo, hi)| *lo <= 239 && *hi >= 224) {
                    Some(MULTICAST)
                } else if octets.iter().all(|o| o.iter().any(|(_, hi)| *hi == 255)) {
                    Some(BROADCAST)
                } else {
                    None
                }
            }
            Target::Hostname(_) => None,
        }
    }
}

/// The reserved IPv4 block `addr/prefix` overlaps, if any.
fn reserved_v4_block(addr: IpAddr, prefix: u8) -> Option<&'static str> {
    let IpAddr::V4(v4) = addr else { return None };
    let size = 1u64 << (32 - u32::from(prefix.min(32)));
    let start = u64::from(u32::from(v4)) & !(size - 1);
    let end = start + size - 1;
    let overlaps = |lo: u64, hi: u64| start <= hi && end >= lo;
    if overlaps(0, 0x00FF_FFFF) {
        Some("0.0.0.0/8 is not a real host address")
    } else if overlaps(0xE000_0000, 0xEFFF_FFFF) {
        Some("multicast addresses are not hosts to scan")
    } else if end == 0xFFFF_FFFF {
        Some("255.255.255.255 is the broadcast address")
    } else {
        None
    }
}

/// The reserved IPv6 block `addr/prefix` overlaps (multicast `ff00::/8`, unspecified `::`).
fn reserved_v6(addr: IpAddr, prefix: u8) -> Option<&'static str> {
    let IpAddr::V6(v6) = addr else { return None };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return reserved_v4_block(IpAddr::V4(v4), prefix.saturating_sub(96));
    }
    let low = u128::MAX
        .checked_shr(u32::from(prefix.min(128)))
        .unwrap_or(0);
    let end = u128::from(v6) | low;
    if u128::from(v6) & !low == 0 {
        Some("`::` is not a host address")
    } else if end >= 0xFF << 120 {
        Some("multicast addresses are not hosts to scan")
    } else {
        None
    }
}

/// Names that `inet_aton` reads as an address (`0x0`, `0177.1`, `3232235777`): one to four
/// labels, each decimal, octal (`0...`) or hexadecimal (`0x...`).
fn is_numeric_name(s: &str) -> bool {
    let labels: Vec<&str> = s.strip_suffix('.').unwrap_or(s).split('.').collect();
    labels.len() <= 4
        && labels.iter().all(|label| {
            let lower = label.to_ascii_lowercase();
            match lower.strip_prefix("0x") {
                Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
                None => !lower.is_empty() && lower.bytes().all(|b| b.is_ascii_digit()),
            }
        })
}

/// The inclusive ranges of one octet spec (`*`, `n`, `n-m`, comma lists).
fn octet_ranges(spec: &str) -> Vec<(u8, u8)> {
    if spec == "*" {
        return vec![(0, 255)];
    }
    spec.split(',')
        .filter_map(|item| match item.split_once('-') {
            Some((lo, hi)) => Some((octet(lo)?, octet(hi)?)),
            None => octet(item).map(|o| (o, o)),
        })
        .collect()
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
            return bad(
                "a CIDR prefix needs an IP address (nmap would scan the whole block around what the name resolves to)",
            );
        }
        if is_octet_range(s) {
            return Ok(Target::Range(s.to_string()));
        }
        if is_numeric_name(s) {
            return bad("write an IPv4 address in dotted decimal (nmap reads this as a number)");
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
    fn a_target_of_255_characters_is_read_and_one_of_256_is_refused() {
        // An nmap range's last octet as a comma list: `10.0.0.10,1,1,…` (hostnames stop at 253).
        let at = format!("10.0.0.10{}", ",1".repeat(123));
        assert_eq!(at.len(), 255);
        assert_eq!(
            at.parse::<Target>().expect("at the limit"),
            Target::Range(at.clone())
        );
        let over = format!("10.0.0.100{}", ",1".repeat(123));
        assert_eq!(over.len(), 256);
        let err = over.parse::<Target>().expect_err("past the limit");
        assert!(err.to_string().contains("at most 255 characters"), "{err}");
    }

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
            "scanme.nmap.org/28",
            "localhost/0",
            "0x0",
            "0xe0000001",
            "0xffffffff",
            "0177.0.0.1",
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

    #[test]
    fn counts_addresses() {
        for (t, n) in [
            ("10.0.0.1", 1u128),
            ("10.0.0.0/16", 65_536),
            ("10.0.0.0/15", 131_072),
            ("0.0.0.0/0", 1 << 32),
            ("2001:db8::/64", 1 << 64),
            ("::/0", u128::MAX),
            ("10.0.*.1-10", 2_560),
            ("10.0-1.*.*", 131_072),
            ("example.com", 1),
        ] {
            assert_eq!(t.parse::<Target>().unwrap().address_count(), n, "{t}");
        }
    }

    #[test]
    fn knows_reserved_blocks() {
        for t in [
            "0.0.0.0",
            "0.1.2.3",
            "0.0.0.0/0",
            "224.0.0.1",
            "239.255.255.250",
            "224.0.0.0/4",
            "255.255.255.255",
            "0-10.0.0.1",
            "230.*.*.*",
            "255.255.255.*",
            "::",
            "ff02::1",
            "::/0",
            "::/127",
            "::ffff:0.0.0.0",
            "::ffff:255.255.255.255",
            "::ffff:224.0.0.1",
        ] {
            assert!(
                t.parse::<Target>().unwrap().reserved_reason().is_some(),
                "{t}"
            );
        }
        for t in [
            "10.0.0.0/16",
            "127.0.0.1",
            "::1",
            "192.168.1.255",
            "2001:db8::/32",
            "223.255.255.255",
        ] {
            assert!(
                t.parse::<Target>().unwrap().reserved_reason().is_none(),
                "{t}"
            );
        }
    }
}
