//! Which NSE scripts a `--script` value selects, by nmap's own rules over its `script.db`.
//!
//! nmap splits the value on commas into rules; a leading `+` forces a rule. Each rule is a
//! boolean expression (nse_main.lua's grammar, a PEG: `expression = disjunct / conjunct / value`,
//! `disjunct = (conjunct / value) "or" expression`, `conjunct = value "and" expression`,
//! `value = "not" value / "(" expression ")" / "true" / "false" / category / path`), evaluated
//! for every script of the database: keywords and categories match case-insensitively, `all`
//! matches every script, a path is a glob (`*`) over the script's file name without `.nse`. A
//! rule that selects nothing names a script file, which nmap then looks up by name.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Most words and brackets one rule may have (each rule is evaluated for every script).
pub const MAX_RULE_TOKENS: usize = 256;

/// One script of nmap's database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptEntry {
    /// The file name without `.nse`.
    pub name: String,
    /// Its categories, lower case.
    pub categories: Vec<String>,
}

/// nmap's installed script database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptDb {
    entries: Vec<ScriptEntry>,
}

/// A script a `--script` value selects, and the rule that selected it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected<'a> {
    /// The script.
    pub script: &'a ScriptEntry,
    /// The rule, as written (without `+` and surrounding spaces).
    pub rule: &'a str,
}

impl ScriptDb {
    /// Reads script.db text: `Entry { filename = "x.nse", categories = { "a", "b", } }` lines.
    pub fn parse(text: &str) -> Self {
        let entries = text
            .lines()
            .filter_map(|line| {
                let (_, rest) = line.split_once("filename = \"")?;
                let (file, rest) = rest.split_once('"')?;
                let name = file.strip_suffix(".nse").unwrap_or(file).to_string();
                let (_, cats) = rest.split_once("categories = {")?;
                let categories = cats
                    .split('"')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_ascii_lowercase)
                    .collect();
                Some(ScriptEntry { name, categories })
            })
            .collect();
        ScriptDb { entries }
    }

    /// The database nmap at `binary` uses, from the places nmap looks (cached per path).
    pub fn for_nmap(binary: Option<&Path>) -> Result<std::sync::Arc<ScriptDb>, String> {
        let mut candidates: Vec<PathBuf> = binary
            .and_then(Path::parent)
            .map(|bin| bin.join("../share/nmap/scripts/script.db"))
            .into_iter()
            .collect();
        candidates.push("/usr/share/nmap/scripts/script.db".into());
        candidates.push("/usr/local/share/nmap/scripts/script.db".into());
        let found = candidates.iter().find(|p| p.is_file()).ok_or_else(|| {
            "nmap's script database (scripts/script.db) was not found, so scripts cannot be checked; install nmap here".to_string()
        })?;
        cached(found)
    }

    /// Every script the `--script` value selects, with the rule that selected it.
    pub fn select<'a>(&'a self, value: &'a str) -> Result<Vec<Selected<'a>>, String> {
        let mut selected = Vec::new();
        for raw in value.split(',') {
            let rule = raw.trim();
            let rule = rule.strip_prefix('+').unwrap_or(rule);
            if rule.is_empty() {
                continue;
            }
            let tokens = tokenize(rule);
            if tokens.len() > MAX_RULE_TOKENS {
                return Err(format!(
                    "the script rule `{rule}` has {} words and brackets, more than the {MAX_RULE_TOKENS} accepted",
                    tokens.len()
                ));
            }
            let mut by_rule = 0;
            for script in &self.entries {
                let matched = parse_rule(&tokens, script)
                    .ok_or_else(|| format!("nmap cannot read the script rule `{rule}`"))?;
                if matched {
                    selected.push(Selected { script, rule });
                    by_rule += 1;
                }
            }
            if by_rule == 0 {
                let script = self
                    .entries
                    .iter()
                    .find(|e| e.name == rule)
                    .ok_or_else(|| {
                        format!("`{rule}` is not a script or category of nmap's database")
                    })?;
                selected.push(Selected { script, rule });
            }
        }
        Ok(selected)
    }
}

