use super::*;

fn argv(command: &str, target: &str) -> Result<Vec<String>> {
    Ok(NmapCommand::parse(command)?.argv(&target.parse()?))
}

#[test]
fn writes_canonical_argv_with_the_target_last() {
    assert_eq!(
        argv("-sT -p 22,80 %s", "10.0.0.1").unwrap(),
        ["-sT", "-p", "22,80", "--", "10.0.0.1"]
    );
    assert_eq!(
        argv("-T4 -F", "::1").unwrap(),
        ["--timing=4", "-F", "--", "::1"]
    );
    assert_eq!(argv("", "h").unwrap(), ["-sn", "--", "h"]);
    assert_eq!(
        argv(
            "--script \"default and safe\" --script-args=http.useragent=x -p22 -vv -ddd",
            "h"
        )
        .unwrap(),
        [
            "--script=default and safe",
            "--script-args=http.useragent=x",
            "-p",
            "22",
            "-vv",
            "-ddd",
            "--",
            "h"
        ]
    );
    assert_eq!(
        argv("-sSV -Pn -PS22,80 -n -open -min-rate 100 -O -v3", "h").unwrap(),
        [
            "-sSV",
            "-Pn",
            "-PS22,80",
            "-n",
            "--open",
            "--min-rate=100",
            "-O",
            "-v3",
            "--",
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
        argv(cmd, "127.0.0.1").unwrap_or_else(|e| panic!("{cmd}: {e}"));
    }
}

/// Every bypass form of issue 23 and older hostile commands (shared with the binding tests).
pub(crate) const HOSTILE_FILE: &str =
    include_str!("../../../../tests/data/hostile_nmap_commands.txt");

/// Commands with control characters, which a text fixture does not carry well.
const HOSTILE_CONTROL: &[&str] = &["-sT\u{1b}", "-p 22\u{0}", "--script=a\u{7f}"];

fn hostile() -> Vec<String> {
    HOSTILE_FILE
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.replace("{SECRET}", "/etc/passwd"))
        .chain(HOSTILE_CONTROL.iter().map(|s| s.to_string()))
        .collect()
}

#[test]
fn refuses_every_bypass_form() {
    let hostile = hostile();
    assert!(hostile.len() >= 80);
    for cmd in &hostile {
        let err = argv(cmd, "127.0.0.1").unwrap_err();
        assert_eq!(
            err.kind(),
            crate::ErrorKind::InvalidInput,
            "{cmd:?} was accepted"
        );
    }
}

#[test]
fn refusals_name_the_option_as_written_and_as_nmap_reads_it() {
    let err = NmapCommand::parse("-sT -datad /tmp/x")
        .unwrap_err()
        .to_string();
    assert!(err.contains("`-datad /tmp/x`"), "{err}");
    assert!(err.contains("--datadir"), "{err}");
    let err = NmapCommand::parse("-ve").unwrap_err().to_string();
    assert!(
        err.contains("--version") && err.contains("--verbose"),
        "{err}"
    );
}

#[test]
fn aliases_become_one_canonical_option() {
    for (written, canonical) in [
        ("-P0", "-Pn"),
        ("-PT80", "-PA80"),
        ("-fuzzy", "--osscan-guess"),
        ("-M 5", "--max-parallelism=5"),
        ("-g 53", "--source-port=53"),
        ("--timing insane", "--timing=5"),
        ("-verbose", "-v"),
        ("-nvv", "-n -vv"),
        ("-debug=2", "-d2"),
    ] {
        let words = NmapCommand::parse(written)
            .unwrap()
            .option_words()
            .join(" ");
        assert_eq!(words, canonical, "{written}");
    }
}

#[test]
fn a_command_over_the_length_limit_is_refused_and_one_at_it_is_read() {
    // Found by the nmap_command fuzz target: a 30 kB bundle of short flags took 900 MB.
    let at_limit = format!("-{}", "F".repeat(MAX_COMMAND_BYTES - 1));
    assert!(NmapCommand::parse(&at_limit).is_ok());
    let over = format!("-{}", "F".repeat(MAX_COMMAND_BYTES));
    let err = NmapCommand::parse(&over).expect_err("too long");
    assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("at most 8192"), "{err}");
}
