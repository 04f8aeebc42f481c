//! An existing nmap XML file read as the output of a run, for storing it as an imported run.

use super::bounded::ResultLimits;
use super::provider::result_of;
use super::reader::HostReader;
use crate::error::{Error, Result};
use crate::providers::ProviderOutput;

/// The output a run executed here would have stored for the nmap XML `xml`: the typed result
/// within `limits`, its summary, and the file itself (cut at a line end past
/// `limits.max_raw_bytes`) as the raw form.
///
/// Strict: malformed XML, a value that breaks nmap.dtd or a run nmap reported as failed is an
/// error naming what is wrong (with line and column for the first two).
pub fn imported_output(xml: &[u8], limits: &ResultLimits) -> Result<ProviderOutput> {
    // The reader counts lines itself: its errors are already placed.
    let (result, summary) =
        result_of(HostReader::new(xml)?, limits, |_| None, |_| {}).map_err(|e| match e {
            // The file's fault, not a tool's: nmap reported its run as failed.
            Error::Provider { message, .. } => Error::invalid("nmap result", message),
            other => other,
        })?;
    Ok(ProviderOutput {
        raw_text: capped_text(xml, limits.max_raw_bytes),
        result,
        summary,
    })
}

/// `bytes` as text, cut after its last whole line within `max` bytes with a closing note when
/// longer.
fn capped_text(bytes: &[u8], max: usize) -> String {
    if bytes.len() <= max {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let cut = memchr::memrchr(b'\n', &bytes[..max]).map_or(0, |i| i + 1);
    let mut text = String::from_utf8_lossy(&bytes[..cut]).into_owned();
    text.push_str(&format!(
        "<!-- casiscan: the imported file ({} bytes) was cut after {cut} bytes; the raw result is capped at {max} bytes -->\n",
        bytes.len()
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_a_line_end_with_a_note() {
        let text = capped_text(b"line one\nline two\nline three\n", 20);
        assert!(
            text.starts_with("line one\nline two\n<!-- casiscan"),
            "{text}"
        );
        assert_eq!(capped_text(b"short\n", 20), "short\n");
    }

    #[test]
    fn text_of_exactly_the_cap_is_kept_whole_and_one_byte_more_is_cut() {
        let text = b"line one\nline two\n";
        let at = capped_text(text, text.len());
        assert_eq!(at.as_bytes(), text, "at the cap: whole, no note");
        let over = capped_text(text, text.len() - 1);
        assert_eq!(
            over,
            "line one\n<!-- casiscan: the imported file (18 bytes) was cut after 9 bytes; the raw result is capped at 17 bytes -->\n"
        );
    }

    #[test]
    fn malformed_xml_is_a_placed_parse_error() {
        let err = imported_output(b"<nmaprun>\n<host><<<", &ResultLimits::default())
            .expect_err("malformed");
        assert_eq!(err.kind(), crate::ErrorKind::Parse, "{err}");
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = imported_output(b"", &ResultLimits::default()).expect_err("empty");
        assert_eq!(err.kind(), crate::ErrorKind::Parse, "{err}");
    }
}
