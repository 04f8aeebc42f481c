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

use super::model::{Host, NmapRun};
use super::one_pass::{Consumer, Stopped, read_through};
use super::reader::{Entry, place_all};
use super::run_fields::{RunAttrs, RunClose, RunSetup, grouped};
use super::split_pass::Made;
use super::stream_input::{StreamInput, output_error};
use super::violation::ParseOptions;
use crate::error::Result;

/// The run's attributes and what precedes the hosts.
#[derive(Serialize)]
struct Header<'a> {
    #[serde(flatten)]
    attrs: RunAttrs<'a>,
    #[serde(flatten)]
    setup: RunSetup<'a>,
}

/// One line of the output.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Line<'a> {
    Header(Header<'a>),
    Host(&'a Host),
    Hosthint(&'a Host),
    Trailer(RunClose<'a>),
}

fn header(run: &NmapRun) -> Line<'_> {
    let (attrs, setup, _) = grouped(run);
    Line::Header(Header { attrs, setup })
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

    fn made(&mut self, made: &Made) -> Result<()> {
        self.out.write_all(&made.bytes).map_err(output_error)
    }
}

/// A host's line, with its newline.
fn make_host(host: &Host, out: &mut Vec<u8>) -> Result<()> {
    serde_json::to_writer(&mut *out, &Line::Host(host)).map_err(|e| output_error(e.into()))?;
    out.push(b'\n');
    Ok(())
}

/// Writes the nmap XML file at `path` to `out` as JSON lines while reading it, in memory
/// bounded by the largest host. A parse error after some lines were written stops the output
/// there and is returned, placed at its line and column.
pub fn write_json_lines(path: &Path, out: impl Write, options: ParseOptions) -> Result<()> {
    let (input, opened) = StreamInput::open(path, options, make_host)?;
    let mut lines = LineWriter {
        buf: Vec::new(),
        out,
    };
    let mut run = match read_through(opened, &mut lines) {
        Ok(run) => run,
        Err(Stopped::Unparsable(e, at)) => return Err(input.place(e, at)),
        Err(Stopped::Unwritten(e)) => return Err(e),
    };
    place_all(&mut run.warnings, |o| input.locate(o));
    let (_, _, close) = grouped(&run);
    let trailer = Line::Trailer(close);
    lines.emit(&trailer)?;
    lines.out.flush().map_err(output_error)
}
