//! Casibase's nmap result shape and summary strings, filled from the typed run.

use serde::{Deserialize, Serialize};

use super::bounded::{BoundedRun, Tally, Truncation};
use super::model::{AddrType, Host, NmapRun, Port};

/// Casibase's `NmapScanResult`, plus the full typed run under `nmap`: the stored result of an
/// nmap scan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CasibaseResult {
    /// When nmap started, as its normal output prints it (`2026-12-05 16:39 UTC`, from
    /// `nmaprun@start`; `nmaprun@startstr` when that is absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// When nmap finished, in the same form (from `runstats/finished@time`, else `@timestr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// One entry per host.
    pub hosts: Vec<CasibaseHost>,
    /// The line after "Nmap done: " in nmap's normal output (`1 IP address (1 host up) scanned
    /// in 0.05 seconds`, from `runstats/finished@summary`), else "N host(s) scanned".
    pub summary: String,
    /// The complete run (absent from a result written by Casibase itself; only the hosts kept
    /// when `truncated` is present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nmap: Option<NmapRun>,
    /// Present when hosts were left out to keep the result within its caps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncation>,
}

/// Casibase's `NmapHost`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CasibaseHost {
    /// First IPv4 or IPv6 address.
    pub ip: String,
    /// `up` / `down`.
    pub status: String,
    /// First hostname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Listed ports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<CasibasePort>,
    /// Best OS match, else the service-reported OS type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// MAC address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_addr: Option<String>,
    /// MAC vendor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Smoothed RTT as `"0.00013s"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<String>,
}

/// Casibase's `NmapPort`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CasibasePort {
    /// `"22/tcp"`.
    pub port: String,
    /// Port state, e.g. `open|filtered`.
    pub state: String,
    /// Service name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `product version (extrainfo)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Builds Casibase's result from a run.
pub fn casibase_result(run: NmapRun) -> CasibaseResult {
    let hosts = run.hosts.len() as u64;
    build(run, hosts, None)
}

/// Builds Casibase's result from a run read within caps, with its `truncated` marker.
pub fn casibase_result_bounded(b: BoundedRun) -> CasibaseResult {
    build(b.run, b.tally.hosts, b.truncation)
}

fn build(run: NmapRun, hosts: u64, truncated: Option<Truncation>) -> CasibaseResult {
    let finished = run.runstats.as_ref().and_then(|r| r.finished.as_ref());
    let summary = finished
        .and_then(|f| f.summary.as_deref().map(done_line))
        .unwrap_or_else(|| format!("{hosts} host(s) scanned"));
    CasibaseResult {
        start_time: run
            .start
            .and_then(normal_output_time)
            .or_else(|| run.startstr.as_deref().map(str::to_string)),
        end_time: finished.and_then(|f| {
            f.time
                .and_then(normal_output_time)
                .or_else(|| f.timestr.as_deref().map(str::to_string))
        }),
        hosts: run.hosts.iter().map(casibase_host).collect(),
        summary,
        nmap: Some(run),
        truncated,
    }
}

/// The XML summary without its "Nmap done at <time>; " lead: what the normal output prints
/// after "Nmap done: ", which is what Casibase shows.
fn done_line(summary: &str) -> String {
    summary
        .strip_prefix("Nmap done at ")
        .and_then(|rest| rest.split_once("; "))
        .map_or(summary, |(_, line)| line)
        .to_string()
}

/// Seconds since the epoch as nmap's normal output prints a time, in UTC.
fn normal_output_time(epoch: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(epoch, 0).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

fn casibase_host(h: &Host) -> CasibaseHost {
    let ip = h
        .addresses
        .iter()
        .find(|a| a.addrtype != AddrType::Mac)
        .map_or(String::new(), |a| a.addr.to_string());
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
        })
        .map(str::to_string);
    CasibaseHost {
        ip,
        status: h
            .status
            .as_ref()
            .and_then(|s| s.state.as_deref())
            .unwrap_or("unknown")
            .to_string(),
        hostname: h
            .hostnames
            .first()
            .and_then(|n| n.name.as_deref().map(str::to_string)),
        ports: h.ports.iter().map(casibase_port).collect(),
        os,
        mac_addr: mac.map(|a| a.addr.to_string()),
        vendor: mac.and_then(|a| a.vendor.as_deref().map(str::to_string)),
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

fn casibase_port(p: &Port) -> CasibasePort {
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
            .unwrap_or("unknown")
            .to_string(),
        // nmap's normal output prints "unknown" where the XML has no service name.
        service: Some(
            svc.and_then(|s| s.name.as_deref())
                .unwrap_or("unknown")
                .to_string(),
        ),
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
    use super::{done_line, latency, normal_output_time};

    #[test]
    fn summary_and_times_read_as_nmap_prints_them() {
        assert_eq!(
            done_line(
                "Nmap done at Sat Dec  5 16:39:14 2026; 1 IP address (1 host up) scanned in 0.06 seconds"
            ),
            "1 IP address (1 host up) scanned in 0.06 seconds"
        );
        assert_eq!(done_line("Nmap done"), "Nmap done");
        assert_eq!(
            normal_output_time(1_796_488_754).as_deref(),
            Some("2026-12-05 16:39 UTC")
        );
    }

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
