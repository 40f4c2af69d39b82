//! `freepgt bench`: a generated scenario the size of a big real process, timed the way users
//! run it.
//!
//! The layout imitates a process with many mapped libraries: clusters of 3–9 vmas (text,
//! data, bss, guard ...) separated by page-sized holes, clusters separated by gaps from a page
//! up to 64 MiB, now and then a GiB. Faults land on random pages of random vmas; munmaps cover
//! 1–20 neighbouring vmas, sometimes starting or ending inside one (so split_vma runs).
//!
//! Each row times the path of `freepgt run`: the scenario is generated as *text*, then parsed,
//! simulated and its report rendered (into a discarding writer, so no disk is timed), a line
//! at a time. The phases are measured as prefixes of that one path (parse; parse + simulate;
//! parse + simulate + report) and reported as differences. `sim_only` beside them is the simulation of operations
//! that were never text (the figure this benchmark printed before it timed the user's path).

use freepgt::report::ReportOptions;
use freepgt::scenario::{self, Scenario};
use freepgt::{AddrRange, ArchId, Kernel, Mm, Op, VirtAddr};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::time::{Duration, Instant};

/// The arches the generator lays out: its layout needs a 64-bit address space (65,530 vmas of
/// about a MiB each, and GiB gaps).
pub const ARCHES: [ArchId; 2] = [ArchId::X86_64, ArchId::Sparc64];

/// The size of a generated scenario.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Number of vmas.
    pub vmas: usize,
    /// Number of single-page faults.
    pub faults: usize,
    /// Number of munmaps.
    pub munmaps: usize,
    /// The random seed.
    pub seed: u64,
}

/// Generates the operations (no header) for one arch.
pub fn generate(arch: ArchId, size: Size) -> Vec<Op> {
    let Size {
        vmas,
        faults,
        munmaps,
        seed,
    } = size;
    let a = arch.arch();
    let page = a.page_size();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ops = Vec::with_capacity(vmas + faults + munmaps + 1);
    let mut ranges = Vec::with_capacity(vmas);
    // 64-bit tasks: x86_64 from the ELF base, sparc64 from TASK_UNMAPPED_BASE (the high half).
    let mut addr = if arch == ArchId::Sparc64 {
        0xfffff80000000000u64
    } else {
        0x400000u64
    };
    while ranges.len() < vmas {
        let in_cluster = rng.gen_range(3..=9).min(vmas - ranges.len());
        for _ in 0..in_cluster {
            let pages = match rng.gen_range(0..10) {
                0..=5 => rng.gen_range(1..=16),
                6..=8 => rng.gen_range(16..=256),
                _ => rng.gen_range(256..=4096),
            };
            let r = AddrRange::new(VirtAddr::new(addr), VirtAddr::new(addr + pages * page));
            ranges.push(r);
            ops.push(Op::Vma {
                range: r,
                name: None,
            });
            addr = r.end.as_u64() + page * rng.gen_range(0..=2);
        }
        let gap = if rng.gen_ratio(1, 50) {
            1 << 30
        } else {
            page * rng.gen_range(1..=8192)
        };
        addr += gap;
        addr = (addr + page - 1) & !(page - 1);
    }
    assert!(addr < a.task_size, "generated layout exceeds TASK_SIZE");
    for _ in 0..faults {
        let r = ranges[rng.gen_range(0..ranges.len())];
        let pages = (r.end.as_u64() - r.start.as_u64()) / page;
        let at = r.start.as_u64() + rng.gen_range(0..pages) * page + rng.gen_range(0..page);
        ops.push(Op::Touch {
            addr: VirtAddr::new(at),
        });
    }
    for _ in 0..munmaps {
        let i = rng.gen_range(0..ranges.len());
        let j = (i + rng.gen_range(0..20)).min(ranges.len() - 1);
        let mut start = ranges[i].start.as_u64();
        let mut end = ranges[j].end.as_u64();
        if rng.gen_ratio(1, 3) && ranges[i].end.as_u64() - start > page {
            start += page;
        }
        if rng.gen_ratio(1, 3) && end - ranges[j].start.as_u64() > page && end - page > start {
            end -= page;
        }
        ops.push(Op::Munmap {
            range: AddrRange::new(VirtAddr::new(start), VirtAddr::new(end)),
        });
    }
    ops.push(Op::Exit);
    ops
}

