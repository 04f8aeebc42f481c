//! Values that break nmap.dtd: an error in a strict parse, a warning in a lenient one.

use serde::{Deserialize, Serialize};

use super::model::Text;

/// How the nmap XML parser treats values that break nmap.dtd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseOptions {
    /// Drop such values (recording a warning in [`super::NmapRun::warnings`]) instead of failing.
    pub lenient: bool,
}

impl ParseOptions {
    /// Strict parsing: a value that breaks nmap.dtd is an error (the default).
    pub const STRICT: ParseOptions = ParseOptions { lenient: false };
    /// Lenient parsing: such values are dropped, each with a warning.
    pub const LENIENT: ParseOptions = ParseOptions { lenient: true };
}

/// What is wrong with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// A numeric attribute whose value is not a number of the expected range.
    NotANumber,
    /// A value outside the list nmap.dtd allows (e.g. a port protocol other than ip/tcp/udp/sctp).
    NotAllowed,
    /// A required attribute is absent.
    MissingAttribute,
    /// A required child element is absent.
    MissingElement,
}

impl Problem {
    /// A short English phrase for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::NotANumber => "is not a number",
            Problem::NotAllowed => "is not allowed by nmap.dtd",
            Problem::MissingAttribute => "is required and missing",
            Problem::MissingElement => "is a required child element and missing",
        }
    }
}

/// One value that breaks nmap.dtd, where it is, and what was dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The element holding the value (`port`).
    pub element: Text,
    /// The attribute (`portid`), or the missing child element's name for
    /// [`Problem::MissingElement`].
    pub attribute: Option<Text>,
    /// The value as written, when there was one.
    pub value: Option<Text>,
    /// What is wrong.
    pub problem: Problem,
    /// Byte offset of the attribute (or of the element's `<`) in the input.
    pub offset: u64,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}>", self.element)?;
        match (self.problem, &self.attribute) {
            (Problem::MissingElement, Some(child)) => write!(f, " child <{child}>")?,
            (_, Some(attribute)) => write!(f, " attribute {attribute}")?,
            (_, None) => {}
        }
        if let Some(value) = &self.value {
            write!(f, " value {:?}", value.as_str())?;
        }
        write!(f, " {}", self.problem.as_str())?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, " at line {l}, column {c}"),
            (Some(l), None) => write!(f, " at line {l}"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_element_attribute_value_and_place() {
        let v = Violation {
            element: "port".into(),
            attribute: Some("portid".into()),
            value: Some("A2".into()),
            problem: Problem::NotANumber,
            offset: 40,
            line: Some(3),
            column: Some(7),
        };
        assert_eq!(
            v.to_string(),
            "<port> attribute portid value \"A2\" is not a number at line 3, column 7"
        );
        let missing = Violation {
            attribute: Some("state".into()),
            value: None,
            problem: Problem::MissingElement,
            line: None,
            column: None,
            ..v
        };
        assert_eq!(
            missing.to_string(),
            "<port> child <state> is a required child element and missing"
        );
    }
}
