//! `freepgt run`'s text report on three threads, so that a big scenario uses both cores:
//! a parser turns the text into batches of commands, the calling thread simulates them, and a
//! writer formats and writes the report of one batch while the next is simulated.
//!
//! The core stays single-threaded: the simulation is [`Runner`], fed the batches in order,
//! exactly the steps [`scenario::run_text`] makes (which the playground's wasm runs). What a
//! step prints is the echo of its command, a function of the command alone, then its step
//! lines; for most steps (faults, `vma`) those are only the `tables` line, a function of the
//! table counts after the step, so the simulating thread records three numbers and the writer
//! formats both lines. Other steps' lines are rendered by the simulating thread, which has the
//! mm and the outcome, into the batch's text. The report is byte for byte the single-threaded
//! one ([`crate::write_report`]; a test compares them).
//!
//! Batches travel over bounded channels and come back to the parser to be refilled, so memory
//! stays a few batches whatever the scenario's length, and nothing is allocated per batch once
//! the first few exist.

use freepgt::report::{
    only_tables_line, write_echo, write_step_lines, write_tables_line, ReportOptions,
};
use freepgt::scenario::{self, Numbered, Runner, Step};
use freepgt::{ScenarioError, TableCounts};
use std::io::Write;
use std::sync::mpsc::{channel, sync_channel};

/// Lines per batch: big enough that a channel hand-over (a few microseconds) is rare, small
/// enough that the three threads start working within a millisecond.
pub const BATCH_LINES: usize = 8192;

/// Batches that may wait in each channel.
const IN_FLIGHT: usize = 2;

/// A batch of parsed lines and, once simulated, what its steps print after their echo.
#[derive(Default)]
struct Batch {
    /// The parser's results, in order; an error can only be the last.
    lines: Vec<Result<Numbered, ScenarioError>>,
    /// One entry per step run, in order: the steps are the first `tails.len()` lines (the run
    /// stops at its first error, whose line prints nothing).
    tails: Vec<Tail>,
    /// The step lines of the [`Tail::Text`] steps, one after the other.
    text: String,
}

/// What a step prints after its echo.
enum Tail {
    /// Only `tables pte=A pmd=B pud=C`.
    Tables(TableCounts),
    /// The step lines ending at this offset of [`Batch::text`] (from where the previous
    /// `Text` tail ended).
    Text(usize),
}

impl Batch {
    fn clear(&mut self) {
        self.lines.clear();
        self.tails.clear();
        self.text.clear();
    }

    /// Appends the report of the batch's steps to `out`, handing `out` to `flush` whenever it
    /// holds a block's worth.
    fn render(&self, out: &mut String, mut flush: impl FnMut(&mut String)) {
        let mut text_at = 0;
        for (line, tail) in self.lines.iter().zip(&self.tails) {
            let Ok(Numbered { command, .. }) = line else {
                unreachable!("a line that did not parse is never a step");
            };
            write_echo(out, command);
            match *tail {
                Tail::Tables(counts) => write_tables_line(out, counts),
                Tail::Text(end) => {
                    out.push_str(self.text.get(text_at..end).unwrap_or_default());
                    text_at = end;
                }
            }
            if out.len() >= crate::REPORT_BLOCK {
                flush(out);
            }
        }
    }
}

/// Records in `tails` (and `text`) what `step` prints after its echo.
fn record(tails: &mut Vec<Tail>, text: &mut String, step: &Step<'_>, opts: ReportOptions) {
    match only_tables_line(step.command, step.outcome, step.mm, opts) {
        Some(counts) => tails.push(Tail::Tables(counts)),
        None => {
            write_step_lines(text, step.command, step.outcome, step.mm, opts);
            tails.push(Tail::Text(text.len()));
        }
    }
}

