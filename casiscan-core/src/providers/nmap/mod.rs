//! The nmap provider: a complete streaming parser of nmap's XML and safe execution of `nmap`.

mod args;
mod casibase;
mod host;
mod model;
mod progress;
mod provider;
mod reader;
mod run;
mod script;
mod source;
mod tag;
mod text;
mod walk;

pub use args::{TARGET_PLACEHOLDER, build_argv, split as split_command};
pub use casibase::{CasibaseHost, CasibasePort, CasibaseResult, casibase_result, summary};
pub use model::*;
pub use provider::NmapProvider;
pub use reader::{HostReader, parse};
pub use run::find_nmap;

/// Parses an nmap XML file from disk with the streaming reader (memory bounded by one host).
pub fn parse_file(path: &std::path::Path) -> crate::Result<NmapRun> {
    let file = std::fs::File::open(path).map_err(|source| crate::Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut reader = HostReader::new(std::io::BufReader::with_capacity(1 << 16, file))?;
    let mut hosts = Vec::new();
    while let Some(h) = reader.next_host()? {
        hosts.push(h);
    }
    let mut run = reader.finish()?;
    hosts.shrink_to_fit();
    run.hosts = hosts;
    Ok(run)
}
