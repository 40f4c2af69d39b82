//! The 2.6.12 free path: `free_pgtables` over the vma list and the `free_pXd_range` levels of
//! mm/memory.c (the book, docs/src/patch/index.md).
//!
//! Each function models the kernel function of the same name, with the same loop shape. The
//! `- 1`s are the kernel's: 0 means the bottom as an `addr` or `floor` but the top as an `end`
//! or `ceiling`, so upper bounds are compared as `x - 1` with wrap-around.

use crate::addr::{AddrRange, Ceiling, Floor, VirtAddr};
use crate::arch::Level;
use crate::pgtable::Slot;
use crate::trace::{CeilingSource, EarlyReturn, Event, FreeTest};
use crate::walker::Walker;

impl Walker<'_> {
    /// `free_pgtables(tlb, vma, floor, ceiling)`: frees the page tables of a list of vmas
    /// (the detached list in munmap, the whole mm at exit).
    ///
    /// Vmas whose gaps are each at most PMD_SIZE are gathered into one `free_pgd_range`: a
    /// table shared by close neighbours is then walked once. Every call gets the caller's
    /// floor; the ceiling is the start of the next vma in the list, or the caller's ceiling
    /// for the last group. `is_hugepage_only_range()` is the constant 0 on the modelled arches,
    /// so the hugetlb branch never runs and is not modelled.
    pub fn free_pgtables(&mut self, vmas: &[AddrRange], floor: Floor, ceiling: Ceiling) {
        self.trace.push(Event::FreePgtables {
            floor,
            ceiling,
            vmas: vmas.len(),
        });
        let pmd_size = self.arch.size(Level::Pmd);
        let mut i = 0;
        while i < vmas.len() {
            let addr = vmas[i].start;
            let mut last = i;
            // `next->vm_start <= vma->vm_end + PMD_SIZE`, with `vma` the last one gathered.
            while last + 1 < vmas.len()
                && vmas[last + 1].start <= self.arch.add(vmas[last].end, pmd_size)
            {
                last += 1;
            }
            let (group_ceiling, source) = match vmas.get(last + 1) {
                Some(next) => (Ceiling(next.start), CeilingSource::NextInList),
                None => (ceiling, CeilingSource::Caller),
            };
            self.trace.push(Event::Gather {
                vmas: vmas[i..=last].to_vec(),
                ceiling: group_ceiling,
                source,
            });
            self.free_pgd_range(addr, vmas[last].end, floor, group_ceiling);
            i = last + 1;
        }
    }

    /// `free_pgd_range(tlb, addr, end, floor, ceiling)`.
    ///
    /// The top level tests at PMD granularity: the first PMD block is dropped if the floor lies
    /// above its base (it is shared with whatever is below), the last if the range reaches
    /// the PMD block holding the ceiling. Then every pgd slot of the trimmed range is walked,
    /// and `flush_tlb_pgtables(start, end)` runs (unless full-mm) whether or not anything was
    /// freed.
    pub fn free_pgd_range(
        &mut self,
        addr: VirtAddr,
        end: VirtAddr,
        floor: Floor,
        ceiling: Ceiling,
    ) {
        let arch = self.arch;
        self.trace.push(Event::FreePgdRange {
            addr,
            end,
            floor,
            ceiling,
        });
        let pmd_size = arch.size(Level::Pmd);
        let pmd_mask = arch.mask(Level::Pmd);

        let mut addr = addr.mask(pmd_mask);
        if addr < floor.addr() {
            let masked = addr;
            addr = arch.add(addr, pmd_size);
            self.trace.push(Event::FloorTrim {
                masked,
                floor,
                addr,
            });
            if addr.is_zero() {
                self.trace.push(Event::EarlyReturn {
                    reason: EarlyReturn::AddrWrapped,
                });
                return;
            }
        }
        let mut ceil = ceiling.addr();
        if ceiling.is_bounded() {
            ceil = ceil.mask(pmd_mask);
            self.trace.push(Event::CeilingMasked {
                ceiling,
                masked: ceil,
            });
            if ceil.is_zero() {
                self.trace.push(Event::EarlyReturn {
                    reason: EarlyReturn::CeilingMasksToZero,
                });
                return;
            }
        }
        let mut end = end;
        if arch.minus_one(end) > arch.minus_one(ceil) {
            let old = end;
            end = arch.sub(end, pmd_size);
            self.trace.push(Event::CeilingTrim {
                end: old,
                ceiling: ceil,
                new_end: end,
            });
        }
        if addr.as_u64() > arch.minus_one(end) {
            self.trace.push(Event::EarlyReturn {
                reason: EarlyReturn::NothingLeft { addr, end },
            });
            return;
        }

        self.trace.push(Event::Walk { addr, end });
        let start = addr;
        let ceiling = Ceiling(ceil);
        let pgd = self.pt.pgd();
        loop {
            let next = arch.addr_end(Level::Pgd, addr, end);
            self.visits.pgd += 1;
            let slot = Slot {
                table: pgd,
                index: arch.index(Level::Pgd, addr),
            };
            // pgd_none_or_clear_bad(): the constant 0 where the pud is folded.
            if arch.folded(Level::Pud) || self.pt.child(slot).is_some() {
                self.free_pud_range(slot, addr, next, floor, ceiling);
            }
            addr = next;
            if addr == end {
                break;
            }
        }
        self.flush(start, end);
    }

    /// `free_pud_range(tlb, pgd, addr, end, floor, ceiling)`: walks one pgd slot's pud
    /// entries, then frees the pud table if its whole PGDIR span lies within floor..ceiling.
    ///
    /// Where the pud is folded (sparc64, i386, ARM), `pud_offset(pgd)` is the pgd slot itself
    /// and `pud_addr_end` returns `end`: the loop runs once, and `pgd_clear` / `pud_free_tlb`
    /// are empty, so nothing is freed at this level.
    fn free_pud_range(
        &mut self,
        pgd_slot: Slot,
        addr: VirtAddr,
        end: VirtAddr,
        floor: Floor,
        ceiling: Ceiling,
    ) {
        let arch = self.arch;
        let start = addr;
        if arch.folded(Level::Pud) {
            self.visits.pud += 1;
            // pud_none(): a real test where the pmd level is real (sparc64; PAE's pmds are
            // always there, its pud_none is the constant 0), the constant 0 where the pmd is
            // folded too (pgtable-nopmd.h, ARM's 4level-fixup.h).
            if arch.folded(Level::Pmd) || self.pt.child(pgd_slot).is_some() {
                self.free_pmd_range(pgd_slot, addr, end, floor, ceiling);
            }
            return;
        }
        let Some(pud) = self.pt.child(pgd_slot) else {
            return;
        };
        self.visit(pgd_slot, start, end);
        let mut addr = addr;
        loop {
            let next = arch.addr_end(Level::Pud, addr, end);
            self.visits.pud += 1;
            let slot = Slot {
                table: pud,
                index: arch.index(Level::Pud, addr),
            };
            if self.pt.child(slot).is_some() {
                self.free_pmd_range(slot, addr, next, floor, ceiling);
            }
            addr = next;
            if addr == end {
                break;
            }
        }
        match self.ceiling_floor_test(Level::Pud, start, end, floor, ceiling) {
            Ok(test) => self.free_table(pgd_slot, test),
            Err(reason) => self.keep_table(pgd_slot, reason),
        }
    }

    /// `free_pmd_range(tlb, pud, addr, end, floor, ceiling)`: frees the pte table of every PMD
    /// block meeting `[addr, end)`, then the pmd table if its whole PUD span lies within
    /// floor..ceiling (tested with PUD_MASK: 1 GiB on x86_64 and i386 PAE, 16 GiB on
    /// sparc64). On PAE that "free" does nothing (`__pmd_free_tlb` is empty): see
    /// [`Walker::free_table`].
    fn free_pmd_range(
        &mut self,
        pud_slot: Slot,
        addr: VirtAddr,
        end: VirtAddr,
        floor: Floor,
        ceiling: Ceiling,
    ) {
        let arch = self.arch;
        let start = addr;
        if arch.folded(Level::Pmd) {
            // pgtable-nopmd.h: pmd_offset(pud) is the pud entry, one iteration, and
            // pud_clear / pmd_free_tlb are empty.
            self.visits.pmd += 1;
            self.free_pte_range(pud_slot);
            return;
        }
        let Some(pmd) = self.pt.child(pud_slot) else {
            return;
        };
        self.visit(pud_slot, start, end);
        let mut addr = addr;
        loop {
            let next = arch.addr_end(Level::Pmd, addr, end);
            self.visits.pmd += 1;
            let slot = Slot {
                table: pmd,
                index: arch.index(Level::Pmd, addr),
            };
            if self.pt.child(slot).is_some() {
                self.free_pte_range(slot);
            }
            addr = next;
            if addr == end {
                break;
            }
        }
        match self.ceiling_floor_test(Level::Pmd, start, end, floor, ceiling) {
            Ok(test) => self.free_table(pud_slot, test),
            Err(reason) => self.keep_table(pud_slot, reason),
        }
    }

    /// `free_pte_range(tlb, pmd)`: clears the pmd entry and frees the pte table
    /// (`pte_free_tlb`, `mm->nr_ptes--`). No tests at this level: `free_pgd_range`'s
    /// trimming already kept the blocks shared with floor or ceiling.
    fn free_pte_range(&mut self, pmd_slot: Slot) {
        self.free_table(pmd_slot, FreeTest::Trimmed);
    }
}

