//! A scan's stored result with bounded size: the first hosts in full, the rest counted.
//!
//! A scan of a /16 lists up to 65 536 hosts; keeping all of them typed, then as a JSON tree, then
//! as JSON text, took hundreds of MB. The provider reads nmap's XML host by host instead and keeps
//! at most [`ResultLimits::max_hosts`] hosts (and host hints) whose compact JSON adds up to at
//! most [`ResultLimits::max_bytes`]; the hosts after the first one that does not fit are counted
//! (hosts, hosts up, open ports) but not kept, and the result says so in its `truncated` field.

use std::io::BufRead;
use std::path::Path;

use serde::Serialize;

use super::model::{Host, NmapRun};
use super::reader::{Entry, HostReader, placed};
use crate::error::{Error, Result};

/// Caps on what one nmap scan stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultLimits {
    /// Most hosts and host hints kept with full detail in the structured result.
    pub max_hosts: usize,
    /// Most bytes of compact JSON of the hosts and host hints kept.
    pub max_bytes: usize,
    /// Most bytes of nmap's normal output kept as the raw result (cut at a line end).
    pub max_raw_bytes: usize,
}

/// 4 096 hosts.
pub const DEFAULT_MAX_RESULT_HOSTS: usize = 4096;
/// 4 MiB.
pub const DEFAULT_MAX_RESULT_BYTES: usize = 4 << 20;
/// 4 MiB.
pub const DEFAULT_MAX_RAW_BYTES: usize = 4 << 20;

impl Default for ResultLimits {
    fn default() -> Self {
        ResultLimits {
            max_hosts: DEFAULT_MAX_RESULT_HOSTS,
            max_bytes: DEFAULT_MAX_RESULT_BYTES,
            max_raw_bytes: DEFAULT_MAX_RAW_BYTES,
        }
    }
}

/// Counts over every host of a run, kept or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Hosts (not host hints).
    pub hosts: u64,
    /// Hosts whose status is `up`.
    pub up: u64,
    /// Listed ports, whatever their state (Casibase's "N ports found"; ports nmap folds into
    /// "Not shown: N closed ports" are not listed).
    pub ports: u64,
}

impl Tally {
    /// Counts one host.
    pub fn add(&mut self, h: &Host) {
        self.hosts += 1;
        if h.status.as_ref().and_then(|s| s.state.as_deref()) == Some("up") {
            self.up += 1;
        }
        // Casibase counts every port the result lists, whatever its state.
        self.ports += h.ports.len() as u64;
    }

    /// Casibase's summary: "N ports found", "N hosts up", "N hosts scanned" or "Scan completed".
    pub fn summary(&self) -> String {
        if self.ports > 0 {
            format!("{} ports found", self.ports)
        } else if self.up > 0 {
            format!("{} hosts up", self.up)
        } else if self.hosts > 0 {
            format!("{} hosts scanned", self.hosts)
        } else {
            "Scan completed".to_string()
        }
    }
}

/// The `truncated` field of a result: what was left out and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Truncation {
    /// Hosts kept in `hosts` and `nmap.hosts`.
    pub hosts_kept: u64,
    /// Hosts counted but not kept.
    pub hosts_omitted: u64,
    /// Host hints kept in `nmap.hosthints`.
    pub host_hints_kept: u64,
    /// Host hints not kept.
    pub host_hints_omitted: u64,
    /// The cap on hosts and hints kept.
    pub max_hosts: u64,
    /// The cap on the compact JSON of the hosts and hints kept, in bytes.
    pub max_bytes: u64,
}

/// A run read with [`ResultLimits`]: the run with the hosts kept, counts over all of them, and
/// what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundedRun {
    /// The run; `hosts` and `hosthints` hold only what was kept.
    pub run: NmapRun,
    /// Counts over every host.
    pub tally: Tally,
    /// `Some` when hosts or host hints were left out.
    pub truncation: Option<Truncation>,
}

impl BoundedRun {
    /// The scan's one-line summary over every host, with a note when hosts were left out.
    pub fn summary(&self) -> String {
        let line = self.tally.summary();
        match &self.truncation {
            Some(t) => format!(
                "{line} (result truncated: {} of {} hosts kept)",
                t.hosts_kept,
                t.hosts_kept + t.hosts_omitted
            ),
            None => line,
        }
    }
}

