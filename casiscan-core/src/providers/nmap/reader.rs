//! Streaming reader of nmap XML: the run header first, then hosts one at a time, then runstats.

use std::io::BufRead;

use super::host::host;
use super::model::{
    Finished, Host, HostCounts, NmapRun, Output, RunStats, ScanInfo, Script, TargetSpec, TaskEvent,
    TaskEventKind, Text,
};
use super::script::script;
use super::source::{Counted, Ev, Source, Step, Stop, Tag, XmlInput};
use super::violation::{ParseOptions, Violation};
use super::walk::{close, each_child, text};
use crate::error::{Error, Result};

/// One host-shaped element of a run, as [`HostReader::next_entry`] yields it.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A scanned `<host>`.
    Host(Host),
    /// A `<hosthint>`: a host found up before its scan.
    HostHint(Host),
}

/// One item directly inside the root, as [`HostReader::next_item`] reads it.
#[expect(
    clippy::large_enum_variant,
    reason = "returned and matched at once, never stored: a box would cost an allocation per host"
)]
pub(crate) enum Item {
    /// A host or host hint.
    Entry(Entry),
    /// Anything else (kept in the run, or skipped).
    Other,
    /// The end of the run.
    End,
}

/// Reads hosts one at a time with memory bounded by the largest host, not the file.
///
/// [`HostReader::next_host`] (and the iterator) keeps `<hosthint>`s in [`HostReader::run`];
/// [`HostReader::next_entry`] yields them instead, so nothing grows with the number of hosts.
pub struct HostReader<R> {
    src: Source<Counted<R>>,
    run: NmapRun,
    done: bool,
}

impl<R: BufRead> HostReader<R> {
    /// Starts reading: checks the root is `<nmaprun>` and reads its attributes (strictly).
    pub fn new(input: R) -> Result<Self> {
        Self::with_options(input, ParseOptions::default())
    }

    /// Like [`HostReader::new`] with the given options: a lenient reader keeps each value that
    /// breaks nmap.dtd as a warning in [`HostReader::run`]'s `warnings`.
    pub fn with_options(input: R, options: ParseOptions) -> Result<Self> {
        let mut src = Source::new(input);
        src.set_lenient(options.lenient);
        Self::start(src).map_err(|(e, _)| e)
    }

    /// Like [`HostReader::with_options`] without counting lines: an error comes with its byte
    /// offset for the caller to place ([`collect`]).
    pub(crate) fn uncounted(
        input: R,
        options: ParseOptions,
    ) -> std::result::Result<Self, (Error, u64)> {
        let mut src = Source::uncounted(input);
        src.set_lenient(options.lenient);
        Self::start(src)
    }

    /// Like [`HostReader::uncounted`], strict, for a split read: each comment directly inside
    /// the root ends a [`HostReader::next_item`] call (it marks hosts parsed apart).
    pub(crate) fn marked(input: R) -> std::result::Result<Self, (Error, u64)> {
        let mut src = Source::uncounted(input);
        src.set_marks(true);
        Self::start(src)
    }

    fn start(mut src: Source<Counted<R>>) -> std::result::Result<Self, (Error, u64)> {
        let fail = |e: &str| Err((Error::parse(e), 0));
        let root = loop {
            match src.next() {
                Ok(Ev::Start(e)) => break e,
                Ok(Ev::Empty(e)) if e.local_name().into_inner() == b"nmaprun" => {
                    return fail("the <nmaprun> element is empty");
                }
                Ok(Ev::Empty(_)) | Ok(Ev::End) => {
                    return fail("not nmap XML: the root element is not <nmaprun>");
                }
                Ok(Ev::Text) | Ok(Ev::Ref(_)) => continue,
                Ok(Ev::Eof) | Err(Stop::Truncated) => {
                    return fail("not nmap XML: no <nmaprun> element");
                }
                Err(Stop::Fail(e)) => return Err((e, src.error_offset())),
            }
        };
        if root.local_name().into_inner() != b"nmaprun" {
            return fail("not nmap XML: the root element is not <nmaprun>");
        }
        let mut run = NmapRun {
            scanner: src.attr(&root, b"scanner"),
            args: src.attr(&root, b"args"),
            start: src.num(&root, b"start"),
            startstr: src.attr(&root, b"startstr"),
            version: src.attr(&root, b"version"),
            profile_name: src.attr(&root, b"profile_name"),
            xmloutputversion: src.attr(&root, b"xmloutputversion"),
            ..NmapRun::default()
        };
        run.warnings = src.take_issues();
        Ok(HostReader {
            src,
            run,
            done: false,
        })
    }

