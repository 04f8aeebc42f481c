//! An nmap run as JSON lines, written in one pass as the file is read: a header line, one line
//! per host (or host hint), then a trailer line with everything else.
//!
//! Line shapes: `{"header": {scanner, args, start, startstr, version, profile_name,
//! xmloutputversion, scaninfos, verbose, debugging}}`, `{"host": {…}}`, `{"hosthint": {…}}`,
//! and `{"trailer": {targets, tasks, prescripts, postscripts, outputs, runstats, incomplete,
//! warnings}}`. The header holds what precedes the first host in the file; the trailer holds
//! the complete lists (a `<scaninfo>` after the first host is in neither: nmap writes none).

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::model::{
    Host, NmapRun, Output, RunStats, ScanInfo, Script, TargetSpec, TaskEvent, Text,
};
use super::one_pass::{Consumer, Stopped, read_through};
use super::reader::{Entry, place_all};
use super::stream_input::{StreamInput, output_error};
use super::violation::{ParseOptions, Violation};
use crate::error::Result;

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

/// Writes lines to `out`, each made in `buf` first (serde's many small writes go to memory, the
/// output gets one per line).
struct LineWriter<W> {
    buf: Vec<u8>,
    out: W,
}

impl<W: Write> LineWriter<W> {
    /// One line of the output, with its newline.
    fn emit(&mut self, line: &Line<'_>) -> Result<()> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, line).map_err(|e| output_error(e.into()))?;
        self.buf.push(b'\n');
        self.out.write_all(&self.buf).map_err(output_error)
    }
}

impl<W: Write> Consumer for LineWriter<W> {
    fn started(&mut self, run: &NmapRun) -> Result<()> {
        self.emit(&header(run))
    }

    fn entry(&mut self, entry: &Entry) -> Result<()> {
        match entry {
            Entry::Host(h) => self.emit(&Line::Host(h)),
            Entry::HostHint(h) => self.emit(&Line::Hosthint(h)),
        }
    }
}

/// Writes the nmap XML file at `path` to `out` as JSON lines while reading it, in memory
/// bounded by the largest host. A parse error after some lines were written stops the output
/// there and is returned, placed at its line and column.
pub fn write_json_lines(path: &Path, out: impl Write, options: ParseOptions) -> Result<()> {
    let (input, reader) = StreamInput::open(path, options)?;
    let mut lines = LineWriter {
        buf: Vec::new(),
        out,
    };
    let mut run = match read_through(reader, &mut lines) {
        Ok(run) => run,
        Err(Stopped::Unparsable(e, at)) => return Err(input.place(e, at)),
        Err(Stopped::Unwritten(e)) => return Err(e),
    };
    place_all(&mut run.warnings, |o| input.locate(o));
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
    lines.emit(&trailer)?;
    lines.out.flush().map_err(output_error)
}
