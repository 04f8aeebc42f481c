//! The typed nmap run: every element and attribute of nmap.dtd, names in snake_case.

use serde::{Deserialize, Serialize};

pub use super::detection::{
    Hop, Os, OsClass, OsMatch, PortUsed, Sequence, TcpSequence, Times, Trace, Uptime,
};
pub use super::host_model::{Host, HostExtra};
pub use super::service::{Service, ServiceExtra};

/// A text value of the model: 16 bytes, `None` included, with up to 16 bytes stored inline
/// (most nmap values are) and longer ones shared on clone; it dereferences to `str`.
pub type Text = lean_string::LeanStr;

/// One nmap run (`<nmaprun>`), with `incomplete` set when the file was cut short.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NmapRun {
    /// The scanner name (`nmap`).
    pub scanner: Option<Text>,
    /// The command line nmap ran with.
    pub args: Option<Text>,
    /// Start time, Unix seconds.
    pub start: Option<i64>,
    /// Start time as text.
    pub startstr: Option<Text>,
    /// nmap's version.
    pub version: Option<Text>,
    /// Zenmap profile name.
    pub profile_name: Option<Text>,
    /// XML output format version.
    pub xmloutputversion: Option<Text>,
    /// Every `<scaninfo>` in order.
    pub scaninfos: Vec<ScanInfo>,
    /// Verbosity level.
    pub verbose: Option<i64>,
    /// Debugging level.
    pub debugging: Option<i64>,
    /// Target specifications nmap reported on.
    pub targets: Vec<TargetSpec>,
    /// `<taskbegin>`, `<taskprogress>` and `<taskend>` in order.
    pub tasks: Vec<TaskEvent>,
    /// Pre-scan NSE script results.
    pub prescripts: Vec<Script>,
    /// Scanned hosts.
    pub hosts: Vec<Host>,
    /// Host hints (hosts found before their scan).
    pub hosthints: Vec<Host>,
    /// Post-scan NSE script results.
    pub postscripts: Vec<Script>,
    /// `<output>` blocks (e.g. interactive output).
    pub outputs: Vec<Output>,
    /// Final statistics.
    pub runstats: Option<RunStats>,
    /// True when the file ended before `</nmaprun>` (an interrupted scan).
    pub incomplete: bool,
    /// Values that broke nmap.dtd and were dropped (lenient parsing only; a strict parse fails).
    pub warnings: Vec<super::violation::Violation>,
}

/// `<scaninfo>`: one scan type over one protocol.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ScanInfo {
    /// Scan type (`syn`, `connect`, `udp`, …).
    #[serde(rename = "type")]
    pub scan_type: Option<Text>,
    /// TCP flags of a custom scan.
    pub scanflags: Option<Text>,
    /// Protocol (`tcp`, `udp`, `sctp`, `ip`).
    pub protocol: Option<Text>,
    /// Number of services scanned.
    pub numservices: Option<u64>,
    /// Port list scanned.
    pub services: Option<Text>,
}

/// `<target>`: a target specification and why it was or was not scanned.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetSpec {
    /// The specification as given.
    pub specification: Option<Text>,
    /// `skipped` when skipped.
    pub status: Option<Text>,
    /// Why.
    pub reason: Option<Text>,
}

/// Which task event an element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskEventKind {
    /// `<taskbegin>`
    Begin,
    /// `<taskprogress>`
    Progress,
    /// `<taskend>`
    End,
}

/// `<taskbegin>`, `<taskprogress>` or `<taskend>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskEvent {
    /// Which element.
    pub kind: TaskEventKind,
    /// Task name (e.g. "SYN Stealth Scan").
    pub task: Option<Text>,
    /// Unix seconds.
    pub time: Option<i64>,
    /// Percent done (progress only).
    pub percent: Option<f64>,
    /// Seconds remaining (progress only).
    pub remaining: Option<i64>,
    /// Estimated completion, Unix seconds (progress only).
    pub etc: Option<i64>,
    /// Extra information (begin/end).
    pub extrainfo: Option<Text>,
}

