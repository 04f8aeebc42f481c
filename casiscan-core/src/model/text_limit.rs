//! The length limit of a record's free-text fields, checked in characters.

use crate::error::{Error, Result};

/// Refuses `text` when it has more than `max` characters, naming `field`.
pub(crate) fn check(field: &str, text: &str, max: usize) -> Result<()> {
    // Bytes bound characters from above: most texts are decided without counting.
    if text.len() <= max || text.chars().count() <= max {
        return Ok(());
    }
    Err(Error::invalid(
        field,
        format!("longer than the {max} characters accepted"),
    ))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn the_limit_is_in_characters() {
        assert!(check("f", &"é".repeat(10), 10).is_ok());
        let err = check("f", &"é".repeat(11), 10).expect_err("one over");
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        assert!(
            err.to_string().contains("longer than the 10 characters"),
            "{err}"
        );
    }
}
