//! Architectures as data (the book, docs/src/reference.md).
//!
//! An [`Arch`] is a table of constants: page shift, index bits per level (0 = folded, as
//! `asm-generic/pgtable-nopud.h` / `pgtable-nopmd.h` fold a level), TASK_SIZE, the VA hole and
//! the VPTE flush parameters, the word size (`unsigned long` is 32 bits on i386 and ARM, so every
//! mask, `- 1` and wrap is modulo 2^32 there), FIRST_USER_ADDRESS and FIRST_USER_PGD_NR, and
//! whether the pgd owns its pmd tables (i386 PAE). Every mask and `X_addr_end` helper is
//! derived from that table, so an architecture is a table, not a code path.

use crate::addr::VirtAddr;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A page-table level, named as the kernel names it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The top level; one table per mm, never freed by free_pgtables.
    Pgd,
    /// Page upper directory (real on x86_64, folded into the pgd on sparc64).
    Pud,
    /// Page middle directory.
    Pmd,
    /// The last level: entries map pages.
    Pte,
}

impl Level {
    /// The next lower level, if any.
    pub const fn lower(self) -> Option<Level> {
        match self {
            Level::Pgd => Some(Level::Pud),
            Level::Pud => Some(Level::Pmd),
            Level::Pmd => Some(Level::Pte),
            Level::Pte => None,
        }
    }

    /// The next higher level, if any.
    pub const fn upper(self) -> Option<Level> {
        match self {
            Level::Pgd => None,
            Level::Pud => Some(Level::Pgd),
            Level::Pmd => Some(Level::Pud),
            Level::Pte => Some(Level::Pmd),
        }
    }

    /// Index into per-level arrays.
    pub const fn idx(self) -> usize {
        self as usize
    }

    /// The kernel's lower-case name (`pgd`, `pud`, `pmd`, `pte`).
    pub const fn name(self) -> &'static str {
        match self {
            Level::Pgd => "pgd",
            Level::Pud => "pud",
            Level::Pmd => "pmd",
            Level::Pte => "pte",
        }
    }

    /// The name of the mask that gives a table's base at this level (`PMD_MASK` for a pte
    /// table, `PUD_MASK` for a pmd table, `PGDIR_MASK` for a pud table).
    pub const fn table_mask_name(self) -> &'static str {
        match self {
            Level::Pgd => "0",
            Level::Pud => "PGDIR_MASK",
            Level::Pmd => "PUD_MASK",
            Level::Pte => "PMD_MASK",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The architectures the playground models.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum ArchId {
    /// x86_64, 4 levels, 4 KiB pages.
    #[serde(rename = "x86_64")]
    X86_64,
    /// sparc64 (UltraSPARC), 3 levels, 8 KiB pages, 44-bit VA with a hole.
    #[serde(rename = "sparc64")]
    Sparc64,
    /// i386 without PAE: 2 levels (pud and pmd folded), 4 KiB pages, 32-bit.
    #[serde(rename = "i386")]
    I386,
    /// i386 with PAE: 3 levels (pud folded), the pmd tables allocated with the pgd, 32-bit.
    #[serde(rename = "i386-pae")]
    I386Pae,
    /// ARM (32-bit, MMU): 2 levels of 2 MiB pgd entries and 512-entry pte tables.
    #[serde(rename = "arm")]
    Arm,
}

impl ArchId {
    /// Every supported architecture.
    pub const ALL: [ArchId; 5] = [
        ArchId::X86_64,
        ArchId::Sparc64,
        ArchId::I386,
        ArchId::I386Pae,
        ArchId::Arm,
    ];

    /// The constants of this architecture.
    pub const fn arch(self) -> &'static Arch {
        match self {
            ArchId::X86_64 => &X86_64,
            ArchId::Sparc64 => &SPARC64,
            ArchId::I386 => &I386,
            ArchId::I386Pae => &I386_PAE,
            ArchId::Arm => &ARM,
        }
    }

    /// The name used by the scenario language.
    pub const fn name(self) -> &'static str {
        match self {
            ArchId::X86_64 => "x86_64",
            ArchId::Sparc64 => "sparc64",
            ArchId::I386 => "i386",
            ArchId::I386Pae => "i386-pae",
            ArchId::Arm => "arm",
        }
    }
}

