//! The operator's policy per account: risky NSE scripts, script arguments with paths, wide targets.

use std::collections::BTreeSet;

use super::scripts::{ScriptDb, Selected};
use super::{NmapCommand, NmapOption, Setting};
use crate::error::{Error, Result};
use crate::model::Target;

/// NSE categories that attack the target or reach beyond it; refused unless granted.
pub const RISKY_SCRIPT_CATEGORIES: &[&str] = &[
    "dos",
    "exploit",
    "brute",
    "intrusive",
    "external",
    "broadcast",
];

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
    /// Checks what `owner`'s command asks for against this policy and nmap's script database.
    ///
    /// `scripts` is the database, or why it cannot be read (then `--script` is refused).
    pub fn check_command(
        &self,
        owner: &str,
        command: &NmapCommand,
        scripts: Result<&ScriptDb, &str>,
    ) -> Result<()> {
        if self.risky_scripts.contains(owner) {
            return Ok(());
        }
        for option in command.options() {
            match option {
                NmapOption::Setting(Setting::Script, value) => check_scripts(value, scripts)?,
                NmapOption::Setting(Setting::ScriptArgs, value) => check_script_args(value)?,
                NmapOption::Setting(Setting::DnsServers, _) => {
                    return Err(refused(
                        "--dns-servers",
                        "DNS servers of the account's choosing need the account's risky-scripts grant",
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

/// Refuses a `--script` value that selects any script of a risky category.
///
/// The rule `default` (what `-sC` and `-A` run, as nmap curates it) is allowed as it is.
fn check_scripts(value: &str, db: Result<&ScriptDb, &str>) -> Result<()> {
    let db = db.map_err(|why| refused("--script", why))?;
    let selected = db.select(value).map_err(|why| refused("--script", &why))?;
    for Selected { script, rule } in selected {
        if rule.eq_ignore_ascii_case("default") {
            continue;
        }
        if let Some(category) = script
            .categories
            .iter()
            .find(|c| RISKY_SCRIPT_CATEGORIES.contains(&c.as_str()))
        {
            return Err(refused(
                "--script",
                &format!(
                    "`{rule}` selects script `{}` of category `{category}`, which needs the account's risky-scripts grant",
                    script.name
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses script arguments that name paths or add targets nmap then scans unchecked.
fn check_script_args(value: &str) -> Result<()> {
    if value.contains(['/', '\\']) {
        return Err(refused(
            "--script-args",
            "script arguments naming paths need the account's risky-scripts grant",
        ));
    }
    if value.to_ascii_lowercase().contains("newtargets") {
        return Err(refused(
            "--script-args",
            "newtargets makes nmap scan hosts that were never checked as targets",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> ScriptDb {
        ScriptDb::parse(
            "Entry { filename = \"http-brute.nse\", categories = { \"brute\", \"intrusive\", } }\n\
             Entry { filename = \"banner.nse\", categories = { \"discovery\", \"safe\", } }\n\
             Entry { filename = \"http-open-proxy.nse\", categories = { \"default\", \"discovery\", \"external\", \"safe\", } }\n\
             Entry { filename = \"smb-vuln-x.nse\", categories = { \"dos\", \"vuln\", } }\n\
             Entry { filename = \"broadcast-ping.nse\", categories = { \"broadcast\", \"discovery\", \"safe\", } }\n",
        )
    }

    #[test]
    fn refuses_risky_scripts_unless_granted() {
        let policy = NmapPolicy::default();
        let db = db();
        for bad in [
            "--script exploit",
            "--script \"default or intrusive\"",
            "--script=all",
            "--script true",
            "--script TRUE",
            "--script \"not safe\"",
            "--script \"false or not false\"",
            "--script http-*",
            "--script vuln",
            "--script safe",
            "--script http-brute",
            "--script http-open-proxy",
            "--script DOS",
            "--script unknown-name",
            "--script-args user=/etc/passwd",
            "--script-args newtargets",
            "--script-args=NewTargets,x=1",
            "--dns-servers 10.0.0.53",
        ] {
            let command = NmapCommand::parse(bad).unwrap();
            assert!(
                policy.check_command("acme", &command, Ok(&db)).is_err(),
                "{bad}"
            );
            let granted = NmapPolicy {
                risky_scripts: AccountSet::of(["acme"]),
                ..NmapPolicy::default()
            };
            granted.check_command("acme", &command, Ok(&db)).unwrap();
            assert!(
                granted.check_command("other", &command, Ok(&db)).is_err(),
                "{bad}"
            );
        }
        for fine in [
            "--script default",
            "--script banner",
            "--script \"discovery and not (broadcast or external)\"",
            "-A",
            "-sC",
        ] {
            let command = NmapCommand::parse(fine).unwrap();
            policy
                .check_command("acme", &command, Ok(&db))
                .unwrap_or_else(|e| panic!("{fine}: {e}"));
        }
        let command = NmapCommand::parse("--script banner").unwrap();
        assert!(
            policy
                .check_command("acme", &command, Err("no script.db"))
                .is_err(),
            "fails closed"
        );
        let command = NmapCommand::parse("-sV -A").unwrap();
        policy
            .check_command("acme", &command, Err("no script.db"))
            .unwrap();
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
