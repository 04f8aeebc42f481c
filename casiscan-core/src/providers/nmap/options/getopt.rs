//! nmap's reading of its argv: glibc's `getopt_long_only` rules over nmap's option table.
//!
//! The rules, as glibc implements them: a word starting with `--` is a long option; a word
//! starting with one `-` is tried as a long option first (unless it is `-c` for a short option
//! `c`), where an exact name wins and otherwise a prefix that matches exactly one long option is
//! that option (two matches are ambiguous); if no long option matches and the first character is
//! a short option, the word is read as short options, glued (`-nF`), with a glued value (`-p22`)
//! or the next word as value. `--opt=value` gives a value (even an empty one); a required value
//! may also be the next word, whatever it looks like. `--` ends the options. Other words are
//! operands, wherever they stand (getopt moves them to the end).

use super::table::{Arg, LONG_OPTIONS, LongOption, SHORT_OPTIONS, short_arg};

/// Which nmap option a word was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spec {
    /// A long option of nmap's table.
    Long(&'static LongOption),
    /// A short option character.
    Short(char),
}

impl Spec {
    /// The option as nmap names it: `--name` or `-c`.
    pub fn display(&self) -> String {
        match self {
            Spec::Long(o) => format!("--{}", o.name),
            Spec::Short(c) => format!("-{c}"),
        }
    }
}

/// Why nmap would refuse a word (getopt returns `?` and nmap exits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misread {
    /// No long option and no short option of that name.
    Unknown,
    /// A prefix of several long options.
    Ambiguous(Vec<&'static str>),
    /// A value-taking option at the end of the command.
    NeedsValue(Spec),
    /// `--opt=value` for an option that takes none.
    TakesNoValue(Spec),
}

/// One thing getopt reports, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// An option with its value (`None`: none given).
    Option {
        /// The option.
        spec: Spec,
        /// Its value.
        value: Option<String>,
        /// The word (or words) the user wrote for it.
        written: String,
    },
    /// A word getopt refuses.
    Misread {
        /// Why.
        why: Misread,
        /// The word as written.
        written: String,
    },
}

/// What getopt makes of a whole argv (without the program name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// Options and refusals in the order getopt returns them.
    pub items: Vec<Item>,
    /// Operands (targets), in order, as nmap finds them after option processing.
    pub operands: Vec<String>,
}

/// Reads `words` exactly as nmap's `getopt_long_only` call does.
pub fn read<S: AsRef<str>>(words: &[S]) -> Reading {
    let mut cursor = Cursor {
        words,
        next: 0,
        reading: Reading::default(),
    };
    while let Some(word) = cursor.take() {
        cursor.word(word);
    }
    cursor.reading
}

struct Cursor<'a, S> {
    words: &'a [S],
    next: usize,
    reading: Reading,
}

