//! Property tests over random scenarios on all five arches and both kernels.

use freepgt::arch::Level;
use freepgt::report::{report, ReportOptions};
use freepgt::{AddrRange, ArchId, Bug, Event, Kernel, Mm, Op, Scenario, VirtAddr};
use proptest::prelude::*;

/// An operation in abstract units, placed in a small neighbourhood so that operations meet.
#[derive(Clone, Debug)]
struct AbstractOp {
    kind: u8,
    region: u8,
    unit: u8,
    at: u64,
    len: u64,
}

fn abstract_op() -> impl Strategy<Value = AbstractOp> {
    (0u8..10, 0u8..3, 0u8..5, 0u64..48, 1u64..12).prop_map(|(kind, region, unit, at, len)| {
        AbstractOp {
            kind,
            region,
            unit,
            at,
            len,
        }
    })
}

fn concrete(arch: ArchId, o: &AbstractOp) -> Op {
    let a = arch.arch();
    let page = a.page_size();
    let pmd = a.size(Level::Pmd);
    let unit = [page, 64 * page, pmd / 2, pmd, a.size(Level::Pud) / 4][o.unit as usize];
    let region = match (arch, o.region) {
        (_, 0) => 0,
        (ArchId::X86_64, 1) => a.size(Level::Pgd) - 16 * pmd,
        (ArchId::X86_64, _) => a.task_size - 64 * a.size(Level::Pud),
        (ArchId::Sparc64, 1) => 0xfffff80000000000,
        (ArchId::Sparc64, _) => (1u64 << 43) - 64 * unit,
        // 32-bit: a pgd (PAE: pmd-table) boundary in the middle, and the top of user space.
        (ArchId::I386 | ArchId::I386Pae | ArchId::Arm, 1) => 0x4000_0000 - 16 * pmd,
        (ArchId::I386 | ArchId::I386Pae | ArchId::Arm, _) => a.task_size - 32 * pmd,
    };
    let start = region.wrapping_add(o.at * unit);
    let end = start.wrapping_add(o.len * unit);
    let range = AddrRange::new(VirtAddr::new(start), VirtAddr::new(end));
    match o.kind {
        0..=2 => Op::Vma { range, name: None },
        3 | 4 => Op::TouchRange { range },
        5 => Op::Touch {
            addr: VirtAddr::new(start + page / 2),
        },
        6 | 7 => Op::Munmap { range },
        8 => Op::MmapFail { range },
        _ => Op::ZapFail { range },
    }
}

fn arch_strategy() -> impl Strategy<Value = ArchId> {
    prop::sample::select(ArchId::ALL.to_vec())
}

/// An mm with the arch's own FIRST_USER_ADDRESS (PAGE_SIZE on ARM), as a scenario gets it.
fn new_mm(arch: ArchId, kernel: Kernel) -> Mm {
    Mm::new(arch, kernel, VirtAddr::new(arch.arch().first_user_address)).unwrap()
}

/// The pmd tables that belong to the pgd (3 on i386 PAE), which no walk frees.
fn pgd_owned(arch: ArchId) -> u64 {
    let a = arch.arch();
    if a.pgd_owns_pmds {
        a.user_ptrs_per_pgd()
    } else {
        0
    }
}

fn kernel_strategy() -> impl Strategy<Value = Kernel> {
    prop_oneof![Just(Kernel::V2_6_12), Just(Kernel::V2_6_11)]
}

