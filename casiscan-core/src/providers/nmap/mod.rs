//! The nmap provider: a complete streaming parser of nmap's XML and safe execution of `nmap`.

mod bounded;
mod casibase;
mod detection;
mod host;
mod host_model;
mod json_out;
mod model;
pub mod options;
mod progress;
mod provider;
mod reader;
mod run;
mod sandbox;
mod script;
mod service;
mod shared_text;
mod source;
mod tag;
mod text;
mod walk;

pub use bounded::{
    BoundedRun, DEFAULT_MAX_RAW_BYTES, DEFAULT_MAX_RESULT_BYTES, DEFAULT_MAX_RESULT_HOSTS,
    ResultLimits, Tally, Truncation, read_bounded,
};
pub use casibase::{
    CasibaseHost, CasibasePort, CasibaseResult, casibase_result, casibase_result_bounded, summary,
};
pub use json_out::write_json;
pub use model::*;
pub use options::{NmapCommand, NmapPolicy, TARGET_PLACEHOLDER, split as split_command};
pub use provider::NmapProvider;
pub use reader::{Entry, HostReader, parse};
pub use run::find_nmap;

/// Parses an nmap XML file from disk with the streaming reader (memory bounded by the run).
pub fn parse_file(path: &std::path::Path) -> crate::Result<NmapRun> {
    let open = || {
        std::fs::File::open(path).map_err(|source| crate::Error::Io {
            path: path.display().to_string(),
            source,
        })
    };
    let input = std::io::BufReader::with_capacity(1 << 16, open()?);
    // An error is placed by reading the file again up to it, not by counting every line.
    let locate = |offset| text::line_col_in(open().ok()?, offset).ok();
    let reader = HostReader::uncounted(input).map_err(|(e, at)| reader::placed(e, at, locate))?;
    reader::collect(reader, locate)
}