impl fmt::Display for ArchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ArchId {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        ArchId::ALL.into_iter().find(|a| a.name() == s).ok_or(())
    }
}

/// sparc64's linear virtually mapped page table, flushed by `flush_tlb_pgtables`
/// (arch/sparc64/mm/tlb.c, the book, docs/src/sparc64-flush.md).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct VpteSpec {
    /// VPTE_BASE_SPITFIRE (== VPTE_BASE_CHEETAH in 2.6.12): the centre of the VPTE area.
    pub base: u64,
    /// TLB_BATCH_NR: addresses per `flush_tlb_pending()`.
    pub batch_nr: u64,
}

/// An architecture's page-table layout as data.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct Arch {
    /// Which architecture this is.
    pub id: ArchId,
    /// PAGE_SHIFT.
    pub page_shift: u32,
    /// Index bits per level, `[pgd, pud, pmd, pte]`; 0 means the level is folded.
    pub index_bits: [u32; 4],
    /// TASK_SIZE: user addresses lie below it.
    pub task_size: u64,
    /// The unusable VA hole `[start, end)`, if the architecture has one.
    pub hole: Option<(u64, u64)>,
    /// The VPTE flush parameters, for architectures whose `flush_tlb_pgtables` has a body
    /// that depends on the range.
    pub vpte: Option<VpteSpec>,
    /// Bits in `unsigned long`: 64, or 32 on i386 and ARM, where every address computation
    /// wraps modulo 2^32.
    pub word_bits: u32,
    /// FIRST_USER_ADDRESS in 2.6.12 (freepgt2): the floor of the lowest vma's walk, and the
    /// lowest address a vma may start at. PAGE_SIZE on ARM, whose page 0 may hold the vectors.
    pub first_user_address: u64,
    /// FIRST_USER_PGD_NR, the 2.6.11 floor: `clear_page_range` and the old `free_pgtables`
    /// start no lower than `FIRST_USER_PGD_NR * PGDIR_SIZE` (1 on ARM).
    pub first_user_pgd_nr: u64,
    /// True where `pgd_alloc` allocates the user pmd tables with the pgd and `pgd_free` frees
    /// them (i386 PAE): `pmd_alloc_one` BUG()s, and `pud_clear`, `pmd_free` and
    /// `__pmd_free_tlb` are empty, so free_pgtables never frees a pmd table.
    pub pgd_owns_pmds: bool,
}

/// x86_64 as of 2.6.12 (include/asm-x86_64/pgtable.h, page.h, processor.h).
pub const X86_64: Arch = Arch {
    id: ArchId::X86_64,
    page_shift: 12,
    index_bits: [9, 9, 9, 9],
    // "47bits minus one guard page"
    task_size: 0x0000_8000_0000_0000 - 4096,
    hole: None,
    vpte: None,
    word_bits: 64,
    first_user_address: 0,
    first_user_pgd_nr: 0,
    pgd_owns_pmds: false,
};

/// sparc64 with 8 KiB pages as of 2.6.12 (include/asm-sparc64/pgtable.h, page.h, processor.h).
pub const SPARC64: Arch = Arch {
    id: ArchId::Sparc64,
    page_shift: 13,
    // PTRS_PER_PTE = 1 << (PAGE_SHIFT-3); PMD_BITS = PAGE_SHIFT-2; PGDIR_BITS = PAGE_SHIFT-2;
    // the pud is folded (pgtable-nopud.h).
    index_bits: [11, 0, 11, 10],
    // -VPTE_SIZE, VPTE_SIZE = 1 << (VA_BITS - PAGE_SHIFT + 3) with VA_BITS 44
    task_size: 0u64.wrapping_sub(1 << 34),
    // [-PAGE_OFFSET, PAGE_OFFSET): the 44-bit VA is sign-extended.
    hole: Some((0x0000_0800_0000_0000, 0xffff_f800_0000_0000)),
    vpte: Some(VpteSpec {
        base: 0xffff_fffe_0000_0000,
        batch_nr: 192,
    }),
    word_bits: 64,
    // "Kernel has a separate 44bit address space".
    first_user_address: 0,
    first_user_pgd_nr: 0,
    pgd_owns_pmds: false,
};

