//! `freepgt bench`: a generated scenario the size of a big real process, timed per phase.
//!
//! The layout imitates a process with many mapped libraries: clusters of 3–9 vmas (text,
//! data, bss, guard ...) separated by page-sized holes, clusters separated by gaps from a page
//! up to 64 MiB, now and then a GiB. Faults land on random pages of random vmas; munmaps cover
//! 1–20 neighbouring vmas, sometimes starting or ending inside one (so split_vma runs).

use freepgt::{AddrRange, ArchId, Kernel, Mm, Op, Scenario, VirtAddr};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

/// Generates the operations (no header) for one arch.
pub fn generate(arch: ArchId, vmas: usize, faults: usize, munmaps: usize, seed: u64) -> Vec<Op> {
    let a = arch.arch();
    let page = a.page_size();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ops = Vec::with_capacity(vmas + faults + munmaps + 1);
    let mut ranges = Vec::with_capacity(vmas);
    // 64-bit tasks: x86_64 from the ELF base, sparc64 from TASK_UNMAPPED_BASE (the high half).
    let mut addr = match arch {
        ArchId::X86_64 => 0x400000u64,
        ArchId::Sparc64 => 0xfffff80000000000u64,
        // 32-bit tasks from the ELF base; only small layouts fit below 3 GiB.
        ArchId::I386 | ArchId::I386Pae | ArchId::Arm => 0x8048000u64,
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

struct Timing {
    vmas: Duration,
    faults: Duration,
    munmaps: Duration,
    exit: Duration,
    peak_tables: u64,
    freed_by_munmap: u64,
}

/// Runs the ops phase by phase (the generator emits vmas, then faults, then munmaps, then
/// exit), timing each phase as a whole so the clock is not read a million times.
fn time_one(arch: ArchId, kernel: Kernel, ops: &[Op]) -> Timing {
    let mut mm = Mm::new(arch, kernel, VirtAddr::ZERO).expect("valid header");
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
        let started = Instant::now();
        for op in chunk {
            let out = mm.apply(op).expect("generated ops are valid");
            if phase == 2 {
                freed_by_munmap += freepgt::report::freed_tables(&out).len() as u64;
            }
        }
        took[phase] += started.elapsed();
        // Tables only grow until the munmaps start, so the peak is seen at a phase boundary.
        peak_tables = peak_tables.max(mm.counts().total());
        rest = tail;
    }
    assert_eq!(mm.counts().total(), 0, "exit frees everything");
    Timing {
        vmas: took[0],
        faults: took[1],
        munmaps: took[2],
        exit: took[3],
        peak_tables,
        freed_by_munmap,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

/// Runs the benchmark on both arches and both kernels and prints a table.
pub fn run(vmas: usize, faults: usize, munmaps: usize, seed: u64, write: Option<&str>) {
    println!(
        "freepgt bench: {vmas} vmas, {faults} faults, {munmaps} munmaps, exit (seed {seed}, {} build)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    println!("arch     kernel  vmas_ms  faults_ms  munmaps_ms  exit_ms  total_ms  peak_tables  freed_by_munmap");
    // The 64-bit arches only: the default layout (65,530 vmas with GiB gaps) does not fit
    // below a 32-bit TASK_SIZE.
    for arch in [ArchId::X86_64, ArchId::Sparc64] {
        let started = Instant::now();
        let ops = generate(arch, vmas, faults, munmaps, seed);
        let gen = started.elapsed();
        if arch == ArchId::X86_64 {
            if let Some(path) = write {
                let text = Scenario::from_parts(arch, None, None, ops.clone()).to_text();
                std::fs::write(path, text).expect("write scenario");
            }
        }
        for kernel in Kernel::ALL {
            let t = time_one(arch, kernel, &ops);
            let total = t.vmas + t.faults + t.munmaps + t.exit;
            println!(
                "{:<8} {:<7} {:>7}  {:>9}  {:>10}  {:>7}  {:>8}  {:>11}  {:>15}",
                arch.name(),
                kernel.name(),
                ms(t.vmas),
                ms(t.faults),
                ms(t.munmaps),
                ms(t.exit),
                ms(total),
                t.peak_tables,
                t.freed_by_munmap
            );
        }
        println!("  ({} generation: {} ms)", arch.name(), ms(gen));
    }
    if let Some(kib) = peak_rss_kib() {
        println!(
            "peak RSS of the whole bench process: {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
}
