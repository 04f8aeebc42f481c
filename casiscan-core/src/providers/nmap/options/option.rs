//! The typed nmap options casiscan passes, and the one canonical way each is written for nmap.

/// An nmap option casiscan allows, with its checked value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NmapOption {
    /// `-s<letters>`: scan techniques (`S`, `T`, `U`, `V`, `n`, ...).
    ScanTypes(String),
    /// `-P<kind>[ports]`: a host discovery probe (`n`, `E`, `S22,80`, ...).
    Ping(String),
    /// `-O`: OS detection.
    OsDetection,
    /// `-T<n>` / `--timing`: a timing template, 0 (paranoid) to 5 (insane).
    Timing(u8),
    /// `-v`, `-vv`, `-v<n>`, `--verbose`.
    Verbose(Level),
    /// `-d`, `-dd`, `-d<n>`, `--debug`.
    Debug(Level),
    /// An option without a value.
    Flag(Flag),
    /// An option with a value.
    Setting(Setting, String),
}

/// A verbosity or debugging level: raised by a count, or set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `-v` once per count (`-vvv`: 3).
    Raise(u8),
    /// `-v<n>`: set to n (0-10).
    Set(u8),
}

/// How an option is spelled for nmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// `--name` (or `--name=value`).
    Long(&'static str),
    /// `-c` (a value goes in the next word).
    Short(char),
}

macro_rules! spelled_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $spelling:expr;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// How nmap spells it.
            pub fn spelling(self) -> Spelling {
                match self {
                    $($name::$variant => $spelling,)*
                }
            }
        }
    };
}

use Spelling::{Long as L, Short as S};

spelled_enum! {
    /// An allowed nmap option that takes no value.
    Flag {
        /// `-4`.
        Ipv4 = S('4');
        /// `-6`.
        Ipv6 = S('6');
        /// `-A`: OS and version detection, default scripts, traceroute.
        Aggressive = S('A');
        /// `-F`: fast mode, fewer ports.
        Fast = S('F');
        /// `-f`: fragment packets.
        Fragment = S('f');
        /// `--ff`: fragment packets to 16 bytes.
        FragmentMore = L("ff");
        /// `-n`: never resolve names.
        NoResolve = S('n');
        /// `-R`: always resolve names.
        AlwaysResolve = S('R');
        /// `-r`: scan ports in order.
        SequentialPorts = S('r');
        /// `--open`.
        Open = L("open");
        /// `--reason`.
        Reason = L("reason");
        /// `--packet-trace`.
        PacketTrace = L("packet-trace");
        /// `--traceroute`.
        Traceroute = L("traceroute");
        /// `--system-dns`.
        SystemDns = L("system-dns");
        /// `--resolve-all`.
        ResolveAll = L("resolve-all");
        /// `--unique`.
        Unique = L("unique");
        /// `--osscan-limit`.
        OsscanLimit = L("osscan-limit");
        /// `--osscan-guess` (also `--fuzzy`).
        OsscanGuess = L("osscan-guess");
        /// `--version-light`.
        VersionLight = L("version-light");
        /// `--version-all`.
        VersionAll = L("version-all");
        /// `--version-trace`.
        VersionTrace = L("version-trace");
        /// `--script-trace`.
        ScriptTrace = L("script-trace");
        /// `--disable-arp-ping`.
        DisableArpPing = L("disable-arp-ping");
        /// `--discovery-ignore-rst`.
        DiscoveryIgnoreRst = L("discovery-ignore-rst");
        /// `--defeat-rst-ratelimit`.
        DefeatRstRatelimit = L("defeat-rst-ratelimit");
        /// `--defeat-icmp-ratelimit`.
        DefeatIcmpRatelimit = L("defeat-icmp-ratelimit");
        /// `--badsum`.
        Badsum = L("badsum");
        /// `--randomize-hosts`.
        RandomizeHosts = L("randomize-hosts");
        /// `--privileged`.
        Privileged = L("privileged");
        /// `--unprivileged`.
        Unprivileged = L("unprivileged");
        /// `--send-eth`.
        SendEth = L("send-eth");
        /// `--send-ip`.
        SendIp = L("send-ip");
        /// `--allports`.
        AllPorts = L("allports");
        /// `--noninteractive`.
        NonInteractive = L("noninteractive");
        /// `--log-errors`.
        LogErrors = L("log-errors");
        /// `--no-stylesheet`.
        NoStylesheet = L("no-stylesheet");
    }
}

/// What a setting's value may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Port or protocol lists: `22,80-90,U:53,T:1-1024`, service names.
    Ports,
    /// A number, optionally a decimal or with a time unit (`500ms`, `2s`, `1.5`).
    Number,
    /// NSE script names, categories and boolean expressions; never a path.
    Scripts,
    /// NSE script arguments.
    ScriptArgs,
    /// Targets to exclude (validated like scan targets).
    Targets,
    /// An interface name or DNS server list.
    Word,
    /// Payload data (`--data`, `--data-string`).
    Data,
}

