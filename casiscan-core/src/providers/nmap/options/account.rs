//! The operator's policy per account: risky NSE scripts, script arguments with paths, wide targets.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use super::{NmapCommand, NmapOption, Setting};
use crate::error::{Error, Result};
use crate::model::Target;

/// NSE categories that attack the target or reach beyond it; refused unless granted.
pub const RISKY_SCRIPT_CATEGORIES: &[&str] =
    &["dos", "exploit", "brute", "intrusive", "external", "all"];

/// The default largest target: 65 536 addresses (an IPv4 /16).
pub const DEFAULT_MAX_TARGET_ADDRESSES: u128 = 65_536;

/// A set of accounts (owners); `*` stands for every account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSet(BTreeSet<String>);

impl AccountSet {
    /// No account.
    pub fn none() -> Self {
        AccountSet::default()
    }

    /// The accounts named (`*` for all).
    pub fn of<I: IntoIterator<Item = S>, S: Into<String>>(owners: I) -> Self {
        AccountSet(owners.into_iter().map(Into::into).collect())
    }

    /// Whether `owner` is in the set.
    pub fn contains(&self, owner: &str) -> bool {
        self.0.contains(owner) || self.0.contains("*")
    }
}

/// What each account may ask of nmap beyond the safe defaults (an operator setting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NmapPolicy {
    /// Largest target, in addresses, an account may scan without `wide_targets`.
    pub max_target_addresses: u128,
    /// Accounts allowed targets wider than `max_target_addresses`.
    pub wide_targets: AccountSet,
    /// Accounts allowed risky script categories, wildcards, and script arguments naming paths.
    pub risky_scripts: AccountSet,
}

impl Default for NmapPolicy {
    fn default() -> Self {
        NmapPolicy {
            max_target_addresses: DEFAULT_MAX_TARGET_ADDRESSES,
            wide_targets: AccountSet::none(),
            risky_scripts: AccountSet::none(),
        }
    }
}

impl NmapPolicy {
    /// Checks what `owner`'s command asks for against this policy.
    pub fn check_command(&self, owner: &str, command: &NmapCommand) -> Result<()> {
        if self.risky_scripts.contains(owner) {
            return Ok(());
        }
        for option in command.options() {
            match option {
                NmapOption::Setting(Setting::Script, value) => check_scripts(value)?,
                NmapOption::Setting(Setting::ScriptArgs, value) if value.contains(['/', '\\']) => {
                    return Err(refused(
                        "--script-args",
                        "script arguments naming paths need the account's risky-scripts grant",
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Checks `owner`'s target: never a reserved block, and no wider than allowed.
    pub fn check_target(&self, owner: &str, target: &Target) -> Result<()> {
        let what = || format!("target `{target}`");
        if let Some(why) = target.reserved_reason() {
            return Err(Error::invalid(what(), why));
        }
        let count = target.address_count();
        if count > self.max_target_addresses && !self.wide_targets.contains(owner) {
            return Err(Error::invalid(
                what(),
                format!(
                    "it covers {count} addresses, more than the {} this account may scan at once",
                    self.max_target_addresses
                ),
            ));
        }
        Ok(())
    }
}

fn refused(option: &str, why: &str) -> Error {
    Error::invalid(format!("nmap option `{option}`"), why)
}

/// Refuses risky categories, wildcards, and scripts whose categories (nmap's script.db) are risky.
fn check_scripts(expression: &str) -> Result<()> {
    let words = expression
        .split(|c: char| ",() ".contains(c))
        .filter(|w| !w.is_empty() && !["and", "or", "not"].contains(w));
    for word in words {
        let lower = word.to_ascii_lowercase();
        if word.contains('*') {
            return Err(refused(
                "--script",
                &format!("`{word}` is a wildcard; name scripts or safe categories"),
            ));
        }
        if RISKY_SCRIPT_CATEGORIES.contains(&lower.as_str()) {
            return Err(refused(
                "--script",
                &format!("category `{word}` needs the account's risky-scripts grant"),
            ));
        }
        if let Some(category) = script_db().get(lower.as_str()).and_then(|cats| {
            cats.iter()
                .find(|c| RISKY_SCRIPT_CATEGORIES.contains(&c.as_str()))
        }) {
            return Err(refused(
                "--script",
                &format!(
                    "script `{word}` is in category `{category}`, which needs the account's risky-scripts grant"
                ),
            ));
        }
    }
    Ok(())
}

/// Script name → categories, from nmap's installed script.db (empty when none is found).
fn script_db() -> &'static HashMap<String, Vec<String>> {
    static DB: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    DB.get_or_init(|| {
        [
            "/usr/share/nmap/scripts/script.db",
            "/usr/local/share/nmap/scripts/script.db",
        ]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|text| parse_script_db(&text))
        .unwrap_or_default()
    })
}

/// Reads script.db lines: `Entry { filename = "x.nse", categories = { "a", "b", } }`.
fn parse_script_db(text: &str) -> HashMap<String, Vec<String>> {
    text.lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once("filename = \"")?;
            let (file, rest) = rest.split_once('"')?;
            let name = file
                .strip_suffix(".nse")
                .unwrap_or(file)
                .to_ascii_lowercase();
            let (_, cats) = rest.split_once("categories = {")?;
            let cats = cats
                .split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_ascii_lowercase)
                .collect();
            Some((name, cats))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_script_db_lines() {
        let db = parse_script_db(
            "Entry { filename = \"http-brute.nse\", categories = { \"brute\", \"intrusive\", } }\n\
             Entry { filename = \"banner.nse\", categories = { \"discovery\", \"safe\", } }\n",
        );
        assert_eq!(db["http-brute"], ["brute", "intrusive"]);
        assert_eq!(db["banner"], ["discovery", "safe"]);
    }

    #[test]
    fn refuses_risky_scripts_unless_granted() {
        let policy = NmapPolicy::default();
        for bad in [
            "--script exploit",
            "--script \"default or intrusive\"",
            "--script=all",
            "--script *",
            "--script http-*",
            "--script DOS",
            "--script-args user=/etc/passwd",
        ] {
            let command = NmapCommand::parse(bad).unwrap();
            assert!(policy.check_command("acme", &command).is_err(), "{bad}");
            let granted = NmapPolicy {
                risky_scripts: AccountSet::of(["acme"]),
                ..NmapPolicy::default()
            };
            granted.check_command("acme", &command).unwrap();
            assert!(granted.check_command("other", &command).is_err(), "{bad}");
        }
        for fine in [
            "--script default",
            "--script \"default and safe\"",
            "-A",
            "-sC",
        ] {
            let command = NmapCommand::parse(fine).unwrap();
            policy.check_command("acme", &command).unwrap();
        }
    }

    #[test]
    fn refuses_wide_and_reserved_targets() {
        let policy = NmapPolicy::default();
        let t = |s: &str| s.parse::<Target>().unwrap();
        policy.check_target("a", &t("10.0.0.0/16")).unwrap();
        assert!(policy.check_target("a", &t("10.0.0.0/15")).is_err());
        assert!(policy.check_target("a", &t("0.0.0.0/0")).is_err());
        let wide = NmapPolicy {
            wide_targets: AccountSet::of(["*"]),
            ..NmapPolicy::default()
        };
        wide.check_target("a", &t("10.0.0.0/8")).unwrap();
        assert!(
            wide.check_target("a", &t("0.0.0.0/0")).is_err(),
            "reserved stays refused"
        );
        assert!(wide.check_target("a", &t("224.0.0.1")).is_err());
    }
}