/// i386 without PAE as of 2.6.12 (include/asm-i386/pgtable-2level-defs.h: PGDIR_SHIFT 22,
/// PTRS_PER_PGD 1024, PTRS_PER_PTE 1024; pmd and pud folded by pgtable-nopmd.h). TASK_SIZE is
/// PAGE_OFFSET, 0xC0000000 (processor.h, page.h); FIRST_USER_ADDRESS 0 (pgtable.h).
pub const I386: Arch = Arch {
    id: ArchId::I386,
    page_shift: 12,
    index_bits: [10, 0, 0, 10],
    task_size: 0xC000_0000,
    hole: None,
    vpte: None,
    word_bits: 32,
    first_user_address: 0,
    first_user_pgd_nr: 0,
    pgd_owns_pmds: false,
};

/// i386 with PAE as of 2.6.12 (include/asm-i386/pgtable-3level-defs.h: PGDIR_SHIFT 30,
/// PTRS_PER_PGD 4, PMD_SHIFT 21, PTRS_PER_PMD 512, PTRS_PER_PTE 512; pud folded). The pmd
/// tables come with the pgd (arch/i386/mm/pgtable.c pgd_alloc; pgalloc.h: "In the PAE case we
/// free the pmds as part of the pgd").
pub const I386_PAE: Arch = Arch {
    id: ArchId::I386Pae,
    page_shift: 12,
    index_bits: [2, 0, 9, 9],
    task_size: 0xC000_0000,
    hole: None,
    vpte: None,
    word_bits: 32,
    first_user_address: 0,
    first_user_pgd_nr: 0,
    pgd_owns_pmds: true,
};

/// ARM as of 2.6.12 (include/asm-arm/pgtable.h: PTRS_PER_PTE 512, PTRS_PER_PMD 1,
/// PTRS_PER_PGD 2048, PMD_SHIFT = PGDIR_SHIFT = 21, FIRST_USER_ADDRESS PAGE_SIZE,
/// FIRST_USER_PGD_NR 1; memory.h: TASK_SIZE 0xbf000000). ARM uses 4level-fixup.h rather than
/// pgtable-nopmd.h, but with one pmd entry per pgd entry and PMD_SIZE == PGDIR_SIZE its pmd
/// loop runs once per pgd entry and `pmd_free` is empty: it behaves as folded.
pub const ARM: Arch = Arch {
    id: ArchId::Arm,
    page_shift: 12,
    index_bits: [11, 0, 0, 9],
    task_size: 0xbf00_0000,
    hole: None,
    vpte: None,
    word_bits: 32,
    first_user_address: 0x1000,
    first_user_pgd_nr: 1,
    pgd_owns_pmds: false,
};

impl Arch {
    /// PAGE_SIZE.
    pub const fn page_size(&self) -> u64 {
        1 << self.page_shift
    }

    /// PAGE_MASK.
    pub const fn page_mask(&self) -> u64 {
        !(self.page_size() - 1) & self.word_mask()
    }

    /// All ones in an `unsigned long` (ULONG_MAX).
    pub const fn word_mask(&self) -> u64 {
        if self.word_bits >= 64 {
            u64::MAX
        } else {
            (1 << self.word_bits) - 1
        }
    }

    /// True if `v` fits in an `unsigned long` of this arch.
    pub const fn fits_word(&self, v: u64) -> bool {
        v & !self.word_mask() == 0
    }

    /// `addr + n` in `unsigned long` arithmetic (wraps modulo 2^32 on 32-bit arches).
    pub const fn add(&self, addr: VirtAddr, n: u64) -> VirtAddr {
        VirtAddr::new(addr.as_u64().wrapping_add(n) & self.word_mask())
    }

    /// `addr - n` in `unsigned long` arithmetic.
    pub const fn sub(&self, addr: VirtAddr, n: u64) -> VirtAddr {
        VirtAddr::new(addr.as_u64().wrapping_sub(n) & self.word_mask())
    }