/// The scenario text `freepgt run` would be given: `arch`, a `kernel` line if one is asked
/// for, then the generated operations.
pub fn scenario_text(arch: ArchId, kernel: Option<Kernel>, size: Size) -> String {
    Scenario::from_parts(arch, kernel, None, generate(arch, size)).to_text()
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A writer that keeps nothing and counts the bytes: the report is rendered and buffered as
/// `freepgt run` does, without timing a disk.
#[derive(Default)]
struct Discard {
    bytes: u64,
}

impl Write for Discard {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How far down the `freepgt run` path one timed pass goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    Parse,
    Simulate,
    Report,
    /// The report on three threads.
    Threads,
}

/// One pass over the text; returns the report's size in bytes (0 unless `Depth::Report`).
fn pass(text: &str, depth: Depth) -> u64 {
    match depth {
        Depth::Parse => {
            for parsed in scenario::parse_lines(text.as_bytes()) {
                std::hint::black_box(parsed.expect("generated text parses"));
            }
            0
        }
        Depth::Simulate => {
            let (mm, err) = scenario::run_text(text.as_bytes(), |_| {});
            assert!(err.is_none(), "generated ops are valid");
            std::hint::black_box(mm.map(|m| m.counts()));
            0
        }
        Depth::Report => {
            let mut out = Discard::default();
            let err =
                crate::write_report(text.as_bytes(), ReportOptions::default(), false, &mut out);
            assert!(err.is_none(), "generated scenario runs");
            out.bytes
        }
        Depth::Threads => {
            let mut out = Discard::default();
            let err = crate::pipeline::write_report(
                text.as_bytes(),
                ReportOptions::default(),
                &mut out,
                crate::pipeline::BATCH_LINES,
            );
            assert!(err.is_none(), "generated scenario runs");
            out.bytes
        }
    }
}

/// The CPU time this thread has run so far: the first field of Linux's
/// `/proc/thread-self/schedstat` (nanoseconds, brought up to date at each scheduler tick, so
/// within a few ms). `None` where there is no such file.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// What one timed run took: wall-clock time, and CPU time where the OS tells.
#[derive(Clone, Copy)]
struct Took {
    wall: Duration,
    cpu: Option<Duration>,
}

impl Took {
    /// The figure the tables print: CPU time (on a shared machine wall time mostly measures
    /// the other processes), or wall time where CPU time is unknown.
    fn figure(self) -> Duration {
        self.cpu.unwrap_or(self.wall)
    }

    fn measure<T>(f: impl FnOnce() -> T) -> (Took, T) {
        let (cpu0, started) = (thread_cpu(), Instant::now());
        let r = f();
        let wall = started.elapsed();
        let cpu = cpu0.zip(thread_cpu()).map(|(a, b)| b.saturating_sub(a));
        (Took { wall, cpu }, r)
    }
}

/// The best of `repeat` runs of `f` (by [`Took::figure`]), and its last result.
fn best_of<T>(repeat: usize, mut f: impl FnMut() -> T) -> (Took, T) {
    let mut best: Option<Took> = None;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let (took, r) = Took::measure(&mut f);
        if best.is_none_or(|b| took.figure() < b.figure()) {
            best = Some(took);
        }
        last = Some(r);
    }
    (
        best.expect("ran at least once"),
        last.expect("ran at least once"),
    )
}

/// The phases of the user's path over one scenario text ([`Took::figure`]s, and the wall
/// time of the whole path).
struct PathTiming {
    parse: Duration,
    simulate: Duration,
    report: Duration,
    run: Duration,
    run_wall: Duration,
    /// Wall time of the same run on three threads, as `freepgt run` makes it
    /// ([`crate::pipeline`]): CPU time of one thread would not say what it costs.
    threads_wall: Duration,
    report_bytes: u64,
}

