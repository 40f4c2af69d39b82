//! The 2.6.11 free path that freepgt replaced (the book, docs/src/patch/walk-cost.md): the prev-based
//! `free_pgtables` of mm/mmap.c and the 4-level `clear_page_range` of mm/memory.c.
//!
//! The old code ignores the vma list below `prev` and scans address ranges instead: it frees
//! a table only where the walked sub-range is fully aligned at that level, and it frees tables
//! without checking what they still point at.

use crate::addr::{AddrRange, VirtAddr};
use crate::arch::Level;
use crate::pgtable::Slot;
use crate::trace::{Event, FreeTest, KeepReason};
use crate::vma::VmaList;
use crate::walker::Walker;

impl Walker<'_> {
    /// 2.6.11 `free_pgtables(tlb, prev, start, end)`, called by `unmap_region` after the
    /// vmas were detached. `vmas` is the mm's list after detaching.
    ///
    /// It frees `[first, last)` where `first` is `start & PGDIR_MASK` raised to `prev->vm_end`
    /// and `last` is `end + PGDIR_SIZE - 1` lowered to the next vma's start and capped at
    /// MM_VM_SIZE; then `clear_page_range` and `flush_tlb_pgtables(first, last)`.
    pub fn free_pgtables_2611(
        &mut self,
        vmas: &VmaList,
        prev: Option<AddrRange>,
        start: VirtAddr,
        end: VirtAddr,
    ) {
        let arch = self.arch;
        let pgdir_size = arch.size(Level::Pgd);
        let mm_vm_size = VirtAddr::new(arch.mm_vm_size());
        let mut first = start.mask(arch.mask(Level::Pgd));
        let mut last = arch.add(end, pgdir_size - 1);
        if last > mm_vm_size || last < end {
            last = mm_vm_size;
        }
        let mut next_start = None;
        let mut prev = prev;
        let mut search = true;
        if prev.is_none() {
            match vmas.iter().next() {
                None => search = false,
                Some(p) if p.end > start => {
                    if last > p.start {
                        last = p.start;
                    }
                    next_start = Some(p.start);
                    search = false;
                }
                Some(p) => prev = Some(p.range()),
            }
        }
        if search {
            let mut p = prev.expect("prev set above");
            loop {
                let next = vmas.find_vma(p.end);
                if let Some(n) = next {
                    if n.start < start {
                        p = n.range();
                        continue;
                    }
                    if last > n.start {
                        last = n.start;
                    }
                    next_start = Some(n.start);
                }
                if p.end > first {
                    first = p.end;
                }
                break;
            }
            prev = Some(p);
        }
        // `if (last < first) return;`, then `if (first < FIRST_USER_PGD_NR * PGDIR_SIZE)
        // first = FIRST_USER_PGD_NR * PGDIR_SIZE;` (2 MiB on ARM, 0 elsewhere).
        let user_floor = VirtAddr::new(arch.first_user_pgd_floor());
        if last >= first && first < user_floor {
            first = user_floor;
        }
        let pmd_mask = arch.mask(Level::Pmd);
        let clears = last >= first && first.mask(pmd_mask) < last.mask(pmd_mask);
        self.trace.push(Event::OldFreePgtables {
            prev,
            next_start,
            first,
            last,
            clears,
        });
        if clears {
            self.clear_page_range(first, last);
            self.flush(first, last);
        }
    }

    /// 2.6.11 `clear_page_range(tlb, start, end)`: steps pgd slots by *index* from
    /// `pgd_index(start)` to `pgd_index(end - 1)`, with the address advancing linearly.
    pub fn clear_page_range(&mut self, start: VirtAddr, end: VirtAddr) {
        let arch = self.arch;
        self.trace.push(Event::ClearPageRange { start, end });
        let pgdir_size = arch.size(Level::Pgd);
        let pgdir_mask = arch.mask(Level::Pgd);
        let pgd = self.pt.pgd();
        let mut addr = start;
        let first = arch.index(Level::Pgd, start);
        let last = arch.index(Level::Pgd, arch.sub(end, 1));
        for i in first..=last {
            let mut next = arch.add(addr, pgdir_size).mask(pgdir_mask);
            if next > end || next <= addr {
                next = end;
            }
            self.visits.pgd += 1;
            self.clear_pgd_range(
                Slot {
                    table: pgd,
                    index: i,
                },
                addr,
                next,
            );
            addr = next;
        }
    }

    /// 2.6.11 `clear_pgd_range(tlb, pgd, start, end)`: frees the pud table only if
    /// `[start, end)` is PGDIR aligned at both ends.
    fn clear_pgd_range(&mut self, pgd_slot: Slot, start: VirtAddr, end: VirtAddr) {
        let arch = self.arch;
        let folded = arch.folded(Level::Pud);
        // pgd_none() is the constant 0 where the pud is folded.
        let pud = if folded {
            None
        } else {
            match self.pt.child(pgd_slot) {
                Some(p) => Some(p),
                None => return,
            }
        };
        if !folded {
            self.visit(pgd_slot, start, end);
        }
        let pud_size = arch.size(Level::Pud);
        let pud_mask = arch.mask(Level::Pud);
        let mut addr = start;
        loop {
            let mut next = arch.add(addr, pud_size).mask(pud_mask);
            if next > end || next <= addr {
                next = end;
            }
            self.visits.pud += 1;
            let slot = match pud {
                Some(t) => Slot {
                    table: t,
                    index: arch.index(Level::Pud, addr),
                },
                None => pgd_slot,
            };
            self.clear_pud_range(slot, addr, next);
            addr = next;
            if addr.is_zero() || addr >= end {
                break;
            }
        }
        if !folded {
            self.aligned_free(Level::Pud, pgd_slot, start, end);
        }
    }

    /// 2.6.11 `clear_pud_range(tlb, pud, start, end)`: frees the pmd table only if
    /// `[start, end)` is PUD aligned at both ends.
    ///
    /// Where the pmd is folded (i386, ARM) `pud_none()` is the constant 0 and
    /// `pmd_offset(pud)` is the entry itself: the loop steps PMD_SIZE == PGDIR_SIZE, so it
    /// runs once, on the pgd entry, and `pud_clear` / `pmd_free_tlb` are empty.
    fn clear_pud_range(&mut self, pud_slot: Slot, start: VirtAddr, end: VirtAddr) {
        let arch = self.arch;
        let folded = arch.folded(Level::Pmd);
        let pmd = if folded {
            None
        } else {
            match self.pt.child(pud_slot) {
                Some(p) => Some(p),
                None => return,
            }
        };
        if !folded {
            self.visit(pud_slot, start, end);
        }
        let pmd_size = arch.size(Level::Pmd);
        let pmd_mask = arch.mask(Level::Pmd);
        let mut addr = start;
        loop {
            let mut next = arch.add(addr, pmd_size).mask(pmd_mask);
            if next > end || next <= addr {
                next = end;
            }
            self.visits.pmd += 1;
            let slot = match pmd {
                Some(t) => Slot {
                    table: t,
                    index: arch.index(Level::Pmd, addr),
                },
                None => pud_slot,
            };
            self.clear_pmd_range(slot, addr, next);
            addr = next;
            if addr.is_zero() || addr >= end {
                break;
            }
        }
        if !folded {
            self.aligned_free(Level::Pmd, pud_slot, start, end);
        }
    }

    /// 2.6.11 `clear_pmd_range(tlb, pmd, start, end)`: frees the pte table only if
    /// `[start, end)` is PMD aligned at both ends.
    fn clear_pmd_range(&mut self, pmd_slot: Slot, start: VirtAddr, end: VirtAddr) {
        if self.pt.child(pmd_slot).is_some() {
            self.aligned_free(Level::Pte, pmd_slot, start, end);
        }
    }

    /// "Only clear full, aligned ranges": `if (!((start | end) & ~MASK))` free the table.
    fn aligned_free(&mut self, table_level: Level, slot: Slot, start: VirtAddr, end: VirtAddr) {
        let span_mask = self.arch.table_mask(table_level);
        if (start.as_u64() | end.as_u64()) & !span_mask == 0 {
            self.free_table(slot, FreeTest::Aligned { start, end });
        } else {
            self.keep_table(slot, KeepReason::NotAligned { start, end });
        }
    }
}
