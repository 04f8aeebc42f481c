//! The nmap command: quoting-aware split, an allowlist of options, the target placeholder.

use crate::error::{Error, Result};

/// What an option's value may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    /// Port or protocol lists: `22,80-90,U:53,T:1-1024`, service names.
    Ports,
    /// A number, optionally a decimal or with a time unit (`500ms`, `2s`, `1.5`).
    Number,
    /// NSE script names, categories and boolean expressions; never a path.
    Scripts,
    /// NSE script arguments; never a path.
    ScriptArgs,
    /// Targets to exclude (validated like scan targets).
    Targets,
    /// An interface name or DNS server list.
    Word,
    /// Payload data (`--data`, `--data-string`).
    Data,
}

const FLAGS: &[&str] = &[
    "-sS",
    "-sT",
    "-sA",
    "-sW",
    "-sM",
    "-sU",
    "-sN",
    "-sF",
    "-sX",
    "-sY",
    "-sZ",
    "-sO",
    "-sn",
    "-sL",
    "-sV",
    "-sC",
    "-sR",
    "-Pn",
    "-P0",
    "-PE",
    "-PP",
    "-PM",
    "-PR",
    "-n",
    "-R",
    "-F",
    "-r",
    "-O",
    "-A",
    "-6",
    "-f",
    "-v",
    "-vv",
    "-vvv",
    "-d",
    "-dd",
    "-ddd",
    "--reason",
    "--open",
    "--packet-trace",
    "--traceroute",
    "--system-dns",
    "--osscan-limit",
    "--osscan-guess",
    "--version-light",
    "--version-all",
    "--version-trace",
    "--script-trace",
    "--disable-arp-ping",
    "--discovery-ignore-rst",
    "--defeat-rst-ratelimit",
    "--defeat-icmp-ratelimit",
    "--badsum",
    "--randomize-hosts",
    "--privileged",
    "--unprivileged",
    "--send-eth",
    "--send-ip",
    "--allports",
    "--noninteractive",
    "--log-errors",
    "--no-stylesheet",
];

const VALUED: &[(&str, ValueKind)] = &[
    ("-p", ValueKind::Ports),
    ("--exclude-ports", ValueKind::Ports),
    ("--top-ports", ValueKind::Number),
    ("--port-ratio", ValueKind::Number),
    ("--version-intensity", ValueKind::Number),
    ("--script", ValueKind::Scripts),
    ("--script-args", ValueKind::ScriptArgs),
    ("--script-timeout", ValueKind::Number),
    ("--max-os-tries", ValueKind::Number),
    ("--min-hostgroup", ValueKind::Number),
    ("--max-hostgroup", ValueKind::Number),
    ("--min-parallelism", ValueKind::Number),
    ("--max-parallelism", ValueKind::Number),
    ("--min-rtt-timeout", ValueKind::Number),
    ("--max-rtt-timeout", ValueKind::Number),
    ("--initial-rtt-timeout", ValueKind::Number),
    ("--max-retries", ValueKind::Number),
    ("--host-timeout", ValueKind::Number),
    ("--scan-delay", ValueKind::Number),
    ("--max-scan-delay", ValueKind::Number),
    ("--min-rate", ValueKind::Number),
    ("--max-rate", ValueKind::Number),
    ("--mtu", ValueKind::Number),
    ("-g", ValueKind::Number),
    ("--source-port", ValueKind::Number),
    ("--data-length", ValueKind::Number),
    ("--ttl", ValueKind::Number),
    ("--stats-every", ValueKind::Number),
    ("-T", ValueKind::Word),
    ("-e", ValueKind::Word),
    ("--dns-servers", ValueKind::Word),
    ("--exclude", ValueKind::Targets),
    ("--data", ValueKind::Data),
    ("--data-string", ValueKind::Data),
];

/// Short options whose value may be attached (`-p22`, `-T4`, `-PS80`).
const ATTACHED: &[(&str, ValueKind)] = &[
    ("-p", ValueKind::Ports),
    ("-T", ValueKind::Word),
    ("-PS", ValueKind::Ports),
    ("-PA", ValueKind::Ports),
    ("-PU", ValueKind::Ports),
    ("-PY", ValueKind::Ports),
    ("-PO", ValueKind::Ports),
    ("-v", ValueKind::Number),
    ("-d", ValueKind::Number),
    ("-g", ValueKind::Number),
    ("-e", ValueKind::Word),
];