/// Reads a run host by host, keeping what `limits` allows.
pub fn read_bounded<R: BufRead>(
    reader: HostReader<R>,
    limits: &ResultLimits,
    locate: impl Fn(u64) -> Option<(u64, u64)>,
) -> Result<BoundedRun> {
    read_bounded_with(reader, limits, locate, |_| {})
}

/// [`read_bounded`], calling `on_host` with each host (not host hint) as it is read, kept or not.
pub fn read_bounded_with<R: BufRead>(
    mut reader: HostReader<R>,
    limits: &ResultLimits,
    locate: impl Fn(u64) -> Option<(u64, u64)>,
    mut on_host: impl FnMut(&Host),
) -> Result<BoundedRun> {
    let (mut hosts, mut hints) = (Vec::new(), Vec::new());
    let (mut hosts_omitted, mut hints_omitted) = (0u64, 0u64);
    let mut tally = Tally::default();
    let mut bytes = 0usize;
    let mut full = false;
    loop {
        let entry = match reader.next_entry() {
            Ok(Some(entry)) => entry,
            Ok(None) => break,
            Err(e) => return Err(placed(e, reader.error_offset(), locate)),
        };
        let (host, hint) = match entry {
            Entry::Host(h) => {
                tally.add(&h);
                on_host(&h);
                (h, false)
            }
            Entry::HostHint(h) => (h, true),
        };
        if !full {
            let size = json_size(&host)?;
            full = hosts.len() + hints.len() >= limits.max_hosts
                || bytes.saturating_add(size) > limits.max_bytes;
            if !full {
                bytes += size;
                if hint {
                    hints.push(host)
                } else {
                    hosts.push(host)
                }
                continue;
            }
        }
        if hint {
            hints_omitted += 1;
        } else {
            hosts_omitted += 1;
        }
    }
    let mut run = reader.finish()?;
    hosts.shrink_to_fit();
    hints.shrink_to_fit();
    let truncation = (hosts_omitted + hints_omitted > 0).then_some(Truncation {
        hosts_kept: hosts.len() as u64,
        hosts_omitted,
        host_hints_kept: hints.len() as u64,
        host_hints_omitted: hints_omitted,
        max_hosts: limits.max_hosts as u64,
        max_bytes: limits.max_bytes as u64,
    });
    run.hosts = hosts;
    run.hosthints = hints;
    Ok(BoundedRun {
        run,
        tally,
        truncation,
    })
}

/// The length of a host's compact JSON, without keeping the text.
fn json_size(host: &Host) -> Result<usize> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, host)
        .map_err(|e| Error::provider("Nmap", format!("cannot encode a host: {e}")))?;
    Ok(count.0)
}

