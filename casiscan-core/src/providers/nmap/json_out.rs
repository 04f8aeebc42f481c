//! The indented JSON of a whole run written host by host, never holding more than one host
//! (the compact form is [`super::json_compact`]).
//!
//! The output is byte for byte `serde_json::to_writer_pretty` of the run [`super::parse_file`]
//! returns. The file is read twice: once for everything outside hosts (the run's `tasks`, written
//! before `hosts`, are interleaved with them in the file) and to find any error before a byte is
//! written, then once to write the hosts as they are read. Host hints, written after the hosts,
//! take a third read when the file has any. Input that is not a regular file (a pipe) is first
//! copied to a temporary file.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};

use super::reader::{Entry, HostReader, place_all, placed};
use super::run_fields::{RunAttrs, RunSetup, grouped};
use super::text::line_col_in;
use super::violation::{ParseOptions, Violation};
use crate::error::{Error, Result};

/// Which host-shaped elements a pass writes.
#[derive(Clone, Copy, PartialEq)]
enum Want {
    Hosts,
    Hints,
}

/// Where the document is: the file named, or a private copy of a pipe's content.
struct Input<'a> {
    path: &'a Path,
    copy: Option<tempfile::NamedTempFile>,
    options: ParseOptions,
}

impl Input<'_> {
    fn open(&self) -> Result<File> {
        let opened = match &self.copy {
            Some(copy) => copy.reopen(),
            None => File::open(self.path),
        };
        opened.map_err(|source| self.io(source))
    }

    fn io(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn locate(&self, offset: u64) -> Option<(u64, u64)> {
        line_col_in(self.open().ok()?, offset).ok()
    }

    fn reader(&self) -> Result<HostReader<BufReader<File>>> {
        let input = BufReader::with_capacity(1 << 16, self.open()?);
        HostReader::uncounted(input, self.options)
            .map_err(|(e, at)| placed(e, at, |o| self.locate(o)))
    }
}

/// A sequence of hosts (or hints) read from the file while it is being written.
struct Streamed<'a, 'p> {
    input: &'a Input<'p>,
    want: Want,
    /// Only set when the pass has something to write.
    reader: RefCell<Option<HostReader<BufReader<File>>>>,
    written: RefCell<u64>,
    failure: RefCell<Option<Error>>,
}

impl<'a, 'p> Streamed<'a, 'p> {
    fn new(input: &'a Input<'p>, want: Want, needed: bool) -> Result<Self> {
        let reader = if needed { Some(input.reader()?) } else { None };
        Ok(Streamed {
            input,
            want,
            reader: RefCell::new(reader),
            written: RefCell::new(0),
            failure: RefCell::new(None),
        })
    }
}

impl Serialize for Streamed<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        let mut guard = self.reader.borrow_mut();
        if let Some(reader) = guard.as_mut() {
            loop {
                let host = match reader.next_entry() {
                    Ok(Some(Entry::Host(h))) if self.want == Want::Hosts => h,
                    Ok(Some(Entry::HostHint(h))) if self.want == Want::Hints => h,
                    Ok(Some(_)) => continue,
                    Ok(None) => break,
                    Err(e) => {
                        let at = reader.error_offset();
                        *self.failure.borrow_mut() = Some(placed(e, at, |o| self.input.locate(o)));
                        return Err(S::Error::custom("the nmap file could not be read again"));
                    }
                };
                seq.serialize_element(&host)?;
                *self.written.borrow_mut() += 1;
            }
        }
        seq.end()
    }
}

/// The run's fields in [`NmapRun`]'s order, with the hosts and hints streamed.
#[derive(Serialize)]
struct View<'a, H> {
    #[serde(flatten)]
    attrs: RunAttrs<'a>,
    #[serde(flatten)]
    setup: RunSetup<'a>,
    targets: &'a [super::model::TargetSpec],
    tasks: &'a [super::model::TaskEvent],
    prescripts: &'a [super::model::Script],
    hosts: H,
    hosthints: H,
    postscripts: &'a [super::model::Script],
    outputs: &'a [super::model::Output],
    runstats: &'a Option<super::model::RunStats>,
    incomplete: &'a bool,
    warnings: &'a [Violation],
}

/// Writes the run in the nmap XML file at `path` as pretty JSON to `out`, one host at a time:
/// memory is bounded by the largest host and the run's header, not by the file.
///
/// Parse errors are found before anything is written; a write error is an [`Error::Io`] whose
/// source is the writer's error (e.g. a closed pipe).
pub fn write_json(path: &Path, out: impl Write) -> Result<()> {
    write_json_with(path, out, ParseOptions::default())
}

/// [`write_json`] with the given parse options.
pub fn write_json_with(path: &Path, out: impl Write, options: ParseOptions) -> Result<()> {
    write_pretty(path, out, options)
}

fn write_pretty(path: &Path, out: impl Write, options: ParseOptions) -> Result<()> {
    let mut input = Input {
        path,
        copy: None,
        options,
    };
    let regular = std::fs::metadata(path)
        .map_err(|source| input.io(source))?
        .is_file();
    if !regular {
        input.copy = Some(spool(&input)?);
    }
    // First read: everything outside hosts, and every parse error.
    let (header, hosts, hints) = {
        let mut reader = input.reader()?;
        let (mut hosts, mut hints) = (0u64, 0u64);
        loop {
            match reader.next_entry() {
                Ok(Some(Entry::Host(_))) => hosts += 1,
                Ok(Some(Entry::HostHint(_))) => hints += 1,
                Ok(None) => break,
                Err(e) => return Err(placed(e, reader.error_offset(), |o| input.locate(o))),
            }
        }
        let mut header = reader.finish()?;
        place_all(&mut header.warnings, |o| input.locate(o));
        (header, hosts, hints)
    };
    let streamed_hosts = Streamed::new(&input, Want::Hosts, hosts > 0)?;
    let streamed_hints = Streamed::new(&input, Want::Hints, hints > 0)?;
    let (attrs, setup, close) = grouped(&header);
    let view = View {
        attrs,
        setup,
        targets: close.targets,
        tasks: close.tasks,
        prescripts: close.prescripts,
        hosts: &streamed_hosts,
        hosthints: &streamed_hints,
        postscripts: close.postscripts,
        outputs: close.outputs,
        runstats: close.runstats,
        incomplete: close.incomplete,
        warnings: close.warnings,
    };
    let written = serde_json::to_writer_pretty(out, &view);
    for streamed in [&streamed_hosts, &streamed_hints] {
        if let Some(e) = streamed.failure.borrow_mut().take() {
            return Err(e);
        }
    }
    written.map_err(|e| Error::Io {
        path: "the JSON output".into(),
        source: e.into(),
    })?;
    if *streamed_hosts.written.borrow() != hosts || *streamed_hints.written.borrow() != hints {
        return Err(Error::parse(format!(
            "{} changed while it was read",
            path.display()
        )));
    }
    Ok(())
}

/// Copies a pipe's content to a private temporary file, so that it can be read more than once.
fn spool(input: &Input<'_>) -> Result<tempfile::NamedTempFile> {
    let mut copy = tempfile::NamedTempFile::new().map_err(|source| input.io(source))?;
    let mut from = File::open(input.path).map_err(|source| input.io(source))?;
    std::io::copy(&mut from, copy.as_file_mut()).map_err(|source| input.io(source))?;
    Ok(copy)
}