#[cfg(test)]
mod tests {
    use crate::addr::{Ceiling, Floor, VirtAddr};
    use crate::arch::{Arch, Level, I386, I386_PAE};
    use crate::pgtable::PageTables;
    use crate::trace::{EarlyReturn, Event, Visits};
    use crate::vma::VmaList;
    use crate::walker::Walker;

    /// Runs one free_pgd_range on `arch` over a tree with a pte table at each of `touched`.
    fn run(arch: &'static Arch, touched: &[u64], r: (u64, u64, u64, u64)) -> Vec<Event> {
        let mut pt = PageTables::new(arch);
        for &t in touched {
            let mut new = Vec::new();
            pt.pte_table_for(VirtAddr::new(t), &mut new);
        }
        let mut trace = Vec::new();
        let empty = VmaList::new();
        let mut w = Walker {
            arch,
            pt: &mut pt,
            remaining: &empty,
            trace: &mut trace,
            visits: Visits::default(),
            full_mm: false,
            queued: 0,
        };
        w.free_pgd_range(
            VirtAddr::new(r.0),
            VirtAddr::new(r.1),
            Floor(VirtAddr::new(r.2)),
            Ceiling(VirtAddr::new(r.3)),
        );
        trace
    }

    fn freed(trace: &[Event]) -> Vec<(Level, u64)> {
        trace
            .iter()
            .filter_map(|e| match e {
                Event::TableFreed { level, base, .. } => Some((*level, base.as_u64())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn floor_in_the_top_block_wraps_addr_to_zero_and_returns() {
        // addr 0xffc00000 below floor 0xffc01000: addr += 4 MiB is 2^32, i.e. 0 in 32 bits,
        // which would mean the bottom: free_pgd_range must return.
        let t = run(&I386, &[], (0xffc0_0000, 0xffc0_1000, 0xffc0_1000, 0));
        assert!(t.contains(&Event::EarlyReturn {
            reason: EarlyReturn::AddrWrapped
        }));
        assert!(!t.iter().any(|e| matches!(e, Event::Flush(_))));
    }

    #[test]
    fn a_walk_ending_at_0_stops_at_the_top_of_32_bits() {
        // end 0 means the top: the last slot's boundary wraps to 0 == end and the loop ends
        // after one slot (64-bit arithmetic would run on towards 2^64).
        let t = run(&I386, &[0xffc0_0000], (0xffc0_0000, 0, 0, 0));
        assert_eq!(freed(&t), [(Level::Pte, 0xffc0_0000)]);
        let flush = t.iter().find_map(|e| match e {
            Event::Flush(f) => Some((f.start.as_u64(), f.end.as_u64())),
            _ => None,
        });
        assert_eq!(flush, Some((0xffc0_0000, 0)));
    }

    #[test]
    fn ceiling_zero_is_ulong_max_of_32_bits() {
        // end - 1 = 0xbfffffff is never above ceiling - 1 = 0xffffffff: no trim.
        let t = run(&I386, &[0xbfc0_0000], (0xbfff_f000, 0xc000_0000, 0, 0));
        assert!(!t.iter().any(|e| matches!(e, Event::CeilingTrim { .. })));
        assert_eq!(freed(&t), [(Level::Pte, 0xbfc0_0000)]);
    }

    #[test]
    fn pae_pmd_free_frees_nothing() {
        let t = run(&I386_PAE, &[0x8048000], (0x8048000, 0x8049000, 0, 0));
        assert_eq!(freed(&t), [(Level::Pte, 0x800_0000)]);
        assert!(t.contains(&Event::FreeOwnedByPgd {
            level: Level::Pmd,
            base: VirtAddr::ZERO
        }));
    }
}
