//! `--script` values as an account's policy reads them: `ScriptDb::select` over a small script
//! database (nmap's rule grammar, globs, script names): a selection or a refusal, in time
//! linear in the rule, never a panic.
use casiscan_core::providers::nmap::options::ScriptDb;

/// Scripts of every kind the grammar tells apart: categories, globs and plain names.
const DB: &str = "\
Entry { filename = \"http-brute.nse\", categories = { \"brute\", \"intrusive\", } }
Entry { filename = \"banner.nse\", categories = { \"discovery\", \"safe\", } }
Entry { filename = \"http-title.nse\", categories = { \"default\", \"discovery\", \"safe\", } }
Entry { filename = \"smb-vuln-ms17-010.nse\", categories = { \"dos\", \"exploit\", \"vuln\", } }
Entry { filename = \"broadcast-ping.nse\", categories = { \"broadcast\", \"discovery\", \"safe\", } }
";

fn main() {
    let db = ScriptDb::parse(DB);
    afl::fuzz!(|data: &[u8]| {
        if let Ok(value) = std::str::from_utf8(data) {
            let _ = db.select(value);
        }
    });
}