fn time_path(text: &str, repeat: usize) -> PathTiming {
    let (parse, _) = best_of(repeat, || pass(text, Depth::Parse));
    let (upto_sim, _) = best_of(repeat, || pass(text, Depth::Simulate));
    let (run, report_bytes) = best_of(repeat, || pass(text, Depth::Report));
    let threads_wall = (0..repeat.max(1))
        .map(|_| Took::measure(|| pass(text, Depth::Threads)).0.wall)
        .min()
        .expect("ran at least once");
    PathTiming {
        threads_wall,
        parse: parse.figure(),
        simulate: upto_sim.figure().saturating_sub(parse.figure()),
        report: run.figure().saturating_sub(upto_sim.figure()),
        run: run.figure(),
        run_wall: run.wall,
        report_bytes,
    }
}

struct SimTiming {
    vmas: Duration,
    faults: Duration,
    munmaps: Duration,
    exit: Duration,
    peak_tables: u64,
    freed_by_munmap: u64,
    tables_left: u64,
}

impl SimTiming {
    fn total(&self) -> Duration {
        self.vmas + self.faults + self.munmaps + self.exit
    }
}

/// Simulates operations that were never text, phase by phase (the generator emits vmas, then
/// faults, then munmaps, then exit), timing each phase as a whole so the clock is not read a
/// million times.
fn time_sim(arch: ArchId, kernel: Kernel, fua: VirtAddr, ops: &[Op]) -> SimTiming {
    let mut mm = Mm::new(arch, kernel, fua).expect("valid header");
    let phase_of = |op: &Op| match op {
        Op::Vma { .. } => 0,
        Op::Touch { .. } => 1,
        Op::Munmap { .. } => 2,
        _ => 3,
    };
    let mut took = [Duration::ZERO; 4];
    let mut peak_tables = 0;
    let mut freed_by_munmap = 0;
    let mut rest = ops;
    while let Some(first) = rest.first() {
        let phase = phase_of(first);
        let n = rest.iter().take_while(|o| phase_of(o) == phase).count();
        let (chunk, tail) = rest.split_at(n);
        let (t, ()) = Took::measure(|| {
            for op in chunk {
                let out = mm.apply(op).expect("ops that ran once are valid");
                if phase == 2 {
                    freed_by_munmap += freepgt::report::freed_tables(&out).len() as u64;
                }
            }
        });
        took[phase] += t.figure();
        // Tables only grow until the munmaps start, so the peak is seen at a phase boundary.
        peak_tables = peak_tables.max(mm.counts().total());
        rest = tail;
    }
    SimTiming {
        vmas: took[0],
        faults: took[1],
        munmaps: took[2],
        exit: took[3],
        peak_tables,
        freed_by_munmap,
        tables_left: mm.counts().total(),
    }
}

fn best_sim(repeat: usize, arch: ArchId, kernel: Kernel, fua: VirtAddr, ops: &[Op]) -> SimTiming {
    (0..repeat.max(1))
        .map(|_| time_sim(arch, kernel, fua, ops))
        .min_by_key(SimTiming::total)
        .expect("ran at least once")
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

const PATH_HEADER: &str =
    "arch     kernel  text_MB  gen_ms  parse_ms  sim_ms  report_ms  run_ms  run_wall_ms  threads_wall_ms  sim_only_ms  report_MB";

/// What the `_ms` figures are.
fn clock_note() -> &'static str {
    if thread_cpu().is_some() {
        "ms of CPU time (the thread's, from /proc/thread-self/schedstat), best of the runs; run_wall_ms is that run's wall time, threads_wall_ms the best wall time of the run on three threads (as `freepgt run` makes it)"
    } else {
        "ms of wall time, best of the runs (no CPU clock here)"
    }
}

fn path_row(
    arch: ArchId,
    kernel: Kernel,
    text_bytes: usize,
    gen: Option<Duration>,
    t: &PathTiming,
    sim_only: Duration,
) {
    println!(
        "{:<8} {:<7} {:>7}  {:>6}  {:>8}  {:>6}  {:>9}  {:>6}  {:>11}  {:>15}  {:>11}  {:>9}",
        arch.name(),
        kernel.name(),
        mb(text_bytes as u64),
        gen.map_or("-".to_string(), ms),
        ms(t.parse),
        ms(t.simulate),
        ms(t.report),
        ms(t.run),
        ms(t.run_wall),
        ms(t.threads_wall),
        ms(sim_only),
        mb(t.report_bytes)
    );
}