/// Options refused on purpose, with the reason shown to the user.
const REFUSED: &[(&str, &str)] = &[
    ("-oN", "writes a file"),
    ("-oX", "writes a file"),
    ("-oG", "writes a file"),
    ("-oA", "writes files"),
    ("-oS", "writes a file"),
    ("-oM", "writes a file"),
    ("-oH", "writes a file"),
    ("--append-output", "changes how files are written"),
    ("-iL", "reads targets from a file"),
    ("-iR", "scans random hosts on the Internet"),
    ("--excludefile", "reads a file"),
    ("--resume", "reads a file"),
    ("--datadir", "loads data and scripts from a path"),
    ("--servicedb", "reads a file"),
    ("--versiondb", "reads a file"),
    ("--stylesheet", "references a file"),
    ("--webxml", "references a remote stylesheet"),
    ("--script-args-file", "reads a file"),
    ("--script-updatedb", "writes nmap's script database"),
    ("--script-help", "does not scan"),
    ("-D", "spoofs decoy sources"),
    ("-S", "spoofs the source address"),
    ("--spoof-mac", "spoofs the MAC address"),
    ("-sI", "scans through a third-party zombie host"),
    ("-b", "bounces through a third-party FTP server"),
    ("--proxies", "relays through other hosts"),
    ("--iflist", "does not scan"),
    ("-V", "does not scan"),
    ("--version", "does not scan"),
    ("-h", "does not scan"),
    ("--help", "does not scan"),
];

/// The placeholder Casibase commands use for the target.
pub const TARGET_PLACEHOLDER: &str = "%s";

/// Checks `command` and returns nmap's argv with the target in place (or appended).
pub fn build_argv(command: &str, target: &str) -> Result<Vec<String>> {
    let mut words = split(command)?;
    if words.is_empty() {
        // Casibase's default: a ping scan.
        words = vec!["-sn".to_string(), TARGET_PLACEHOLDER.to_string()];
    }
    let mut argv = Vec::with_capacity(words.len() + 1);
    let mut placed = false;
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        if word == TARGET_PLACEHOLDER {
            argv.push(target.to_string());
            placed = true;
            i += 1;
            continue;
        }
        let used = check_option(word, words.get(i + 1).map(String::as_str))?;
        argv.extend(words[i..i + used].iter().cloned());
        i += used;
    }
    if !placed {
        argv.push(target.to_string());
    }
    Ok(argv)
}

/// Validates a command without a target (for configuration checks).
pub fn validate(command: &str) -> Result<()> {
    build_argv(command, "127.0.0.1").map(|_| ())
}

fn refuse(word: &str, reason: impl Into<String>) -> Error {
    Error::invalid(format!("nmap option `{}`", word.escape_debug()), reason)
}

/// Checks one option (and its value); returns how many words it used.
fn check_option(word: &str, next: Option<&str>) -> Result<usize> {
    if !word.starts_with('-') || word == "-" || word == "--" {
        return Err(refuse(
            word,
            "only options are allowed here; the target comes from the scan (use %s to place it)",
        ));
    }
    let (name, inline) = match word.split_once('=') {
        Some((n, v)) if n.starts_with("--") => (n, Some(v)),
        _ => (word, None),
    };
    if let Some((_, why)) = REFUSED.iter().find(|(n, _)| *n == name) {
        return Err(refuse(word, format!("refused: it {why}")));
    }
    if word.starts_with("-o") && !word.starts_with("--") {
        return Err(refuse(word, "refused: output options write files"));
    }
    if FLAGS.contains(&name) && inline.is_none() {
        return Ok(1);
    }
    if let Some((_, kind)) = VALUED.iter().find(|(n, _)| *n == name) {
        return match (inline, next) {
            (Some(v), _) => check_value(word, *kind, v).map(|()| 1),
            (None, Some(v)) => check_value(word, *kind, v).map(|()| 2),
            (None, None) => Err(refuse(word, "needs a value")),
        };
    }
    if !word.starts_with("--")
        && let Some((prefix, kind)) = ATTACHED
            .iter()
            .filter(|(p, _)| word.len() > p.len() && word.starts_with(p))
            .max_by_key(|(p, _)| p.len())
    {
        check_value(word, *kind, &word[prefix.len()..])?;
        return Ok(1);
    }
    Err(refuse(word, "not an allowed nmap option"))
}

