//! The book (docs/src) against the CLI: every ```freepgt fence is a valid scenario, and every
//! line the book quotes in a ```text block (report lines, trace lines, compare lines) is
//! something the CLI prints, so no number in the book is made up or goes stale.
//!
//! The corpus of what the CLI prints is: `run --trace --visits --orphans` and `compare` of
//! every fence of the book and of every preset, and the preset list. A quoted line matches
//! when it occurs in one printed line (both with indentation and the trace's `|` markers
//! removed); `...` in a quoted line stands for omitted text, so each piece between them must
//! occur in order in the same printed line. Lines starting with `$ ` (the shell command that
//! printed a block) and lone `...` are not checked; a block right after the comment
//! `<!-- not checked against the CLI -->` is not checked either (a template such as
//! `error line N: WHAT`, or output the CLI chapter shows for input that is not a fence).

mod common;

use std::path::{Path, PathBuf};

const UNCHECKED: &str = "<!-- not checked against the CLI -->";

fn book_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/src")
}

fn chapters() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("docs/src exists")
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&book_dir(), &mut out);
    out
}

/// A fenced block: its info string, its text, and whether the unchecked marker precedes it.
struct Block {
    info: String,
    text: String,
    unchecked: bool,
}

/// The fenced blocks of a Markdown text (``` fences at any indentation; a ```` fence may hold
/// ``` lines, as the book's examples of fences do).
fn blocks(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = md.lines().peekable();
    let mut prev_nonblank = "";
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        let ticks = t.chars().take_while(|&c| c == '`').count();
        if ticks >= 3 {
            let fence = &t[..ticks];
            let info = t[ticks..].trim().to_string();
            let mut text = String::new();
            for l in lines.by_ref() {
                if l.trim() == fence {
                    break;
                }
                text.push_str(l.trim_start_matches(' '));
                text.push('\n');
            }
            out.push(Block {
                info,
                text,
                unchecked: prev_nonblank.trim() == UNCHECKED,
            });
            prev_nonblank = "";
        } else if !t.is_empty() {
            prev_nonblank = line;
        }
    }
    out
}

fn cli(args: &[&str], input: &str) -> (String, String, bool) {
    let out = common::freepgt(args, input.as_bytes());
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.success(),
    )
}

/// A line without indentation and without the trace's `|` markers.
fn normalize(line: &str) -> &str {
    line.trim_start_matches([' ', '|']).trim_end()
}

fn matches(quoted: &str, printed: &str) -> bool {
    let mut rest = printed;
    for piece in quoted.split("...").map(str::trim).filter(|p| !p.is_empty()) {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    true
}

#[test]
fn every_fence_runs_and_every_quoted_line_is_printed_by_the_cli() {
    let chapters = chapters();
    assert!(chapters.len() >= 10, "the book has its chapters");
    let mut corpus: Vec<String> = Vec::new();
    let mut add = |out: &str| corpus.extend(out.lines().map(|l| normalize(l).to_string()));
    let mut fences = 0;
    for (path, md) in &chapters {
        for b in blocks(md) {
            if b.info.split_whitespace().next() != Some("freepgt") {
                continue;
            }
            fences += 1;
            // `step=N` must name one of the scenario's commands (0 is `arch`).
            let commands = b
                .text
                .lines()
                .filter(|l| !l.split('#').next().unwrap_or("").trim().is_empty())
                .count();
            for word in b.info.split_whitespace().skip(1) {
                if let Some(step) = word.strip_prefix("step=") {
                    let n: usize = step.split('.').next().unwrap().parse().expect("step=N");
                    assert!(
                        n < commands,
                        "{}: step={n} but {commands} commands",
                        path.display()
                    );
                } else {
                    assert!(
                        word == "compare"
                            || word.starts_with("max-height=")
                            || word.starts_with("theme="),
                        "{}: unknown fence option {word}",
                        path.display()
                    );
                }
            }
            let (out, err, ok) = cli(&["run", "--trace", "--visits", "--orphans", "-"], &b.text);
            assert!(ok, "{}: a fence fails: {err}\n{}", path.display(), b.text);
            add(&out);
            add(&cli(&["compare", "-"], &b.text).0);
        }
    }
    assert!(fences >= 14, "the book embeds its cases ({fences} fences)");
    let (list, _, _) = cli(&["example"], "");
    add(&list);
    for id in list.lines().filter_map(|l| l.split_whitespace().next()) {
        let (text, _, _) = cli(&["example", id], "");
        add(&cli(&["run", "--trace", "--visits", "--orphans", "-"], &text).0);
        add(&cli(&["compare", "-"], &text).0);
    }

    let mut checked = 0;
    let mut missing = Vec::new();
    for (path, md) in &chapters {
        for b in blocks(md) {
            if b.info != "text" || b.unchecked {
                continue;
            }
            for line in b.text.lines() {
                let q = normalize(line);
                if q.is_empty() || q == "..." || q.starts_with("$ ") {
                    continue;
                }
                checked += 1;
                if !corpus.iter().any(|p| matches(q, p)) {
                    missing.push(format!("{}: {q}", path.display()));
                }
            }
        }
    }
    assert!(checked >= 100, "the book quotes the CLI ({checked} lines)");
    assert!(
        missing.is_empty(),
        "lines the book quotes that the CLI does not print:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_matcher_needs_every_piece_in_order() {
    assert!(matches(
        "2.6.11: ... visits 2/512/512 ...",
        "2.6.11: freed [pte 0x0] visits 2/512/512 flush []"
    ));
    assert!(!matches("visits 1/1/1 ... freed", "freed [] visits 1/1/1"));
    assert!(!matches("free pte 0x400000", "free pte 0x600000"));
    assert_eq!(
        normalize("  |     free pte table 0x0"),
        "free pte table 0x0"
    );
}
