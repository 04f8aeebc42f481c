//! One pass over an nmap file with its hosts parsed apart on worker threads: the JSON writers'
//! fast path for a regular file read strictly.
//!
//! The main thread scans the file's raw bytes ([`super::host_split`]), sends runs of whole
//! `<host>` elements (batches) to the workers, which parse them and make each host's output,
//! and feeds the ordinary reader everything else, with a comment in place of each batch. When
//! the reader reaches that comment, the batch's output is handed over: the consumer sees hosts
//! and everything else in file order, as the ordinary pass gives them. A batch a worker cannot
//! parse (or anything the scan is unsure of) goes to the ordinary reader as it is, which then
//! reads the rest of the file: errors are found and placed as a whole-file parse finds them.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, Read};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::host::host;
use super::host_split::{Piece, piece};
use super::model::{Host, NmapRun};
use super::one_pass::{Consumer, Stopped};
use super::reader::{HostReader, Item};
use super::source::{Ev, Source, read_buffered};
use super::violation::Violation;
use crate::error::{Error, Result};

/// What the reader sees in place of a batch.
const MARK: &[u8] = b"<!---->";
/// What a batch is wrapped in for its worker.
const OPEN: &[u8] = b"<nmaprun>";
/// See [`OPEN`].
const CLOSE: &[u8] = b"</nmaprun>";
/// Input bytes a batch holds before it is sent (a batch ends after the host that passes this).
const BATCH_BYTES: usize = 256 * 1024;
/// Batches sent ahead of the reader, per worker.
const AHEAD_PER_WORKER: usize = 6;
/// Bytes of other content queued ahead of the reader, at most.
const AHEAD_BYTES: usize = 8 * 1024 * 1024;
/// Bytes read from the file at once.
const READ_BYTES: usize = 1 << 20;
/// Workers at most.
const MAX_WORKERS: usize = 4;
/// Whitespace kept inside a batch between two hosts, at most (a longer run goes to the reader,
/// which sees it as one text event, as a whole-file parse does).
const MAX_GATHERED_BLANK: usize = 64 * 1024;
/// The reader is handed bytes up to each multiple of this in the file, as a whole-file parse
/// reads them (its buffer's size), so that an event over the size limit fails where it would.
const FILE_CHUNK: u64 = 1 << 16;

/// Makes one host's output as the consumer writes it.
pub(crate) type MakeHost = fn(&Host, &mut Vec<u8>) -> Result<()>;

/// Hosts a worker parsed and made, for the consumer.
pub(crate) struct Made {
    /// The hosts' output, one after the other.
    pub bytes: Vec<u8>,
    /// How many hosts.
    pub hosts: u64,
}

/// A batch for a worker: `<nmaprun>`, whole hosts (and the blanks between), `</nmaprun>`.
struct Job {
    xml: Arc<Vec<u8>>,
    hosts: u64,
    done: SyncSender<Option<Made>>,
}

/// What is queued ahead of the reader, in file order.
enum Ahead {
    /// Bytes the reader sees as they are.
    Bytes(Vec<u8>),
    /// A batch being parsed on a worker.
    Batch(Arc<Vec<u8>>, Receiver<Option<Made>>),
}

/// What the input hands the pass: the batches made, placed where their comment is, and how to
/// turn the reader's offsets into the file's.
#[derive(Default)]
pub(crate) struct Handed {
    /// Made batches and the reader offset just past their comment.
    made: VecDeque<(u64, Made)>,
    /// For each batch handed over: the reader offset just past its comment, and the bytes the
    /// file holds beyond the reader from there on (the batches' lengths less their comments').
    shifts: VecDeque<(u64, u64)>,
    /// The shift of every reader offset the pass will still ask about, before `shifts`.
    base: u64,
}

impl Handed {
    /// The file offset of reader offset `at`.
    fn file_offset(&self, at: u64) -> u64 {
        let shift = self
            .shifts
            .iter()
            .take_while(|(from, _)| *from <= at)
            .last()
            .map_or(self.base, |(_, shift)| *shift);
        at + shift
    }

    /// Forgets the shifts before reader offset `at` (the pass asks about none before it).
    fn settle(&mut self, at: u64) {
        while let Some(&(from, shift)) = self.shifts.front() {
            if from > at {
                break;
            }
            self.base = shift;
            self.shifts.pop_front();
        }
    }
}

