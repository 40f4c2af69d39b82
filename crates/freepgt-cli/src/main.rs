//! `freepgt`: the command-line front end of the simulation core.
//!
//! `freepgt run` prints the report of docs/src/reference.md byte for byte (or the trace, or
//! JSON); `freepgt bench` times a generated max_map_count-sized scenario.

mod bench;
mod json;
mod pipeline;

use clap::{Parser, Subcommand, ValueEnum};
use freepgt::report::{write_echo, write_step_lines, ReportOptions};
use freepgt::scenario::{self, Scenario};
use freepgt::tracefmt::render_trace;
use freepgt::{ArchId, Kernel};
use std::io::{Read, Write};
use std::process::ExitCode;

/// Simulates how Linux 2.6.12 ("freepgt: free_pgtables use vma list") and 2.6.11 free page
/// tables, on x86_64, sparc64, i386, i386 PAE and ARM.
#[derive(Parser)]
#[command(name = "freepgt", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario and print its report.
    ///
    /// The scenario language and the report format are specified in the book
    /// (docs/src/reference.md).
    /// On a bad line the report of the lines before it is printed, then
    /// `error line N: WHAT` on stderr, and the exit status is 2.
    Run {
        /// Also print `visits pgd=A pud=B pmd=C` (free-walk loop iterations).
        #[arg(long)]
        visits: bool,
        /// Also print `orphan LEVEL BASE` for linked tables whose span meets no vma.
        #[arg(long)]
        orphans: bool,
        /// Print each command's event trace (every decision, with hex values) before its
        /// report lines.
        #[arg(long)]
        trace: bool,
        /// Output format: the text report, or JSON with the trace and the final state.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Parse, simulate and write the text report on one thread instead of three (the
        /// report is the same; for timing the two).
        #[arg(long)]
        single_thread: bool,
        /// The scenario file, or `-` (the default) for standard input.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Print the share link (or, with --embed, the embed link) for a scenario file.
    ///
    /// The fragment holds the canonical scenario text, percent-encoded, or deflate + base64url
    /// when that is at least 20% shorter. Documentation generators can call this.
    Url {
        /// Link to the embed view (no editing chrome).
        #[arg(long)]
        embed: bool,
        /// Open at this step: `N` (the scenario's command N, 0 = arch) or `N.M` (event M of
        /// that command's trace).
        #[arg(long)]
        step: Option<freepgt::share::StepRef>,
        /// The playground's address.
        #[arg(long, default_value = "./")]
        base: String,
        /// The scenario file, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Run a scenario under 2.6.11 and 2.6.12 and print, per step, what differs: tables freed,
    /// walk visits, flushes, VPTE pages, BUGs and orphans; then the totals.
    Compare {
        /// The scenario file, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Print a preset scenario (or, without ID, list the presets).
    Example {
        /// The preset id, e.g. `gather` or `sparc64-hole-edge`.
        id: Option<String>,
    },
    /// Time the path of `freepgt run` (generate the text, parse, simulate, render the report)
    /// on a generated scenario: 65,530 vmas in clusters, 1,000,000 faults, munmaps, exit.
    Bench {
        /// Number of vmas (default: the kernel's default max_map_count).
        #[arg(long, default_value_t = 65_530)]
        vmas: usize,
        /// Number of single-page faults.
        #[arg(long, default_value_t = 1_000_000)]
        faults: usize,
        /// Number of munmaps.
        #[arg(long, default_value_t = 300)]
        munmaps: usize,
        /// Random seed.
        #[arg(long, default_value_t = 2005)]
        seed: u64,
        /// Only this arch (repeatable; default x86_64 and sparc64, the 64-bit arches the
        /// generated layout fits in).
        #[arg(long, value_parser = parse_arch)]
        arch: Vec<ArchId>,
        /// Only this kernel (repeatable; default both).
        #[arg(long, value_parser = parse_kernel)]
        kernel: Vec<Kernel>,
        /// Each figure is the best of this many runs.
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// Write the generated scenario text to FILE instead of timing it: the first --arch
        /// (default x86_64), with a `kernel` line if --kernel is given.
        #[arg(long)]
        write_scenario: Option<String>,
        /// Time the path of `freepgt run` on this scenario file instead of a generated one, and
        /// `report()` into a string as the playground's wasm benchmark does.
        #[arg(long, conflicts_with = "write_scenario")]
        from: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_arch(s: &str) -> Result<ArchId, String> {
    s.parse().map_err(|()| format!("unknown arch '{s}'"))
}

fn parse_kernel(s: &str) -> Result<Kernel, String> {
    s.parse()
        .map_err(|()| format!("unknown kernel '{s}' (2.6.11 or 2.6.12)"))
}

/// Reads a scenario from FILE or `-` (stdin) as bytes (a line that is not UTF-8 is the
/// parser's error, naming the line); on failure says why, for exit status 2.
fn read_input(file: &str) -> Result<Vec<u8>, ExitCode> {
    let mut s = Vec::new();
    let read = if file == "-" {
        std::io::stdin().read_to_end(&mut s).map(|_| s)
    } else {
        std::fs::read(file)
    };
    read.map_err(|e| {
        eprintln!("freepgt: cannot read {file}: {e}");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Run {
            visits,
            orphans,
            trace,
            format,
            single_thread,
            file,
        } => {
            let text = match read_input(&file) {
                Ok(t) => t,
                Err(code) => return code,
            };
            let opts = ReportOptions { visits, orphans };
            let error = match format {
                Format::Text => run_text(&text, opts, trace, single_thread),
                Format::Json => json::run_json(&text),
            };
            match error {
                Some(e) => {
                    eprintln!("{e}");
                    ExitCode::from(2)
                }
                None => ExitCode::SUCCESS,
            }
        }
        Cmd::Url {
            embed,
            step,
            base,
            file,
        } => {
            let text = match read_input(&file) {
                Ok(t) => t,
                Err(code) => return code,
            };
            let parsed = Scenario::parse_prefix_bytes(&text);
            match parsed.error.map_or(Ok(parsed.scenario), Err) {
                Ok(s) => {
                    let state = freepgt::share::Shared {
                        text: s.to_text(),
                        step,
                        embed,
                        ..Default::default()
                    };
                    println!("{}", freepgt::share::link(&base, &state));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(2)
                }
            }
        }
        Cmd::Compare { file } => {
            let text = match read_input(&file) {
                Ok(t) => t,
                Err(code) => return code,
            };
            let parsed = Scenario::parse_prefix_bytes(&text);
            let (steps, totals, err) = freepgt::compare::compare(&parsed.scenario);
            print!("{}", compare_text(&steps, &totals));
            match err.or(parsed.error) {
                Some(e) => {
                    eprintln!("{e}");
                    ExitCode::from(2)
                }
                None => ExitCode::SUCCESS,
            }
        }
        Cmd::Example { id } => match id {
            None => {
                for p in freepgt::presets::ALL {
                    println!("{:<18} {}", p.id, p.title);
                }
                ExitCode::SUCCESS
            }
            Some(id) => match freepgt::presets::find(&id) {
                Some(p) => {
                    print!("{}", p.text());
                    ExitCode::SUCCESS
                }
                None => {
                    eprintln!("freepgt: no preset '{id}' (run `freepgt example` for the list)");
                    ExitCode::from(2)
                }
            },
        },
        Cmd::Bench {
            vmas,
            faults,
            munmaps,
            seed,
            arch,
            kernel,
            repeat,
            write_scenario,
            from,
        } => bench_command(
            bench::Size {
                vmas,
                faults,
                munmaps,
                seed,
            },
            arch,
            kernel,
            repeat,
            write_scenario,
            from,
        ),
    }
}

/// `freepgt bench`: writes a generated scenario, times a given one, or runs the benchmark.
fn bench_command(
    size: bench::Size,
    arches: Vec<ArchId>,
    kernels: Vec<Kernel>,
    repeat: usize,
    write_scenario: Option<String>,
    from: Option<String>,
) -> ExitCode {
    if let Some(a) = arches.iter().find(|a| !bench::ARCHES.contains(a)) {
        eprintln!("freepgt: bench lays out a 64-bit address space; {a} is not one (use x86_64 or sparc64)");
        return ExitCode::from(2);
    }
    if size.vmas == 0 {
        eprintln!("freepgt: bench needs at least one vma");
        return ExitCode::from(2);
    }
    if let Some(path) = write_scenario {
        let arch = arches.first().copied().unwrap_or(ArchId::X86_64);
        let text = bench::scenario_text(arch, kernels.first().copied(), size);
        return match std::fs::write(&path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("freepgt: cannot write {path}: {e}");
                ExitCode::from(2)
            }
        };
    }
    if let Some(file) = from {
        let text = match read_input(&file) {
            Ok(t) => t,
            Err(code) => return code,
        };
        // The benchmark times the text paths; a file that is not UTF-8 is run's business.
        let Ok(text) = String::from_utf8(text) else {
            eprintln!("freepgt: {file} is not UTF-8 (run it with `freepgt run` to see the line)");
            return ExitCode::from(2);
        };
        return match bench::run_file(&text, repeat) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        };
    }
    bench::run(&bench::Plan {
        size,
        arches: or_all(arches, &bench::ARCHES),
        kernels: or_all(kernels, &Kernel::ALL),
        repeat,
    });
    ExitCode::SUCCESS
}

/// The values given, or all of them if none were.
fn or_all<T: Clone>(given: Vec<T>, all: &[T]) -> Vec<T> {
    if given.is_empty() {
        all.to_vec()
    } else {
        given
    }
}

/// Renders `freepgt compare` output.
fn compare_text(
    steps: &[freepgt::compare::StepComparison],
    totals: &freepgt::compare::Totals,
) -> String {
    use freepgt::compare::Side;
    use std::fmt::Write as _;
    let side = |s: &Side| {
        let freed: Vec<String> = s.freed.iter().map(|(l, b)| format!("{l} {b}")).collect();
        let flushes: Vec<String> = s
            .flushes
            .iter()
            .map(|f| format!("{}-{}", f.start, f.end))
            .collect();
        format!(
            "freed [{}] visits {}/{}/{} flush [{}] vpte {} bugs {} orphans {}",
            freed.join(", "),
            s.visits.pgd,
            s.visits.pud,
            s.visits.pmd,
            flushes.join(", "),
            s.vpte.pages,
            s.bugs.len(),
            s.orphans.len()
        )
    };
    let mut out = String::new();
    for st in steps {
        let mark = if st.differs() { "*" } else { " " };
        let _ = writeln!(out, "{mark} line {}: {}", st.line, st.command);
        if st.old != st.new {
            let _ = writeln!(out, "    2.6.11: {}", side(&st.old));
            let _ = writeln!(out, "    2.6.12: {}", side(&st.new));
        }
    }
    let _ = writeln!(out, "{totals}");
    out
}

/// Prints the report (and with `trace`, each command's trace) as the scenario runs, so that a
/// bad line still leaves the report of the lines before it on stdout. The report alone is
/// made on three threads ([`pipeline`]) unless `single_thread`; with the trace on one.
fn run_text(
    text: &[u8],
    opts: ReportOptions,
    trace: bool,
    single_thread: bool,
) -> Option<freepgt::ScenarioError> {
    // Both paths hand over whole blocks of lines: no buffer of our own in between.
    let mut out = std::io::stdout();
    if !trace && !single_thread {
        return pipeline::write_report(text, opts, &mut out, pipeline::BATCH_LINES);
    }
    let mut out = out.lock();
    let err = write_report(text, opts, trace, &mut out);
    let _ = out.flush();
    err
}

/// The bytes of report `write_report` gathers before it writes them out.
const REPORT_BLOCK: usize = 1 << 16;

/// The report of `freepgt run` (with `trace`, each command's trace too), written to `out` as
/// the scenario runs, in blocks of about [`REPORT_BLOCK`] bytes. `freepgt bench` times this
/// same function.
fn write_report(
    text: &[u8],
    opts: ReportOptions,
    trace: bool,
    out: &mut impl Write,
) -> Option<freepgt::ScenarioError> {
    use std::fmt::Write as _;
    let mut buf = String::with_capacity(REPORT_BLOCK + 4096);
    let (_, err) = scenario::run_text(text, |step| {
        write_echo(&mut buf, step.command);
        if trace {
            if let Some(o) = step.outcome {
                for line in render_trace(&o.events).lines() {
                    let _ = writeln!(buf, "  | {line}");
                }
            }
        }
        write_step_lines(&mut buf, step.command, step.outcome, step.mm, opts);
        if buf.len() >= REPORT_BLOCK {
            let _ = out.write_all(buf.as_bytes());
            buf.clear();
        }
    });
    let _ = out.write_all(buf.as_bytes());
    err
}