    /// What was read outside hosts so far (header now; runstats too once hosts are exhausted).
    pub fn run(&self) -> &NmapRun {
        &self.run
    }

    /// The next host, or `None` at the end (then [`HostReader::run`] holds the trailer);
    /// host hints on the way are kept in the run's `hosthints`.
    pub fn next_host(&mut self) -> Result<Option<Host>> {
        loop {
            match self.next_entry()? {
                Some(Entry::Host(h)) => return Ok(Some(h)),
                Some(Entry::HostHint(h)) => self.run.hosthints.push(h),
                None => return Ok(None),
            }
        }
    }

    /// The next host or host hint, or `None` at the end; neither is kept in the run.
    pub fn next_entry(&mut self) -> Result<Option<Entry>> {
        loop {
            match self.next_item()? {
                Item::Entry(entry) => return Ok(Some(entry)),
                Item::Other => {}
                Item::End => return Ok(None),
            }
        }
    }

    /// Reads one item directly inside the root: a host or host hint, or anything else.
    pub(crate) fn next_item(&mut self) -> Result<Item> {
        if self.done {
            return Ok(Item::End);
        }
        let step = self.step();
        // Lenient: what broke nmap.dtd is kept (strict: the next event fails on it).
        self.run.warnings.append(&mut self.src.take_issues());
        match step {
            Ok(Some(entry)) => Ok(Item::Entry(entry)),
            Ok(None) if self.done => Ok(Item::End),
            Ok(None) => Ok(Item::Other),
            Err(Stop::Truncated) => {
                self.run.incomplete = true;
                self.done = true;
                Ok(Item::End)
            }
            Err(Stop::Fail(e)) => {
                self.done = true;
                Err(e)
            }
        }
    }

    /// Reads the rest (skipping unread hosts) and returns the run without its hosts.
    pub fn finish(mut self) -> Result<NmapRun> {
        while self.next_host()?.is_some() {}
        Ok(self.run)
    }

    /// The run as read so far, to change (a split read places its warnings).
    pub(crate) fn run_mut(&mut self) -> &mut NmapRun {
        &mut self.run
    }

    /// Bytes of input read so far.
    pub(crate) fn position(&self) -> u64 {
        self.src.position()
    }

    /// Byte offset of the last error, for exact positions when the input is in memory.
    pub(crate) fn error_offset(&self) -> u64 {
        self.src.error_offset()
    }

    /// Handles one top-level element; returns a host or host hint when it read one.
    fn step(&mut self) -> Step<Option<Entry>> {
        let (e, empty) = match self.src.next()? {
            Ev::Start(e) => (e, false),
            Ev::Empty(e) => (e, true),
            Ev::End => {
                self.done = true;
                return Ok(None);
            }
            Ev::Eof => return Err(Stop::Truncated),
            Ev::Text | Ev::Ref(_) => return Ok(None),
        };
        let src = &mut self.src;
        let run = &mut self.run;
        match e.local_name().into_inner() {
            b"host" => return host(src, &e, empty).map(|h| Some(Entry::Host(h))),
            b"hosthint" => return host(src, &e, empty).map(|h| Some(Entry::HostHint(h))),
            b"scaninfo" => {
                run.scaninfos.push(scaninfo(src, &e));
                close(src, empty)?;
            }
            b"verbose" => {
                run.verbose = src.num(&e, b"level");
                close(src, empty)?;
            }
            b"debugging" => {
                run.debugging = src.num(&e, b"level");
                close(src, empty)?;
            }
            b"target" => {
                run.targets.push(TargetSpec {
                    specification: src.attr(&e, b"specification"),
                    status: src.attr(&e, b"status"),
                    reason: src.attr(&e, b"reason"),
                });
                close(src, empty)?;
            }
            b"taskbegin" | b"taskprogress" | b"taskend" => {
                run.tasks.push(task_event(src, &e));
                close(src, empty)?;
            }
            b"prescript" => scripts(src, empty, &mut run.prescripts)?,
            b"postscript" => scripts(src, empty, &mut run.postscripts)?,
            b"output" => {
                let output_type = src.attr(&e, b"type");
                let text = text(src, empty)?;
                run.outputs.push(Output {
                    output_type,
                    text: Text::from(text),
                });
            }
            b"runstats" => run.runstats = Some(runstats(src, empty)?),
            _ => close(src, empty)?,
        }
        Ok(None)
    }
}

