//! nmap XML, streaming: `HostReader` host by host; when both the reader and `parse` accept the
//! document they agree on the number of hosts.
use casiscan_core::providers::nmap;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(mut reader) = nmap::HostReader::new(data) else {
            return;
        };
        let mut hosts = 0usize;
        for host in reader.by_ref() {
            if host.is_err() {
                return;
            }
            hosts += 1;
        }
        if let Ok(run) = nmap::parse(data) {
            assert_eq!(run.hosts.len(), hosts, "streamed and whole parse disagree");
        }
    });
}
