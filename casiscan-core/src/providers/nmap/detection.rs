//! The detection parts of a typed `<host>`: OS matches, uptime, sequence prediction,
//! traceroute and round-trip timing (names as in nmap.dtd).

use serde::{Deserialize, Serialize};

use super::model::Text;

/// `<os>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Os {
    /// Ports used for detection.
    pub portused: Vec<PortUsed>,
    /// OS matches, best first.
    pub osmatches: Vec<OsMatch>,
    /// OS classes directly under `<os>` (xmloutputversion ≤ 1.03).
    pub osclasses: Vec<OsClass>,
    /// Fingerprints.
    pub osfingerprints: Vec<Text>,
}

/// `<portused>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PortUsed {
    /// Port state.
    pub state: Option<Text>,
    /// Protocol.
    pub proto: Option<Text>,
    /// Port number.
    pub portid: Option<u32>,
}

/// `<osmatch>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OsMatch {
    /// OS name.
    pub name: Option<Text>,
    /// Accuracy percent.
    pub accuracy: Option<u8>,
    /// Line in nmap-os-db.
    pub line: Option<u64>,
    /// Classes of this match.
    pub osclasses: Vec<OsClass>,
}

/// `<osclass>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OsClass {
    /// Vendor.
    pub vendor: Option<Text>,
    /// Generation.
    pub osgen: Option<Text>,
    /// Device type.
    #[serde(rename = "type")]
    pub device_type: Option<Text>,
    /// Accuracy percent.
    pub accuracy: Option<u8>,
    /// Family.
    pub osfamily: Option<Text>,
    /// CPE names.
    pub cpes: Vec<Text>,
}

/// `<uptime>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Uptime {
    /// Seconds up.
    pub seconds: Option<u64>,
    /// Last boot as text.
    pub lastboot: Option<Text>,
}

/// `<tcpsequence>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TcpSequence {
    /// Difficulty index.
    pub index: Option<u64>,
    /// Difficulty text.
    pub difficulty: Option<Text>,
    /// Observed values.
    pub values: Option<Text>,
    /// Class (nmap < 4 only).
    pub class: Option<Text>,
}

/// `<ipidsequence>` / `<tcptssequence>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Sequence {
    /// Class.
    pub class: Option<Text>,
    /// Observed values.
    pub values: Option<Text>,
}

/// `<trace>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Trace {
    /// Protocol used.
    pub proto: Option<Text>,
    /// Port used.
    pub port: Option<u32>,
    /// Hops in order.
    pub hops: Vec<Hop>,
}

/// `<hop>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Hop {
    /// TTL.
    pub ttl: Option<u32>,
    /// Round-trip time, ms.
    pub rtt: Option<f64>,
    /// Address.
    pub ipaddr: Option<Text>,
    /// Name.
    pub host: Option<Text>,
}

/// `<times>`, microseconds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Times {
    /// Smoothed RTT.
    pub srtt: Option<i64>,
    /// RTT variance.
    pub rttvar: Option<i64>,
    /// Timeout.
    pub to: Option<i64>,
}
