//! Times casiscan's nmap parser on one file and prints one JSON line (for peer comparisons).
//!
//! Usage: `nmap-parse-once parse|parse-file|stream FILE [REPEAT]`. `parse` reads the file into
//! memory and builds the whole typed run from the bytes; `parse-file` builds the same run reading
//! the file as a stream; `stream` reads hosts one at a time and drops each.

use std::io::BufReader;
use std::time::Instant;

use casiscan_core::providers::nmap::{self, HostReader};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().ok_or("mode: parse|stream")?;
    let file = args.next().ok_or("FILE")?;
    let repeat: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let size = std::fs::metadata(&file)?.len() as f64;
    let mut times = Vec::new();
    let (mut hosts, mut ports) = (0usize, 0usize);
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        // A parsed run is dropped after the clock stops, as the Python benchmark does.
        let mut parsed = None;
        (hosts, ports) = match mode.as_str() {
            "parse" => {
                let data = std::fs::read(&file)?;
                let run = parsed.insert(nmap::parse(&data)?);
                (
                    run.hosts.len(),
                    run.hosts.iter().map(|h| h.ports.len()).sum(),
                )
            }
            "parse-file" => {
                let run = parsed.insert(nmap::parse_file(std::path::Path::new(&file))?);
                (
                    run.hosts.len(),
                    run.hosts.iter().map(|h| h.ports.len()).sum(),
                )
            }
            "stream" => {
                let reader = HostReader::new(BufReader::with_capacity(
                    1 << 16,
                    std::fs::File::open(&file)?,
                ))?;
                let (mut h, mut p) = (0, 0);
                for host in reader {
                    let host = host?;
                    h += 1;
                    p += host.ports.len();
                }
                (h, p)
            }
            other => return Err(format!("unknown mode {other}").into()),
        };
        times.push(started.elapsed().as_secs_f64());
        drop(parsed);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{{\"peer\":\"casiscan-{mode}\",\"median_s\":{median:.3},\"mb_s\":{:.1},\"hosts\":{hosts},\"ports\":{ports}}}",
        size / 1e6 / median
    );
    Ok(())
}
