//! The event trace: every decision the simulated kernel makes, as values.
//!
//! Each operation returns an ordered `Vec<Event>`. The report, the CLI's `--trace`, the JSON
//! output and the playground's views are all rendered from it; nothing downstream re-derives
//! what the kernel did.

use crate::addr::{AddrRange, Ceiling, Floor, VirtAddr};
use crate::arch::Level;
use serde::Serialize;
use std::fmt;

/// A page table as the report names it: its level and its base (the lowest address it maps).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
pub struct TableKey {
    /// Its level.
    pub level: Level,
    /// Its base.
    pub base: VirtAddr,
}

impl fmt::Display for TableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} table {}", self.level, self.base)
    }
}

/// Why a walk at a lower level did not free the table it walked (the book, docs/src/patch/index.md).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(tag = "test", rename_all = "snake_case")]
pub enum KeepReason {
    /// `start &= MASK; if (start < floor) return;`: the table also maps addresses below the
    /// floor, which belong to the previous vma's side.
    BelowFloor {
        /// `start & MASK`.
        start: VirtAddr,
        /// The floor.
        floor: Floor,
    },
    /// `ceiling &= MASK; if (!ceiling) return;`: the ceiling lies in the table's lowest block
    /// of the address space, so masking it gives 0, which would mean "top".
    CeilingMasksToZero {
        /// The ceiling before masking.
        ceiling: Ceiling,
    },
    /// `if (end - 1 > ceiling - 1) return;`: the walked range reaches the block that holds
    /// the ceiling, which the next vma may still use.
    EndAboveCeiling {
        /// The walked sub-range end.
        end: VirtAddr,
        /// `ceiling & MASK`.
        ceiling_masked: VirtAddr,
    },
    /// 2.6.11 `clear_pXd_range`: "Only clear full, aligned ranges".
    NotAligned {
        /// The sub-range start.
        start: VirtAddr,
        /// The sub-range end.
        end: VirtAddr,
    },
}

/// The test a freed table passed, with its values: what the UI explains a free with.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(tag = "test", rename_all = "snake_case")]
pub enum FreeTest {
    /// 2.6.12 `free_pte_range` tests nothing: `free_pgd_range` already trimmed off the PMD
    /// blocks shared with the floor's and the ceiling's side, so every pte table the walk
    /// meets goes.
    Trimmed,
    /// 2.6.12 `free_pud_range` / `free_pmd_range`: all three tests at the end passed.
    WithinFloorCeiling {
        /// `start & MASK` (the table's base), not below the floor.
        start: VirtAddr,
        /// The floor.
        floor: Floor,
        /// The walked sub-range end: `end - 1 <= (ceiling & MASK) - 1`.
        end: VirtAddr,
        /// `ceiling & MASK`, not 0; `None` when the ceiling was 0, the top: no upper limit.
        ceiling_masked: Option<VirtAddr>,
    },
    /// 2.6.11 `clear_pXd_range`: `[start, end)` is aligned to the table's span at both ends
    /// ("Only clear full, aligned ranges").
    Aligned {
        /// The sub-range start.
        start: VirtAddr,
        /// The sub-range end.
        end: VirtAddr,
    },
}

/// Why `free_pgd_range` returned before walking (and so made no flush).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum EarlyReturn {
    /// `addr += PMD_SIZE` wrapped to 0.
    AddrWrapped,
    /// `ceiling &= PMD_MASK` gave 0.
    CeilingMasksToZero,
    /// `addr > end - 1`: after trimming nothing is left.
    NothingLeft {
        /// The trimmed addr.
        addr: VirtAddr,
        /// The trimmed end.
        end: VirtAddr,
    },
}

/// Which vma supplied a ceiling in `free_pgtables`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CeilingSource {
    /// `next->vm_start` of the next vma in the list being freed.
    NextInList,
    /// The caller's ceiling (the last group).
    Caller,
}

/// Something the kernel would BUG on (or, for a leak, silently get wrong).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(tag = "bug", rename_all = "snake_case")]
pub enum Bug {
    /// `BUG_ON(mm->nr_ptes > ...)` at the end of exit_mmap.
    ExitNrPtes {
        /// Live pte tables.
        nr_ptes: u64,
    },
    /// A table freed while it still points at lower tables (leaked) or present ptes (dangling).
    FreedWithLiveEntries {
        /// Its level.
        level: Level,
        /// Its base.
        base: VirtAddr,
        /// The live entries.
        entries: u32,
    },
    /// A table freed while its span meets a vma that remains.
    FreedCoveringVma {
        /// Its level.
        level: Level,
        /// Its base.
        base: VirtAddr,
    },
}

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bug::ExitNrPtes { nr_ptes } => write!(f, "exit_mmap BUG_ON(nr_ptes={nr_ptes})"),
            Bug::FreedWithLiveEntries {
                level,
                base,
                entries,
            } => write!(
                f,
                "freeing {level} table {base} with {entries} live entries (leaked/dangling)"
            ),
            Bug::FreedCoveringVma { level, base } => {
                write!(
                    f,
                    "freeing {level} table {base} that still covers a live vma"
                )
            }
        }
    }
}

