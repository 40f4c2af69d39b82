//! State shared by both kernels' free walks: the tree being freed, the vmas that remain (for
//! the BUG checks), the trace and the visit counters.

use crate::addr::{AddrRange, Ceiling, Floor, VirtAddr};
use crate::arch::{Arch, Level};
use crate::flush::flush_tlb_pgtables;
use crate::pgtable::{PageTables, Slot};
use crate::trace::{Bug, Event, KeepReason, Visits};
use crate::vma::VmaList;

/// One free walk in progress (an `mmu_gather` plus what the simulation records).
pub(crate) struct Walker<'a> {
    pub arch: &'static Arch,
    pub pt: &'a mut PageTables,
    /// The vmas still mapped while tables are freed.
    pub remaining: &'a VmaList,
    pub trace: &'a mut Vec<Event>,
    pub visits: Visits,
    /// `tlb_is_full_mm(tlb)`: exit_mmap's gather, which skips `flush_tlb_pgtables`.
    pub full_mm: bool,
    /// Addresses the zap left in sparc64's per-cpu TLB batch; the first flush takes them.
    pub queued: u64,
}

impl Walker<'_> {
    /// Clears `slot` and frees the table it points at, recording the event and any BUG.
    pub fn free_table(&mut self, slot: Slot) {
        if let Some(t) = self.pt.child(slot).filter(|t| self.pt.owned_by_pgd(*t)) {
            // i386 PAE: `pud_clear` and `__pmd_free_tlb` are empty; the table stays linked
            // and counted until pgd_free.
            self.trace.push(Event::FreeOwnedByPgd {
                level: self.pt.level(t),
                base: self.pt.base(t),
            });
            return;
        }
        let Some(freed) = self.pt.free_child(slot) else {
            return;
        };
        self.trace.push(Event::TableFreed {
            level: freed.level,
            base: freed.base,
        });
        if freed.live_entries > 0 {
            self.trace.push(Event::Bug(Bug::FreedWithLiveEntries {
                level: freed.level,
                base: freed.base,
                entries: freed.live_entries,
            }));
        }
        let span = AddrRange::new(
            freed.base,
            self.arch.add(freed.base, self.arch.table_span(freed.level)),
        );
        if self.remaining.meets(span) {
            self.trace.push(Event::Bug(Bug::FreedCoveringVma {
                level: freed.level,
                base: freed.base,
            }));
        }
    }

    /// Records that the table in `slot` was walked and kept, and why.
    pub fn keep_table(&mut self, slot: Slot, reason: KeepReason) {
        if let Some(t) = self.pt.child(slot) {
            self.trace.push(Event::TableKept {
                level: self.pt.level(t),
                base: self.pt.base(t),
                reason,
            });
        }
    }

    /// Records a `TableVisit` for the table in `slot`.
    pub fn visit(&mut self, slot: Slot, start: VirtAddr, end: VirtAddr) {
        if let Some(t) = self.pt.child(slot) {
            self.trace.push(Event::TableVisit {
                level: self.pt.level(t),
                base: self.pt.base(t),
                range: AddrRange::new(start, end),
            });
        }
    }

    /// Records a `flush_tlb_pgtables(mm, start, end)` call unless the gather is full-mm.
    pub fn flush(&mut self, start: VirtAddr, end: VirtAddr) {
        if !self.full_mm {
            let queued = std::mem::take(&mut self.queued);
            self.trace.push(Event::Flush(flush_tlb_pgtables(
                self.arch, start, end, queued,
            )));
        }
    }

    /// The three tests at the end of `free_pud_range` / `free_pmd_range`, with the mask of
    /// the level above the freed table (kernel-reference §3). `None` means "free it".
    pub fn ceiling_floor_test(
        &self,
        table_level: Level,
        start: VirtAddr,
        end: VirtAddr,
        floor: Floor,
        ceiling: Ceiling,
    ) -> Option<KeepReason> {
        let mask = self.arch.table_mask(table_level);
        let start = start.mask(mask);
        if start < floor.addr() {
            return Some(KeepReason::BelowFloor { start, floor });
        }
        let mut c = ceiling.addr();
        if ceiling.is_bounded() {
            c = c.mask(mask);
            if c.is_zero() {
                return Some(KeepReason::CeilingMasksToZero { ceiling });
            }
        }
        if self.arch.minus_one(end) > self.arch.minus_one(c) {
            return Some(KeepReason::EndAboveCeiling {
                end,
                ceiling_masked: c,
            });
        }
        None
    }
}
