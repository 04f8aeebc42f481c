//! nmap's option table: its long options and its short-option string, as nmap 7.93 declares them.
//!
//! These are facts read from nmap's `parse_options` (nmap.cc); nothing here decides what casiscan
//! allows (that is `policy.rs`).

/// Whether an option takes a value, in getopt's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Arg {
    /// `no_argument`.
    None,
    /// `required_argument`: `--opt=v`, `--opt v`, `-o v` or `-ov`.
    Required,
    /// `optional_argument`: only `--opt=v` or, for a short option, `-ov`.
    Optional,
}

/// One entry of nmap's `long_options` table.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LongOption {
    /// The name without dashes.
    pub name: &'static str,
    /// Whether it takes a value.
    pub arg: Arg,
    /// The short option it stands for (getopt returns that character), if any.
    pub short: Option<char>,
}

const fn long(name: &'static str, arg: Arg) -> LongOption {
    LongOption {
        name,
        arg,
        short: None,
    }
}

const fn alias(name: &'static str, arg: Arg, short: char) -> LongOption {
    LongOption {
        name,
        arg,
        short: Some(short),
    }
}

use Arg::{None as N, Optional as O, Required as R};

/// nmap 7.93's long options, in nmap's order (the order decides nothing: ambiguity does).
pub static LONG_OPTIONS: &[LongOption] = &[
    alias("version", N, 'V'),
    alias("verbose", N, 'v'),
    long("datadir", R),
    long("servicedb", R),
    long("versiondb", R),
    alias("debug", O, 'd'),
    alias("help", N, 'h'),
    long("iflist", N),
    long("release-memory", N),
    long("nogcc", N),
    long("max-os-tries", R),
    alias("max-parallelism", R, 'M'),
    long("min-parallelism", R),
    alias("timing", R, 'T'),
    long("max-rtt-timeout", R),
    long("min-rtt-timeout", R),
    long("initial-rtt-timeout", R),
    long("excludefile", R),
    long("exclude", R),
    long("max-hostgroup", R),
    long("min-hostgroup", R),
    long("open", N),
    long("scanflags", R),
    long("defeat-rst-ratelimit", N),
    long("defeat-icmp-ratelimit", N),
    long("host-timeout", R),
    long("scan-delay", R),
    long("max-scan-delay", R),
    long("max-retries", R),
    long("oA", R),
    long("oN", R),
    long("oM", R),
    long("oG", R),
    long("oS", R),
    long("oH", R),
    long("oX", R),
    long("iL", R),
    long("iR", R),
    long("sI", R),
    alias("source-port", R, 'g'),
    long("randomize-hosts", N),
    long("nsock-engine", R),
    long("proxies", R),
    long("proxy", R),
    long("discovery-ignore-rst", N),
    long("osscan-limit", N),
    long("osscan-guess", N),
    long("fuzzy", N),
    long("packet-trace", N),
    long("version-trace", N),
    long("data", R),
    long("data-string", R),
    long("data-length", R),
    long("send-eth", N),
    long("send-ip", N),
    long("stylesheet", R),
    long("no-stylesheet", N),
    long("webxml", N),
    long("rH", N),
    long("vv", N),
    long("ff", N),
    long("privileged", N),
    long("unprivileged", N),
    long("mtu", R),
    long("append-output", N),
    long("noninteractive", N),
    long("spoof-mac", R),
    long("thc", N),
    long("badsum", N),
    long("ttl", R),
    long("traceroute", N),
    long("reason", N),
    long("allports", N),
    long("version-intensity", R),
    long("version-light", N),
    long("version-all", N),
    long("system-dns", N),
    long("resolve-all", N),
    long("unique", N),
    long("log-errors", N),
    long("deprecated-xml-osclass", N),
    // nmap spells this one as integers in its source; it is an easter egg taking no value.
    long("yoloscan", N),
    long("dns-servers", R),
    long("port-ratio", R),
    long("exclude-ports", R),
    long("top-ports", R),
    long("script", R),
    long("script-trace", N),
    long("script-updatedb", N),
    long("script-args", R),
    long("script-args-file", R),
    long("script-help", R),
    long("script-timeout", R),
    long("ip-options", R),
    long("min-rate", R),
    long("max-rate", R),
    long("adler32", N),
    long("stats-every", R),
    long("disable-arp-ping", N),
    long("route-dst", R),
    long("resume", R),
];

/// nmap's short-option string for `getopt_long_only` (a `:` takes a value, `::` an optional one).
pub const SHORT_OPTIONS: &str = "46Ab:D:d::e:Ffg:hIi:M:m:nO::o:P::p:qRrS:s::T:Vv::";

/// How the short option `c` takes a value, or `None` if nmap has no such short option.
pub fn short_arg(c: u8) -> Option<Arg> {
    if c == b':' {
        return None;
    }
    let spec = SHORT_OPTIONS.as_bytes();
    let at = spec.iter().position(|&b| b == c)?;
    match (spec.get(at + 1), spec.get(at + 2)) {
        (Some(b':'), Some(b':')) => Some(Arg::Optional),
        (Some(b':'), _) => Some(Arg::Required),
        _ => Some(Arg::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_string_reads_as_getopt_does() {
        assert_eq!(short_arg(b'p'), Some(Arg::Required));
        assert_eq!(short_arg(b's'), Some(Arg::Optional));
        assert_eq!(short_arg(b'n'), Some(Arg::None));
        assert_eq!(short_arg(b'4'), Some(Arg::None));
        assert_eq!(short_arg(b'x'), None);
        assert_eq!(short_arg(b':'), None);
    }

    #[test]
    fn long_names_are_unique() {
        for (i, a) in LONG_OPTIONS.iter().enumerate() {
            assert!(
                LONG_OPTIONS[i + 1..].iter().all(|b| b.name != a.name),
                "{} twice",
                a.name
            );
        }
        assert_eq!(LONG_OPTIONS.len(), 101);
    }
}