/// The cost of one sparc64 `flush_tlb_pgtables` call (arch/sparc64/mm/tlb.c).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct VpteCost {
    /// `start & PMD_MASK`.
    pub s: VirtAddr,
    /// `(end + PMD_SIZE - 1) & PMD_MASK`.
    pub e: VirtAddr,
    /// First VPTE address demapped (after any swap).
    pub vs: VirtAddr,
    /// One past the last VPTE address demapped (after any swap).
    pub ve: VirtAddr,
    /// The "straddles the VA space hole" swap fired (`ve < vs` before swapping).
    pub swapped: bool,
    /// VPTE pages demapped: `(ve - vs) / PAGE_SIZE`.
    pub pages: u64,
    /// Addresses already in the per-cpu batch on entry (left queued by the zap).
    pub queued: u64,
    /// `flush_tlb_pending()` calls: `ceil((queued + pages) / TLB_BATCH_NR)`.
    pub batches: u64,
}

/// One `flush_tlb_pgtables(mm, start, end)` call.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct FlushCall {
    /// The start argument.
    pub start: VirtAddr,
    /// The end argument.
    pub end: VirtAddr,
    /// sparc64's VPTE demap cost; `None` where the body is empty (x86_64).
    pub vpte: Option<VpteCost>,
}

/// Iterations of the free walk's loops at each level (the book's reference (docs/src/reference.md), `--visits`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct Visits {
    /// pgd slots stepped.
    pub pgd: u64,
    /// Iterations of the pud-level loop.
    pub pud: u64,
    /// Iterations of the pmd-level loop inside present pmd tables.
    pub pmd: u64,
}

impl Visits {
    /// Adds another count.
    pub fn add(&mut self, o: Visits) {
        self.pgd += o.pgd;
        self.pud += o.pud;
        self.pmd += o.pmd;
    }

    /// Total iterations.
    pub fn total(&self) -> u64 {
        self.pgd + self.pud + self.pmd
    }
}

