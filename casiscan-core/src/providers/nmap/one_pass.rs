//! One streaming pass over an nmap file that hands each entry to a consumer as it is read:
//! what the JSON writers share.
//!
//! A regular file read strictly has its hosts parsed apart on worker threads
//! ([`super::split_pass`]). Otherwise the file is parsed on a second thread while the caller's
//! thread writes: hosts travel to the writer in batches (few wake-ups) and go back to the
//! parser's thread to be freed there, so neither thread frees what the other allocated
//! (measured in BENCHMARKS.md, issue 20).

use std::cell::RefCell;
use std::fs::File;
use std::io::BufReader;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use super::model::NmapRun;
use super::reader::{Entry, HostReader};
use super::split_pass::{Handed, Made, SplitInput, read_split};
use crate::error::{Error, Result};

/// Entries handed over at once, at most.
const BATCH: usize = 64;
/// Input bytes a batch covers, at most (a batch closes after the entry that passes this):
/// memory stays bounded by a few batches of this size plus the largest host, not by 64 hosts.
const BATCH_INPUT: u64 = 256 * 1024;
/// Batches in flight between the threads.
const IN_FLIGHT: usize = 2;

/// What a pass hands its entries to, in file order.
pub(crate) trait Consumer {
    /// The run as read up to its first entry (or its end): what precedes the hosts. Called
    /// once, before any entry.
    fn started(&mut self, run: &NmapRun) -> Result<()>;
    /// A host or host hint.
    fn entry(&mut self, entry: &Entry) -> Result<()>;
    /// Hosts made on worker threads by the function the pass was opened with, in file order.
    fn made(&mut self, made: &Made) -> Result<()>;
}

/// An nmap file opened for one pass, its `<nmaprun>` start tag read.
#[expect(
    clippy::large_enum_variant,
    reason = "one per pass, moved once into the pass: a box would buy nothing"
)]
pub(crate) enum Opened {
    /// Parsed on one thread ahead of the consumer.
    Threaded(HostReader<BufReader<File>>),
    /// Hosts parsed apart on worker threads.
    Split(HostReader<SplitInput>, Rc<RefCell<Handed>>),
}

impl Opened {
    /// What was read outside hosts so far.
    pub fn run(&self) -> &NmapRun {
        match self {
            Opened::Threaded(reader) => reader.run(),
            Opened::Split(reader, _) => reader.run(),
        }
    }
}

/// Why a pass stopped before the end.
pub(crate) enum Stopped {
    /// The input broke nmap's XML (or its DTD), raised at this byte offset.
    Unparsable(Error, u64),
    /// The consumer failed (writing); reading stopped there.
    Unwritten(Error),
}

/// What the parsing thread sends the consumer.
enum Message {
    /// The run before its first entry.
    Started(Box<NmapRun>),
    /// Entries in file order.
    Entries(Vec<Entry>),
}

/// Reads the opened file to its end, handing `consumer` what it reads; entries read before a
/// parse error are handed over first. The run without its hosts, as [`HostReader::finish`]
/// returns it.
pub(crate) fn read_through(
    opened: Opened,
    consumer: &mut impl Consumer,
) -> std::result::Result<NmapRun, Stopped> {
    match opened {
        Opened::Threaded(reader) => read_threaded(reader, consumer),
        Opened::Split(reader, handed) => read_split(reader, &handed, consumer),
    }
}

/// [`read_through`] with the parser on a second thread.
fn read_threaded(
    reader: HostReader<BufReader<File>>,
    consumer: &mut impl Consumer,
) -> std::result::Result<NmapRun, Stopped> {
    let (to_consumer, from_parser) = sync_channel(IN_FLIGHT);
    let (to_parser, used) = sync_channel(IN_FLIGHT);
    std::thread::scope(|scope| {
        let parser = scope.spawn(move || parse_into(reader, &to_consumer, &used));
        let consumed = consume(consumer, &from_parser, &to_parser);
        // Dropping the receiver stops a parser still sending (the consumer failed).
        drop(from_parser);
        drop(to_parser);
        let parsed = parser.join().unwrap_or_else(|_| {
            Err((
                Error::parse("the nmap parsing thread stopped unexpectedly"),
                0,
            ))
        });
        consumed.map_err(Stopped::Unwritten)?;
        parsed.map_err(|(e, at)| Stopped::Unparsable(e, at))
    })
}

/// The parsing thread: reads entries and sends them in batches; frees the batches that come
/// back. Returns the run without its hosts, or the parse error and its offset.
fn parse_into(
    mut reader: HostReader<BufReader<File>>,
    out: &SyncSender<Message>,
    used: &Receiver<Vec<Entry>>,
) -> std::result::Result<NmapRun, (Error, u64)> {
    let mut started = false;
    let mut batch = Vec::with_capacity(BATCH);
    let mut batch_from = reader.position();
    loop {
        let next = reader.next_entry();
        if !started && next.is_ok() {
            started = true;
            if out
                .send(Message::Started(Box::new(reader.run().clone())))
                .is_err()
            {
                return Ok(NmapRun::default());
            }
        }
        match next {
            Ok(Some(entry)) => {
                batch.push(entry);
                let full = batch.len() == BATCH
                    || reader.position().saturating_sub(batch_from) >= BATCH_INPUT;
                if full {
                    if !hand_over(&mut batch, out, used) {
                        return Ok(NmapRun::default());
                    }
                    batch_from = reader.position();
                }
            }
            Ok(None) => {
                hand_over(&mut batch, out, used);
                return reader.finish().map_err(|e| (e, 0));
            }
            Err(e) => {
                hand_over(&mut batch, out, used);
                return Err((e, reader.error_offset()));
            }
        }
    }
}

/// Sends `batch` (when not empty) and takes a fresh one, freeing batches the consumer is done
/// with; false when the consumer is gone.
fn hand_over(
    batch: &mut Vec<Entry>,
    out: &SyncSender<Message>,
    used: &Receiver<Vec<Entry>>,
) -> bool {
    let mut fresh = match used.try_recv() {
        Ok(mut done) => {
            done.clear();
            done
        }
        Err(TryRecvError::Empty | TryRecvError::Disconnected) => Vec::with_capacity(BATCH),
    };
    // Free whatever else came back.
    while let Ok(done) = used.try_recv() {
        drop(done);
    }
    std::mem::swap(batch, &mut fresh);
    fresh.is_empty() || out.send(Message::Entries(fresh)).is_ok()
}

/// The consumer's side: hands over each message and sends the entries back to be freed.
fn consume(
    consumer: &mut impl Consumer,
    from_parser: &Receiver<Message>,
    to_parser: &SyncSender<Vec<Entry>>,
) -> Result<()> {
    for message in from_parser {
        match message {
            Message::Started(run) => consumer.started(&run)?,
            Message::Entries(entries) => {
                for entry in &entries {
                    consumer.entry(entry)?;
                }
                // A full return channel means the parser is behind: free here instead.
                let _ = to_parser.try_send(entries);
            }
        }
    }
    Ok(())
}