impl<R: BufRead> Iterator for HostReader<R> {
    type Item = Result<Host>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_host().transpose()
    }
}

fn scaninfo<R: XmlInput>(src: &Source<R>, e: &Tag) -> ScanInfo {
    ScanInfo {
        scan_type: src.attr(e, b"type"),
        scanflags: src.attr(e, b"scanflags"),
        protocol: src.attr(e, b"protocol"),
        numservices: src.num(e, b"numservices"),
        services: src.attr(e, b"services"),
    }
}

/// Reads a `<taskbegin>`, `<taskprogress>` or `<taskend>` tag.
pub fn task_event<R: XmlInput>(src: &Source<R>, e: &Tag) -> TaskEvent {
    let kind = match e.local_name().into_inner() {
        b"taskbegin" => TaskEventKind::Begin,
        b"taskend" => TaskEventKind::End,
        _ => TaskEventKind::Progress,
    };
    TaskEvent {
        kind,
        task: src.attr(e, b"task"),
        time: src.num(e, b"time"),
        percent: src.num(e, b"percent"),
        remaining: src.num(e, b"remaining"),
        etc: src.num(e, b"etc"),
        extrainfo: src.attr(e, b"extrainfo"),
    }
}

fn scripts<R: XmlInput>(src: &mut Source<R>, empty: bool, out: &mut Vec<Script>) -> Step<()> {
    each_child(src, empty, |src, s, empty| {
        if s.local_name().into_inner() == b"script" {
            out.push(script(src, &s, empty)?);
            Ok(())
        } else {
            close(src, empty)
        }
    })
}

fn runstats<R: XmlInput>(src: &mut Source<R>, empty: bool) -> Step<RunStats> {
    let mut stats = RunStats::default();
    each_child(src, empty, |src, e, empty| {
        match e.local_name().into_inner() {
            b"finished" => {
                stats.finished = Some(Finished {
                    time: src.num(&e, b"time"),
                    timestr: src.attr(&e, b"timestr"),
                    elapsed: src.num(&e, b"elapsed"),
                    summary: src.attr(&e, b"summary"),
                    exit: src.attr(&e, b"exit"),
                    errormsg: src.attr(&e, b"errormsg"),
                })
            }
            b"hosts" => {
                stats.hosts = Some(HostCounts {
                    up: src.num(&e, b"up"),
                    down: src.num(&e, b"down"),
                    total: src.num(&e, b"total"),
                })
            }
            _ => {}
        }
        close(src, empty)
    })?;
    Ok(stats)
}

/// Most hosts a whole-document parse (`parse`, `parse_with`, `parse_file`) keeps in memory; a
/// run with more is refused with a parse error naming the streaming reader, which has no limit.
pub const MAX_PARSED_HOSTS: usize = 1 << 20;

/// Parses a whole nmap XML document held in memory, strictly.
pub fn parse(data: &[u8]) -> Result<NmapRun> {
    parse_with(data, ParseOptions::default())
}

/// Parses a whole nmap XML document held in memory with the given options.
pub fn parse_with(data: &[u8], options: ParseOptions) -> Result<NmapRun> {
    let locate = |offset: u64| Some(super::text::line_col(data, usize::try_from(offset).ok()?));
    let reader = HostReader::uncounted(data, options).map_err(|(e, at)| placed(e, at, locate))?;
    collect(reader, locate, MAX_PARSED_HOSTS)
}