fn check_value(word: &str, kind: ValueKind, value: &str) -> Result<()> {
    let bad = |why: &str| Err(refuse(word, why.to_string()));
    if value.is_empty() {
        return bad("its value is empty");
    }
    if value.starts_with('-') && kind != ValueKind::Data {
        return bad("its value may not start with `-`");
    }
    let all = |ok: fn(char) -> bool| value.chars().all(ok);
    match kind {
        ValueKind::Ports => {
            if !all(|c| c.is_ascii_alphanumeric() || ",-:*[]_".contains(c)) {
                return bad("port lists hold numbers, ranges, protocol prefixes and service names");
            }
        }
        ValueKind::Number => {
            if !all(|c| c.is_ascii_alphanumeric() || c == '.')
                || !value.starts_with(|c: char| c.is_ascii_digit())
            {
                return bad("expects a number, optionally with a time unit (500ms, 2s)");
            }
        }
        ValueKind::Word => {
            if !all(|c| c.is_ascii_alphanumeric() || ".,:_-".contains(c)) {
                return bad("expects a plain word or list");
            }
        }
        ValueKind::Scripts => {
            if value.contains(['/', '\\'])
                || value.contains("..")
                || value.to_ascii_lowercase().contains(".nse")
            {
                return bad("scripts are named by name or category only, never by path");
            }
            if !all(|c| c.is_ascii_alphanumeric() || ",-_*() !".contains(c)) {
                return bad("script names, categories and and/or/not expressions only");
            }
        }
        ValueKind::ScriptArgs => {
            if value.contains(['/', '\\']) {
                return bad("script arguments may not name paths");
            }
        }
        ValueKind::Targets => {
            for t in value.split(',') {
                t.parse::<crate::model::Target>()?;
            }
        }
        ValueKind::Data => {
            if value.chars().any(char::is_control) {
                return bad("control characters are not allowed");
            }
        }
    }
    Ok(())
}

/// Splits a command into words: whitespace separates, quotes group, backslash escapes.
pub fn split(command: &str) -> Result<Vec<String>> {
    if let Some(c) = command
        .chars()
        .find(|c| c.is_control() && !c.is_whitespace())
    {
        return Err(Error::invalid(
            "nmap command",
            format!("control character {:?} is not allowed", c),
        ));
    }
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => match chars.next() {
                Some(escaped) => {
                    current.push(escaped);
                    in_word = true;
                }
                None => {
                    return Err(Error::invalid(
                        "nmap command",
                        "it ends with a lone backslash",
                    ));
                }
            },
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(Error::invalid("nmap command", "a quote is not closed"));
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_argv_with_placeholder_or_appended_target() {
        assert_eq!(
            build_argv("-sT -p 22,80 %s", "10.0.0.1").unwrap(),
            ["-sT", "-p", "22,80", "10.0.0.1"]
        );
        assert_eq!(build_argv("-T4 -F", "::1").unwrap(), ["-T4", "-F", "::1"]);
        assert_eq!(build_argv("", "h").unwrap(), ["-sn", "h"]);
        assert_eq!(
            build_argv(
                "--script \"default and safe\" --script-args=http.useragent=x -p22",
                "h"
            )
            .unwrap(),
            [
                "--script",
                "default and safe",
                "--script-args=http.useragent=x",
                "-p22",
                "h"
            ]
        );
    }

    #[test]
    fn accepts_casibase_templates() {
        for cmd in [
            "-sn %s",
            "-T4 -F %s",
            "-T4 -A -v %s",
            "-sS -sU -T4 -A -v %s",
            "-p 1-65535 %s",
            "-O %s",
            "-sV %s",
            "",
        ] {
            build_argv(cmd, "127.0.0.1").unwrap_or_else(|e| panic!("{cmd}: {e}"));
        }
    }

    #[test]
    fn refuses_hostile_arguments() {
        let hostile = [
            "-oN /etc/passwd",
            "-oX /tmp/x.xml",
            "-oG -",
            "-oA out",
            "-oS x",
            "-oNfile",
            "--append-output",
            "-iL /etc/hosts",
            "-iR 100",
            "--excludefile /etc/shadow",
            "--resume /tmp/scan.gnmap",
            "--datadir /tmp/evil",
            "--servicedb /tmp/s",
            "--versiondb /tmp/v",
            "--stylesheet http://evil/x.xsl",
            "--webxml",
            "--script /tmp/evil.nse",
            "--script ./evil",
            "--script evil.nse",
            "--script ../../tmp/x",
            "--script=C:\\evil",
            "--script-args userdb=/etc/passwd",
            "--script-args-file /tmp/args",
            "--script-updatedb",
            "-D 1.2.3.4,ME",
            "-S 1.2.3.4",
            "--spoof-mac 0",
            "-sI zombie.example",
            "-b ftp.example",
            "--proxies http://p:8080",
            "10.0.0.2",
            "-sT evil.example",
            "-p",
            "-p -oN",
            "--exclude -oN",
            "--top-ports ten",
            "\"unclosed",
            "-sT\u{1b}",
            "-- -oN x",
            "-e eth0;id",
            "--interactive",
            "-V",
        ];
        assert!(hostile.len() >= 30);
        for cmd in hostile {
            let err = build_argv(cmd, "127.0.0.1").unwrap_err();
            assert_eq!(
                err.kind(),
                crate::ErrorKind::InvalidInput,
                "{cmd:?} was accepted"
            );
        }
    }

    #[test]
    fn splits_like_a_shell_without_one() {
        assert_eq!(
            split(r#"a "b c" 'd e' f\ g"#).unwrap(),
            ["a", "b c", "d e", "f g"]
        );
        assert_eq!(split("  ").unwrap(), Vec::<String>::new());
        assert!(split("a\\").is_err());
    }
}
