//! A [`RunDiff`] as text, laid out as nmap's `ndiff --text` lays out its report.

use super::diff::{HostChange, HostDiff, PortDiff, RunDiff, ScriptDiff};
use super::diff_side::{HostSide, PortSide};
use super::line_diff::{Budget, Op, opcodes};
use super::model::{NmapRun, Script};

/// The report of `diff` (the difference of `a` and `b`) in ndiff's text format.
pub fn diff_text(a: &NmapRun, b: &NmapRun, diff: &RunDiff) -> String {
    let mut out = Vec::new();
    let budget = Budget::default();
    let (banner_a, banner_b) = (banner(a), banner(b));
    if banner_a != banner_b {
        out.push(format!("-{banner_a}"));
        out.push(format!("+{banner_b}"));
    }
    scripts_section(
        &mut out,
        "Pre-scan script results",
        (count(&a.prescripts), count(&b.prescripts)),
        &diff.prescripts,
        &budget,
    );
    for host in &diff.hosts {
        out.push(String::new());
        host_text(&mut out, host, &budget);
    }
    scripts_section(
        &mut out,
        "Post-scan script results",
        (count(&a.postscripts), count(&b.postscripts)),
        &diff.postscripts,
        &budget,
    );
    let mut text = out.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

/// Scripts ndiff counts: those with an id and output.
fn count(scripts: &[Script]) -> usize {
    scripts
        .iter()
        .filter(|s| s.id.is_some() && s.output.is_some())
        .count()
}

/// nmap's start-up line: `Nmap 7.93 scan initiated Sat Dec  5 12:00:00 2026 as: nmap …`
/// (the time in UTC).
fn banner(run: &NmapRun) -> String {
    let scanner = match run.scanner.as_deref() {
        Some(s) if s != "nmap" => s,
        _ => "Nmap",
    };
    let mut parts = vec![scanner.to_string()];
    parts.extend(run.version.as_deref().map(str::to_owned));
    parts.push("scan".into());
    if let Some(start) = run
        .start
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
    {
        parts.push(format!(
            "initiated {}",
            start.format("%a %b %d %H:%M:%S %Y")
        ));
    }
    if let Some(args) = &run.args {
        parts.push(format!("as: {args}"));
    }
    parts.join(" ")
}

fn host_text(out: &mut Vec<String>, h: &HostDiff, budget: &Budget) {
    let empty = HostSide {
        state: None,
        addresses: Vec::new(),
        mac: None,
        hostnames: Vec::new(),
        extraports: Vec::new(),
        os: Vec::new(),
        script_count: 0,
    };
    let a = h.before.as_ref().unwrap_or(&empty);
    let b = h.after.as_ref().unwrap_or(&empty);
    let has = |c: HostChange| h.changes.contains(&c);
    if has(HostChange::Addresses) || has(HostChange::Mac) || has(HostChange::Hostnames) {
        if a.state.is_some() {
            out.push(format!("-{}:", a.display_name()));
        }
        if b.state.is_some() {
            out.push(format!("+{}:", b.display_name()));
        }
    } else {
        out.push(format!(" {}:", a.display_name()));
    }
    if has(HostChange::State) {
        out.extend(a.state.as_ref().map(|s| format!("-Host is {s}.")));
        out.extend(b.state.as_ref().map(|s| format!("+Host is {s}.")));
    }
    if has(HostChange::Extraports) {
        out.extend(extraports_line(a).map(|l| format!("-Not shown: {l}")));
        out.extend(extraports_line(b).map(|l| format!("+Not shown: {l}")));
    }
    let mark = match (&a.state, &b.state) {
        (None, _) => "+",
        (_, None) => "-",
        _ => " ",
    };
    let mut table = Table::default();
    table.row(&[mark, "PORT", "STATE", "SERVICE", "VERSION"].map(|s| Some(s.to_string())));
    for p in &h.ports {
        port_rows(&mut table, p, (a, b), budget);
    }
    if table.rows.len() > 1 {
        out.extend(table.lines());
    }
    if has(HostChange::Os) {
        let title = match (a.os.is_empty(), b.os.is_empty()) {
            (false, false) => Some(" OS details:"),
            (false, true) => Some("-OS details:"),
            (true, false) => Some("+OS details:"),
            (true, true) => None,
        };
        out.extend(title.map(str::to_owned));
        lines_diff(out, (&a.os, &b.os), ["-  ", "+  ", "   "], budget);
    }
    scripts_section(
        out,
        "Host script results",
        (a.script_count, b.script_count),
        &h.scripts,
        budget,
    );
}

/// `999 closed ports, 2 filtered ports`, largest count first; `None` when there are none.
fn extraports_line(h: &HostSide) -> Option<String> {
    let mut counts: Vec<(u64, &str)> = h
        .extraports
        .iter()
        .map(|e| (e.count, e.state.as_deref().unwrap_or("None")))
        .collect();
    counts.sort_unstable_by(|x, y| y.cmp(x));
    (!counts.is_empty()).then(|| {
        counts
            .iter()
            .map(|(n, s)| format!("{n} {s} ports"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn port_rows(table: &mut Table, p: &PortDiff, (a, b): (&HostSide, &HostSide), budget: &Budget) {
    let columns = |side: Option<&PortSide>| {
        [
            Some(format!("{}/{}", p.portid, p.protocol)),
            Some(side.map_or_else(|| "unknown".to_string(), |s| s.state.to_string())),
            side.and_then(|s| s.service.name_string()),
            side.and_then(|s| s.service.version_string()),
        ]
    };
    let (ca, cb) = (columns(p.before.as_ref()), columns(p.after.as_ref()));
    let with = |mark: &str, c: &[Option<String>; 4]| {
        let mut row = vec![Some(mark.to_string())];
        row.extend(c.iter().cloned());
        row
    };
    if ca == cb {
        table.row(&with(" ", &ca));
    } else {
        if !a.is_extraports(p.before.as_ref().map(|s| s.state.as_str())) {
            table.row(&with("-", &ca));
        }
        if !b.is_extraports(p.after.as_ref().map(|s| s.state.as_str())) {
            table.row(&with("+", &cb));
        }
    }
    for s in &p.scripts {
        script_rows(&mut table.raw_rows(), s, budget);
    }
}

/// A section of script differences: a blank line, its title, then the changed lines.
fn scripts_section(
    out: &mut Vec<String>,
    title: &str,
    counts: (usize, usize),
    diffs: &[ScriptDiff],
    budget: &Budget,
) {
    let mut rows = Vec::new();
    for d in diffs {
        script_rows(&mut rows, d, budget);
    }
    if rows.is_empty() {
        return;
    }
    out.push(String::new());
    let mark = match counts {
        (_, 0) => "-",
        (0, _) => "+",
        _ => " ",
    };
    out.push(format!("{mark}{title}:"));
    out.extend(rows);
}

/// nmap's layout of a script's output: `|  id: first`, …, `|_ last`.
fn script_lines(id: &str, output: Option<&str>) -> Vec<String> {
    let Some(output) = output else {
        return Vec::new();
    };
    let lines: Vec<&str> = output.lines().collect();
    let last = lines.len().saturating_sub(1);
    lines
        .iter()
        .enumerate()
        .map(|(n, line)| {
            let line = if n == 0 {
                format!("{id}: {line}")
            } else {
                (*line).to_string()
            };
            if n == last {
                format!("|_ {line}")
            } else {
                format!("|  {line}")
            }
        })
        .collect()
}

fn script_rows(out: &mut Vec<String>, d: &ScriptDiff, budget: &Budget) {
    let a = script_lines(&d.id, d.before.as_deref());
    let b = script_lines(&d.id, d.after.as_deref());
    if a != b {
        lines_diff(out, (&a, &b), ["-", "+", " "], budget);
    }
}

/// Lines of `a` and `b` marked as removed, added or kept (`marks` in that order).
fn lines_diff<T: AsRef<str> + PartialEq>(
    out: &mut Vec<String>,
    (a, b): (&[T], &[T]),
    marks: [&str; 3],
    budget: &Budget,
) {
    for o in opcodes(a, b, budget) {
        if matches!(o.op, Op::Replace | Op::Delete) {
            out.extend(
                a[o.a0..o.a1]
                    .iter()
                    .map(|l| format!("{}{}", marks[0], l.as_ref())),
            );
        }
        if matches!(o.op, Op::Replace | Op::Insert) {
            out.extend(
                b[o.b0..o.b1]
                    .iter()
                    .map(|l| format!("{}{}", marks[1], l.as_ref())),
            );
        }
        if o.op == Op::Equal {
            out.extend(
                a[o.a0..o.a1]
                    .iter()
                    .map(|l| format!("{}{}", marks[2], l.as_ref())),
            );
        }
    }
}

/// nmap's port table: columns padded to their widest cell, raw lines kept as they are.
#[derive(Default)]
struct Table {
    widths: Vec<usize>,
    rows: Vec<Row>,
}

enum Row {
    Cells(Vec<String>),
    Raw(String),
}

/// Collects raw lines for a [`Table`] and appends them when dropped.
struct RawRows<'a> {
    table: &'a mut Table,
    lines: Vec<String>,
}

impl std::ops::Deref for RawRows<'_> {
    type Target = Vec<String>;
    fn deref(&self) -> &Vec<String> {
        &self.lines
    }
}

impl std::ops::DerefMut for RawRows<'_> {
    fn deref_mut(&mut self) -> &mut Vec<String> {
        &mut self.lines
    }
}

impl Drop for RawRows<'_> {
    fn drop(&mut self) {
        let lines = std::mem::take(&mut self.lines);
        self.table.rows.extend(lines.into_iter().map(Row::Raw));
    }
}

impl Table {
    /// Adds a row of cells; trailing absent cells are dropped, others count as empty.
    fn row(&mut self, cells: &[Option<String>]) {
        let kept = cells.iter().rposition(Option::is_some).map_or(0, |n| n + 1);
        let cells: Vec<String> = cells[..kept]
            .iter()
            .map(|c| c.clone().unwrap_or_default())
            .collect();
        for (n, c) in cells.iter().enumerate() {
            let width = c.chars().count();
            match self.widths.get_mut(n) {
                Some(w) => *w = (*w).max(width),
                None => self.widths.push(width),
            }
        }
        self.rows.push(Row::Cells(cells));
    }

    fn raw_rows(&mut self) -> RawRows<'_> {
        RawRows {
            table: self,
            lines: Vec::new(),
        }
    }

    /// The lines: the mark column unpadded, a space between the others, trailing blanks cut.
    fn lines(&self) -> Vec<String> {
        self.rows
            .iter()
            .map(|row| match row {
                Row::Raw(line) => line.clone(),
                Row::Cells(cells) => {
                    let mut line = String::new();
                    for (n, c) in cells.iter().enumerate() {
                        line.push_str(c);
                        let pad = self.widths[n].saturating_sub(c.chars().count());
                        line.extend(std::iter::repeat_n(' ', pad));
                        if (1..4).contains(&n) {
                            line.push(' ');
                        }
                    }
                    line.trim_end().to_string()
                }
            })
            .collect()
    }
}