    /// `addr - 1` in `unsigned long` arithmetic: how the kernel compares upper bounds, so that
    /// an `end` or `ceiling` of 0 ("the top") compares as ULONG_MAX (0xffffffff on 32-bit).
    pub const fn minus_one(&self, addr: VirtAddr) -> u64 {
        self.sub(addr, 1).as_u64()
    }

    /// True if `level` is folded into the level above (its `X_offset` returns the parent entry
    /// and its `X_addr_end` returns `end`).
    pub const fn folded(&self, level: Level) -> bool {
        self.index_bits[level.idx()] == 0
    }

    /// The shift of one entry at `level`: PAGE_SHIFT for pte, PMD_SHIFT for pmd, PUD_SHIFT for
    /// pud, PGDIR_SHIFT for pgd. Each is the shift below plus that level's index bits, so a
    /// folded pud (0 bits) gets `PUD_SHIFT == PGDIR_SHIFT`, as pgtable-nopud.h defines it.
    pub const fn shift(&self, level: Level) -> u32 {
        match level {
            Level::Pte => self.page_shift,
            Level::Pmd => self.page_shift + self.index_bits[Level::Pte.idx()],
            Level::Pud => self.shift(Level::Pmd) + self.index_bits[Level::Pmd.idx()],
            Level::Pgd => self.shift(Level::Pud) + self.index_bits[Level::Pud.idx()],
        }
    }

    /// The size one entry at `level` maps (PMD_SIZE for `Pmd`, ...).
    pub const fn size(&self, level: Level) -> u64 {
        1 << self.shift(level)
    }

    /// `~(size - 1)` (PMD_MASK for `Pmd`, ...), as wide as an `unsigned long`.
    pub const fn mask(&self, level: Level) -> u64 {
        !(self.size(level) - 1) & self.word_mask()
    }

    /// PTRS_PER_X: entries in one table at `level` (1 if folded).
    pub const fn ptrs(&self, level: Level) -> u64 {
        1 << self.index_bits[level.idx()]
    }

    /// `X_index(addr)`: the entry for `addr` in a table at `level`.
    pub const fn index(&self, level: Level, addr: VirtAddr) -> u32 {
        ((addr.as_u64() >> self.shift(level)) & (self.ptrs(level) - 1)) as u32
    }

    /// The span of one table at `level` (what its parent entry maps): PMD_SIZE for a pte table.
    pub const fn table_span(&self, level: Level) -> u64 {
        match level.upper() {
            Some(up) => self.size(up),
            None => 0,
        }
    }

    /// The mask giving the base of the table at `level` that maps an address.
    pub const fn table_mask(&self, level: Level) -> u64 {
        match level.upper() {
            Some(up) => self.mask(up),
            None => 0,
        }
    }

    /// `X_addr_end(addr, end)` (asm-generic/pgtable.h): the next `level` boundary above `addr`,
    /// or `end` if that comes first. The `- 1`s let a boundary or an end of 0 mean the top.
    /// A folded level returns `end` (pgtable-nopud.h, pgtable-nopmd.h).
    pub const fn addr_end(&self, level: Level, addr: VirtAddr, end: VirtAddr) -> VirtAddr {
        if self.folded(level) {
            return end;
        }
        let boundary = self.add(addr, self.size(level)).mask(self.mask(level));
        if self.minus_one(boundary) < self.minus_one(end) {
            boundary
        } else {
            end
        }
    }

