//! An nmap XML file opened for one streaming pass, and how to give an error its line and column.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::one_pass::Opened;
use super::reader::{HostReader, placed};
use super::split_pass::{MakeHost, SplitInput};
use super::text::line_col_in;
use super::violation::ParseOptions;
use crate::error::{Error, Result};

/// A reader over an nmap file, read once from start to end.
pub(crate) struct StreamInput<'a> {
    path: &'a Path,
    /// Regular files are read without counting lines and re-read to place an error; other
    /// inputs (a pipe) count lines as they go, since they cannot be read twice.
    regular: bool,
}

impl<'a> StreamInput<'a> {
    /// Opens `path` and reads its `<nmaprun>` start tag; a regular file read strictly on a
    /// machine with more than one core has its hosts parsed apart, each made with `make`.
    pub fn open(path: &'a Path, options: ParseOptions, make: MakeHost) -> Result<(Self, Opened)> {
        let input = StreamInput {
            path,
            regular: std::fs::metadata(path)
                .map_err(|e| input_error(path, e))?
                .is_file(),
        };
        let file = File::open(path).map_err(|e| input_error(path, e))?;
        let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        if input.regular && !options.lenient && workers > 1 {
            let file = file.try_clone().map_err(|e| input_error(path, e))?;
            if let Some((split, handed)) = SplitInput::new(file, workers, make) {
                let reader = HostReader::marked(split).map_err(|(e, at)| input.place(e, at))?;
                return Ok((input, Opened::Split(reader, handed)));
            }
        }
        let buffered = BufReader::with_capacity(1 << 16, file);
        let reader = if input.regular {
            HostReader::uncounted(buffered, options).map_err(|(e, at)| input.place(e, at))?
        } else {
            HostReader::with_options(buffered, options)?
        };
        Ok((input, Opened::Threaded(reader)))
    }

    /// Line and column of byte `offset`, found by reading a regular file again.
    pub fn locate(&self, offset: u64) -> Option<(u64, u64)> {
        if !self.regular {
            return None;
        }
        line_col_in(File::open(self.path).ok()?, offset).ok()
    }

    /// `e`, raised at byte `offset`, with its line and column.
    pub fn place(&self, e: Error, offset: u64) -> Error {
        placed(e, offset, |o| self.locate(o))
    }
}

/// An I/O error on the nmap file.
fn input_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// An I/O error on the JSON output.
pub(crate) fn output_error(source: std::io::Error) -> Error {
    Error::Io {
        path: "the JSON output".into(),
        source,
    }
}