/// Reads at most `max` bytes of the text file at `path`, cut after its last whole line, with a
/// closing note when the file is longer; a missing file reads as empty.
pub fn read_capped_text(path: &Path, max: usize) -> String {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return String::new();
    };
    let total = file.metadata().map_or(0, |m| m.len());
    let mut buf = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    if file.take(limit).read_to_end(&mut buf).is_err() {
        return String::new();
    }
    if buf.len() <= max {
        return String::from_utf8_lossy(&buf).into_owned();
    }
    buf.truncate(max);
    let cut = memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1);
    buf.truncate(cut);
    let mut text = String::from_utf8_lossy(&buf).into_owned();
    text.push_str(&format!(
        "# casiscan: nmap's normal output ({} bytes) was cut after {cut} bytes; the raw result is capped at {max} bytes\n",
        total.max(limit)
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(hosts: usize) -> String {
        let mut xml = String::from("<nmaprun scanner=\"nmap\">\n");
        for i in 0..hosts {
            let state = if i % 2 == 0 { "up" } else { "down" };
            xml.push_str(&format!(
                "<host><status state=\"{state}\"/><address addr=\"10.0.{}.{}\" addrtype=\"ipv4\"/>\
                 <ports><port protocol=\"tcp\" portid=\"22\"><state state=\"open\"/></port></ports></host>\n",
                i / 256,
                i % 256
            ));
            if i == 1 {
                xml.push_str("<hosthint><status state=\"up\"/></hosthint>\n");
            }
        }
        xml.push_str("<runstats><finished summary=\"done\"/></runstats></nmaprun>\n");
        xml
    }

    fn bounded(xml: &str, limits: &ResultLimits) -> BoundedRun {
        let reader = HostReader::new(xml.as_bytes()).expect("reader");
        read_bounded(reader, limits, |_| None).expect("read")
    }

    #[test]
    fn within_the_limits_nothing_is_left_out() {
        let b = bounded(&doc(10), &ResultLimits::default());
        assert_eq!((b.run.hosts.len(), b.run.hosthints.len()), (10, 1));
        assert_eq!(b.truncation, None);
        assert_eq!(
            b.tally,
            Tally {
                hosts: 10,
                up: 5,
                ports: 10
            }
        );
        assert_eq!(b.summary(), "10 ports found");
        assert!(b.run.runstats.is_some(), "the trailer is read");
    }

    #[test]
    fn hosts_after_the_cap_are_counted_not_kept() {
        let limits = ResultLimits {
            max_hosts: 4,
            ..ResultLimits::default()
        };
        let b = bounded(&doc(10), &limits);
        // Hosts 0 and 1, the hint, host 2: four; the rest is counted.
        assert_eq!((b.run.hosts.len(), b.run.hosthints.len()), (3, 1));
        let t = b.truncation.expect("truncated");
        assert_eq!((t.hosts_kept, t.hosts_omitted, t.max_hosts), (3, 7, 4));
        assert_eq!(b.tally.hosts, 10);
        assert_eq!(b.tally.ports, 10);
        assert_eq!(
            b.summary(),
            "10 ports found (result truncated: 3 of 10 hosts kept)"
        );
    }

    #[test]
    fn the_byte_cap_keeps_a_prefix() {
        let one =
            json_size(&bounded(&doc(1), &ResultLimits::default()).run.hosts[0]).expect("size");
        let limits = ResultLimits {
            max_bytes: one * 2 + one / 2,
            ..ResultLimits::default()
        };
        let b = bounded(&doc(10), &limits);
        assert_eq!(b.run.hosts.len(), 2);
        assert_eq!(
            b.run.hosthints.len(),
            0,
            "nothing after the first host that does not fit"
        );
        let t = b.truncation.expect("truncated");
        assert_eq!((t.hosts_omitted, t.host_hints_omitted), (8, 1));
    }

    #[test]
    fn raw_text_is_cut_at_a_line_end_with_a_note() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("normal.txt");
        std::fs::write(&path, "line one\nline two\nline three\n").expect("write");
        assert_eq!(
            read_capped_text(&path, 100),
            "line one\nline two\nline three\n"
        );
        let cut = read_capped_text(&path, 12);
        assert!(cut.starts_with("line one\n# casiscan:"), "{cut}");
        assert!(cut.contains("capped at 12 bytes"), "{cut}");
        assert_eq!(read_capped_text(&dir.path().join("none"), 10), "");
    }

    #[test]
    fn raw_text_of_exactly_the_cap_is_kept_whole_and_one_byte_more_is_cut() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("normal.txt");
        let text = "line one\nline two\n";
        std::fs::write(&path, text).expect("write");
        assert_eq!(read_capped_text(&path, text.len()), text, "at the cap");
        let cut = read_capped_text(&path, text.len() - 1);
        assert!(cut.starts_with("line one\n# casiscan:"), "{cut}");
        assert!(
            cut.contains(&format!("({} bytes) was cut after 9 bytes", text.len())),
            "{cut}"
        );
    }

    #[test]
    fn the_raw_cap_is_four_mib_and_the_default_of_every_provider() {
        assert_eq!(DEFAULT_MAX_RAW_BYTES, 4 << 20);
        assert_eq!(ResultLimits::default().max_raw_bytes, DEFAULT_MAX_RAW_BYTES);
        assert_eq!(
            crate::providers::nmap::NmapProvider::new().limits(),
            &ResultLimits::default()
        );
        // The real cap, on a file of exactly 4 MiB and one of a byte more.
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("normal.txt");
        let mut text = "x".repeat(63) + "\n";
        text = text.repeat((4 << 20) / 64);
        std::fs::write(&path, &text).expect("write");
        let kept = read_capped_text(&path, ResultLimits::default().max_raw_bytes);
        assert!(kept == text, "a 4 MiB output is kept whole");
        text.push('y');
        std::fs::write(&path, &text).expect("write");
        let cut = read_capped_text(&path, ResultLimits::default().max_raw_bytes);
        assert!(
            cut.starts_with(&text[..(4 << 20)]),
            "the whole lines are kept"
        );
        assert!(
            cut[4 << 20..].starts_with(
                "# casiscan: nmap's normal output (4194305 bytes) was cut after 4194304 bytes"
            ),
            "{}",
            &cut[4 << 20..]
        );
    }
}
