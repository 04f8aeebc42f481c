//! One streaming pass over an nmap file that hands each entry to a consumer as it is read:
//! what the JSON writers share.
//!
//! Measured (BENCHMARKS.md, issue 20): on one thread, with each host's JSON made in memory and
//! written at once, this is faster than parsing on a second thread ahead of the writer: handing
//! hosts between threads cost more CPU (channel wake-ups, frees on the other thread) than the
//! overlap saved, on two cores.

use std::fs::File;
use std::io::BufReader;

use super::model::NmapRun;
use super::reader::{Entry, HostReader};
use crate::error::{Error, Result};

/// What a pass hands its entries to, in file order.
pub(crate) trait Consumer {
    /// The run as read up to its first entry (or its end): what precedes the hosts. Called
    /// once, before any entry.
    fn started(&mut self, run: &NmapRun) -> Result<()>;
    /// A host or host hint.
    fn entry(&mut self, entry: Entry) -> Result<()>;
}

/// Why a pass stopped before the end.
pub(crate) enum Stopped {
    /// The input broke nmap's XML (or its DTD), raised at this byte offset.
    Unparsable(Error, u64),
    /// The consumer failed (writing); reading stopped there.
    Unwritten(Error),
}

/// Reads `reader` to its end, handing `consumer` what it reads; entries read before a parse
/// error are handed over first. The run without its hosts, as [`HostReader::finish`] returns it.
pub(crate) fn read_through(
    mut reader: HostReader<BufReader<File>>,
    consumer: &mut impl Consumer,
) -> std::result::Result<NmapRun, Stopped> {
    let mut started = false;
    loop {
        let next = reader.next_entry();
        if !started && next.is_ok() {
            started = true;
            consumer.started(reader.run()).map_err(Stopped::Unwritten)?;
        }
        match next {
            Ok(Some(entry)) => consumer.entry(entry).map_err(Stopped::Unwritten)?,
            Ok(None) => return reader.finish().map_err(|e| Stopped::Unparsable(e, 0)),
            Err(e) => return Err(Stopped::Unparsable(e, reader.error_offset())),
        }
    }
}
