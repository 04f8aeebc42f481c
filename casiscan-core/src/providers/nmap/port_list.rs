//! The ports a run scanned, from its `<scaninfo services="1-1000,3389">` lists.

use super::model::NmapRun;

/// Whether `run` scanned port `portid` of `protocol`: `None` when the run lists no scan types
/// (or a list it cannot read), `Some(false)` when no scan of that protocol covered the port.
pub fn scanned(run: &NmapRun, portid: u32, protocol: &str) -> Option<bool> {
    if run.scaninfos.is_empty() {
        return None;
    }
    let mut covered = false;
    for info in run
        .scaninfos
        .iter()
        .filter(|s| s.protocol.as_deref() == Some(protocol))
    {
        covered |= contains(info.services.as_deref()?, portid)?;
    }
    Some(covered)
}

/// True when the list (`22,80,1000-2000`) holds `port`; `None` when it is malformed.
fn contains(list: &str, port: u32) -> Option<bool> {
    let mut found = false;
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (lo, hi) = match item.split_once('-') {
            Some((lo, hi)) => (
                lo.trim().parse::<u32>().ok()?,
                hi.trim().parse::<u32>().ok()?,
            ),
            None => {
                let n = item.parse::<u32>().ok()?;
                (n, n)
            }
        };
        found |= (lo..=hi).contains(&port);
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::nmap::ScanInfo;

    fn run(infos: &[(&str, &str)]) -> NmapRun {
        NmapRun {
            scaninfos: infos
                .iter()
                .map(|(proto, services)| ScanInfo {
                    protocol: Some((*proto).into()),
                    services: Some((*services).into()),
                    ..ScanInfo::default()
                })
                .collect(),
            ..NmapRun::default()
        }
    }

    #[test]
    fn ports_are_looked_up_per_protocol_in_lists_and_ranges() {
        let r = run(&[("tcp", "1-100,443, 8000-8080"), ("udp", "53")]);
        assert_eq!(scanned(&r, 22, "tcp"), Some(true));
        assert_eq!(scanned(&r, 443, "tcp"), Some(true));
        assert_eq!(scanned(&r, 8080, "tcp"), Some(true));
        assert_eq!(scanned(&r, 444, "tcp"), Some(false));
        assert_eq!(scanned(&r, 22, "udp"), Some(false));
        assert_eq!(scanned(&r, 1, "sctp"), Some(false));
        assert_eq!(scanned(&NmapRun::default(), 22, "tcp"), None);
        assert_eq!(scanned(&run(&[("tcp", "1-x")]), 22, "tcp"), None);
    }
}