    /// The levels that exist as real tables below the pgd, top down.
    pub fn real_levels(&self) -> impl Iterator<Item = Level> + '_ {
        [Level::Pud, Level::Pmd, Level::Pte]
            .into_iter()
            .filter(move |l| !self.folded(*l))
    }

    /// The real level whose tables a `level` entry points to, skipping folded levels.
    pub fn child_level(&self, level: Level) -> Option<Level> {
        let mut l = level.lower()?;
        while self.folded(l) {
            l = l.lower()?;
        }
        Some(l)
    }

    /// The real level that holds the entries pointing at tables of `level`.
    pub fn parent_level(&self, level: Level) -> Option<Level> {
        let mut l = level.upper()?;
        while self.folded(l) {
            l = l.upper()?;
        }
        Some(l)
    }

    /// MM_VM_SIZE(mm) as 2.6.11 defaulted it: `(TASK_SIZE + PGDIR_SIZE - 1) & PGDIR_MASK`.
    pub const fn mm_vm_size(&self) -> u64 {
        self.task_size.wrapping_add(self.size(Level::Pgd) - 1) & self.mask(Level::Pgd)
    }

    /// USER_PTRS_PER_PGD as i386 defines it, `TASK_SIZE / PGDIR_SIZE`: the pgd slots below
    /// TASK_SIZE (3 on PAE: the pmd tables pgd_alloc allocates).
    pub const fn user_ptrs_per_pgd(&self) -> u64 {
        self.task_size / self.size(Level::Pgd)
    }

    /// `FIRST_USER_PGD_NR * PGDIR_SIZE`: the lowest address 2.6.11 frees tables from.
    pub const fn first_user_pgd_floor(&self) -> u64 {
        self.first_user_pgd_nr * self.size(Level::Pgd)
    }

    /// True if `[start, end)` (non-empty, `end` nonzero) touches the VA hole.
    pub const fn touches_hole(&self, start: u64, end: u64) -> bool {
        match self.hole {
            Some((hs, he)) => start < he && end > hs,
            None => false,
        }
    }

    /// True if `addr` is a multiple of PAGE_SIZE.
    pub const fn page_aligned(&self, addr: u64) -> bool {
        addr & (self.page_size() - 1) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x86_64_constants_match_the_kernel() {
        let a = &X86_64;
        assert_eq!(a.shift(Level::Pmd), 21);
        assert_eq!(a.shift(Level::Pud), 30);
        assert_eq!(a.shift(Level::Pgd), 39);
        assert_eq!(a.ptrs(Level::Pgd), 512);
        assert_eq!(a.task_size, 0x7ffffffff000);
        assert_eq!(a.mm_vm_size(), 0x800000000000);
        assert_eq!(
            a.real_levels().collect::<Vec<_>>(),
            [Level::Pud, Level::Pmd, Level::Pte]
        );
        assert_eq!(a.table_mask(Level::Pte), a.mask(Level::Pmd));
    }

    #[test]
    fn sparc64_constants_match_the_kernel() {
        let a = &SPARC64;
        assert_eq!(a.page_size(), 8192);
        assert_eq!(a.shift(Level::Pmd), 23);
        assert_eq!(a.shift(Level::Pud), 34, "folded: PUD_SHIFT == PGDIR_SHIFT");
        assert_eq!(a.shift(Level::Pgd), 34);
        assert_eq!(a.ptrs(Level::Pte), 1024);
        assert_eq!(a.ptrs(Level::Pmd), 2048);
        assert_eq!(a.ptrs(Level::Pud), 1);
        assert_eq!(a.ptrs(Level::Pgd), 2048);
        assert_eq!(a.task_size, 0xfffffffc00000000);
        assert_eq!(a.mm_vm_size(), 0xfffffffc00000000);
        assert!(a.folded(Level::Pud));
        assert_eq!(a.child_level(Level::Pgd), Some(Level::Pmd));
        assert_eq!(a.parent_level(Level::Pmd), Some(Level::Pgd));
        // pgd_index: low half 0..511, high half 1536..2047.
        assert_eq!(a.index(Level::Pgd, VirtAddr::new(0x7ffffffe000)), 511);
        assert_eq!(a.index(Level::Pgd, VirtAddr::new(0xfffff80000000000)), 1536);
        assert_eq!(a.index(Level::Pgd, VirtAddr::new(0xfffffffc00000000)), 2047);
    }

    #[test]
    fn addr_end_wraps_and_folds() {
        let a = &X86_64;
        let top = VirtAddr::new(0xffff_ff80_0000_0000);
        // boundary wraps to 0; end 0 means top: boundary-1 = MAX is not < MAX, so end.
        assert_eq!(a.addr_end(Level::Pgd, top, VirtAddr::ZERO), VirtAddr::ZERO);
        assert_eq!(
            a.addr_end(Level::Pmd, VirtAddr::new(0x1000), VirtAddr::new(0x600000)),
            VirtAddr::new(0x200000)
        );
        assert_eq!(
            SPARC64.addr_end(
                Level::Pud,
                VirtAddr::new(0x1000),
                VirtAddr::new(0x5_0000_0000)
            ),
            VirtAddr::new(0x5_0000_0000)
        );
    }
}

