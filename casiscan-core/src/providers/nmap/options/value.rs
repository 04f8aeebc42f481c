//! Checks of option values: what each kind of value may contain.

use super::option::ValueKind;

/// Why an option nmap would read is refused.
pub type Refusal = String;

/// The longest value casiscan passes to nmap.
pub const MAX_VALUE_LEN: usize = 4096;

/// Checks `value` for an option whose values are of `kind`.
pub fn check_value(kind: ValueKind, value: &str) -> Result<(), Refusal> {
    if value.is_empty() {
        return Err("its value is empty".into());
    }
    if value.len() > MAX_VALUE_LEN {
        return Err(format!("its value is longer than {MAX_VALUE_LEN} bytes"));
    }
    if value.starts_with('-') && kind != ValueKind::Data {
        return Err("its value may not start with `-`".into());
    }
    let all = |ok: fn(char) -> bool| value.chars().all(ok);
    let fine = match kind {
        ValueKind::Ports => all(|c| c.is_ascii_alphanumeric() || ",-:*[]_".contains(c)),
        ValueKind::Number => {
            all(|c| c.is_ascii_alphanumeric() || c == '.')
                && value.starts_with(|c: char| c.is_ascii_digit())
        }
        ValueKind::Word => all(|c| c.is_ascii_alphanumeric() || ".,:_-".contains(c)),
        ValueKind::Scripts => return check_scripts(value),
        ValueKind::ScriptArgs | ValueKind::Data => !value.chars().any(char::is_control),
        ValueKind::Targets => {
            for target in value.split(',') {
                target
                    .parse::<crate::model::Target>()
                    .map_err(|e| e.to_string())?;
            }
            true
        }
    };
    if fine {
        Ok(())
    } else {
        Err(match kind {
            ValueKind::Ports => {
                "port lists hold numbers, ranges, protocol prefixes and service names"
            }
            ValueKind::Number => "expects a number, optionally with a time unit (500ms, 2s)",
            ValueKind::Word => "expects a plain word or list",
            _ => "control characters are not allowed",
        }
        .into())
    }
}

fn check_scripts(value: &str) -> Result<(), Refusal> {
    if value.contains(['/', '\\'])
        || value.contains("..")
        || value.to_ascii_lowercase().contains(".nse")
    {
        return Err("scripts are named by name or category only, never by path".into());
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ",-_*() !".contains(c))
    {
        return Err("script names, categories and and/or/not expressions only".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_at_the_length_limit_is_read_and_one_byte_more_is_refused() {
        assert_eq!(MAX_VALUE_LEN, 4096);
        let at = "a".repeat(MAX_VALUE_LEN);
        assert_eq!(check_value(ValueKind::Data, &at), Ok(()));
        let over = "a".repeat(MAX_VALUE_LEN + 1);
        assert_eq!(
            check_value(ValueKind::Data, &over),
            Err("its value is longer than 4096 bytes".to_string())
        );
    }
}
