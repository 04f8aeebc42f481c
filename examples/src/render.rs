//! Text and JSON output of the command-line program.

use std::fmt::Write;

use casiscan_core::Error;
use casiscan_core::model::Page;
use casiscan_core::model::{Cadence, Progress, Scan, ScanResult, Schedule};
use serde::Serialize;

/// Pretty JSON; serialising our own types cannot fail, but say so if it does.
pub fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// A fixed-width table of scans with the total.
pub fn table(page: &Page<Scan>) -> String {
    let mut out = format!(
        "{:<32} {:<10} {:<9} {:<24} {:<20} {}\n",
        "ID", "STATE", "PROVIDER", "TARGET", "NEXT RUN", "SUMMARY"
    );
    for s in &page.items {
        let target = if s.target.is_empty() {
            &s.asset
        } else {
            &s.target
        };
        let _ = writeln!(
            out,
            "{:<32} {:<10} {:<9} {:<24} {:<20} {}",
            format!("{}/{}", s.owner, s.name),
            s.state.as_str(),
            s.provider.map_or("-", |p| p.as_str()),
            target,
            next_run(s.schedule.as_ref()),
            s.result_summary
        );
    }
    let _ = writeln!(out, "{} scan(s)", page.total);
    out
}

/// The next run of a schedule, in UTC to the minute (`-` when not scheduled, `off` when
/// disabled).
pub fn next_run(schedule: Option<&Schedule>) -> String {
    match schedule {
        None => "-".to_string(),
        Some(s) => match (s.enabled, s.next_run_time) {
            (true, Some(t)) => t.format("%Y-%m-%d %H:%MZ").to_string(),
            _ => "off".to_string(),
        },
    }
}

/// A schedule's cadence in words (`cron "0 3 * * *" Europe/Paris`, `every 21600 s`).
pub fn cadence(schedule: &Schedule) -> String {
    match &schedule.cadence {
        Cadence::Cron {
            expression,
            time_zone,
        } => format!("cron \"{expression}\" {time_zone}"),
        Cadence::Interval { every_seconds } => format!("every {every_seconds} s"),
    }
}

/// A human-readable report of a finished scan.
pub fn outcome(scan: &Scan) -> String {
    let mut out = format!(
        "scan {}/{}: {} on {} ({})\n",
        scan.owner, scan.name, scan.state, scan.runner, scan.result_summary
    );
    if !scan.error_text.is_empty() {
        let _ = writeln!(out, "{}", scan.error_text);
    }
    if let Some(Ok(mut result)) = scan
        .provider
        .map(|p| ScanResult::from_stored(p, &scan.result))
    {
        // The full nmap model is in `--json` and `show`; the text view keeps Casibase's keys.
        if let ScanResult::Nmap(r) = &mut result {
            r.nmap = None;
        }
        let _ = writeln!(out, "{}", json(&result));
    }
    out
}

/// `[#####.....]  50% phase`.
pub fn progress_bar(p: &Progress) -> String {
    let pct = p.percent.unwrap_or(0.0).clamp(0.0, 100.0);
    let filled = (pct / 5.0).round() as usize;
    format!(
        "[{}{}] {:>5.1}% {:<30}",
        "#".repeat(filled),
        ".".repeat(20 - filled.min(20)),
        pct,
        p.phase
    )
}

/// Writes one line to standard output; a closed pipe (`casiscan … | head`) ends the program
/// quietly instead of panicking like `println!` would.
pub fn line(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(e) = writeln!(std::io::stdout().lock(), "{text}") {
        std::process::exit(if e.kind() == std::io::ErrorKind::BrokenPipe {
            0
        } else {
            1
        });
    }
}

/// How `parse-nmap` lays out its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStyle {
    /// Indented.
    Pretty,
    /// One line.
    Compact,
    /// JSON lines: header, hosts, trailer.
    Lines,
}

/// Writes the typed model of the nmap XML file `file` to standard output as JSON, host by
/// host (memory bounded by the largest host, whatever the file's size); a closed pipe ends the
/// program quietly, as [`line`] does.
pub fn nmap_json(
    file: &std::path::Path,
    lenient: bool,
    style: JsonStyle,
) -> casiscan_core::Result<std::process::ExitCode> {
    use std::io::Write;
    let mut out = Noted {
        inner: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock()),
        failed: None,
    };
    let options = casiscan_core::providers::nmap::ParseOptions { lenient };
    use casiscan_core::providers::nmap;
    let written = match style {
        JsonStyle::Pretty => nmap::write_json_with(file, &mut out, options),
        JsonStyle::Compact => nmap::write_json_compact(file, &mut out, options),
        JsonStyle::Lines => nmap::write_json_lines(file, &mut out, options),
    };
    // JSON lines end each line themselves; a document gets its final newline here.
    let end: &[u8] = if style == JsonStyle::Lines {
        b""
    } else {
        b"\n"
    };
    let written = written.and_then(|()| {
        out.write_all(end)
            .and_then(|()| out.flush())
            .map_err(|source| Error::Io {
                path: "standard output".into(),
                source,
            })
    });
    match out.failed {
        Some(std::io::ErrorKind::BrokenPipe) => std::process::exit(0),
        Some(kind) => {
            eprintln!("casiscan: cannot write standard output: {kind}");
            std::process::exit(1)
        }
        None => written.map(|()| std::process::ExitCode::SUCCESS),
    }
}

/// Prints the difference of two nmap XML files (ndiff's text, or JSON) and exits as ndiff does:
/// 0 when no host differs, 1 when one does.
pub fn nmap_diff(
    older: &std::path::Path,
    newer: &std::path::Path,
    json: bool,
    lenient: bool,
) -> casiscan_core::Result<std::process::ExitCode> {
    use casiscan_core::providers::nmap;
    let options = nmap::ParseOptions { lenient };
    let a = nmap::parse_file_with(older, options)?;
    let b = nmap::parse_file_with(newer, options)?;
    let d = nmap::diff(&a, &b);
    let text = if json {
        let mut text = serde_json::to_string_pretty(&d).map_err(|e| Error::Io {
            path: "the JSON output".into(),
            source: e.into(),
        })?;
        text.push('\n');
        text
    } else {
        nmap::diff_text(&a, &b, &d)
    };
    if let Some(body) = text.strip_suffix('\n') {
        line(format_args!("{body}"));
    }
    Ok(std::process::ExitCode::from(u8::from(d.cost() > 0)))
}

/// A writer that remembers its first error, so that a failed write to standard output is told
/// apart from a failed read of the input.
struct Noted<W> {
    inner: W,
    failed: Option<std::io::ErrorKind>,
}

impl<W: std::io::Write> std::io::Write for Noted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

impl<W> Noted<W> {
    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            self.failed.get_or_insert(e.kind());
        }
        r
    }
}

/// `println!` for the command line's output, through [`line`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::render::line(format_args!($($arg)*))
    };
}