/// The file as the reader sees it: its bytes with each batch sent to a worker replaced by a
/// comment.
pub(crate) struct SplitInput {
    file: File,
    /// Bytes read and not yet classified start at `scan`.
    buf: Vec<u8>,
    scan: usize,
    eof: bool,
    /// Element depth at `scan`.
    depth: usize,
    /// False once the rest of the file is queued unsplit.
    splitting: bool,
    /// True once a batch went to the reader unsplit: every later batch goes so too.
    unsplit: bool,
    /// The batch being gathered and its hosts.
    open: Option<(Vec<u8>, u64)>,
    ahead: VecDeque<Ahead>,
    ahead_batches: usize,
    ahead_bytes: usize,
    /// Bytes handed to the reader: `out[at..]` is what it has not consumed.
    out: Vec<u8>,
    at: usize,
    /// Reader offset of `out[0]`.
    offset: u64,
    /// The shift of reader offsets after the last comment handed over.
    shift: u64,
    workers: Vec<SyncSender<Job>>,
    threads: Vec<JoinHandle<()>>,
    /// Set when the pass ends: workers skip the batches still queued.
    cancel: Arc<AtomicBool>,
    next_worker: usize,
    handed: Rc<RefCell<Handed>>,
}

impl SplitInput {
    /// Reads `file` with `workers` threads making hosts with `make`; `None` when no thread
    /// could be started.
    pub fn new(file: File, workers: usize, make: MakeHost) -> Option<(Self, Rc<RefCell<Handed>>)> {
        let mut senders = Vec::new();
        let mut threads = Vec::new();
        let cancel = Arc::new(AtomicBool::new(false));
        for n in 0..workers.clamp(1, MAX_WORKERS) {
            let (send, jobs) = sync_channel::<Job>(AHEAD_PER_WORKER);
            let cancelled = Arc::clone(&cancel);
            let thread = std::thread::Builder::new()
                .name(format!("nmap-split-{n}"))
                .spawn(move || work(&jobs, make, &cancelled));
            if let Ok(thread) = thread {
                senders.push(send);
                threads.push(thread);
            }
        }
        if senders.is_empty() {
            return None;
        }
        let handed = Rc::new(RefCell::new(Handed::default()));
        let input = SplitInput {
            file,
            buf: Vec::new(),
            scan: 0,
            eof: false,
            depth: 0,
            splitting: true,
            unsplit: false,
            open: None,
            ahead: VecDeque::new(),
            ahead_batches: 0,
            ahead_bytes: 0,
            out: Vec::new(),
            at: 0,
            offset: 0,
            shift: 0,
            workers: senders,
            threads,
            cancel,
            next_worker: 0,
            handed: Rc::clone(&handed),
        };
        Some((input, handed))
    }

    /// Whether enough is queued ahead of the reader.
    fn ahead_full(&self) -> bool {
        self.ahead_batches >= AHEAD_PER_WORKER * self.workers.len()
            || self.ahead_bytes >= AHEAD_BYTES
    }

    /// Whether the whole file has been classified.
    fn scanned(&self) -> bool {
        self.eof && self.scan == self.buf.len()
    }

    /// Reads more of the file, dropping what was classified.
    fn read_more(&mut self) -> std::io::Result<()> {
        self.buf.drain(..self.scan);
        self.scan = 0;
        let have = self.buf.len();
        self.buf.resize(have + READ_BYTES, 0);
        let n = loop {
            match self.file.read(&mut self.buf[have..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(have);
                    return Err(e);
                }
            }
        };
        self.buf.truncate(have + n);
        self.eof = n == 0;
        Ok(())
    }

    /// Classifies the file until enough is queued ahead (or all of it is).
    fn fill_ahead(&mut self) -> std::io::Result<()> {
        while !self.ahead_full() && !self.scanned() {
            if !self.splitting {
                self.send_open();
                self.pass_rest();
                if !self.eof {
                    self.read_more()?;
                }
                continue;
            }
            match piece(&self.buf[self.scan..], self.depth) {
                Piece::More if self.eof => self.stop_splitting(),
                Piece::More => self.read_more()?,
                Piece::Stop => self.stop_splitting(),
                Piece::Host(len) => self.gather(len, 1),
                Piece::Blank(len) if self.open.is_some() => self.blank_after_host(len)?,
                Piece::Blank(len) => self.pass(len),
                Piece::Other { len, depth } => {
                    self.send_open();
                    self.depth = self.depth.saturating_add_signed(isize::from(depth));
                    self.pass(len);
                }
            }
        }
        if self.scanned() {
            self.send_open();
        }
        Ok(())
    }