/// [`crate::write_report`] without the trace, on three threads (see the module's comment),
/// with `batch_lines` lines per batch. The same bytes reach `out`, and the same error returns.
/// (If a thread cannot be started, before anything is written, it is the single-threaded
/// path.)
pub fn write_report(
    text: &[u8],
    opts: ReportOptions,
    out: &mut (impl Write + Send),
    batch_lines: usize,
) -> Option<ScenarioError> {
    let threaded = std::thread::scope(|s| {
        let batch_lines = batch_lines.max(1);
        let (to_sim, parsed) = sync_channel::<Batch>(IN_FLIGHT);
        let (to_writer, simulated) = sync_channel::<Batch>(IN_FLIGHT);
        let (recycle, recycled) = channel::<Batch>();
        let spawn = |name: &str| std::thread::Builder::new().name(format!("freepgt-{name}"));
        let out = &mut *out;
        spawn("write")
            .spawn_scoped(s, move || {
                let mut buf = String::with_capacity(crate::REPORT_BLOCK + 4096);
                let mut write = |buf: &mut String| {
                    // As on one thread: a closed stdout does not stop the run.
                    let _ = out.write_all(buf.as_bytes());
                    buf.clear();
                };
                for mut b in simulated {
                    b.render(&mut buf, &mut write);
                    b.clear();
                    // The parser may be done: then the batch is simply dropped.
                    let _ = recycle.send(b);
                }
                write(&mut buf);
                let _ = out.flush();
            })
            .ok()?;
        // Should the parser not start, `to_writer` is dropped on return, the writer writes
        // nothing and the caller runs the single-threaded path.
        spawn("parse")
            .spawn_scoped(s, move || {
                let mut lines = scenario::parse_lines(text);
                loop {
                    let mut b = recycled.try_recv().unwrap_or_default();
                    b.lines.extend(lines.by_ref().take(batch_lines));
                    let last =
                        b.lines.len() < batch_lines || b.lines.last().is_some_and(Result::is_err);
                    // The simulation stops at an error and drops the channel: no one wants
                    // the rest.
                    if b.lines.is_empty() || to_sim.send(b).is_err() || last {
                        break;
                    }
                }
            })
            .ok()?;
        let mut runner = Runner::new();
        for mut b in parsed {
            // Disjoint fields: the lines are read while the tails are recorded.
            let Batch { lines, tails, text } = &mut b;
            let going = runner.run_lines(lines, &mut |step: Step<'_>| {
                record(tails, text, &step, opts);
            });
            if to_writer.send(b).is_err() || !going {
                break;
            }
        }
        Some(runner.finish().1)
    });
    match threaded {
        Some(error) => error,
        None => crate::write_report(text, opts, false, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The single-threaded report and error of `text`.
    fn one_thread(text: &[u8], opts: ReportOptions) -> (Vec<u8>, Option<ScenarioError>) {
        let mut out = Vec::new();
        let err = crate::write_report(text, opts, false, &mut out);
        (out, err)
    }

    /// Checks that the three-thread report of `text` is the single-threaded one, at batch
    /// sizes that put batch ends everywhere (a batch of one line, of a few, of a warm-up
    /// chunk and one line more, of three, and the default), with and without the optional
    /// sections.
    fn same_as_one_thread(text: &[u8]) {
        use freepgt::scenario::WARM_AHEAD as WARM;
        for opts in [
            ReportOptions::default(),
            ReportOptions {
                visits: true,
                orphans: true,
            },
        ] {
            let expected = one_thread(text, opts);
            for batch in [1, 2, 3, 5, WARM + 1, 3 * WARM + 1, BATCH_LINES] {
                let mut out = Vec::new();
                let err = write_report(text, opts, &mut out, batch);
                assert_eq!(
                    (String::from_utf8_lossy(&out), &err),
                    (String::from_utf8_lossy(&expected.0), &expected.1),
                    "batch {batch}, {opts:?}, text:\n{}",
                    String::from_utf8_lossy(text)
                );
            }
        }
    }

    /// A small generated scenario: vmas, faults, munmaps (with splits) and exit.
    fn generated() -> String {
        let size = crate::bench::Size {
            vmas: 40,
            faults: 150,
            munmaps: 12,
            seed: 9,
        };
        crate::bench::scenario_text(freepgt::ArchId::X86_64, None, size)
    }

    #[test]
    fn generated_scenarios_report_as_on_one_thread() {
        for arch in crate::bench::ARCHES {
            for kernel in freepgt::Kernel::ALL {
                let size = crate::bench::Size {
                    vmas: 60,
                    faults: 300,
                    munmaps: 20,
                    seed: 12,
                };
                let text = crate::bench::scenario_text(arch, Some(kernel), size);
                let (report, err) = one_thread(text.as_bytes(), ReportOptions::default());
                assert!(err.is_none());
                // Not vacuous: the scenario frees tables.
                assert!(String::from_utf8_lossy(&report).contains("\nfree pte "));
                same_as_one_thread(text.as_bytes());
            }
        }
    }

    /// Errors at every kind of place: each line in turn replaced by a line that does not
    /// parse, or by a fault the mm refuses (outside every vma), or an operation before the
    /// header is complete; the report stops at the same line with the same error.
    #[test]
    fn errors_stop_the_report_where_one_thread_stops() {
        let text = generated();
        let lines: Vec<&str> = text.lines().collect();
        // The header, the first vmas and faults, batch edges, the munmaps and exit.
        let n = lines.len();
        let places: Vec<usize> = (0..8).chain(38..45).chain(n - 16..n).collect();
        for at in places {
            for bad in ["bogus 1 2", "touch 0x7", "kernel 2.6.11", "\u{fffd} touch"] {
                let mut l = lines.clone();
                l[at] = bad;
                let broken = l.join("\n");
                let (_, err) = one_thread(broken.as_bytes(), ReportOptions::default());
                assert!(err.is_some(), "line {at} `{bad}` is an error");
                same_as_one_thread(broken.as_bytes());
            }
        }
    }

    #[test]
    fn odd_texts_report_as_on_one_thread() {
        let texts: [&[u8]; 10] = [
            b"",
            b"\n\n# only comments\n",
            b"arch x86_64\n",
            b"arch sparc64\nkernel 2.6.11\nconfig preempt\n",
            b"\xef\xbb\xbfarch x86_64\r\nvma 400000 401000 text\r\ntouch 400000\r\n",
            b"arch x86_64\nvma 400000 401000\ntouch 400000\n\xff\xfe\nexit\n",
            b"arch x86_64\nfirst_user_address 0x7\nvma 400000 401000\n",
            b"arch i386\nvma 1000 2000\ntouch 1000 2000\nmunmap 1000 2000\nexit",
            b"arch arm\nvma 8000 9000\nmmapfail 10000 11000\nzapfail 8000 9000\ntouch 8000\n",
            // zapfail leaves an orphan pte table: the fault and the vma after it list it.
            b"arch x86_64\nvma 400000 401000\nvma 800000 801000\ntouch 400000\nzapfail a00000 a02000\ntouch 800000\nvma c00000 c01000\nexit\n",
        ];
        for text in texts {
            same_as_one_thread(text);
        }
    }
}