fn cached(path: &Path) -> Result<std::sync::Arc<ScriptDb>, String> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, std::sync::Arc<ScriptDb>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache
        .lock()
        .map_err(|_| "script database cache poisoned".to_string())?;
    if let Some(db) = map.get(path) {
        return Ok(db.clone());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read nmap's script database {}: {e}", path.display()))?;
    let db = std::sync::Arc::new(ScriptDb::parse(&text));
    map.insert(path.to_path_buf(), db.clone());
    Ok(db)
}

/// Parentheses and words (runs of graphical characters other than parentheses).
fn tokenize(rule: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, c) in rule.char_indices() {
        let delimiter = c.is_whitespace() || c == '(' || c == ')';
        if delimiter {
            if let Some(s) = start.take() {
                tokens.push(&rule[s..i]);
            }
            if c != ' ' && !c.is_whitespace() {
                tokens.push(&rule[i..i + 1]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        tokens.push(&rule[s..]);
    }
    tokens
}

/// The whole rule must be one expression; `None` when nmap would not read it.
fn parse_rule(tokens: &[&str], script: &ScriptEntry) -> Option<bool> {
    let eval = Eval {
        tokens,
        script,
        memo: RefCell::new(vec![[None; 4]; tokens.len() + 1]),
    };
    let (value, end) = eval.expression(0)?;
    (end == tokens.len()).then_some(value)
}

/// What a grammar rule read from a position: its value and where it ended, or `None`.
type Parsed = Option<(bool, usize)>;

/// The grammar's rules, indexing [`Eval::memo`].
#[derive(Clone, Copy)]
enum Rule {
    Expression,
    Disjunct,
    Conjunct,
    Value,
}

/// One rule read for one script, as a packrat parser: every grammar rule's result at every
/// position is computed once (the PEG's alternatives re-read the same tokens, which without the
/// memo costs exponential time in the nesting).
struct Eval<'a> {
    tokens: &'a [&'a str],
    script: &'a ScriptEntry,
    memo: RefCell<Vec<[Option<Parsed>; 4]>>,
}

impl Eval<'_> {
    /// `read`'s result for `rule` at `at`, computed at most once.
    fn memoized(&self, rule: Rule, at: usize, read: impl FnOnce() -> Parsed) -> Parsed {
        let known = self.memo.borrow().get(at).and_then(|m| m[rule as usize]);
        if let Some(parsed) = known {
            return parsed;
        }
        let parsed = read();
        if let Some(m) = self.memo.borrow_mut().get_mut(at) {
            m[rule as usize] = Some(parsed);
        }
        parsed
    }

    fn keyword(&self, at: usize, word: &str) -> bool {
        self.tokens
            .get(at)
            .is_some_and(|t| t.eq_ignore_ascii_case(word))
    }

    fn expression(&self, at: usize) -> Parsed {
        self.memoized(Rule::Expression, at, || {
            self.disjunct(at)
                .or_else(|| self.conjunct(at))
                .or_else(|| self.value(at))
        })
    }

    fn disjunct(&self, at: usize) -> Parsed {
        self.memoized(Rule::Disjunct, at, || self.read_disjunct(at))
    }

    fn conjunct(&self, at: usize) -> Parsed {
        self.memoized(Rule::Conjunct, at, || self.read_conjunct(at))
    }

    fn value(&self, at: usize) -> Parsed {
        self.memoized(Rule::Value, at, || self.read_value(at))
    }

    fn read_disjunct(&self, at: usize) -> Parsed {
        let (left, next) = self.conjunct(at).or_else(|| self.value(at))?;
        if !self.keyword(next, "or") {
            return None;
        }
        let (right, end) = self.expression(next + 1)?;
        Some((left || right, end))
    }

    fn read_conjunct(&self, at: usize) -> Parsed {
        let (left, next) = self.value(at)?;
        if !self.keyword(next, "and") {
            return None;
        }
        let (right, end) = self.expression(next + 1)?;
        Some((left && right, end))
    }

    fn read_value(&self, at: usize) -> Parsed {
        let token = *self.tokens.get(at)?;
        if token.eq_ignore_ascii_case("not")
            && let Some((v, end)) = self.value(at + 1)
        {
            return Some((!v, end));
        }
        if token == "(" {
            let (v, next) = self.expression(at + 1)?;
            return (self.tokens.get(next) == Some(&")")).then_some((v, next + 1));
        }
        if token == ")" {
            return None;
        }
        if token.eq_ignore_ascii_case("true") || token.eq_ignore_ascii_case("all") {
            return Some((true, at + 1));
        }
        if token.eq_ignore_ascii_case("false") {
            return Some((false, at + 1));
        }
        let category = self
            .script
            .categories
            .iter()
            .any(|c| c.eq_ignore_ascii_case(token));
        Some((category || glob(token, &self.script.name), at + 1))
    }
}

