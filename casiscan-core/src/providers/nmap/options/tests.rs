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

/// Every bypass form of issue 23 and the older hostile commands: all refused.
pub(crate) const HOSTILE: &[&str] = &[
    // Single-dash long options and prefixes that nmap reads as refused options.
    "-port-ratio 0.1 -iL /etc/passwd",
    "-po 0.5 -iL /etc/passwd",
    "-proxies http://p:8080",
    "-proxy http://p:8080",
    "-excludefile /etc/shadow",
    "-exclude-ports 1 -oN /tmp/x",
    "-exclude 10.0.0.1 --datad=/tmp/evil",
    "--datad=/tmp/evil",
    "--datadir /tmp/evil",
    "-datadir /tmp/evil",
    "--script-ar userdb=/etc/passwd",
    "--script-args-f /tmp/args",
    "--oG=/tmp/out",
    "-oG=/tmp/out",
    "--oN /etc/cron.d/x",
    "-iL /etc/passwd",
    "-i /etc/passwd",
    "-iR 100",
    "-res /tmp/x",
    "-resume /tmp/scan.gnmap",
    "-serv /tmp/s",
    "-versiondb /tmp/v",
    "-styl http://evil/x.xsl",
    "-webxml",
    "-sI zombie.example",
    "-spoof 00:11:22:33:44:55",
    "-D 1.2.3.4,ME",
    "-S 1.2.3.4",
    "-b ftp.example",
    "-ip-options R",
    "-m /tmp/out",
    "-o /tmp/out",
    "-oNfile",
    "-oX /tmp/x.xml",
    "-oA out",
    "--append-output",
    "--script /tmp/evil.nse",
    "--script=./evil",
    "--script evil.nse",
    "--script ../../tmp/x",
    "--script=C:\\evil",
    "-script /tmp/evil.nse",
    "-scrip /tmp/evil.nse",
    "--script-updatedb",
    "--script-help=default",
    "-iflist",
    "-V",
    "-version",
    "-h",
    "-help",
    "-y",
    "-yoloscan",
    // Value-consuming confusion: what looks like a value is an option to nmap, or vice versa.
    "-p -oN",
    "-p",
    "--exclude -oN",
    "-ve",
    "-de",
    "-no",
    "-p=80",
    "-e eth0;id",
    "--top-ports ten",
    // Operands other than the placeholder; end of options.
    "10.0.0.2",
    "-sT evil.example",
    "-- -oN x",
    "-sT -- /etc/passwd",
    "-",
    // Quoting and control characters.
    "\"unclosed",
    "-sT\u{1b}",
    "--interactive",
    "-v0",
    "-sB",
    "-sSI",
    "-P",
    "-PEfoo",
    "-O1",
    "-T9",
];

#[test]
fn refuses_every_bypass_form() {
    assert!(HOSTILE.len() >= 60);
    for cmd in HOSTILE {
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
