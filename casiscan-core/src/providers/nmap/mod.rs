//! The nmap provider: a complete streaming parser of nmap's XML and safe execution of `nmap`.

mod bounded;
mod casibase;
mod cpe;
mod detection;
mod diff;
mod diff_side;
mod diff_text;
mod fragment;
mod host;
mod host_model;
mod host_split;
mod import;
mod json_compact;
mod json_lines;
mod json_out;
mod line_diff;
mod model;
mod one_pass;
pub mod options;
mod port_list;
mod progress;
mod provider;
mod reader;
mod run;
mod run_fields;
mod sandbox;
mod script;
mod service;
mod shared_text;
mod source;
mod split_pass;
mod stream_input;
mod tag;
mod text;
mod violation;
mod walk;

pub use bounded::{
    BoundedRun, DEFAULT_MAX_RAW_BYTES, DEFAULT_MAX_RESULT_BYTES, DEFAULT_MAX_RESULT_HOSTS,
    ResultLimits, Tally, Truncation, read_bounded, read_bounded_with,
};
pub use casibase::{
    CasibaseHost, CasibasePort, CasibaseResult, casibase_result, casibase_result_bounded, summary,
};
pub use cpe::Cpe;
pub use diff::{
    Change, FieldChange, HostChange, HostDiff, PortChange, PortDiff, RunDiff, RunField, ScriptDiff,
    diff,
};
pub use diff_side::{ExtraCount, HostSide, PortSide, ServiceSide};
pub use diff_text::diff_text;
pub use fragment::{parse_host, parse_port};
pub use import::imported_output;
pub use json_compact::write_json_compact;
pub use json_lines::write_json_lines;
pub use json_out::{write_json, write_json_with};
pub use line_diff::MAX_DIFF_CELLS;
pub use model::*;
pub use options::{NmapCommand, NmapPolicy, TARGET_PLACEHOLDER, split as split_command};
pub use port_list::scanned;
pub use provider::NmapProvider;
pub use reader::{Entry, HostReader, MAX_PARSED_HOSTS, parse, parse_with};
pub use run::find_nmap;
pub use source::{MAX_DEPTH, MAX_EVENT_BYTES};
pub use violation::{ParseOptions, Problem, Violation};

/// Parses an nmap XML file from disk with the streaming reader (memory bounded by the run),
/// strictly.
pub fn parse_file(path: &std::path::Path) -> crate::Result<NmapRun> {
    parse_file_with(path, ParseOptions::default())
}

/// Parses an nmap XML file from disk with the given options.
pub fn parse_file_with(path: &std::path::Path, options: ParseOptions) -> crate::Result<NmapRun> {
    let open = || {
        std::fs::File::open(path).map_err(|source| crate::Error::Io {
            path: path.display().to_string(),
            source,
        })
    };
    let input = std::io::BufReader::with_capacity(1 << 16, open()?);
    // An error is placed by reading the file again up to it, not by counting every line.
    let locate = |offset| text::line_col_in(open().ok()?, offset).ok();
    let reader =
        HostReader::uncounted(input, options).map_err(|(e, at)| reader::placed(e, at, locate))?;
    reader::collect(reader, locate, MAX_PARSED_HOSTS)
}
