//! Ready-made scenarios: the cases of the commit message and of the book (docs/src/patch), each
//! with a short explanation. Shared by the CLI, the playground and the golden tests.

use crate::arch::ArchId;

/// One preset scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// A stable identifier, used in URLs (`#example/ID`) and by `freepgt example ID`.
    pub id: &'static str,
    /// A short title.
    pub title: &'static str,
    /// What to look at, in a sentence or three.
    pub summary: &'static str,
    source: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Text(&'static str),
    Large,
    SameProcess(ArchId),
}

impl Preset {
    /// The scenario text.
    pub fn text(&self) -> String {
        match self.source {
            Source::Text(t) => t.to_string(),
            Source::Large => large_process(3000),
            Source::SameProcess(arch) => same_process(arch),
        }
    }
}

/// One small 32-bit-style process, laid out at addresses that are valid (and 8 KiB aligned)
/// on every arch: ELF text, data and heap at 0x8048000, a library at 0x40000000, the stack
/// ending at 0xbf000000 (ARM's TASK_SIZE). The library is unmapped, then the process exits.
pub fn same_process(arch: ArchId) -> String {
    format!(
        "arch {arch}
# The same process on every arch: compare the freed tables, flushes and visits.
vma 8048000 8052000 text
vma 8052000 8054000 data
vma 8054000 8076000 heap
vma 40000000 40100000 libc
vma befe0000 bf000000 stack
touch 8048000
touch 8052000
touch 8054000 8060000
touch 40000000 40010000
touch befff000
munmap 40000000 40100000
exit
"
    )
}

/// Looks a preset up by id.
pub fn find(id: &str) -> Option<&'static Preset> {
    ALL.iter().find(|p| p.id == id)
}

/// A process with `n` vmas of 7 MiB at an 8 MiB stride, each fully faulted in (four pte
/// tables each), then a munmap of 100 of them in the middle.
pub fn large_process(n: u64) -> String {
    use std::fmt::Write as _;
    let mut s = String::from(
        "arch x86_64\n# Thousands of vmas, four pte tables each: the views merge runs of similar tables.\n",
    );
    let base = 0x10000000u64;
    let stride = 0x800000u64;
    for i in 0..n {
        let start = base + i * stride;
        let _ = writeln!(s, "vma {:#x} {:#x} m{i}", start, start + 0x700000);
    }
    for i in 0..n {
        let start = base + i * stride;
        let _ = writeln!(s, "touch {:#x} {:#x}", start, start + 0x700000);
    }
    let mid = base + (n / 2) * stride;
    let _ = writeln!(s, "munmap {:#x} {:#x}", mid, mid + 100 * stride - 0x100000);
    s
}

