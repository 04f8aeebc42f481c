//! An nmap run as JSON lines, written in one pass as the file is read: a header line, one line
//! per host (or host hint), then a trailer line with everything else.
//!
//! Line shapes: `{"header": {scanner, args, start, startstr, version, profile_name,
//! xmloutputversion, scaninfos, verbose, debugging}}`, `{"host": {…}}`, `{"hosthint": {…}}`,
//! and `{"trailer": {targets, tasks, prescripts, postscripts, outputs, runstats, incomplete,
//! warnings}}`. The header holds what precedes the first host in the file; the trailer holds
//! the complete lists (a `<scaninfo>` after the first host is in neither: nmap writes none).

use std::io::{BufReader, Write};
use std::path::Path;

use serde::Serialize;

use super::model::{
    Host, NmapRun, Output, RunStats, ScanInfo, Script, TargetSpec, TaskEvent, Text,
};
use super::reader::{Entry, HostReader, place_all, placed};
use super::text::line_col_in;
use super::violation::{ParseOptions, Violation};
use crate::error::{Error, Result};

/// The run's attributes and what precedes the hosts.
#[derive(Serialize)]
struct Header<'a> {
    scanner: &'a Option<Text>,
    args: &'a Option<Text>,
    start: &'a Option<i64>,
    startstr: &'a Option<Text>,
    version: &'a Option<Text>,
    profile_name: &'a Option<Text>,
    xmloutputversion: &'a Option<Text>,
    scaninfos: &'a [ScanInfo],
    verbose: &'a Option<i64>,
    debugging: &'a Option<i64>,
}

/// Everything of the run that is not in the header or a host line.
#[derive(Serialize)]
struct Trailer<'a> {
    targets: &'a [TargetSpec],
    tasks: &'a [TaskEvent],
    prescripts: &'a [Script],
    postscripts: &'a [Script],
    outputs: &'a [Output],
    runstats: &'a Option<RunStats>,
    incomplete: bool,
    warnings: &'a [Violation],
}

/// One line of the output.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Line<'a> {
    Header(Header<'a>),
    Host(&'a Host),
    Hosthint(&'a Host),
    Trailer(Trailer<'a>),
}

fn header(run: &NmapRun) -> Line<'_> {
    Line::Header(Header {
        scanner: &run.scanner,
        args: &run.args,
        start: &run.start,
        startstr: &run.startstr,
        version: &run.version,
        profile_name: &run.profile_name,
        xmloutputversion: &run.xmloutputversion,
        scaninfos: &run.scaninfos,
        verbose: &run.verbose,
        debugging: &run.debugging,
    })
}

/// Writes the nmap XML file at `path` to `out` as JSON lines while reading it, in memory
/// bounded by the largest host. A parse error after some lines were written stops the output
/// there and is returned, placed at its line and column.
pub fn write_json_lines(path: &Path, mut out: impl Write, options: ParseOptions) -> Result<()> {
    let io = |source: std::io::Error| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let locate = |offset| line_col_in(std::fs::File::open(path).ok()?, offset).ok();
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = HostReader::uncounted(BufReader::with_capacity(1 << 16, file), options)
        .map_err(|(e, at)| placed(e, at, locate))?;
    let emit = |line: &Line<'_>, out: &mut dyn Write| -> Result<()> {
        serde_json::to_writer(&mut *out, line).map_err(|e| Error::Io {
            path: "the JSON output".into(),
            source: e.into(),
        })?;
        out.write_all(b"\n").map_err(|source| Error::Io {
            path: "the JSON output".into(),
            source,
        })
    };
    let mut started = false;
    loop {
        let entry = match reader.next_entry() {
            Ok(entry) => entry,
            Err(e) => return Err(placed(e, reader.error_offset(), locate)),
        };
        if !started {
            emit(&header(reader.run()), &mut out)?;
            started = true;
        }
        match entry {
            Some(Entry::Host(h)) => emit(&Line::Host(&h), &mut out)?,
            Some(Entry::HostHint(h)) => emit(&Line::Hosthint(&h), &mut out)?,
            None => break,
        }
    }
    let mut run = reader.finish()?;
    place_all(&mut run.warnings, locate);
    let trailer = Line::Trailer(Trailer {
        targets: &run.targets,
        tasks: &run.tasks,
        prescripts: &run.prescripts,
        postscripts: &run.postscripts,
        outputs: &run.outputs,
        runstats: &run.runstats,
        incomplete: run.incomplete,
        warnings: &run.warnings,
    });
    emit(&trailer, &mut out)?;
    out.flush().map_err(|source| Error::Io {
        path: "the JSON output".into(),
        source,
    })
}
