//! Live progress from nmap's `<taskbegin>` / `<taskprogress>` lines.

use super::reader::task_event;
use super::source::{Ev, Source};
use crate::model::Progress;

/// Progress from one line of nmap's XML stream, if the line is a task element.
pub fn progress_from_line(line: &[u8]) -> Option<Progress> {
    let trimmed = line.trim_ascii_start();
    if !(trimmed.starts_with(b"<taskprogress") || trimmed.starts_with(b"<taskbegin")) {
        return None;
    }
    let mut src = Source::new(trimmed);
    match src.next() {
        Ok(Ev::Empty(e)) | Ok(Ev::Start(e)) => {
            let event = task_event(&src, &e);
            Some(Progress {
                percent: event.percent.or(Some(0.0)),
                phase: event.task.unwrap_or_default().into(),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_taskprogress_and_taskbegin() {
        let p = progress_from_line(
            b"<taskprogress task=\"Connect Scan\" time=\"1\" percent=\"42.50\" remaining=\"3\" etc=\"4\"/>\n",
        )
        .unwrap();
        assert_eq!((p.percent, p.phase.as_str()), (Some(42.5), "Connect Scan"));
        let b = progress_from_line(b"<taskbegin task=\"Ping Scan\" time=\"1\"/>").unwrap();
        assert_eq!((b.percent, b.phase.as_str()), (Some(0.0), "Ping Scan"));
        assert!(progress_from_line(b"<host>").is_none());
    }
}