/// Every preset, in menu order.
pub const ALL: &[Preset] = &[
    Preset {
        id: "typical",
        title: "A typical process",
        summary: "ELF text, data and heap, ld.so and libc at the 2.6.12 mmap base, the stack at the top. \
                  dlclose-style munmap of libc, then exit: watch which tables each free_pgd_range call may free.",
        source: Source::Text(
            "arch x86_64
# A small 64-bit process as 2.6.12 lays it out.
vma 400000 452000 text
vma 651000 653000 data
vma 653000 674000 heap
vma 2aaaaaaab000 2aaaaaac1000 ld.so
vma 2aaaaacc0000 2aaaaacc2000 ld.so.data
vma 2aaaaacc2000 2aaaaade7000 libc
vma 2aaaaafe6000 2aaaaaff0000 libc.data
vma 7ffffffde000 7ffffffff000 stack
touch 400000 452000
touch 651000 674000
touch 2aaaaaaab000 2aaaaaac1000
touch 2aaaaacc0000 2aaaaacc2000
touch 2aaaaacc2000 2aaaaacd2000
touch 2aaaaafe6000 2aaaaaff0000
touch 7fffffffd000 7ffffffff000
# dlclose(libc): the pte tables it shares with ld.so.data stay (floor).
munmap 2aaaaacc2000 2aaaaaff0000
exit
",
        ),
    },
    Preset {
        id: "middle-of-three",
        title: "The middle of three vmas in one PMD block",
        summary: "Unmapping the middle vma frees nothing and makes no flush: floor and ceiling both \
                  fall in the same 2 MiB block, so free_pgd_range trims addr up and end down past each other.",
        source: Source::Text(
            "arch x86_64
vma 400000 401000 a
vma 402000 403000 b
vma 404000 405000 c
touch 400000 401000
touch 402000 403000
touch 404000 405000
munmap 402000 403000
",
        ),
    },
    Preset {
        id: "gather",
        title: "Gathered vs separate free_pgd_range calls",
        summary: "a and b are at most PMD_SIZE apart, so free_pgtables gathers them into one \
                  free_pgd_range; c is farther, so it gets its own call. The first call's ceiling is c's \
                  start, which masks to 0 at the PUD level: the pmd table is kept until the second call.",
        source: Source::Text(
            "arch x86_64
vma 400000 401000 a
vma 600000 601000 b
vma a00000 a01000 c
touch 400000
touch 600000
touch a00000
munmap 400000 a01000
",
        ),
    },
    Preset {
        id: "miller-ceiling",
        title: "David Miller's sparc64 ceiling",
        summary: "addr 0x10000, end 0xa4000, floor 0, ceiling 0xb2000 (his review of the first posting). \
                  The ceiling masks to 0 with PMD_MASK; without the `if (!ceiling) return` guard 0 would \
                  mean \"top\" and the tables the next vma still uses would be freed.",
        source: Source::Text(
            "arch sparc64
vma 10000 a4000 text
vma b2000 b4000 next
touch 10000 a4000
touch b2000
munmap 10000 a4000
",
        ),
    },
    Preset {
        id: "sparc64-hole-edge",
        title: "sparc64: the stack at the VA hole edge",
        summary: "The 64-bit stack ends at STACK_TOP = 2^43, the bottom of the VA hole. Unmapping it \
                  passes end = 2^43 to flush_tlb_pgtables: the VPTE end wraps to 0, the \"straddle\" swap \
                  fires and the loop would demap about 2^51 VPTE pages (derived from the arithmetic).",
        source: Source::Text(
            "arch sparc64
vma 10000 20000 text
vma 7fffffe0000 80000000000 stack
touch 10000
touch 7ffffff0000 80000000000
munmap 7fffffe0000 80000000000
",
        ),
    },
    Preset {
        id: "mmapfail-zapfail",
        title: "mmapfail vs zapfail: the driver-failure path",
        summary: "do_mmap_pgoff's failure path must now use unmap_region: mmapfail frees the table the \
                  driver faulted in; zapfail (the old zap_page_range) leaves an orphan pte table that no \
                  vma leads free_pgtables to, and exit BUGs on nr_ptes.",
        source: Source::Text(
            "arch x86_64
vma 400000 401000 text
vma 800000 801000 data
touch 400000
touch 800000
mmapfail 600000 602000
zapfail a00000 a02000
exit
",
        ),
    },
    Preset {
        id: "vdso32-no-vma",
        title: "x86_64: the 32-bit vsyscall page outside any vma (2.6.12-rc2)",
        summary: "\"What of x86_64's 32bit vdso page __map_syscall32 maps outside any vma?\" A 32-bit \
                  task (ADDR_LIMIT_3GB) faults the vsyscall page at 0xffffe000, which rc2 mapped with no \
                  vma (modelled by zapfail). No vma leads free_pgtables to its tables: exit frees the pud \
                  table under them and BUGs on nr_ptes. Compare vdso32-vma.",
        source: Source::Text(
            "arch x86_64
# A 32-bit task with ADDR_LIMIT_3GB: stack top 0xc0000000.
vma 8048000 8049000 text
vma bffdd000 c0000000 stack
touch 8048000
touch bfffe000 c0000000
# __map_syscall32: tables allocated for 0xffffe000, no vma (zapfail stands for it)
zapfail ffffe000 fffff000
exit
",
        ),
    },
    Preset {
        id: "vdso32-vma",
        title: "x86_64: the 32-bit vsyscall page as a real vma (2.6.12)",
        summary: "Andi Kleen's fix, merged beside freepgt in 2.6.12-rc3: syscall32_setup_pages inserts a \
                  real vma [0xffffe000, 0xfffff000), so the vma walk finds its tables and exit frees them all.",
        source: Source::Text(
            "arch x86_64
vma 8048000 8049000 text
vma bffdd000 c0000000 stack
vma ffffe000 fffff000 vsyscall32
touch 8048000
touch bfffe000 c0000000
touch ffffe000
exit
",
        ),
    },
    Preset {
        id: "lone-2.6.11",
        title: "A lone munmap under 2.6.11",
        summary: "The old free_pgtables walks [0, end + PGDIR_SIZE - 1): 2 pgd slots, 512 pud and 512 \
                  pmd entries, and flushes that whole range. Compare with lone-2.6.12.",
        source: Source::Text(
            "arch x86_64
kernel 2.6.11
vma 400000 401000
touch 400000
munmap 400000 401000
",
        ),
    },
    Preset {
        id: "lone-2.6.12",
        title: "A lone munmap under 2.6.12",
        summary: "free_pgtables follows the vma list: one pgd slot, one pud entry, one pmd entry, and a \
                  flush of just the PMD block the vma occupied.",
        source: Source::Text(
            "arch x86_64
kernel 2.6.12
vma 400000 401000
touch 400000
munmap 400000 401000
",
        ),
    },
    Preset {
        id: "same-x86-64",
        title: "The same process on x86_64",
        summary: "A small process at 32-bit addresses: one 4-level walk per gathered group, \
                  pmd and pud tables freed when nothing else shares them.",
        source: Source::SameProcess(ArchId::X86_64),
    },
    Preset {
        id: "same-sparc64",
        title: "The same process on sparc64",
        summary: "8 MiB pte tables and 16 GiB pmd tables: fewer, bigger tables; the flush costs \
                  VPTE pages and TLB batches.",
        source: Source::SameProcess(ArchId::Sparc64),
    },
    Preset {
        id: "same-i386",
        title: "The same process on i386",
        summary: "Two levels: pud and pmd are folded into the pgd, so only pte tables (4 MiB spans) \
                  are ever freed, and the flush has an empty body.",
        source: Source::SameProcess(ArchId::I386),
    },
    Preset {
        id: "same-i386-pae",
        title: "The same process on i386 PAE",
        summary: "Three levels, but the three user pmd tables come with the pgd: they stay \
                  (pmd=3) through munmap and exit.",
        source: Source::SameProcess(ArchId::I386Pae),
    },
    Preset {
        id: "same-arm",
        title: "The same process on ARM",
        summary: "2 MiB pgd entries, FIRST_USER_ADDRESS one page: the floor of the lowest walk is \
                  0x1000, not 0.",
        source: Source::SameProcess(ArchId::Arm),
    },
    Preset {
        id: "i386-folding",
        title: "i386: one walk, only pte tables",
        summary: "Three gathered vmas over three 4 MiB blocks: one free_pgd_range call walks three \
                  pgd slots and frees three pte tables; pmd and pud are folded, so there is \
                  nothing else to free.",
        source: Source::Text(
            "arch i386
vma 8000000 8400000
vma 8500000 8600000
vma 8900000 8a00000
touch 8000000 8400000
touch 8500000 8600000
touch 8900000 8a00000
munmap 8000000 8a00000
",
        ),
    },
    Preset {
        id: "pae-pmds",
        title: "i386 PAE: the pmd tables that never go",
        summary: "A vma across the 1 GiB boundary uses two of the pgd's pmd tables. munmap and \
                  exit pass free_pmd_range's tests, but pud_clear and __pmd_free_tlb are empty: \
                  pmd=3 stays, and no `free pmd` line appears.",
        source: Source::Text(
            "arch i386-pae
vma 3ff00000 40100000
touch 3ff00000 40100000
munmap 3ff00000 40100000
exit
",
        ),
    },
    Preset {
        id: "arm-page0-2.6.12",
        title: "ARM: the page-0 floor under 2.6.12",
        summary: "FIRST_USER_ADDRESS = PAGE_SIZE: the pte table of [0, 2 MiB) also maps page 0 \
                  (the vectors), so no walk frees it; exit's BUG_ON tolerates that one table.",
        source: Source::Text(
            "arch arm
kernel 2.6.12
vma 8000 9000 text
vma 400000 401000 data
touch 8000
touch 400000
munmap 8000 9000
exit
",
        ),
    },
    Preset {
        id: "arm-page0-2.6.11",
        title: "ARM: the page-0 floor under 2.6.11",
        summary: "FIRST_USER_PGD_NR = 1: every walk starts at 2 MiB. The same table stays, but exit \
                  scans 1,527 pgd slots to get there.",
        source: Source::Text(
            "arch arm
kernel 2.6.11
vma 8000 9000 text
vma 400000 401000 data
touch 8000
touch 400000
munmap 8000 9000
exit
",
        ),
    },
    Preset {
        id: "large",
        title: "A large process (3,000 vmas, 12,000 pte tables)",
        summary: "3,000 vmas of 7 MiB at an 8 MiB stride, all faulted in, then 100 of them unmapped. \
                  Shows that the simulation and the views scale.",
        source: Source::Large,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    #[test]
    fn every_preset_parses_and_runs_without_error() {
        for p in ALL {
            let s = Scenario::parse(&p.text()).unwrap_or_else(|e| panic!("{}: {e}", p.id));
            let (_, err) = crate::run(&s, |_| {});
            assert!(err.is_none(), "{}: {err:?}", p.id);
        }
    }

    #[test]
    fn ids_are_unique_and_url_safe() {
        let mut ids: Vec<_> = ALL.iter().map(|p| p.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        assert!(ALL.iter().all(|p| p
            .id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')));
    }
}
