//! The REST import of an uploaded nmap XML document (`POST /api/import-scan-result`):
//! `imported_output`, which the client's `import_nmap_run` calls, under small caps taken from
//! the first three bytes (hosts kept, bytes of kept hosts, bytes of raw text) so that the
//! truncation paths are cheap to reach. The same document is also imported without caps, and:
//! the caps never change whether it is accepted (nor the error); the capped result keeps at most
//! its caps, a prefix of the uncapped hosts, and says exactly what it left out; the raw text is
//! the document, or its first whole lines within the cap and a note; the stored result reads back.
use casiscan_core::model::{ProviderKind, ScanResult};
use casiscan_core::providers::ProviderOutput;
use casiscan_core::providers::nmap::{CasibaseResult, NmapRun, ResultLimits, imported_output};
use casiscan_fuzz::assert_same_value;

/// No cap at all: the reference the capped import is compared with.
const UNCAPPED: ResultLimits = ResultLimits {
    max_hosts: usize::MAX,
    max_bytes: usize::MAX,
    max_raw_bytes: usize::MAX,
};

/// The typed result of an accepted import, which must be nmap's with the run in it.
fn nmap_of(out: &ProviderOutput) -> (&CasibaseResult, &NmapRun) {
    let ScanResult::Nmap(c) = &out.result else {
        panic!("an nmap import gave another provider's result");
    };
    let Some(run) = c.nmap.as_ref() else {
        panic!("an imported result has no run");
    };
    (c, run)
}

/// Compact JSON of a host, as the byte cap counts it.
fn json(host: &impl serde::Serialize) -> String {
    match serde_json::to_string(host) {
        Ok(text) => text,
        Err(e) => panic!("a kept host cannot be written as JSON: {e}"),
    }
}

/// The raw text of an import of `data` capped at `max` bytes.
fn check_raw(data: &[u8], max: usize, raw: &str) {
    let whole = String::from_utf8_lossy(data);
    if data.len() <= max {
        assert_eq!(raw, whole, "a document within the raw cap is kept whole");
        return;
    }
    let lead = format!(
        "<!-- casiscan: the imported file ({} bytes) was cut after ",
        data.len()
    );
    let Some(at) = raw.rfind(&lead) else {
        panic!("a document over the raw cap has no note: {raw:?}");
    };
    let (kept, note) = raw.split_at(at);
    let Some(cut) = note[lead.len()..]
        .split_once(' ')
        .and_then(|(n, _)| n.parse::<usize>().ok())
    else {
        panic!("the raw cap's note names no length: {note:?}");
    };
    assert_eq!(
        note,
        format!("{lead}{cut} bytes; the raw result is capped at {max} bytes -->\n")
    );
    assert!(cut <= max, "kept {cut} bytes over a cap of {max}");
    assert!(
        cut == 0 || data[cut - 1] == b'\n',
        "the raw text is not cut at a line end"
    );
    assert!(
        !data[cut..max].contains(&b'\n'),
        "a whole line within the cap was left out"
    );
    assert_eq!(kept, String::from_utf8_lossy(&data[..cut]));
}

/// A capped import against the uncapped import of the same document.
fn check(data: &[u8], limits: &ResultLimits, out: &ProviderOutput, full: &ProviderOutput) {
    let (c, run) = nmap_of(out);
    let (cf, full_run) = nmap_of(full);
    assert_eq!(cf.truncated, None, "an uncapped import was truncated");
    assert_eq!(c.hosts.len(), run.hosts.len(), "one Casibase host per host");
    assert_eq!((&c.start_time, &c.end_time), (&cf.start_time, &cf.end_time));
    assert_eq!(c.summary, cf.summary);

    let kept = run.hosts.len() + run.hosthints.len();
    assert!(
        kept <= limits.max_hosts,
        "{kept} hosts kept over {limits:?}"
    );
    let bytes: usize = run
        .hosts
        .iter()
        .chain(&run.hosthints)
        .map(|h| json(h).len())
        .sum();
    assert!(
        bytes <= limits.max_bytes,
        "{bytes} bytes kept over {limits:?}"
    );
    assert!(run.hosts.len() <= full_run.hosts.len());
    assert!(run.hosthints.len() <= full_run.hosthints.len());
    for (h, f) in run.hosts.iter().zip(&full_run.hosts) {
        assert_eq!(json(h), json(f), "the kept hosts are not the first hosts");
    }
    for (h, f) in run.hosthints.iter().zip(&full_run.hosthints) {
        assert_eq!(json(h), json(f), "the kept hints are not the first hints");
    }

    let all = full_run.hosts.len() as u64;
    match &c.truncated {
        Some(t) => {
            assert_eq!(t.hosts_kept, run.hosts.len() as u64);
            assert_eq!(t.host_hints_kept, run.hosthints.len() as u64);
            assert_eq!(t.hosts_kept + t.hosts_omitted, all);
            assert_eq!(
                t.host_hints_kept + t.host_hints_omitted,
                full_run.hosthints.len() as u64
            );
            assert!(t.hosts_omitted + t.host_hints_omitted > 0, "{t:?}");
            assert_eq!(
                (t.max_hosts, t.max_bytes),
                (limits.max_hosts as u64, limits.max_bytes as u64)
            );
            let note = format!(" (result truncated: {} of {all} hosts kept)", t.hosts_kept);
            assert_eq!(out.summary, format!("{}{note}", full.summary));
        }
        None => {
            assert_eq!(
                run.hosts.len(),
                full_run.hosts.len(),
                "hosts left out silently"
            );
            assert_eq!(
                run.hosthints.len(),
                full_run.hosthints.len(),
                "hints left out"
            );
            assert_eq!(out.summary, full.summary);
        }
    }

    check_raw(data, limits.max_raw_bytes, &out.raw_text);
    assert_eq!(full.raw_text, String::from_utf8_lossy(data));

    let stored = match out.result.to_stored() {
        Ok(stored) => stored,
        Err(e) => panic!("an imported result cannot be stored: {e}"),
    };
    match ScanResult::from_stored(ProviderKind::Nmap, &stored) {
        Ok(back) => assert_same_value(&out.result, &back, &stored),
        Err(e) => panic!("a stored import does not read back: {e}\n{stored}"),
    }
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((head, xml)) = data.split_first_chunk::<3>() else {
            return;
        };
        let limits = ResultLimits {
            max_hosts: usize::from(head[0] % 8),
            max_bytes: usize::from(head[1]) * 16,
            max_raw_bytes: usize::from(head[2]) * 8,
        };
        match (
            imported_output(xml, &limits),
            imported_output(xml, &UNCAPPED),
        ) {
            (Ok(out), Ok(full)) => check(xml, &limits, &out, &full),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (Ok(_), Err(e)) => panic!("refused only without caps: {e}"),
            (Err(e), Ok(_)) => panic!("refused only under caps {limits:?}: {e}"),
        }
    });
}
