//! Live progress from nmap's `<taskbegin>` / `<taskprogress>` / `<taskend>` lines and the
//! `<finished>` line of its run statistics.

use super::model::TaskEventKind;
use super::reader::task_event;
use super::source::{Ev, Source};
use crate::model::Progress;

/// Phase reported once nmap has written its `<finished>` line.
pub const FINISHED_PHASE: &str = "Finished";

/// Progress from one line of nmap's XML stream, if the line is a task or `<finished>` element.
pub fn progress_from_line(line: &[u8]) -> Option<Progress> {
    let trimmed = line.trim_ascii_start();
    // nmap writes `<runstats><finished …/>` on one line.
    let trimmed = trimmed
        .strip_prefix(b"<runstats>")
        .map_or(trimmed, <[u8]>::trim_ascii_start);
    let is_task = [&b"<taskprogress"[..], b"<taskbegin", b"<taskend"]
        .iter()
        .any(|p| trimmed.starts_with(p));
    if !is_task && !trimmed.starts_with(b"<finished ") {
        return None;
    }
    let mut src = Source::new(trimmed);
    match src.next() {
        Ok(Ev::Empty(e)) | Ok(Ev::Start(e)) if is_task => {
            let event = task_event(&src, &e);
            let percent = match event.kind {
                TaskEventKind::Begin => Some(0.0),
                TaskEventKind::End => Some(100.0),
                TaskEventKind::Progress => event.percent.or(Some(0.0)),
            };
            Some(Progress {
                percent,
                phase: event.task.unwrap_or_default().into(),
            })
        }
        Ok(Ev::Empty(_)) | Ok(Ev::Start(_)) => Some(Progress {
            percent: Some(100.0),
            phase: FINISHED_PHASE.into(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_taskprogress_taskbegin_and_taskend() {
        let p = progress_from_line(
            b"<taskprogress task=\"Connect Scan\" time=\"1\" percent=\"42.50\" remaining=\"3\" etc=\"4\"/>\n",
        )
        .unwrap();
        assert_eq!((p.percent, p.phase.as_str()), (Some(42.5), "Connect Scan"));
        let b = progress_from_line(b"<taskbegin task=\"Ping Scan\" time=\"1\"/>").unwrap();
        assert_eq!((b.percent, b.phase.as_str()), (Some(0.0), "Ping Scan"));
        let e = progress_from_line(
            b"<taskend task=\"Ping Scan\" time=\"2\" extrainfo=\"1 total hosts\"/>",
        )
        .unwrap();
        assert_eq!((e.percent, e.phase.as_str()), (Some(100.0), "Ping Scan"));
        assert!(progress_from_line(b"<host>").is_none());
        assert!(progress_from_line(b"<taskend").is_none());
    }

    #[test]
    fn the_finished_line_is_the_last_progress() {
        let f = progress_from_line(
            b"<finished time=\"1\" timestr=\"x\" summary=\"done\" elapsed=\"0.1\" exit=\"success\"/>\n",
        )
        .unwrap();
        assert_eq!((f.percent, f.phase.as_str()), (Some(100.0), FINISHED_PHASE));
        let line = b"<runstats><finished time=\"1\" elapsed=\"0.02\" exit=\"success\"/><hosts up=\"1\" down=\"0\" total=\"1\"/>\n";
        assert_eq!(progress_from_line(line), Some(f));
        assert!(progress_from_line(b"<finishedx/>").is_none());
    }
}
