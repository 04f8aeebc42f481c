//! A list scan of the largest default target (a /16 of loopback, `-sL -n`: nmap only lists the
//! addresses, it sends no packet) stays within tens of MB of this process's memory, and what it
//! stores is capped and says so. One test in its own binary, so that the peak resident set
//! (`VmHWM`) it reads is its own.

use std::time::Duration;

use casiscan_core::providers::nmap::{
    DEFAULT_MAX_RAW_BYTES, DEFAULT_MAX_RESULT_BYTES, DEFAULT_MAX_RESULT_HOSTS, NmapProvider,
    ResultLimits,
};
use casiscan_core::providers::{Provider, ProviderOutput, RunContext, RunRequest};

/// The largest target a default policy accepts: 65 536 addresses.
const TARGET: &str = "127.0.0.0/16";
const HOSTS: u64 = 65_536;

/// This process's peak resident set so far, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

async fn list_scan(provider: NmapProvider) -> ProviderOutput {
    let request = RunRequest {
        owner: "admin".into(),
        target: TARGET.parse().expect("target"),
        command: "-sL -n".into(),
        timeout: Duration::from_secs(300),
    };
    provider
        .run(request, RunContext::detached())
        .await
        .unwrap_or_else(|e| panic!("list scan of {TARGET} failed: {e}"))
}

#[tokio::test]
async fn list_scan_of_a_slash_16_is_bounded_in_memory_and_in_what_it_stores() {
    let before = peak_rss_kib();
    let out = list_scan(NmapProvider::new()).await;
    let grown_mib = (peak_rss_kib().saturating_sub(before)) as f64 / 1024.0;
    let result_bytes = serde_json::to_string(&out.result).expect("json").len();
    eprintln!(
        "{TARGET} -sL -n: peak RSS grew by {grown_mib:.1} MiB; result {result_bytes} bytes, \
         raw {} bytes, summary {:?}",
        out.raw_text.len(),
        out.summary
    );
    assert!(
        grown_mib < 64.0,
        "a /16 list scan must stay within tens of MB: grew by {grown_mib:.1} MiB"
    );

    let t = &stored(&out)["truncated"];
    let kept = DEFAULT_MAX_RESULT_HOSTS as u64;
    assert_eq!(t["hostsKept"], kept, "{t}");
    assert_eq!(t["hostsOmitted"], HOSTS - kept, "{t}");
    assert_eq!(t["maxHosts"], kept, "{t}");
    assert_eq!(t["maxBytes"], DEFAULT_MAX_RESULT_BYTES as u64, "{t}");
    assert_eq!(stored(&out)["hosts"].as_array().map(Vec::len), Some(4096));
    assert_eq!(
        stored(&out)["nmap"]["hosts"].as_array().map(Vec::len),
        Some(4096)
    );
    assert_eq!(stored(&out)["hosts"][0]["ip"], "127.0.0.0");
    assert_eq!(
        out.summary,
        format!("{HOSTS} hosts scanned (result truncated: {kept} of {HOSTS} hosts kept)")
    );
    assert!(
        result_bytes < DEFAULT_MAX_RESULT_BYTES * 2,
        "stored result {result_bytes} bytes"
    );
    assert!(out.raw_text.len() <= DEFAULT_MAX_RAW_BYTES + 200);
    assert!(out.raw_text.contains("Nmap scan report for 127.0.255.255"));

    // Smaller caps: the raw text is cut at a line end with a note; the byte cap binds first.
    let limits = ResultLimits {
        max_hosts: 1000,
        max_bytes: 64 * 1024,
        max_raw_bytes: 256 * 1024,
    };
    let out = list_scan(NmapProvider::new().with_limits(limits)).await;
    let raw = &out.raw_text;
    let note = raw
        .rfind("# casiscan: nmap's normal output")
        .expect("a note says the raw text was cut");
    assert!(note <= limits.max_raw_bytes, "{note}");
    assert!(raw[..note].ends_with('\n'));
    assert!(
        raw[note..].contains("capped at 262144 bytes"),
        "{}",
        &raw[note..]
    );
    let t = &stored(&out)["truncated"];
    let kept = t["hostsKept"].as_u64().expect("hostsKept");
    assert!(kept > 0 && kept < 1000, "{t}");
    assert_eq!(t["hostsOmitted"].as_u64(), Some(HOSTS - kept), "{t}");
}

/// The result as it is stored (JSON).
fn stored(out: &casiscan_core::providers::ProviderOutput) -> serde_json::Value {
    serde_json::from_str(&out.result.to_stored().expect("stored")).expect("JSON")
}