macro_rules! settings {
    ($($(#[$vdoc:meta])* $variant:ident = $spelling:expr, $kind:ident;)*) => {
        spelled_enum! {
            /// An allowed nmap option that takes a value.
            Setting { $($(#[$vdoc])* $variant = $spelling;)* }
        }

        impl Setting {
            /// What its value may contain.
            pub fn kind(self) -> ValueKind {
                match self {
                    $(Setting::$variant => ValueKind::$kind,)*
                }
            }
        }
    };
}

settings! {
    /// `-p`: the ports to scan.
    Ports = S('p'), Ports;
    /// `-e`: the interface.
    Interface = S('e'), Word;
    /// `--exclude-ports`.
    ExcludePorts = L("exclude-ports"), Ports;
    /// `--top-ports`.
    TopPorts = L("top-ports"), Number;
    /// `--port-ratio`.
    PortRatio = L("port-ratio"), Number;
    /// `--version-intensity`.
    VersionIntensity = L("version-intensity"), Number;
    /// `--script`.
    Script = L("script"), Scripts;
    /// `--script-args`.
    ScriptArgs = L("script-args"), ScriptArgs;
    /// `--script-timeout`.
    ScriptTimeout = L("script-timeout"), Number;
    /// `--max-os-tries`.
    MaxOsTries = L("max-os-tries"), Number;
    /// `--min-hostgroup`.
    MinHostgroup = L("min-hostgroup"), Number;
    /// `--max-hostgroup`.
    MaxHostgroup = L("max-hostgroup"), Number;
    /// `--min-parallelism`.
    MinParallelism = L("min-parallelism"), Number;
    /// `--max-parallelism` (also `-M`).
    MaxParallelism = L("max-parallelism"), Number;
    /// `--min-rtt-timeout`.
    MinRttTimeout = L("min-rtt-timeout"), Number;
    /// `--max-rtt-timeout`.
    MaxRttTimeout = L("max-rtt-timeout"), Number;
    /// `--initial-rtt-timeout`.
    InitialRttTimeout = L("initial-rtt-timeout"), Number;
    /// `--max-retries`.
    MaxRetries = L("max-retries"), Number;
    /// `--host-timeout`.
    HostTimeout = L("host-timeout"), Number;
    /// `--scan-delay`.
    ScanDelay = L("scan-delay"), Number;
    /// `--max-scan-delay`.
    MaxScanDelay = L("max-scan-delay"), Number;
    /// `--min-rate`.
    MinRate = L("min-rate"), Number;
    /// `--max-rate`.
    MaxRate = L("max-rate"), Number;
    /// `--mtu`.
    Mtu = L("mtu"), Number;
    /// `--source-port` (also `-g`).
    SourcePort = L("source-port"), Number;
    /// `--data-length`.
    DataLength = L("data-length"), Number;
    /// `--ttl`.
    Ttl = L("ttl"), Number;
    /// `--stats-every`.
    StatsEvery = L("stats-every"), Number;
    /// `--dns-servers`.
    DnsServers = L("dns-servers"), Word;
    /// `--exclude`.
    Exclude = L("exclude"), Targets;
    /// `--data` (hex payload).
    Data = L("data"), Data;
    /// `--data-string`.
    DataString = L("data-string"), Data;
}

impl NmapOption {
    /// The words nmap receives for this option: one, or two for `-p`/`-e` and their value.
    pub fn tokens(&self) -> Vec<String> {
        match self {
            NmapOption::ScanTypes(letters) => vec![format!("-s{letters}")],
            NmapOption::Ping(kind) => vec![format!("-P{kind}")],
            NmapOption::OsDetection => vec!["-O".to_string()],
            NmapOption::Timing(level) => vec![format!("--timing={level}")],
            NmapOption::Verbose(level) => vec![level_token('v', *level)],
            NmapOption::Debug(level) => vec![level_token('d', *level)],
            NmapOption::Flag(flag) => vec![match flag.spelling() {
                Spelling::Long(name) => format!("--{name}"),
                Spelling::Short(c) => format!("-{c}"),
            }],
            NmapOption::Setting(setting, value) => match setting.spelling() {
                Spelling::Long(name) => vec![format!("--{name}={value}")],
                Spelling::Short(c) => vec![format!("-{c}"), value.clone()],
            },
        }
    }
}

/// `-v`, `-vv` (nmap's long `vv`), `-vvv`, ... or `-v3`.
fn level_token(c: char, level: Level) -> String {
    match level {
        Level::Raise(n) => std::iter::once('-')
            .chain(std::iter::repeat_n(c, usize::from(n.max(1))))
            .collect(),
        Level::Set(n) => format!("-{c}{n}"),
    }
}
