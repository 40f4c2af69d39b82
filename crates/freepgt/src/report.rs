//! The report format of docs/src/reference.md, byte for byte, rendered from the trace.

use crate::arch::Level;
use crate::error::ScenarioError;
use crate::mm::{Mm, Outcome};
use crate::scenario::{self, Command};
use crate::trace::{Event, FlushCall};
use std::fmt::Write as _;

/// Optional report sections.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ReportOptions {
    /// Print `visits pgd=A pud=B pmd=C`.
    pub visits: bool,
    /// Print `orphan LEVEL BASE` lines.
    pub orphans: bool,
}

/// The tables freed by an operation, in report order: pte, then pmd, then pud; ascending base.
pub fn freed_tables(outcome: &Outcome) -> Vec<(Level, crate::VirtAddr)> {
    let mut freed: Vec<_> = outcome
        .events
        .iter()
        .filter_map(|e| match e {
            Event::TableFreed { level, base, .. } => Some((*level, *base)),
            _ => None,
        })
        .collect();
    let order = |l: Level| match l {
        Level::Pte => 0,
        Level::Pmd => 1,
        Level::Pud => 2,
        Level::Pgd => 3,
    };
    crate::sort::sort_by_key(&mut freed, |&(l, b)| {
        crate::sort::key2(order(l), b.as_u64())
    });
    freed
}

/// The `flush_tlb_pgtables` calls of an operation, ascending by start then end.
pub fn flushes(outcome: &Outcome) -> Vec<FlushCall> {
    let mut f: Vec<FlushCall> = outcome
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Flush(f) => Some(*f),
            _ => None,
        })
        .collect();
    // Equal (start, end) pairs are equal calls (the VPTE cost is a function of the range), so
    // the stable key sort gives what the unstable sort gave.
    crate::sort::sort_by_key(&mut f, |f| {
        crate::sort::key2(f.start.as_u64(), f.end.as_u64())
    });
    f
}

/// VPTE pages and batches summed over an operation's flushes (u128: a few hole-edge calls
/// of about 2^51 pages each must not overflow).
pub fn vpte_totals(outcome: &Outcome) -> (u128, u128) {
    flushes(outcome)
        .iter()
        .filter_map(|f| f.vpte)
        .fold((0, 0), |(p, b), c| {
            (p + c.pages as u128, b + c.batches as u128)
        })
}

/// The BUG lines of an operation, sorted as strings.
pub fn bug_lines(outcome: &Outcome) -> Vec<String> {
    let mut bugs: Vec<String> = outcome
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Bug(b) => Some(format!("BUG {b}")),
            _ => None,
        })
        .collect();
    bugs.sort_unstable();
    bugs
}

/// The orphan tables of an mm as `LEVEL BASE`, sorted as strings (the report's order).
pub fn orphans(mm: &Mm) -> Vec<String> {
    let mut orphans: Vec<String> = mm
        .orphans()
        .iter()
        .map(|t| format!("{} {}", t.level, t.base))
        .collect();
    orphans.sort_unstable();
    orphans
}

/// The lines a command prints after its echo.
pub fn step_lines(
    command: &Command,
    outcome: Option<&Outcome>,
    mm: Option<&Mm>,
    opts: ReportOptions,
) -> String {
    let mut out = String::new();
    write_step_lines(&mut out, command, outcome, mm, opts);
    out
}

