//! What casiscan allows: each option nmap reads becomes a typed [`NmapOption`] or a refusal.

use super::getopt::{Item, Misread, Spec};
use super::option::{Flag, Level, NmapOption, Setting, Spelling};
use super::value::{Refusal, check_value};

/// What casiscan does with the option `spec`.
enum Meaning {
    Flag(Flag),
    Setting(Setting),
    ScanTypes,
    Ping,
    Os,
    Timing,
    Verbose,
    Debug,
    Refused(&'static str),
}

/// The typed option for one getopt item, or why it is refused.
pub fn typed(item: &Item) -> Result<NmapOption, Refusal> {
    let (spec, value) = match item {
        Item::Misread { why, .. } => return Err(misread(why)),
        Item::Option { spec, value, .. } => (*spec, value.as_deref()),
    };
    if matches!(spec, Spec::Long(o) if o.name == "vv") {
        return Ok(NmapOption::Verbose(Level::Raise(2)));
    }
    match meaning(spec) {
        Meaning::Refused(why) => Err(format!("refused: it {why}")),
        Meaning::Flag(flag) => Ok(NmapOption::Flag(flag)),
        Meaning::Setting(setting) => {
            let value = value.ok_or("needs a value")?;
            check_value(setting.kind(), value)?;
            Ok(NmapOption::Setting(setting, value.to_string()))
        }
        Meaning::ScanTypes => scan_types(value),
        Meaning::Ping => ping(value),
        Meaning::Os => match value {
            None | Some("2") => Ok(NmapOption::OsDetection),
            Some(_) => Err("write -O without a value".into()),
        },
        Meaning::Timing => timing(value.unwrap_or("")),
        Meaning::Verbose => level(value, 'v', 1).map(NmapOption::Verbose),
        Meaning::Debug => level(value, 'd', 0).map(NmapOption::Debug),
    }
}

fn misread(why: &Misread) -> Refusal {
    match why {
        Misread::Unknown => "nmap has no such option".into(),
        Misread::Ambiguous(names) => format!(
            "nmap finds it ambiguous (it abbreviates {})",
            names
                .iter()
                .map(|n| format!("--{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Misread::NeedsValue(spec) => format!("{} needs a value", spec.display()),
        Misread::TakesNoValue(spec) => format!("{} takes no value", spec.display()),
    }
}

fn meaning(spec: Spec) -> Meaning {
    match spec {
        Spec::Long(option) if option.name == "fuzzy" => Meaning::Flag(Flag::OsscanGuess),
        Spec::Long(option) => match option.short {
            Some(c) => short_meaning(c),
            None => long_meaning(option.name),
        },
        Spec::Short(c) => short_meaning(c),
    }
}

fn short_meaning(c: char) -> Meaning {
    if let Some(flag) = Flag::ALL
        .iter()
        .find(|f| f.spelling() == Spelling::Short(c))
    {
        return Meaning::Flag(*flag);
    }
    match c {
        'p' => Meaning::Setting(Setting::Ports),
        'e' => Meaning::Setting(Setting::Interface),
        'M' => Meaning::Setting(Setting::MaxParallelism),
        'g' => Meaning::Setting(Setting::SourcePort),
        's' => Meaning::ScanTypes,
        'P' => Meaning::Ping,
        'O' => Meaning::Os,
        'T' => Meaning::Timing,
        'v' => Meaning::Verbose,
        'd' => Meaning::Debug,
        'b' => Meaning::Refused("bounces through a third-party FTP server"),
        'D' => Meaning::Refused("spoofs decoy sources"),
        'S' => Meaning::Refused("spoofs the source address"),
        'i' | 'm' | 'o' => Meaning::Refused("reads or writes a file"),
        'h' | 'V' => Meaning::Refused("does not scan"),
        _ => Meaning::Refused("is not an option casiscan passes to nmap"),
    }
}

fn long_meaning(name: &'static str) -> Meaning {
    if let Some(flag) = Flag::ALL
        .iter()
        .find(|f| f.spelling() == Spelling::Long(name))
    {
        return Meaning::Flag(*flag);
    }
    if let Some(setting) = Setting::ALL
        .iter()
        .find(|s| s.spelling() == Spelling::Long(name))
    {
        return Meaning::Setting(*setting);
    }
    Meaning::Refused(match name {
        "oA" | "oN" | "oM" | "oG" | "oS" | "oH" | "oX" => "writes a file",
        "append-output" => "changes how files are written",
        "iL" | "excludefile" | "servicedb" | "versiondb" | "resume" | "script-args-file" => {
            "reads a file"
        }
        "iR" => "scans random hosts on the Internet",
        "datadir" => "loads data and scripts from a path",
        "stylesheet" | "webxml" => "references a stylesheet",
        "script-updatedb" => "writes nmap's script database",
        "script-help" | "iflist" => "does not scan",
        "sI" => "scans through a third-party zombie host",
        "proxies" | "proxy" => "relays through other hosts",
        "spoof-mac" => "spoofs the MAC address",
        "ip-options" | "scanflags" => "crafts raw packets casiscan does not allow",
        _ => "is not an option casiscan passes to nmap",
    })
}

/// Letters nmap's `-s` accepts that casiscan passes (`I` idle scan is refused as `--sI`).
const SCAN_LETTERS: &str = "SATWMUNFXYZOnLVCRP";

fn scan_types(value: Option<&str>) -> Result<NmapOption, Refusal> {
    let letters = value.unwrap_or("");
    if letters.is_empty() {
        return Err("needs a scan type (-sS, -sT, -sU, -sV, -sn, ...)".into());
    }
    if let Some(bad) = letters.chars().find(|c| !SCAN_LETTERS.contains(*c)) {
        return Err(format!(
            "`{}` is not a scan type casiscan passes",
            bad.escape_debug()
        ));
    }
    Ok(NmapOption::ScanTypes(letters.to_string()))
}

fn ping(value: Option<&str>) -> Result<NmapOption, Refusal> {
    let Some(value) = value else {
        return Err("write -PE (a bare -P is deprecated)".into());
    };
    let mut chars = value.chars();
    let kind = chars.next().unwrap_or(' ');
    let rest = chars.as_str();
    let canonical = match kind {
        'n' | '0' | 'N' | 'D' => 'n',
        'E' | 'I' => 'E',
        'T' => 'A',
        'P' | 'M' | 'R' | 'S' | 'A' | 'U' | 'Y' | 'O' => kind,
        _ => return Err("discovery probes are -Pn, -PE, -PP, -PM, -PS, -PA, -PU, -PY, -PO".into()),
    };
    if !rest.is_empty() {
        if !"SAUYO".contains(canonical) {
            return Err(format!("-P{kind} takes no port list"));
        }
        check_value(super::option::ValueKind::Ports, rest)?;
    }
    Ok(NmapOption::Ping(format!("{canonical}{rest}")))
}

fn timing(value: &str) -> Result<NmapOption, Refusal> {
    const NAMES: [&str; 6] = [
        "paranoid",
        "sneaky",
        "polite",
        "normal",
        "aggressive",
        "insane",
    ];
    let level = match value.as_bytes() {
        [d @ b'0'..=b'5'] => d - b'0',
        _ => NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(value))
            .and_then(|p| u8::try_from(p).ok())
            .ok_or(
                "timing templates are 0-5 or paranoid, sneaky, polite, normal, aggressive, insane",
            )?,
    };
    Ok(NmapOption::Timing(level))
}

/// `-v`/`-d` values: none, repeated letters, or a level; `min` is the lowest level allowed.
fn level(value: Option<&str>, letter: char, min: u8) -> Result<Level, Refusal> {
    let Some(value) = value else {
        return Ok(Level::Raise(1));
    };
    if value.chars().all(|c| c == letter) {
        return u8::try_from(value.len() + 1)
            .map(Level::Raise)
            .map_err(|_| "too many repetitions".into());
    }
    match value.parse::<u8>() {
        Ok(n) if value.bytes().all(|b| b.is_ascii_digit()) && (min..=10).contains(&n) => {
            Ok(Level::Set(n))
        }
        _ => Err(format!(
            "-{letter} takes a level from {min} to 10 or repeated letters (-{letter}{letter})"
        )),
    }
}
