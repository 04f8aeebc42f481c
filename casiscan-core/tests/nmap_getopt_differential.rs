//! Differential test of casiscan's nmap option reading against glibc's own `getopt_long_only`.
//!
//! A C program (tests/getopt/nmap_getopt.c, nmap's option table typed from nmap.cc) is compiled
//! here and fed a generated corpus of commands: mutations of allowed ones, every long option in
//! full and abbreviated with one and two dashes, glued and `=` values, `--`, stray operands.
//! For every command, casiscan's reading must equal getopt's. For every command casiscan
//! accepts, getopt on the argv casiscan builds must yield exactly casiscan's typed options and
//! the target as the only operand.

#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use casiscan_core::providers::nmap::options::{
    Item, LONG_OPTIONS, NmapCommand, NmapOption, Spec, read, typed_option,
};

const CORPUS_SIZE: usize = 120_000;
const TARGET: &str = "127.0.0.1";

/// A small deterministic generator (xorshift64*), so every run checks the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Allowed commands the mutations start from.
const BASES: &[&str] = &[
    "-sn %s",
    "-T4 -F %s",
    "-T4 -A -v %s",
    "-sS -sU -T4 -A -v %s",
    "-p 1-65535 %s",
    "-O %s",
    "-sV %s",
    "-sT -p 22,80 --open --reason",
    "-Pn -n -sT -p22 --max-retries 1 --host-timeout 30s",
    "--script default --script-args http.useragent=x -sV",
    "-PS22,80 -PA443 -PU53 -sn -vv -dd",
    "--top-ports 100 --min-rate 500 -T5 --exclude 10.0.0.1",
    "-e lo --ttl 64 --data-length 10 --source-port 53 -g 53",
    "-6 -sT -p 80 --traceroute --system-dns",
];

/// Words that are values, targets, paths or junk.
const VALUES: &[&str] = &[
    "22",
    "80,443",
    "1-65535",
    "0.5",
    "/etc/passwd",
    "/tmp/x",
    "-",
    "--",
    "%s",
    "10.0.0.1",
    "default",
    "http-*",
    "evil.nse",
    "4",
    "insane",
    "eth0",
    "",
    "=",
    "x=y",
    "N",
    "v",
    "d",
    "S",
    "-oN",
    "-iL",
    "127.0.0.1",
    "a b",
];

/// Every long option, with one or two dashes, in full or abbreviated.
fn long_forms(rng: &mut Rng) -> String {
    let option = rng.pick(LONG_OPTIONS);
    let cut = 1 + rng.below(option.name.len());
    let dashes = if rng.below(2) == 0 { "-" } else { "--" };
    format!("{dashes}{}", &option.name[..cut])
}

/// One word of nmap-like shape.
fn word(rng: &mut Rng) -> String {
    let short = b"46Ab:D:d::e:Ffg:hIi:M:m:nO::o:P::p:qRrS:s::T:Vv::xyzWY=-";
    match rng.below(8) {
        0 | 1 => long_forms(rng),
        2 => format!("{}={}", long_forms(rng), rng.pick(VALUES)),
        3 => {
            let n = 1 + rng.below(4);
            let glued: String = (0..n)
                .map(|_| char::from(*rng.pick(short.as_slice())))
                .collect();
            format!("-{glued}")
        }
        4 => format!(
            "-{}{}",
            char::from(*rng.pick(short.as_slice())),
            rng.pick(VALUES)
        ),
        _ => rng.pick(VALUES).to_string(),
    }
}

/// A command: a base command's words, mutated.
fn command(rng: &mut Rng) -> Vec<String> {
    let mut words: Vec<String> = rng.pick(BASES).split(' ').map(str::to_string).collect();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(words.len() + 1);
        match rng.below(7) {
            0 | 1 => words.insert(at, word(rng)),
            2 if at < words.len() => {
                words.remove(at);
            }
            3 if at < words.len() => {
                let w = words[at].trim_start_matches('-').to_string();
                words[at] = if rng.below(2) == 0 {
                    format!("-{w}")
                } else {
                    format!("--{w}")
                };
            }
            4 if at + 1 < words.len() => {
                let next = words.remove(at + 1);
                words[at].push_str(&next);
            }
            5 if at < words.len() && words[at].len() > 2 => {
                let cut = 2 + rng.below(words[at].len() - 2);
                if words[at].is_char_boundary(cut) {
                    let tail = words[at].split_off(cut);
                    words.insert(at + 1, tail);
                }
            }
            _ => words.insert(at, rng.pick(VALUES).to_string()),
        }
    }
    words
}