enum Lookup {
    Found(&'static LongOption),
    Ambiguous(Vec<&'static str>),
    NotFound,
}

impl<'a, S: AsRef<str>> Cursor<'a, S> {
    fn take(&mut self) -> Option<&'a str> {
        let word = self.words.get(self.next)?.as_ref();
        self.next += 1;
        Some(word)
    }

    fn word(&mut self, word: &'a str) {
        let bytes = word.as_bytes();
        if word == "--" {
            while let Some(rest) = self.take() {
                self.reading.operands.push(rest.to_string());
            }
            return;
        }
        if bytes.first() != Some(&b'-') || bytes.len() == 1 {
            self.reading.operands.push(word.to_string());
            return;
        }
        if let Some(body) = word.strip_prefix("--") {
            match lookup(body) {
                Lookup::Found(option) => self.long(option, body, word),
                Lookup::Ambiguous(names) => self.misread(Misread::Ambiguous(names), word),
                Lookup::NotFound => self.misread(Misread::Unknown, word),
            }
            return;
        }
        let body = &word[1..];
        // glibc asks `strchr(optstring, c)`, which also finds the `:` separators.
        let in_optstring = SHORT_OPTIONS.as_bytes().contains(&bytes[1]);
        if bytes.len() > 2 || !in_optstring {
            match lookup(body) {
                Lookup::Found(option) => return self.long(option, body, word),
                Lookup::Ambiguous(names) => return self.misread(Misread::Ambiguous(names), word),
                Lookup::NotFound if !in_optstring => {
                    return self.misread(Misread::Unknown, word);
                }
                Lookup::NotFound => {}
            }
        }
        self.shorts(word);
    }

    fn misread(&mut self, why: Misread, written: &str) {
        self.reading.items.push(Item::Misread {
            why,
            written: written.to_string(),
        });
    }

    fn push(&mut self, spec: Spec, value: Option<String>, written: String) {
        self.reading.items.push(Item::Option {
            spec,
            value,
            written,
        });
    }

    /// A long option found from `body` (the word without its dashes).
    fn long(&mut self, option: &'static LongOption, body: &str, word: &str) {
        let spec = Spec::Long(option);
        match (body.split_once('='), option.arg) {
            (Some(_), Arg::None) => self.misread(Misread::TakesNoValue(spec), word),
            (Some((_, value)), _) => self.push(spec, Some(value.to_string()), word.to_string()),
            (None, Arg::Required) => match self.take() {
                Some(value) => self.push(spec, Some(value.to_string()), format!("{word} {value}")),
                None => self.misread(Misread::NeedsValue(spec), word),
            },
            (None, _) => self.push(spec, None, word.to_string()),
        }
    }

    /// `-abc`: short options from the second character on.
    fn shorts(&mut self, word: &str) {
        let bytes = word.as_bytes();
        let mut at = 1;
        while at < bytes.len() {
            let c = bytes[at];
            at += 1;
            let rest = word.get(at..).unwrap_or("");
            let Some(arg) = short_arg(c) else {
                self.misread(Misread::Unknown, word);
                continue;
            };
            let spec = Spec::Short(char::from(c));
            match arg {
                Arg::None => {
                    self.push(spec, None, word.to_string());
                    continue;
                }
                Arg::Optional => {
                    let value = (!rest.is_empty()).then(|| rest.to_string());
                    self.push(spec, value, word.to_string());
                }
                Arg::Required if !rest.is_empty() => {
                    self.push(spec, Some(rest.to_string()), word.to_string());
                }
                Arg::Required => match self.take() {
                    Some(value) => {
                        self.push(spec, Some(value.to_string()), format!("{word} {value}"));
                    }
                    None => self.misread(Misread::NeedsValue(spec), word),
                },
            }
            return;
        }
    }
}

/// The long option `body` names (up to any `=`): exact, else the one it is a prefix of.
fn lookup(body: &str) -> Lookup {
    let name = body.split_once('=').map_or(body, |(n, _)| n);
    if let Some(exact) = LONG_OPTIONS.iter().find(|o| o.name == name) {
        return Lookup::Found(exact);
    }
    let matches: Vec<&'static LongOption> = LONG_OPTIONS
        .iter()
        .filter(|o| o.name.starts_with(name))
        .collect();
    match matches.as_slice() {
        [] => Lookup::NotFound,
        [one] => Lookup::Found(one),
        many => Lookup::Ambiguous(many.iter().map(|o| o.name).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(command: &str) -> Vec<String> {
        let words: Vec<&str> = command.split(' ').collect();
        let reading = read(&words);
        let mut out: Vec<String> = reading
            .items
            .iter()
            .map(|item| match item {
                Item::Option { spec, value, .. } => match value {
                    Some(v) => format!("{}={v}", spec.display()),
                    None => spec.display(),
                },
                Item::Misread { why, written } => format!("?{written}:{why:?}"),
            })
            .collect();
        out.extend(reading.operands.iter().map(|o| format!("@{o}")));
        out
    }

    #[test]
    fn single_dash_long_options_and_prefixes() {
        assert_eq!(seen("-port-ratio 0.5"), ["--port-ratio=0.5"]);
        assert_eq!(seen("-po 0.5"), ["--port-ratio=0.5"]);
        assert_eq!(seen("--datad=/tmp"), ["--datadir=/tmp"]);
        assert_eq!(seen("--script-args-f x"), ["--script-args-file=x"]);
        assert!(seen("--script-ar x")[0].starts_with("?--script-ar:Ambiguous"));
        assert_eq!(seen("-excludefile f"), ["--excludefile=f"]);
        assert_eq!(seen("-proxy p"), ["--proxy=p"]);
        assert_eq!(seen("-y"), ["--yoloscan"]);
        assert_eq!(seen("-oN x"), ["--oN=x"]);
        assert_eq!(seen("-vv"), ["--vv"]);
    }

    #[test]
    fn short_options_glued_and_valued() {
        assert_eq!(seen("-sS"), ["-s=S"]);
        assert_eq!(seen("-p22"), ["-p=22"]);
        assert_eq!(seen("-p -oN"), ["-p=-oN"]);
        assert_eq!(seen("-nF"), ["-n", "-F"]);
        assert_eq!(seen("-nsT"), ["-n", "-s=T"]);
        assert_eq!(seen("-np 22 h"), ["-n", "-p=22", "@h"]);
        assert_eq!(seen("-vvv"), ["-v=vv"]);
        assert_eq!(seen("-eth0"), ["-e=th0"]);
        assert_eq!(seen("-oNfile"), ["-o=Nfile"]);
        assert_eq!(seen("-v"), ["-v"]);
    }

    #[test]
    fn refusals_operands_and_end_of_options() {
        assert!(
            seen("-ve")[0].starts_with("?-ve:Ambiguous([\"version\", \"verbose\", \"versiondb\"")
        );
        assert!(seen("--open=1")[0].starts_with("?--open=1:TakesNoValue"));
        assert!(seen("-p")[0].starts_with("?-p:NeedsValue"));
        assert_eq!(seen("a -- -oN x"), ["@a", "@-oN", "@x"]);
        assert_eq!(seen("- -n"), ["-n", "@-"]);
        assert!(seen("--nope")[0].starts_with("?--nope:Unknown"));
        assert!(seen("-p=80")[0].starts_with("?-p=80:Ambiguous"));
        assert_eq!(seen("-nZF").len(), 3);
    }
}