fn vma_ranges(mm: &Mm) -> Vec<AddrRange> {
    mm.vmas().iter().map(|v| v.range()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Runs random operations, keeping the accepted ones, and checks the invariants after
    /// each, then after a final exit.
    #[test]
    fn invariants_hold_over_random_scenarios(
        arch in arch_strategy(),
        kernel in kernel_strategy(),
        ops in prop::collection::vec(abstract_op(), 1..40),
    ) {
        let mut mm = new_mm(arch, kernel);
        let mut accepted = Vec::new();
        let mut zapfail_seen = false;
        for o in &ops {
            let op = concrete(arch, o);
            let (vmas_before, counts_before) = (vma_ranges(&mm), mm.counts());
            match mm.apply(&op) {
                Err(_) => {
                    // A refused operation changes nothing.
                    prop_assert_eq!(vma_ranges(&mm), vmas_before);
                    prop_assert_eq!(mm.counts(), counts_before);
                    continue;
                }
                Ok(out) => {
                    zapfail_seen |= matches!(op, Op::ZapFail { .. });
                    // Only real, non-pgd-owned levels are ever freed.
                    for e in &out.events {
                        if let Event::TableFreed { level, .. } = e {
                            prop_assert!(!arch.arch().folded(*level), "{level} freed on {arch}");
                            prop_assert!(
                                !(arch.arch().pgd_owns_pmds && *level == Level::Pmd),
                                "a pgd-owned pmd freed after {op}"
                            );
                        }
                    }
                    for e in &out.events {
                        if let Event::Bug(b) = e {
                            match b {
                                // No freed table's span meets a remaining vma.
                                Bug::FreedCoveringVma { .. } => prop_assert!(false, "{b} after {op}"),
                                // Only a table the vma walk cannot see can be left dangling.
                                Bug::FreedWithLiveEntries { .. } => prop_assert!(
                                    kernel == Kernel::V2_6_12 && zapfail_seen, "{b} after {op}"),
                                Bug::ExitNrPtes { .. } => {}
                            }
                        }
                    }
                    accepted.push(op.clone());
                }
            }
            // The incrementally kept orphan set equals its definition.
            prop_assert_eq!(mm.orphans(), mm.orphans_by_scan(), "after {}", op);
            // Live counts match a scan of the arena, and reachable + leaked = live.
            let pt = mm.page_tables();
            prop_assert_eq!(pt.counts(), pt.recount());
            prop_assert_eq!(pt.all_live().len() as u64, pt.counts().total());
            prop_assert!(pt.reachable().len() as u64 <= pt.counts().total());
            // all_live's reachable flags name exactly the tables reachable() walks to.
            prop_assert_eq!(
                pt.all_live().iter().filter(|t| t.reachable).count(),
                pt.reachable().len()
            );
            // Folded levels hold no tables; PAE's pgd keeps its pmd tables.
            let a = arch.arch();
            if a.folded(Level::Pud) {
                prop_assert_eq!(pt.counts().pud, 0);
            }
            if a.folded(Level::Pmd) {
                prop_assert_eq!(pt.counts().pmd, 0);
            }
            if a.pgd_owns_pmds {
                prop_assert_eq!(pt.counts().pmd, pgd_owned(arch));
            }
            // Every present pte lies in a vma (touch needs one; zap clears the rest).
            for t in pt.reachable().iter().filter(|t| t.level == Level::Pte && t.used > 0) {
                let span = AddrRange::new(t.base, t.base.wrapping_add(t.span));
                prop_assert!(mm.vmas().meets(span), "present ptes outside vmas in {:?}", t);
            }
        }
        let exit = mm.apply(&Op::Exit).unwrap();
        prop_assert_eq!(mm.orphans(), mm.orphans_by_scan());
        accepted.push(Op::Exit);
        let left = mm.counts();
        if kernel == Kernel::V2_6_11 || !zapfail_seen {
            // After exit no table is left (the vma walk only misses what zapfail leaked).
            // ARM under 2.6.11: its FIRST_USER_PGD_NR floor keeps pgd entry 0 (a vma in
            // [PAGE_SIZE, 2 MiB) leaves its pte table).
            // ARM under 2.6.12: FIRST_USER_ADDRESS = PAGE_SIZE is the floor, so the pte table
            // of the first PMD block is never freed (the one exit's BUG_ON tolerates).
            let a = arch.arch();
            let floor_kept = match kernel {
                Kernel::V2_6_11 => a.first_user_pgd_nr,
                Kernel::V2_6_12 => (a.first_user_address + a.size(Level::Pmd) - 1) >> a.shift(Level::Pmd),
            };
            prop_assert!(left.total() <= pgd_owned(arch) + floor_kept, "tables left after exit: {:?}", left);
            prop_assert_eq!(left.pmd + left.pud, pgd_owned(arch));
        }
        let exit_bug = exit.events.iter().any(|e| matches!(e, Event::Bug(Bug::ExitNrPtes { .. })));
        let a = arch.arch();
        let tolerated = (a.first_user_address + a.size(Level::Pmd) - 1) >> a.shift(Level::Pmd);
        prop_assert_eq!(exit_bug, kernel == Kernel::V2_6_12 && left.pte > tolerated);

        // The accepted operations, as scenario text, replay to the same final state, and the
        // text round-trips through the parser.
        let scenario = Scenario::from_parts(arch, Some(kernel), None, accepted);
        let text = scenario.to_text();
        let reparsed = Scenario::parse(&text).unwrap();
        prop_assert_eq!(reparsed.to_text(), text.clone());
        let (out, err) = report(&text, ReportOptions { visits: true, orphans: true });
        prop_assert!(err.is_none());
        let last = out.lines().last().unwrap().to_string();
        prop_assert_eq!(last, format!("tables pte={} pmd={} pud={}", left.pte, left.pmd, left.pud));
    }

    /// Under 2.6.12 without zapfail, the vma-driven walk never strands a table: after every
    /// operation each linked table's span meets some vma.
    #[test]
    fn no_orphans_without_zapfail_under_2_6_12(
        arch in arch_strategy(),
        ops in prop::collection::vec(abstract_op(), 1..40),
    ) {
        let mut mm = new_mm(arch, Kernel::V2_6_12);
        for o in &ops {
            let op = concrete(arch, o);
            if matches!(op, Op::ZapFail { .. }) {
                continue;
            }
            if mm.apply(&op).is_ok() {
                // Except below the floor: on ARM the pte table of [0, 2 MiB) also maps page 0,
                // which FIRST_USER_ADDRESS keeps for the vectors, so no walk frees it.
                let fua = arch.arch().first_user_address;
                let orphans: Vec<_> = mm.orphans().into_iter().filter(|t| t.base.as_u64() >= fua).collect();
                prop_assert!(orphans.is_empty(), "after {op}: {:?}", orphans);
            }
        }
    }

    /// Canonical text is a fixed point of parse -> print, and comments, case of hex digits,
    /// `0x` prefixes and blank lines do not change the parsed commands.
    #[test]
    fn parser_round_trip(
        arch in arch_strategy(),
        ops in prop::collection::vec(abstract_op(), 0..20),
        upper in any::<bool>(),
        prefix in any::<bool>(),
    ) {
        let ops: Vec<Op> = ops.iter().map(|o| concrete(arch, o)).collect();
        let canonical = Scenario::from_parts(arch, None, None, ops).to_text();
        let mut noisy = String::from("# generated\n\n");
        for line in canonical.lines() {
            let mut l: String = line
                .split(' ')
                .map(|w| {
                    let w = if prefix { w.to_string() } else { w.trim_start_matches("0x").to_string() };
                    if upper && w.chars().all(|c| c.is_ascii_hexdigit()) { w.to_uppercase() } else { w }
                })
                .collect::<Vec<_>>()
                .join("   ");
            l.push_str("  # trailing comment");
            noisy.push_str(&l);
            noisy.push('\n');
        }
        let parsed = Scenario::parse(&noisy).unwrap();
        prop_assert_eq!(parsed.to_text(), canonical);
    }

    /// No input makes the parser, the runner or the report panic.
    #[test]
    fn no_panic_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = report(&text, ReportOptions { visits: true, orphans: true });
    }

    /// No panic on text made of the language's own words with random numbers.
    #[test]
    fn no_panic_on_wordy_text(
        arch in prop_oneof![Just("x86_64"), Just("sparc64"), Just("i386"), Just("i386-pae"),
                            Just("arm"), Just("mips")],
        lines in prop::collection::vec(
            (prop_oneof![Just("vma"), Just("touch"), Just("munmap"), Just("mmapfail"),
                         Just("zapfail"), Just("exit"), Just("kernel"), Just("first_user_address"),
                         Just("arch")],
             prop::collection::vec(any::<u64>().prop_map(|n| format!("{n:x}")), 0..4)),
            0..30),
    ) {
        let mut text = format!("arch {arch}\n");
        for (kw, args) in lines {
            text.push_str(kw);
            for a in args {
                text.push(' ');
                text.push_str(&a);
            }
            text.push('\n');
        }
        let _ = report(&text, ReportOptions { visits: true, orphans: true });
    }
}
