//! The compact JSON of a whole run, written in one pass as the file is read: the run's
//! attributes, each host as soon as it is parsed, then the fields complete only at the end.
//!
//! The file is parsed on a second thread ahead of the writer ([`super::one_pass`]). The document holds the same fields as
//! [`super::parse_file`]'s run (it deserializes to an equal [`NmapRun`]) in another order: the
//! hosts come before the lists nmap interleaves with them (`tasks`, `targets`, …). Host hints,
//! which nmap writes between hosts, wait in a temporary file until the hosts are written. A
//! parse error stops the output where it is and is returned, placed at its line and column.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;

use serde::Serialize;

use super::model::{Host, NmapRun};
use super::one_pass::{Consumer, Stopped, read_through};
use super::reader::{Entry, place_all};
use super::run_fields::{RunClose, RunSetup, grouped};
use super::split_pass::Made;
use super::stream_input::{StreamInput, output_error};
use super::violation::ParseOptions;
use crate::error::{Error, Result};

/// Every field of the run but its attributes, hosts and host hints.
#[derive(Serialize)]
struct Tail<'a> {
    #[serde(flatten)]
    setup: RunSetup<'a>,
    #[serde(flatten)]
    close: RunClose<'a>,
}

/// Writes the run in the nmap XML file at `path` to `out` as compact JSON while reading it, in
/// memory bounded by the largest host, not by the file.
pub fn write_json_compact(path: &Path, mut out: impl Write, options: ParseOptions) -> Result<()> {
    let (input, opened) = StreamInput::open(path, options, make_host)?;
    let run = opened.run();
    let (head, _, _) = grouped(run);
    let head = serde_json::to_vec(&head).map_err(|e| output_error(e.into()))?;
    // `head` is `{…}`: the document goes on after its fields.
    let open = head.get(..head.len().saturating_sub(1)).unwrap_or_default();
    out.write_all(open).map_err(output_error)?;
    out.write_all(b",\"hosts\":[").map_err(output_error)?;
    let mut writer = HostWriter {
        out: &mut out,
        hosts: 0,
        hints: None,
        buf: Vec::new(),
    };
    let mut run = match read_through(opened, &mut writer) {
        Ok(run) => run,
        Err(Stopped::Unparsable(e, at)) => return Err(input.place(e, at)),
        Err(Stopped::Unwritten(e)) => return Err(e),
    };
    let hints = writer.hints;
    place_all(&mut run.warnings, |o| input.locate(o));
    write_end(&run, hints, &mut out)
}

/// Writes hosts to `out` as they arrive; host hints go to a temporary file.
struct HostWriter<'a, W> {
    out: &'a mut W,
    /// Hosts written so far.
    hosts: u64,
    hints: Option<Spill>,
    /// Each host's JSON, made here first: serde's many small writes go to memory, the output
    /// gets one per host.
    buf: Vec<u8>,
}

impl<W: Write> Consumer for HostWriter<'_, W> {
    fn started(&mut self, _: &NmapRun) -> Result<()> {
        // The run's attributes are written already; what precedes the hosts comes at the end.
        Ok(())
    }

    fn entry(&mut self, entry: &Entry) -> Result<()> {
        match entry {
            Entry::Host(host) => {
                let mut buf = std::mem::take(&mut self.buf);
                buf.clear();
                make_host(host, &mut buf)?;
                let written = self.write_hosts(&buf, 1);
                self.buf = buf;
                written?;
            }
            Entry::HostHint(hint) => match &mut self.hints {
                Some(spill) => spill.push(hint)?,
                None => self.hints = Some(Spill::with(hint)?),
            },
        }
        Ok(())
    }

    fn made(&mut self, made: &Made) -> Result<()> {
        self.write_hosts(&made.bytes, made.hosts)
    }
}

impl<W: Write> HostWriter<'_, W> {
    /// Writes hosts made by [`make_host`] (the first of the document without its comma).
    fn write_hosts(&mut self, bytes: &[u8], hosts: u64) -> Result<()> {
        let bytes = match self.hosts {
            0 => bytes.get(1..).unwrap_or_default(),
            _ => bytes,
        };
        self.out.write_all(bytes).map_err(output_error)?;
        self.hosts += hosts;
        Ok(())
    }
}

/// A host's JSON after a comma.
fn make_host(host: &Host, out: &mut Vec<u8>) -> Result<()> {
    out.push(b',');
    serde_json::to_writer(out, host).map_err(|e| output_error(e.into()))
}

/// Closes the hosts, writes the host hints and the rest of the run, and closes the document.
fn write_end(run: &NmapRun, hints: Option<Spill>, out: &mut impl Write) -> Result<()> {
    out.write_all(b"],\"hosthints\":[").map_err(output_error)?;
    if let Some(hints) = hints {
        hints.copy_to(out)?;
    }
    out.write_all(b"],").map_err(output_error)?;
    let (_, setup, close) = grouped(run);
    let tail = Tail { setup, close };
    let tail = serde_json::to_vec(&tail).map_err(|e| output_error(e.into()))?;
    // `tail` is `{…}`: its fields continue the document, and its `}` closes it.
    out.write_all(tail.get(1..).unwrap_or_default())
        .map_err(output_error)?;
    out.flush().map_err(output_error)
}

/// Host hints as compact JSON in a temporary file, comma-separated.
struct Spill {
    file: BufWriter<File>,
}

impl Spill {
    fn with(first: &Host) -> Result<Self> {
        let file = tempfile::tempfile().map_err(|e| spill_error(&e))?;
        let mut spill = Spill {
            file: BufWriter::with_capacity(1 << 16, file),
        };
        serde_json::to_writer(&mut spill.file, first).map_err(|e| spill_error(&e.into()))?;
        Ok(spill)
    }

    fn push(&mut self, hint: &Host) -> Result<()> {
        self.file.write_all(b",").map_err(|e| spill_error(&e))?;
        serde_json::to_writer(&mut self.file, hint).map_err(|e| spill_error(&e.into()))
    }

    fn copy_to(self, out: &mut impl Write) -> Result<()> {
        let mut file = self.file.into_inner().map_err(|e| spill_error(e.error()))?;
        file.rewind().map_err(|e| spill_error(&e))?;
        std::io::copy(&mut file, out).map_err(output_error)?;
        Ok(())
    }
}

fn spill_error(e: &std::io::Error) -> Error {
    Error::Io {
        path: "the temporary file of host hints".into(),
        source: std::io::Error::new(e.kind(), e.to_string()),
    }
}