/// Reads every host into the run, refusing a run of more than `max_hosts`; `locate` turns an
/// error's byte offset into its line and column (the reader does not count lines).
pub(crate) fn collect<R: BufRead>(
    mut reader: HostReader<R>,
    locate: impl Fn(u64) -> Option<(u64, u64)>,
    max_hosts: usize,
) -> Result<NmapRun> {
    let mut hosts = Vec::new();
    loop {
        match reader.next_host() {
            Ok(Some(_)) if hosts.len() == max_hosts => return Err(too_many_hosts(max_hosts)),
            Ok(Some(h)) => hosts.push(h),
            Ok(None) => break,
            Err(e) => return Err(placed(e, reader.error_offset(), locate)),
        }
    }
    let mut run = reader.finish()?;
    hosts.shrink_to_fit();
    run.hosts = hosts;
    place_all(&mut run.warnings, locate);
    Ok(run)
}

/// The error of a run with more hosts than a whole-document parse keeps.
fn too_many_hosts(max_hosts: usize) -> Error {
    Error::parse(format!(
        "the run has more than {max_hosts} hosts, more than a whole-document parse keeps in \
         memory: read it host by host with HostReader (or `casiscan parse-nmap`)"
    ))
}

/// Gives each warning without a line its line and column, from its byte offset.
pub(crate) fn place_all(warnings: &mut [Violation], locate: impl Fn(u64) -> Option<(u64, u64)>) {
    for w in warnings.iter_mut().filter(|w| w.line.is_none()) {
        if let Some((line, column)) = locate(w.offset) {
            (w.line, w.column) = (Some(line), Some(column));
        }
    }
}

/// Gives a positioned parse error the line and column of byte `offset`, when `locate` can.
pub(crate) fn placed(e: Error, offset: u64, locate: impl Fn(u64) -> Option<(u64, u64)>) -> Error {
    match e {
        Error::NmapDtd(mut v) if v.line.is_none() => {
            if let Some((line, column)) = locate(v.offset) {
                (v.line, v.column) = (Some(line), Some(column));
            }
            Error::NmapDtd(v)
        }
        Error::Parse {
            message,
            line: Some(line),
            column,
        } => {
            let (line, column) =
                locate(offset).map_or((Some(line), column), |(l, c)| (Some(l), Some(c)));
            Error::Parse {
                message,
                line,
                column,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// A run of `n` up hosts.
    fn run_of(n: usize) -> String {
        let hosts: String = (0..n)
            .map(|i| format!("<host><status state=\"up\"/><address addr=\"10.0.0.{i}\" addrtype=\"ipv4\"/></host>\n"))
            .collect();
        format!("<nmaprun scanner=\"nmap\">\n{hosts}<runstats><finished/></runstats></nmaprun>\n")
    }

    /// `run_of(n)` parsed whole with room for `max_hosts`.
    fn parsed(n: usize, max_hosts: usize) -> Result<NmapRun> {
        let xml = run_of(n);
        let reader =
            HostReader::uncounted(xml.as_bytes(), ParseOptions::STRICT).map_err(|(e, _)| e)?;
        collect(reader, |_| None, max_hosts)
    }

    #[test]
    fn a_run_at_the_host_limit_is_kept_and_one_host_more_is_refused() {
        assert_eq!(parsed(3, 3).expect("at the limit").hosts.len(), 3);
        let err = parsed(4, 3).expect_err("past the limit");
        assert_eq!(err.kind(), ErrorKind::Parse);
        assert!(err.to_string().contains("more than 3 hosts"), "{err}");
        assert!(err.to_string().contains("HostReader"), "{err}");
        assert_eq!(parsed(0, 0).expect("empty").hosts.len(), 0);
    }

    #[test]
    fn whole_document_parses_keep_up_to_a_million_hosts() {
        assert_eq!(MAX_PARSED_HOSTS, 1_048_576);
        assert_eq!(parse(run_of(2).as_bytes()).expect("parse").hosts.len(), 2);
    }
}
