//! Splits a command into words like a shell would, without running one.

use crate::error::{Error, Result};

/// Splits a command into words: whitespace separates, quotes group, backslash escapes.
pub fn split(command: &str) -> Result<Vec<String>> {
    if let Some(c) = command
        .chars()
        .find(|c| c.is_control() && !c.is_whitespace())
    {
        return Err(Error::invalid(
            "nmap command",
            format!("control character {:?} is not allowed", c),
        ));
    }
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => match chars.next() {
                Some(escaped) => {
                    current.push(escaped);
                    in_word = true;
                }
                None => {
                    return Err(Error::invalid(
                        "nmap command",
                        "it ends with a lone backslash",
                    ));
                }
            },
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(Error::invalid("nmap command", "a quote is not closed"));
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell_without_one() {
        assert_eq!(
            split(r#"a "b c" 'd e' f\ g"#).unwrap(),
            ["a", "b c", "d e", "f g"]
        );
        assert_eq!(split("  ").unwrap(), Vec::<String>::new());
        assert!(split("a\\").is_err());
    }
}
