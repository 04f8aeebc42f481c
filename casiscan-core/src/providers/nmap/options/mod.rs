//! nmap commands: read with nmap's own rules into a typed option set, refused or rebuilt canonically.
//!
//! A command is split into words (`split`), read exactly as nmap's `getopt_long_only` reads it
//! (`getopt`, over nmap's option table in `table`), and each option nmap would see becomes a typed
//! [`NmapOption`] or a refusal (`policy`). nmap's argv is then written from the typed set only,
//! one canonical spelling per option (`option`), and read back with the same rules before use: no
//! word the user wrote reaches nmap as written.

mod account;
mod getopt;
mod option;
mod policy;
mod scripts;
mod split;
mod table;
mod value;

pub use account::{AccountSet, NmapPolicy, RISKY_SCRIPT_CATEGORIES};
pub use getopt::{Item, Misread, Reading, Spec, read};
pub use option::{Flag, Level, NmapOption, Setting, Spelling, ValueKind};
pub use policy::typed as typed_option;
pub use scripts::{MAX_RULE_TOKENS, ScriptDb, ScriptEntry, Selected};
pub use split::split;
pub use table::{Arg, LONG_OPTIONS, LongOption, SHORT_OPTIONS};

use crate::error::{Error, Result};
use crate::model::Target;

/// The placeholder Casibase commands use for the target.
pub const TARGET_PLACEHOLDER: &str = "%s";

/// Longest nmap command accepted, in bytes of its words (a bundle of short flags is read flag
/// by flag, so the reading grows with the square of a word's length).
pub const MAX_COMMAND_BYTES: usize = 8 * 1024;

/// A checked nmap command: the options casiscan passes, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NmapCommand {
    options: Vec<NmapOption>,
}

impl NmapCommand {
    /// Reads `command` as nmap would and keeps it only if every option is allowed.
    ///
    /// An empty command is Casibase's default, a ping scan (`-sn`).
    pub fn parse(command: &str) -> Result<Self> {
        Self::from_words(&split(command)?)
    }

    /// Reads already-split words as nmap would and keeps them only if every option is allowed.
    pub fn from_words<S: AsRef<str>>(words: &[S]) -> Result<Self> {
        let length: usize = words.iter().map(|w| w.as_ref().len()).sum();
        if length > MAX_COMMAND_BYTES {
            return Err(Error::invalid(
                "nmap command",
                format!("is {length} bytes long; at most {MAX_COMMAND_BYTES} are accepted"),
            ));
        }
        if words.is_empty() {
            return Ok(NmapCommand {
                options: vec![NmapOption::ScanTypes("n".into())],
            });
        }
        let reading = read(words);
        let options = typed_options(&reading)?;
        if let Some(operand) = reading.operands.iter().find(|o| *o != TARGET_PLACEHOLDER) {
            return Err(Error::invalid(
                format!("nmap argument `{}`", operand.escape_debug()),
                "only options are allowed here; the target comes from the scan (use %s to place it)",
            ));
        }
        let command = NmapCommand { options };
        command.check_round_trip()?;
        Ok(command)
    }

    /// The typed options, in the order given.
    pub fn options(&self) -> &[NmapOption] {
        &self.options
    }

    /// Whether an option with this setting is present.
    pub fn has_setting(&self, setting: Setting) -> bool {
        self.options
            .iter()
            .any(|o| matches!(o, NmapOption::Setting(s, _) if *s == setting))
    }

    /// The options as nmap's words, canonical (no target).
    pub fn option_words(&self) -> Vec<String> {
        self.options.iter().flat_map(NmapOption::tokens).collect()
    }

    /// nmap's full argv: the options, `--`, then the target.
    pub fn argv(&self, target: &Target) -> Vec<String> {
        let mut argv = self.option_words();
        argv.push("--".into());
        argv.push(target.as_arg());
        argv
    }

    /// Reads the canonical words back with nmap's rules: they must give exactly these options.
    fn check_round_trip(&self) -> Result<()> {
        let words = self.option_words();
        let reading = read(&words);
        let back = typed_options(&reading).ok();
        if back.as_deref() == Some(self.options.as_slice()) && reading.operands.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid(
                "nmap command",
                format!(
                    "casiscan cannot write it so that nmap reads it unchanged: {}",
                    words.join(" ")
                ),
            ))
        }
    }
}

/// Every option of `reading` typed, or the first refusal.
fn typed_options(reading: &Reading) -> Result<Vec<NmapOption>> {
    reading
        .items
        .iter()
        .map(|item| policy::typed(item).map_err(|why| refusal(item, &why)))
        .collect()
}

/// The error for a refused item, naming it as written and as nmap reads it.
fn refusal(item: &Item, why: &str) -> Error {
    match item {
        Item::Option { spec, written, .. } => Error::invalid(
            format!(
                "nmap option `{}` (nmap reads it as {})",
                written.escape_debug(),
                spec.display()
            ),
            why,
        ),
        Item::Misread { written, .. } => {
            Error::invalid(format!("nmap option `{}`", written.escape_debug()), why)
        }
    }
}

/// Checks a command without a target (for configuration checks).
pub fn validate(command: &str) -> Result<()> {
    NmapCommand::parse(command).map(|_| ())
}

#[cfg(test)]
mod tests;