    /// Whitespace after a host of the open batch: kept in the batch when it is a short run
    /// ending before markup; a long run goes to the reader whole, after the batch.
    fn blank_after_host(&mut self, len: usize) -> std::io::Result<()> {
        let ends = self.scan + len < self.buf.len();
        if len > MAX_GATHERED_BLANK || (!ends && self.eof) {
            self.send_open();
            self.pass(len);
        } else if ends {
            self.gather(len, 0);
        } else {
            self.read_more()?;
        }
        Ok(())
    }

    /// Adds the next `len` bytes (`hosts` hosts) to the open batch, sending it when full.
    fn gather(&mut self, len: usize, hosts: u64) {
        let bytes = &self.buf[self.scan..self.scan + len];
        self.scan += len;
        let (batch, count) = self.open.get_or_insert_with(|| {
            let mut batch = Vec::with_capacity(BATCH_BYTES + 64 * 1024);
            batch.extend_from_slice(OPEN);
            (batch, 0)
        });
        batch.extend_from_slice(bytes);
        *count += hosts;
        if batch.len() >= BATCH_BYTES {
            self.send_open();
        }
    }

    /// Sends the open batch to a worker (in turn) and queues it.
    fn send_open(&mut self) {
        let Some((mut batch, hosts)) = self.open.take() else {
            return;
        };
        batch.extend_from_slice(CLOSE);
        let xml = Arc::new(batch);
        self.ahead_bytes += xml.len();
        let (done, made) = sync_channel(1);
        let worker = &self.workers[self.next_worker % self.workers.len()];
        self.next_worker += 1;
        let job = Job {
            xml: Arc::clone(&xml),
            hosts,
            done,
        };
        // A worker that is gone leaves the receiver empty: the batch is then read unsplit.
        let _ = worker.send(job);
        self.ahead.push_back(Ahead::Batch(xml, made));
        self.ahead_batches += 1;
    }

    /// Queues the next `len` bytes for the reader as they are.
    fn pass(&mut self, len: usize) {
        let bytes = &self.buf[self.scan..self.scan + len];
        self.scan += len;
        self.ahead_bytes += len;
        if let Some(Ahead::Bytes(last)) = self.ahead.back_mut() {
            last.extend_from_slice(bytes);
        } else {
            self.ahead.push_back(Ahead::Bytes(bytes.to_vec()));
        }
    }

    /// Queues everything read and not classified for the reader as it is.
    fn pass_rest(&mut self) {
        let len = self.buf.len() - self.scan;
        if len > 0 {
            self.pass(len);
        }
    }

    /// Ends splitting: the open batch is sent, and the rest goes to the reader as it is.
    fn stop_splitting(&mut self) {
        self.send_open();
        self.splitting = false;
    }

    /// Takes the next queued item and makes it what the reader sees next.
    fn hand_next(&mut self) {
        let Some(next) = self.ahead.pop_front() else {
            return;
        };
        self.offset += self.out.len() as u64;
        self.at = 0;
        match next {
            Ahead::Bytes(bytes) => {
                self.ahead_bytes -= bytes.len();
                self.out = bytes;
            }
            Ahead::Batch(xml, made) => {
                self.ahead_batches -= 1;
                self.ahead_bytes -= xml.len();
                let made = match self.unsplit {
                    true => None,
                    false => made.recv().ok().flatten(),
                };
                match made {
                    Some(made) => self.hand_made(&xml, made),
                    None => self.hand_unsplit(&xml),
                }
            }
        }
    }

    /// Hands the reader a batch's comment, and the pass the batch's hosts.
    fn hand_made(&mut self, xml: &[u8], made: Made) {
        let end = self.offset + MARK.len() as u64;
        let span = xml.len() - OPEN.len() - CLOSE.len();
        self.shift += (span - MARK.len()) as u64;
        let mut handed = self.handed.borrow_mut();
        handed.made.push_back((end, made));
        handed.shifts.push_back((end, self.shift));
        self.out = MARK.to_vec();
    }