/// One step of the simulated kernel.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A vma was mapped.
    VmaMapped {
        /// Its range.
        range: AddrRange,
    },
    /// A table was allocated by a page fault (`__pud_alloc`, `__pmd_alloc`, `pte_alloc_map`).
    TableAllocated {
        /// Its level.
        level: Level,
        /// Its base.
        base: VirtAddr,
    },
    /// Pages were faulted in.
    PagesFaulted {
        /// The pages' range.
        range: AddrRange,
        /// Pages in the range.
        pages: u64,
        /// Ptes newly set (the rest were present already).
        new_ptes: u64,
    },
    /// `do_munmap` found no vma in the range and returned without `unmap_region`.
    MunmapNothing {
        /// The range.
        range: AddrRange,
    },
    /// `split_vma` at an edge of the range.
    SplitVma {
        /// The split address.
        at: VirtAddr,
        /// The lower part.
        lower: AddrRange,
        /// The upper part.
        upper: AddrRange,
    },
    /// `split_vma` refused: `mm->map_count >= sysctl_max_map_count`, so do_munmap returns
    /// -ENOMEM before unmapping anything (an earlier split of the same munmap stays).
    SplitVmaEnomem {
        /// The split address.
        at: VirtAddr,
        /// mm->map_count.
        map_count: u64,
    },
    /// `detach_vmas_to_be_unmapped`.
    DetachVmas {
        /// The detached vmas in order.
        vmas: Vec<AddrRange>,
    },
    /// `do_mmap_pgoff`'s driver faulted in pages of a vma that will never be linked.
    DriverFault {
        /// The range.
        range: AddrRange,
    },
    /// `unmap_region(mm, vma, prev, start, end)`, with the floor and ceiling it computes.
    UnmapRegion {
        /// start..end.
        range: AddrRange,
        /// prev's range, if any.
        prev: Option<AddrRange>,
        /// next's range, if any.
        next: Option<AddrRange>,
        /// `prev ? prev->vm_end : FIRST_USER_ADDRESS`.
        floor: Floor,
        /// `next ? next->vm_start : 0`.
        ceiling: Ceiling,
    },
    /// `unmap_vmas` / `zap_page_range` cleared ptes.
    ZapPtes {
        /// The range zapped.
        range: AddrRange,
        /// Present ptes cleared.
        cleared: u64,
    },
    /// `exit_mmap` started over these vmas (full mm: no flush_tlb_pgtables).
    ExitMmap {
        /// The vmas.
        vmas: usize,
    },
    /// `free_pgtables(tlb, vma, floor, ceiling)` (2.6.12).
    FreePgtables {
        /// The floor.
        floor: Floor,
        /// The ceiling.
        ceiling: Ceiling,
        /// Vmas in the list.
        vmas: usize,
    },
    /// A group of vmas gathered into one `free_pgd_range` (gaps each at most PMD_SIZE).
    Gather {
        /// The vmas in the group.
        vmas: Vec<AddrRange>,
        /// The ceiling passed for this group.
        ceiling: Ceiling,
        /// Where that ceiling came from.
        source: CeilingSource,
    },
    /// `free_pgd_range(tlb, addr, end, floor, ceiling)` called (arguments as passed).
    FreePgdRange {
        /// addr.
        addr: VirtAddr,
        /// end.
        end: VirtAddr,
        /// floor.
        floor: Floor,
        /// ceiling.
        ceiling: Ceiling,
    },
    /// `addr &= PMD_MASK; if (addr < floor) addr += PMD_SIZE;`.
    FloorTrim {
        /// `addr & PMD_MASK`.
        masked: VirtAddr,
        /// The floor it lies below.
        floor: Floor,
        /// `addr + PMD_SIZE`.
        addr: VirtAddr,
    },
    /// `ceiling &= PMD_MASK`.
    CeilingMasked {
        /// Before.
        ceiling: Ceiling,
        /// After.
        masked: VirtAddr,
    },
    /// `if (end - 1 > ceiling - 1) end -= PMD_SIZE;`.
    CeilingTrim {
        /// end before.
        end: VirtAddr,
        /// `ceiling & PMD_MASK` (0 never trims).
        ceiling: VirtAddr,
        /// end after.
        new_end: VirtAddr,
    },
    /// `free_pgd_range` returned early: no walk, no flush.
    EarlyReturn {
        /// Why.
        reason: EarlyReturn,
    },
    /// The walk of the trimmed range `[addr, end)` begins.
    Walk {
        /// Trimmed addr (PMD aligned).
        addr: VirtAddr,
        /// Trimmed end.
        end: VirtAddr,
    },
    /// A present table's entries for `[addr, end)` are being walked.
    TableVisit {
        /// Its level.
        level: Level,
        /// Its base.
        base: VirtAddr,
        /// The sub-range walked.
        range: AddrRange,
    },
    /// A table was freed (entry cleared, `pXX_free_tlb`), and the test it passed.
    TableFreed {
        /// Its level.
        level: Level,
        /// Its base.
        base: VirtAddr,
        /// The test it passed, with its values.
        test: FreeTest,
    },
    /// The walk passed a table's floor and ceiling tests and "freed" it, but the table
    /// belongs to the pgd (i386 PAE's pmd tables): `pud_clear` and `__pmd_free_tlb` do
    /// nothing there, so it stays linked and counted.
    FreeOwnedByPgd {
        /// Its level.
        level: Level,
        /// Its base.
        base: VirtAddr,
    },
    /// A walked table was kept, and the test that kept it.
    TableKept {
        /// Its level.
        level: Level,
        /// Its base.
        base: VirtAddr,
        /// The test.
        reason: KeepReason,
    },
    /// `flush_tlb_pgtables(mm, start, end)`.
    Flush(FlushCall),
    /// 2.6.11 `free_pgtables(tlb, prev, start, end)`: how it computed `first` and `last`.
    OldFreePgtables {
        /// prev's range (after the search), if any.
        prev: Option<AddrRange>,
        /// The next vma's start that capped `last`, if any.
        next_start: Option<VirtAddr>,
        /// The range freed, `[first, last)`.
        first: VirtAddr,
        /// See `first`.
        last: VirtAddr,
        /// False if `(first & PMD_MASK) >= (last & PMD_MASK)` or `last < first`: no clear, no flush.
        clears: bool,
    },
    /// 2.6.11 `clear_page_range(tlb, start, end)`.
    ClearPageRange {
        /// start.
        start: VirtAddr,
        /// end.
        end: VirtAddr,
    },
    /// Something the kernel would BUG on.
    Bug(Bug),
}

impl Event {
    /// The table this event is about, if any: allocated, walked, freed, kept, or BUGged on.
    pub fn table(&self) -> Option<TableKey> {
        match self {
            Event::TableVisit { level, base, .. }
            | Event::TableFreed { level, base, .. }
            | Event::TableKept { level, base, .. }
            | Event::TableAllocated { level, base }
            | Event::FreeOwnedByPgd { level, base }
            | Event::Bug(Bug::FreedWithLiveEntries { level, base, .. })
            | Event::Bug(Bug::FreedCoveringVma { level, base }) => Some(TableKey {
                level: *level,
                base: *base,
            }),
            _ => None,
        }
    }
}