/// Every long option in every abbreviation, with and without values: the systematic part.
fn systematic() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for option in LONG_OPTIONS {
        for cut in 1..=option.name.len() {
            for dashes in ["-", "--"] {
                let w = format!("{dashes}{}", &option.name[..cut]);
                out.push(vec![w.clone()]);
                out.push(vec![w.clone(), "v".into()]);
                out.push(vec![format!("{w}=v")]);
                out.push(vec![format!("{w}=")]);
            }
        }
    }
    for c in 0x21u8..0x7f {
        let c = char::from(c);
        for w in [
            format!("-{c}"),
            format!("-{c}x"),
            format!("-n{c}"),
            format!("-{c}-"),
        ] {
            out.push(vec![w.clone()]);
            out.push(vec![w, "v".into()]);
        }
    }
    out
}

fn compile_checker() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let exe = dir.join("nmap_getopt");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/getopt/nmap_getopt.c");
    let status = Command::new("cc")
        .args(["-O2", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .expect("a C compiler (cc) is needed");
    assert!(status.success(), "cc failed on {}", src.display());
    exe
}

/// getopt's answers for each command, one line each.
fn getopt_lines(exe: &PathBuf, commands: &[Vec<String>]) -> Vec<String> {
    let mut input = Vec::new();
    for words in commands {
        write!(input, "{}", words.len()).unwrap();
        for w in words {
            assert!(!w.contains(['\x1f', '\n']));
            write!(input, "\x1f{w}").unwrap();
        }
        input.push(b'\n');
    }
    let mut child = Command::new(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), commands.len());
    lines
}

/// casiscan's reading in the checker's notation.
fn ours(words: &[String]) -> String {
    let reading = read(words);
    let mut line = String::new();
    for item in &reading.items {
        match item {
            Item::Option { spec, value, .. } => {
                match spec {
                    Spec::Long(o) => line.push_str(&format!("L{}", o.name)),
                    Spec::Short(c) => line.push_str(&format!("S{c}")),
                }
                if let Some(v) = value {
                    line.push_str(&format!("={v}"));
                }
            }
            Item::Misread { .. } => line.push('E'),
        }
        line.push('\x1f');
    }
    for operand in &reading.operands {
        line.push_str(&format!("@{operand}\x1f"));
    }
    line
}

/// The typed options and operands getopt's line stands for.
fn typed_from_getopt(line: &str) -> (Vec<Result<NmapOption, String>>, Vec<String>) {
    let mut options = Vec::new();
    let mut operands = Vec::new();
    for field in line.split('\x1f').filter(|f| !f.is_empty()) {
        let (kind, rest) = field.split_at(1);
        let spec_value = |rest: &str| match rest.split_once('=') {
            Some((s, v)) => (s.to_string(), Some(v.to_string())),
            None => (rest.to_string(), None),
        };
        let item = match kind {
            "@" => {
                operands.push(rest.to_string());
                continue;
            }
            "E" => {
                options.push(Err("getopt refused a word".to_string()));
                continue;
            }
            "L" => {
                let (name, value) = spec_value(rest);
                let option = LONG_OPTIONS.iter().find(|o| o.name == name).unwrap();
                (Spec::Long(option), value)
            }
            _ => {
                let c = rest.chars().next().unwrap();
                let (_, value) = spec_value(&rest[1..]);
                (Spec::Short(c), value)
            }
        };
        options.push(typed_option(&Item::Option {
            spec: item.0,
            value: item.1,
            written: String::new(),
        }));
    }
    (options, operands)
}

#[test]
fn casiscan_reads_commands_exactly_as_glibc_getopt_long_only_does() {
    let exe = compile_checker();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut commands = systematic();
    while commands.len() < CORPUS_SIZE {
        commands.push(command(&mut rng));
    }
    assert!(commands.len() >= 100_000);

    let lines = getopt_lines(&exe, &commands);
    let mut accepted = Vec::new();
    for (words, line) in commands.iter().zip(&lines) {
        assert_eq!(
            &ours(words),
            line,
            "reading differs from getopt for {words:?}"
        );
        if let Ok(command) = NmapCommand::from_words(words) {
            accepted.push(command);
        }
    }

    let argvs: Vec<Vec<String>> = accepted
        .iter()
        .map(|c| c.argv(&TARGET.parse().unwrap()))
        .collect();
    let lines = getopt_lines(&exe, &argvs);
    for ((command, argv), line) in accepted.iter().zip(&argvs).zip(&lines) {
        let (options, operands) = typed_from_getopt(line);
        let options: Vec<NmapOption> = options
            .into_iter()
            .map(|o| o.unwrap_or_else(|e| panic!("{argv:?}: nmap would see a refused option: {e}")))
            .collect();
        assert_eq!(options, command.options(), "argv {argv:?}");
        assert_eq!(operands, [TARGET], "argv {argv:?}");
    }
    println!(
        "{} commands compared, {} accepted and their argv checked",
        commands.len(),
        accepted.len()
    );
    assert!(
        accepted.len() > 5_000,
        "the corpus accepts too little to test argv"
    );
}