    /// Hands the reader a batch's bytes as they are; the rest of the file follows unsplit.
    fn hand_unsplit(&mut self, xml: &[u8]) {
        self.splitting = false;
        self.unsplit = true;
        self.out = xml
            .get(OPEN.len()..xml.len() - CLOSE.len())
            .unwrap_or_default()
            .to_vec();
    }
}

impl Read for SplitInput {
    fn read(&mut self, into: &mut [u8]) -> std::io::Result<usize> {
        read_buffered(self, into)
    }
}

impl BufRead for SplitInput {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.at == self.out.len() && !(self.ahead.is_empty() && self.scanned()) {
            self.fill_ahead()?;
            self.hand_next();
        }
        let in_file = self.offset + self.at as u64 + self.shift;
        let to_chunk_end = FILE_CHUNK - in_file % FILE_CHUNK;
        let rest = &self.out[self.at..];
        let len = usize::try_from(to_chunk_end).map_or(rest.len(), |n| n.min(rest.len()));
        Ok(&rest[..len])
    }

    fn consume(&mut self, amt: usize) {
        self.at = (self.at + amt).min(self.out.len());
    }
}

impl Drop for SplitInput {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        self.workers.clear();
        self.ahead.clear();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A worker: parses each batch it is sent and makes its hosts' output, until the pass ends.
fn work(jobs: &Receiver<Job>, make: MakeHost, cancel: &AtomicBool) {
    for job in jobs {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        let made = parse_batch(&job.xml, job.hosts, make);
        let _ = job.done.send(made);
    }
}

/// The output of a batch's hosts; `None` when the batch does not parse to exactly its hosts.
///
/// The batch is read as the ordinary reader reads hosts (the same [`host`] over the same
/// bytes, nested as deep), from memory without copying events; anything else in it, a value
/// that breaks nmap.dtd or any error means the batch is not what the scan took it for.
fn parse_batch(xml: &[u8], hosts: u64, make: MakeHost) -> Option<Made> {
    let mut src = Source::in_memory(xml);
    match src.next().ok()? {
        Ev::Start(root) if root.local_name().into_inner() == b"nmaprun" => {}
        _ => return None,
    }
    let mut bytes = Vec::with_capacity(xml.len() + xml.len() / 2);
    let mut count = 0;
    loop {
        let (tag, empty) = match src.next().ok()? {
            Ev::Start(tag) => (tag, false),
            Ev::Empty(tag) => (tag, true),
            Ev::Text if src.text_is_blank() => continue,
            Ev::End => break,
            _ => return None,
        };
        if tag.local_name().into_inner() != b"host" {
            return None;
        }
        let parsed = host(&mut src, &tag, empty).ok()?;
        if !src.take_issues().is_empty() {
            return None;
        }
        make(&parsed, &mut bytes).ok()?;
        count += 1;
    }
    let whole = matches!(src.next(), Ok(Ev::Eof)) && count == hosts;
    whole.then_some(Made { bytes, hosts })
}

/// Reads the split file to its end, handing `consumer` what it reads in file order; entries
/// read before a parse error are handed over first. The run without its hosts.
pub(crate) fn read_split(
    mut reader: HostReader<SplitInput>,
    handed: &RefCell<Handed>,
    consumer: &mut impl Consumer,
) -> std::result::Result<NmapRun, Stopped> {
    let mut started = false;
    let mut placed = 0;
    loop {
        let item = reader.next_item();
        let at = match &item {
            Ok(_) => reader.position(),
            Err(_) => reader.error_offset(),
        };
        placed = in_file(&mut reader.run_mut().warnings[placed..], handed) + placed;
        let ready = take_made(handed, at);
        if !ready.is_empty() || matches!(item, Ok(Item::Entry(_) | Item::End)) {
            start(consumer, &reader, &mut started).map_err(Stopped::Unwritten)?;
        }
        for made in ready {
            consumer.made(&made).map_err(Stopped::Unwritten)?;
        }
        match item {
            Ok(Item::Entry(entry)) => consumer.entry(&entry).map_err(Stopped::Unwritten)?,
            Ok(Item::Other) => handed.borrow_mut().settle(at),
            Ok(Item::End) => return reader.finish().map_err(|e| unparsable(e, 0, handed)),
            Err(e) => return Err(unparsable(e, at, handed)),
        }
    }
}

/// Calls the consumer's `started` once, with the run as read so far.
fn start(
    consumer: &mut impl Consumer,
    reader: &HostReader<SplitInput>,
    started: &mut bool,
) -> Result<()> {
    if !*started {
        *started = true;
        consumer.started(reader.run())?;
    }
    Ok(())
}

/// The batches whose comment the reader has passed at reader offset `at`.
fn take_made(handed: &RefCell<Handed>, at: u64) -> Vec<Made> {
    let mut handed = handed.borrow_mut();
    let mut ready = Vec::new();
    while handed.made.front().is_some_and(|(end, _)| *end <= at) {
        if let Some((_, made)) = handed.made.pop_front() {
            ready.push(made);
        }
    }
    ready
}

/// Gives warnings their offsets in the file; how many there were.
fn in_file(warnings: &mut [Violation], handed: &RefCell<Handed>) -> usize {
    let handed = handed.borrow();
    for w in warnings.iter_mut() {
        w.offset = handed.file_offset(w.offset);
    }
    warnings.len()
}

/// A parse error at reader offset `at`, placed in the file.
fn unparsable(e: Error, at: u64, handed: &RefCell<Handed>) -> Stopped {
    let handed = handed.borrow();
    let e = match e {
        Error::NmapDtd(mut v) => {
            v.offset = handed.file_offset(v.offset);
            Error::NmapDtd(v)
        }
        other => other,
    };
    Stopped::Unparsable(e, handed.file_offset(at))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn count_host(_: &Host, out: &mut Vec<u8>) -> Result<()> {
        out.push(b'h');
        Ok(())
    }

    /// The reader sees the file with each run of hosts replaced by one comment; the hosts are
    /// made on the workers, and reader offsets map back to the file's.
    #[test]
    fn hosts_are_cut_out_and_made_apart() {
        let host =
            "<host><status state=\"up\"/><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/></host>\n";
        let xml = format!(
            "<?xml version=\"1.0\"?>\n<nmaprun>\n{}<taskprogress task=\"x\"/>\n{}<runstats/>\n</nmaprun>\n",
            host.repeat(3),
            host.repeat(2)
        );
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(xml.as_bytes()).unwrap();
        std::io::Seek::rewind(&mut file).unwrap();
        let (mut input, handed) = SplitInput::new(file, 2, count_host).unwrap();
        let mut seen = String::new();
        input.read_to_string(&mut seen).unwrap();
        assert_eq!(
            seen,
            "<?xml version=\"1.0\"?>\n<nmaprun>\n<!----><taskprogress task=\"x\"/>\n<!----><runstats/>\n</nmaprun>\n"
        );
        let handed = handed.borrow();
        let made: Vec<_> = handed
            .made
            .iter()
            .map(|(_, m)| (m.hosts, m.bytes.clone()))
            .collect();
        assert_eq!(made, vec![(3, b"hhh".to_vec()), (2, b"hh".to_vec())]);
        let runstats = seen.find("<runstats").unwrap() as u64;
        assert_eq!(
            handed.file_offset(runstats),
            xml.find("<runstats").unwrap() as u64
        );
        let task = seen.find("<taskprogress").unwrap() as u64;
        assert_eq!(
            handed.file_offset(task),
            xml.find("<taskprogress").unwrap() as u64
        );
    }

    /// The reader is handed bytes up to each 64 KiB boundary of the file (as a whole-file
    /// parse's buffer reads them), also after hosts were cut out.
    #[test]
    fn the_reader_is_handed_bytes_up_to_file_chunk_boundaries() {
        let host = "<host><status state=\"up\"/></host>\n";
        let xml = format!(
            "<nmaprun>\n{}<!--{}-->\n</nmaprun>\n",
            host.repeat(5),
            "x".repeat(300_000)
        );
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(xml.as_bytes()).unwrap();
        std::io::Seek::rewind(&mut file).unwrap();
        let (mut input, handed) = SplitInput::new(file, 2, count_host).unwrap();
        let (mut at, mut slices) = (0u64, 0);
        loop {
            let got = input.fill_buf().unwrap().len();
            if got == 0 {
                break;
            }
            if got > MARK.len() {
                let in_file = handed.borrow().file_offset(at);
                assert!(
                    in_file % FILE_CHUNK + got as u64 <= FILE_CHUNK,
                    "{in_file} + {got}"
                );
                slices += 1;
            }
            input.consume(got);
            at += got as u64;
        }
        assert!(slices >= 5, "{slices}");
        assert_eq!(handed.borrow().made.len(), 1);
    }
}