#[cfg(test)]
mod word_tests {
    use super::*;

    #[test]
    fn thirty_two_bit_constants_match_the_headers() {
        assert_eq!(
            I386.shift(Level::Pmd),
            22,
            "pmd folded: PMD_SHIFT == PGDIR_SHIFT"
        );
        assert_eq!(I386.shift(Level::Pgd), 22);
        assert_eq!((I386.ptrs(Level::Pgd), I386.ptrs(Level::Pte)), (1024, 1024));
        assert_eq!(I386.mask(Level::Pmd), 0xffc0_0000);
        assert_eq!(I386_PAE.shift(Level::Pmd), 21);
        assert_eq!(I386_PAE.shift(Level::Pud), 30);
        assert_eq!(I386_PAE.shift(Level::Pgd), 30);
        assert_eq!(I386_PAE.ptrs(Level::Pgd), 4);
        assert_eq!(I386_PAE.user_ptrs_per_pgd(), 3);
        assert_eq!(I386_PAE.child_level(Level::Pgd), Some(Level::Pmd));
        assert_eq!(ARM.shift(Level::Pmd), 21);
        assert_eq!(ARM.shift(Level::Pgd), 21);
        assert_eq!(ARM.ptrs(Level::Pgd), 2048);
        assert_eq!(ARM.child_level(Level::Pgd), Some(Level::Pte));
        assert_eq!(ARM.first_user_pgd_floor(), 0x20_0000);
        for a in [&I386, &I386_PAE] {
            assert_eq!(a.mm_vm_size(), 0xc000_0000);
        }
        assert_eq!(ARM.mm_vm_size(), 0xbf00_0000);
    }

    #[test]
    fn thirty_two_bit_arithmetic_wraps_at_2_pow_32() {
        let a = &I386;
        assert_eq!(a.word_mask(), 0xffff_ffff);
        // 0 - 1 is ULONG_MAX of 32 bits: the ceiling-0-means-top rule.
        assert_eq!(a.minus_one(VirtAddr::ZERO), 0xffff_ffff);
        assert_eq!(X86_64.minus_one(VirtAddr::ZERO), u64::MAX);
        // addr += PMD_SIZE from the last PMD block wraps to 0 (free_pgd_range's "if (!addr)").
        assert_eq!(
            a.add(VirtAddr::new(0xffc0_0000), a.size(Level::Pmd)),
            VirtAddr::ZERO
        );
        assert_eq!(
            a.sub(VirtAddr::new(0x1000), 0x40_0000),
            VirtAddr::new(0xffc0_1000)
        );
        assert!(a.fits_word(0xffff_ffff) && !a.fits_word(0x1_0000_0000));
        // pgd_addr_end at the top slot: the boundary wraps to 0; with end 0 (the top) the
        // walk ends there instead of running on past 2^32.
        assert_eq!(
            a.addr_end(Level::Pgd, VirtAddr::new(0xffc0_0000), VirtAddr::ZERO),
            VirtAddr::ZERO
        );
        assert_eq!(
            a.addr_end(Level::Pgd, VirtAddr::new(0xff80_0000), VirtAddr::ZERO),
            VirtAddr::new(0xffc0_0000)
        );
        // PAE's top 1 GiB slot: boundary 2^32 wraps to 0, and 0 - 1 is not below end - 1.
        assert_eq!(
            I386_PAE.addr_end(
                Level::Pgd,
                VirtAddr::new(0xc000_0000),
                VirtAddr::new(0xffff_f000)
            ),
            VirtAddr::new(0xffff_f000)
        );
    }
}