/// [`step_lines`] appended to `out` (callers that render many steps reuse one buffer).
pub fn write_step_lines(
    out: &mut String,
    command: &Command,
    outcome: Option<&Outcome>,
    mm: Option<&Mm>,
    opts: ReportOptions,
) {
    if let Some(counts) = only_tables_line(command, outcome, mm, opts) {
        write_tables_line(out, counts);
        return;
    }
    let (Some(outcome), Some(mm), Command::Op { op }) = (outcome, mm, command) else {
        return;
    };
    if op.reports_frees() {
        for e in &outcome.events {
            if let Event::SplitVmaEnomem { map_count, .. } = e {
                let _ = writeln!(out, "ENOMEM split_vma map_count={map_count}");
            }
        }
        for (level, base) in freed_tables(outcome) {
            let _ = writeln!(out, "free {level} {base}");
        }
        for f in flushes(outcome) {
            let _ = writeln!(out, "flush {} {}", f.start, f.end);
        }
        if mm.arch().vpte.is_some() {
            let (pages, batches) = vpte_totals(outcome);
            let _ = writeln!(out, "vpte_pages {pages} batches {batches}");
        }
        if opts.visits {
            let v = outcome.visits;
            let _ = writeln!(out, "visits pgd={} pud={} pmd={}", v.pgd, v.pud, v.pmd);
        }
        for b in bug_lines(outcome) {
            let _ = writeln!(out, "{b}");
        }
    }
    if opts.orphans {
        for o in orphans(mm) {
            let _ = writeln!(out, "orphan {o}");
        }
    }
    write_tables_line(out, mm.counts());
}

/// The table counts, if what [`write_step_lines`] prints for this step is only the `tables`
/// line: an op without the free section (a fault, a `vma`), when orphans are not listed. A
/// caller that formats elsewhere (the CLI's writer thread) needs only these three numbers.
pub fn only_tables_line(
    command: &Command,
    outcome: Option<&Outcome>,
    mm: Option<&Mm>,
    opts: ReportOptions,
) -> Option<crate::TableCounts> {
    match (command, outcome, mm) {
        (Command::Op { op }, Some(_), Some(mm)) if !op.reports_frees() && !opts.orphans => {
            Some(mm.counts())
        }
        _ => None,
    }
}

/// Appends the line every step ends with, `tables pte=A pmd=B pud=C` (a million times for a
/// million faults: written without the formatting machinery).
pub fn write_tables_line(out: &mut String, c: crate::TableCounts) {
    for (label, n) in [("tables pte=", c.pte), (" pmd=", c.pmd), (" pud=", c.pud)] {
        out.push_str(label);
        push_decimal(out, n);
    }
    out.push('\n');
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// Appends a command's echo line, `> COMMAND` in canonical form.
pub fn write_echo(out: &mut String, command: &Command) {
    out.push_str("> ");
    let _ = command.write_canonical(out);
    out.push('\n');
}

/// Runs a scenario text and renders its report. On a bad line the report holds the lines
/// before it and the error is returned beside it.
pub fn report(text: &str, opts: ReportOptions) -> (String, Option<ScenarioError>) {
    report_bytes(text.as_bytes(), opts)
}

/// [`report`] for raw bytes (a file or a pipe): a line that is not valid UTF-8 is an error
/// naming it, like any other bad line ([`Scenario::parse_prefix_bytes`]).
pub fn report_bytes(bytes: &[u8], opts: ReportOptions) -> (String, Option<ScenarioError>) {
    let mut out = String::new();
    let (_, error) = scenario::run_text(bytes, |step| {
        write_echo(&mut out, step.command);
        write_step_lines(&mut out, step.command, step.outcome, step.mm, opts);
    });
    (out, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_documents_example() {
        let text = "arch x86_64\nvma 400000 401000 text\nvma a00000 a01000\ntouch 400000\ntouch a00000\nmunmap 400000 a01000\n";
        let (out, err) = report(text, ReportOptions::default());
        assert!(err.is_none());
        assert_eq!(
            out,
            "> arch x86_64\n> vma 0x400000 0x401000 text\ntables pte=0 pmd=0 pud=0\n> vma 0xa00000 0xa01000\ntables pte=0 pmd=0 pud=0\n> touch 0x400000\ntables pte=1 pmd=1 pud=1\n> touch 0xa00000\ntables pte=2 pmd=1 pud=1\n> munmap 0x400000 0xa01000\nfree pte 0x400000\nfree pte 0xa00000\nfree pmd 0x0\nfree pud 0x0\nflush 0x400000 0x401000\nflush 0xa00000 0xa01000\ntables pte=0 pmd=0 pud=0\n"
        );
    }
}
