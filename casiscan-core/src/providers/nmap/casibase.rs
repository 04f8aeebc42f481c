//! Casibase's nmap result shape and summary strings, filled from the typed run.

use serde::Serialize;

use super::bounded::{BoundedRun, Tally, Truncation};
use super::model::{AddrType, Host, NmapRun, Port};

/// Casibase's `NmapScanResult`, plus the full typed run under `nmap`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CasibaseResult<'a> {
    /// `nmaprun@startstr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<&'a str>,
    /// `runstats/finished@timestr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<&'a str>,
    /// One entry per host.
    pub hosts: Vec<CasibaseHost<'a>>,
    /// `runstats/finished@summary`, else "N host(s) scanned".
    pub summary: String,
    /// The complete run (only the hosts kept when `truncated` is present).
    pub nmap: &'a NmapRun,
    /// Present when hosts were left out to keep the result within its caps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncation>,
}

/// Casibase's `NmapHost`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CasibaseHost<'a> {
    /// First IPv4 or IPv6 address.
    pub ip: &'a str,
    /// `up` / `down`.
    pub status: &'a str,
    /// First hostname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<&'a str>,
    /// Listed ports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<CasibasePort<'a>>,
    /// Best OS match, else the service-reported OS type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<&'a str>,
    /// MAC address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_addr: Option<&'a str>,
    /// MAC vendor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<&'a str>,
    /// Smoothed RTT as `"0.00013s"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<String>,
}

/// Casibase's `NmapPort`.
#[derive(Debug, Clone, Serialize)]
pub struct CasibasePort<'a> {
    /// `"22/tcp"`.
    pub port: String,
    /// Port state, e.g. `open|filtered`.
    pub state: &'a str,
    /// Service name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'a str>,
    /// `product version (extrainfo)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Builds Casibase's result from a run.
pub fn casibase_result(run: &NmapRun) -> CasibaseResult<'_> {
    build(run, run.hosts.len() as u64, None)
}

/// Builds Casibase's result from a run read within caps, with its `truncated` marker.
pub fn casibase_result_bounded(b: &BoundedRun) -> CasibaseResult<'_> {
    build(&b.run, b.tally.hosts, b.truncation)
}

fn build(run: &NmapRun, hosts: u64, truncated: Option<Truncation>) -> CasibaseResult<'_> {
    let finished = run.runstats.as_ref().and_then(|r| r.finished.as_ref());
    let summary = finished
        .and_then(|f| f.summary.as_deref().map(str::to_string))
        .unwrap_or_else(|| format!("{hosts} host(s) scanned"));
    CasibaseResult {
        start_time: run.startstr.as_deref(),
        end_time: finished.and_then(|f| f.timestr.as_deref()),
        hosts: run.hosts.iter().map(casibase_host).collect(),
        summary,
        nmap: run,
        truncated,
    }
}

fn casibase_host(h: &Host) -> CasibaseHost<'_> {
    let ip = h
        .addresses
        .iter()
        .find(|a| a.addrtype != AddrType::Mac)
        .map_or("", |a| a.addr.as_str());
    let mac = h.addresses.iter().find(|a| a.addrtype == AddrType::Mac);
    let os = h
        .extra()
        .os
        .as_ref()
        .and_then(|o| o.osmatches.first())
        .and_then(|m| m.name.as_deref())
        .or_else(|| {
            h.ports
                .iter()
                .find_map(|p| p.service.as_ref()?.ostype.as_deref())
        });
    CasibaseHost {
        ip,
        status: h
            .status
            .as_ref()
            .and_then(|s| s.state.as_deref())
            .unwrap_or("unknown"),
        hostname: h.hostnames.first().and_then(|n| n.name.as_deref()),
        ports: h.ports.iter().map(casibase_port).collect(),
        os,
        mac_addr: mac.map(|a| a.addr.as_str()),
        vendor: mac.and_then(|a| a.vendor.as_deref()),
        latency: h.times.as_ref().and_then(|t| t.srtt).and_then(latency),
    }
}

/// nmap's "(0.00013s latency)" from `times@srtt` in microseconds, rounded to two significant
/// digits the way nmap's normal output (which Casibase reads) does; nmap's `-1` (unknown) gives
/// none.
fn latency(srtt_us: i64) -> Option<String> {
    if srtt_us < 0 {
        return None;
    }
    Some(format!(
        "{}s",
        two_significant_digits(srtt_us as f64 / 1_000_000.0)
    ))
}

/// nmap's `num_to_string_sigdigit(d, 2)`: round to two significant digits in decimal, then
/// print with as many decimals as that needs.
fn two_significant_digits(d: f64) -> String {
    const DIGITS: i32 = 2;
    let (shift, rounded) = if d == 0.0 {
        (-DIGITS, d)
    } else {
        let shift = d.abs().log10().floor() as i32 - DIGITS + 1;
        let scale = 10f64.powf(f64::from(shift));
        (shift, (d / scale + 0.5).floor() * scale)
    };
    let decimals = usize::try_from(-shift).unwrap_or(0);
    format!("{rounded:.decimals$}")
}

fn casibase_port(p: &Port) -> CasibasePort<'_> {
    let svc = p.service.as_ref();
    let version = svc.and_then(|s| {
        let mut parts: Vec<String> = [&s.product, &s.version]
            .into_iter()
            .flatten()
            .filter(|v| !v.is_empty())
            .map(|v| v.to_string())
            .collect();
        if let Some(extra) = s.extrainfo.as_deref().filter(|e| !e.is_empty()) {
            parts.push(format!("({extra})"));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    CasibasePort {
        port: format!(
            "{}/{}",
            p.portid.map_or_else(String::new, |n| n.to_string()),
            p.protocol.as_deref().unwrap_or("tcp")
        ),
        state: p
            .state
            .as_ref()
            .and_then(|s| s.state.as_deref())
            .unwrap_or("unknown"),
        service: svc.and_then(|s| s.name.as_deref()),
        version,
    }
}

/// Casibase's summary: "N ports found" (open ports), "N hosts up", "N hosts scanned", "Scan completed".
pub fn summary(run: &NmapRun) -> String {
    let mut tally = Tally::default();
    run.hosts.iter().for_each(|h| tally.add(h));
    tally.summary()
}

#[cfg(test)]
mod tests {
    use super::latency;

    /// Expected texts are what nmap's rounding gives for these values (halfway cases included).
    #[test]
    fn latency_has_two_significant_digits_like_nmap_text() {
        for (srtt, text) in [
            (123, "0.00012s"),
            (130, "0.00013s"),
            (135, "0.00013s"),
            (165, "0.00017s"),
            (995, "0.00099s"),
            (996, "0.00100s"),
            (1_150, "0.0012s"),
            (123_456, "0.12s"),
            (1_500_000, "1.5s"),
            (12_345_678, "12s"),
            (0, "0.00s"),
        ] {
            assert_eq!(latency(srtt).as_deref(), Some(text), "srtt {srtt}");
        }
        assert_eq!(latency(-1), None, "nmap writes -1 when it has no estimate");
    }
}