/// nmap's path match: the pattern without `.nse`, `*` any run, anchored, case-sensitive.
fn glob(pattern: &str, name: &str) -> bool {
    let pattern = pattern.strip_suffix(".nse").unwrap_or(pattern);
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = match parts.split_first() {
        Some(split) => split,
        None => return name.is_empty(),
    };
    let Some(mut remaining) = name.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> ScriptDb {
        ScriptDb::parse(
            "Entry { filename = \"http-brute.nse\", categories = { \"brute\", \"intrusive\", } }\n\
             Entry { filename = \"banner.nse\", categories = { \"discovery\", \"safe\", } }\n\
             Entry { filename = \"http-title.nse\", categories = { \"default\", \"discovery\", \"safe\", } }\n\
             Entry { filename = \"smb-vuln-x.nse\", categories = { \"dos\", \"vuln\", } }\n",
        )
    }

    fn names(value: &str) -> Vec<String> {
        let db = db();
        let mut out: Vec<String> = db
            .select(value)
            .unwrap()
            .iter()
            .map(|s| s.script.name.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn selects_as_nmaps_grammar_does() {
        assert_eq!(names("banner"), ["banner"]);
        assert_eq!(names("SAFE"), ["banner", "http-title"]);
        assert_eq!(names("true"), names("all"));
        assert_eq!(names("not safe"), ["http-brute", "smb-vuln-x"]);
        assert_eq!(names("http-*"), ["http-brute", "http-title"]);
        assert_eq!(names("default and safe"), ["http-title"]);
        assert_eq!(names("vuln"), ["smb-vuln-x"]);
        assert_eq!(names("+banner , http-title"), ["banner", "http-title"]);
        assert_eq!(names("false or not(false)").len(), 4);
        assert!(db().select("nope").is_err());
        assert!(db().select("(safe").is_err());
    }

    #[test]
    fn globs_like_nmap() {
        assert!(glob("http-*", "http-title"));
        assert!(glob("*title", "http-title"));
        assert!(glob("h*p-t*e", "http-title"));
        assert!(!glob("http", "http-title"));
        assert!(glob("banner.nse", "banner"));
    }

    #[test]
    fn deep_nesting_and_long_chains_take_linear_time() {
        // Each level re-read every alternative below it: 4^levels steps before the memo (40
        // levels never finished); any account could send this through `--script`.
        let nested = format!("{}safe{}", "(".repeat(40), ")".repeat(40));
        let chain = vec!["safe"; 120].join(" and ");
        let mixed = format!("{}discovery{}", "( not not ".repeat(30), " )".repeat(30));
        let started = std::time::Instant::now();
        assert_eq!(names(&nested), ["banner", "http-title"]);
        assert_eq!(names(&chain), ["banner", "http-title"]);
        assert_eq!(names(&mixed), ["banner", "http-title"]);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_rule_at_the_token_limit_is_read_and_one_token_more_is_refused() {
        assert_eq!(MAX_RULE_TOKENS, 256);
        // "not" and 127 "safe or" pairs less the last "or": 2 + 2 * 127 = 256 tokens.
        let at = format!("not {}", vec!["safe"; 128].join(" or "));
        assert_eq!(tokenize(&at).len(), MAX_RULE_TOKENS);
        // `not` binds to the first `safe` only: (not safe) or safe or … selects every script.
        assert_eq!(
            names(&at),
            ["banner", "http-brute", "http-title", "smb-vuln-x"]
        );
        let over = format!("( {} )", vec!["safe"; 128].join(" or "));
        assert_eq!(tokenize(&over).len(), MAX_RULE_TOKENS + 1);
        let err = db().select(&over).expect_err("past the limit");
        assert!(
            err.contains("257 words and brackets, more than the 256"),
            "{err}"
        );
    }
}