/// What to run: which arches and kernels, how often (best of), and the size.
pub struct Plan {
    /// The generated scenario's size.
    pub size: Size,
    /// Arches to run (a subset of [`ARCHES`]).
    pub arches: Vec<ArchId>,
    /// Kernels to run.
    pub kernels: Vec<Kernel>,
    /// Each measurement is the best of this many runs.
    pub repeat: usize,
}

/// Runs the benchmark and prints two tables: the user's path per phase, and the simulation
/// alone per kind of operation.
pub fn run(plan: &Plan) {
    let Size {
        vmas,
        faults,
        munmaps,
        seed,
    } = plan.size;
    println!(
        "freepgt bench: {vmas} vmas, {faults} faults, {munmaps} munmaps, exit (seed {seed}, {} build, best of {})",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        plan.repeat.max(1)
    );
    println!("the path of `freepgt run`: generate the text, parse, simulate, render the report (run = parse + sim + report)");
    println!("{}", clock_note());
    println!("{PATH_HEADER}");
    let mut sims = Vec::new();
    for &arch in &plan.arches {
        for &kernel in &plan.kernels {
            let (gen, text) = best_of(plan.repeat, || scenario_text(arch, Some(kernel), plan.size));
            let t = time_path(&text, plan.repeat);
            let text_bytes = text.len();
            drop(text);
            let ops = generate(arch, plan.size);
            let sim = best_sim(plan.repeat, arch, kernel, VirtAddr::ZERO, &ops);
            assert_eq!(sim.tables_left, 0, "exit frees everything");
            path_row(
                arch,
                kernel,
                text_bytes,
                Some(gen.figure()),
                &t,
                sim.total(),
            );
            sims.push((arch, kernel, sim));
        }
    }
    println!();
    println!("simulation only (operations never rendered as text, no report), ms as above:");
    println!("arch     kernel  vmas_ms  faults_ms  munmaps_ms  exit_ms  total_ms  peak_tables  freed_by_munmap");
    for (arch, kernel, t) in sims {
        println!(
            "{:<8} {:<7} {:>7}  {:>9}  {:>10}  {:>7}  {:>8}  {:>11}  {:>15}",
            arch.name(),
            kernel.name(),
            ms(t.vmas),
            ms(t.faults),
            ms(t.munmaps),
            ms(t.exit),
            ms(t.total()),
            t.peak_tables,
            t.freed_by_munmap
        );
    }
    if let Some(kib) = peak_rss_kib() {
        println!(
            "peak RSS of the whole bench process: {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
}

/// FNV-1a over the report: a cheap fingerprint that the wasm build computes the same way, so
/// the two sides can be seen to have rendered the same bytes.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `freepgt bench --from FILE`: the user's path over a given scenario text, and the figure the
/// wasm benchmark prints beside it: [`freepgt::report::report`] into a string, the function the
/// playground renders its report with.
pub fn run_file(text: &str, repeat: usize) -> Result<(), freepgt::ScenarioError> {
    let parsed = Scenario::parse_prefix(text);
    if let Some(e) = parsed.error {
        return Err(e);
    }
    let Some(arch) = parsed.scenario.arch() else {
        println!("empty scenario: nothing to time");
        return Ok(());
    };
    let kernel = parsed.scenario.kernel();
    let fua = parsed.scenario.first_user_address();
    let ops: Vec<Op> = parsed.scenario.ops().map(|(_, op)| op.clone()).collect();
    drop(parsed);
    // The playground's figure first: it also finds a bad line before anything is timed.
    let (took, (report, err)) = best_of(repeat, || {
        freepgt::report::report(text, ReportOptions::default())
    });
    if let Some(e) = err {
        return Err(e);
    }
    println!(
        "freepgt bench --from: {} lines ({} build, best of {})",
        text.lines().count(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        repeat.max(1)
    );
    println!("{}", clock_note());
    println!("{PATH_HEADER}");
    let t = time_path(text, repeat);
    let sim = best_sim(repeat, arch, kernel, fua, &ops);
    path_row(arch, kernel, text.len(), None, &t, sim.total());
    // Wall time: the browser side of the comparison can only measure that.
    println!(
        "report_string_ms {} bytes {} fnv1a {:016x}",
        ms(took.wall),
        report.len(),
        fnv1a(report.as_bytes())
    );
    Ok(())
}