/// `<status>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Status {
    /// `up`, `down`, `unknown`, `skipped`.
    pub state: Option<Text>,
    /// Why (e.g. `syn-ack`, `localhost-response`).
    pub reason: Option<Text>,
    /// TTL of the reason packet.
    pub reason_ttl: Option<u32>,
}

/// Address family of an `<address>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddrType {
    /// IPv4 (the DTD's default).
    Ipv4,
    /// IPv6.
    Ipv6,
    /// MAC.
    Mac,
}

/// `<address>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// The address text.
    pub addr: Text,
    /// Its family.
    pub addrtype: AddrType,
    /// MAC vendor.
    pub vendor: Option<Text>,
}

/// `<hostname>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Hostname {
    /// The name.
    pub name: Option<Text>,
    /// `user` (as given) or `PTR` (reverse DNS).
    #[serde(rename = "type")]
    pub name_type: Option<Text>,
}

/// `<extraports>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtraPorts {
    /// Their common state.
    pub state: Option<Text>,
    /// How many.
    pub count: Option<u64>,
    /// Reasons with counts.
    pub extrareasons: Vec<ExtraReasons>,
}

/// `<extrareasons>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtraReasons {
    /// The reason.
    pub reason: Option<Text>,
    /// How many ports.
    pub count: Option<u64>,
    /// Protocol.
    pub proto: Option<Text>,
    /// Port list.
    pub ports: Option<Text>,
}

/// `<port>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Port {
    /// `tcp`, `udp`, `sctp`, `ip`.
    pub protocol: Option<Text>,
    /// Port number (protocol number for `ip`).
    pub portid: Option<u32>,
    /// State and reason.
    pub state: Option<PortState>,
    /// Owning user (ident).
    pub owner: Option<Text>,
    /// Service detection.
    pub service: Option<Service>,
    /// NSE script results.
    pub scripts: Vec<Script>,
}

/// `<state>` of a port.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PortState {
    /// `open`, `closed`, `filtered`, `open|filtered`, `closed|filtered`, `unfiltered`.
    pub state: Option<Text>,
    /// Why.
    pub reason: Option<Text>,
    /// TTL of the reason packet.
    pub reason_ttl: Option<u32>,
    /// Source of the reason packet.
    pub reason_ip: Option<Text>,
}

/// `<script>`: id, its own output text, and its structured tables and elems in order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Script {
    /// Script id.
    pub id: Option<Text>,
    /// The script's output text.
    pub output: Option<Text>,
    /// Structured output, in document order.
    pub items: Vec<ScriptItem>,
}

/// One `<elem>` or `<table>` of NSE structured output, or character data beside them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScriptItem {
    /// `<elem key="…">value</elem>`.
    Elem {
        /// Key, if any.
        key: Option<Text>,
        /// Text value.
        value: Text,
    },
    /// `<table key="…">…</table>`.
    Table {
        /// Key, if any.
        key: Option<Text>,
        /// Children in order.
        items: Vec<ScriptItem>,
    },
    /// Character data directly inside a `<script>` or `<table>` (the DTD allows it; nmap itself
    /// writes only whitespace there, which is not kept).
    Text {
        /// The text, references decoded, CDATA literal, the whitespace around it trimmed.
        value: Text,
    },
}

/// `<output>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Output {
    /// Output type (`interactive`).
    #[serde(rename = "type")]
    pub output_type: Option<Text>,
    /// The text.
    pub text: Text,
}

/// `<runstats>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RunStats {
    /// `<finished>`.
    pub finished: Option<Finished>,
    /// `<hosts>` counts.
    pub hosts: Option<HostCounts>,
}

/// `<finished>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Finished {
    /// Unix seconds.
    pub time: Option<i64>,
    /// As text.
    pub timestr: Option<Text>,
    /// Elapsed seconds.
    pub elapsed: Option<f64>,
    /// Summary line.
    pub summary: Option<Text>,
    /// `success` or `error`.
    pub exit: Option<Text>,
    /// Error message.
    pub errormsg: Option<Text>,
}

/// `<hosts>` in runstats.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HostCounts {
    /// Hosts up.
    pub up: Option<u64>,
    /// Hosts down.
    pub down: Option<u64>,
    /// Hosts in all.
    pub total: Option<u64>,
}
