//! Repeated text values of a run (products, CPEs, OS classes, vendors) shared, not stored again.

use std::cell::RefCell;
use std::collections::HashSet;

use super::model::Text;

/// Shortest value worth sharing: shorter ones are stored inline in the `Text` itself.
const MIN_LEN: usize = 17;

/// Longest value looked up: longer ones (script output, fingerprints) seldom repeat.
const MAX_LEN: usize = 64;

/// Most distinct values remembered; past it the table starts afresh, so unique values cannot
/// grow it without bound (a streaming read stays in constant memory).
const MAX_ENTRIES: usize = 8192;

/// The medium-length values seen so far, each stored once and shared by every later copy.
///
/// The table hashes with std's randomly keyed hasher, so a hostile file cannot choose values
/// that collide.
#[derive(Default)]
pub struct SharedText {
    seen: RefCell<HashSet<Text>>,
}

impl SharedText {
    /// `value` as model text, sharing the storage of an equal value seen before.
    pub fn text(&self, value: &str) -> Text {
        if !(MIN_LEN..=MAX_LEN).contains(&value.len()) {
            return Text::from(value);
        }
        let Ok(mut seen) = self.seen.try_borrow_mut() else {
            return Text::from(value);
        };
        if let Some(known) = seen.get(value) {
            return known.clone();
        }
        if seen.len() >= MAX_ENTRIES {
            seen.clear();
        }
        let text = Text::from(value);
        seen.insert(text.clone());
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_medium_values_share_one_buffer_and_others_are_plain() {
        let shared = SharedText::default();
        let a = shared.text("cpe:/o:microsoft:windows");
        let b = shared.text("cpe:/o:microsoft:windows");
        assert_eq!(a, b);
        assert_eq!(a.as_ptr(), b.as_ptr(), "one buffer");
        let short = shared.text("http");
        assert_eq!(short.as_str(), "http");
        let long = "x".repeat(MAX_LEN + 1);
        assert_eq!(shared.text(&long).as_str(), long);
        assert_eq!(shared.seen.borrow().len(), 1);
    }

    #[test]
    fn the_table_starts_afresh_when_full() {
        let shared = SharedText::default();
        for n in 0..MAX_ENTRIES + 10 {
            let value = format!("value-number-{n:08}");
            assert_eq!(shared.text(&value).as_str(), value);
        }
        assert!(shared.seen.borrow().len() <= MAX_ENTRIES);
    }
}
