//! State shared by both kernels' free walks: the tree being freed, the vmas that remain (for
//! the BUG checks), the trace and the visit counters.

use crate::addr::{AddrRange, Ceiling, Floor, VirtAddr};
use crate::arch::{Arch, Level};
use crate::flush::flush_tlb_pgtables;
use crate::pgtable::{PageTables, Slot};
use crate::trace::{Bug, Event, FreeTest, KeepReason, Visits};
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
    /// Clears `slot` and frees the table it points at (which passed `test`), recording the
    /// event and any BUG.
    pub fn free_table(&mut self, slot: Slot, test: FreeTest) {
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
            test,
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
    /// the level above the freed table (the book, docs/src/patch/index.md): the test that frees the table,
    /// or the reason it is kept.
    pub fn ceiling_floor_test(
        &self,
        table_level: Level,
        start: VirtAddr,
        end: VirtAddr,
        floor: Floor,
        ceiling: Ceiling,
    ) -> Result<FreeTest, KeepReason> {
        let mask = self.arch.table_mask(table_level);
        let start = start.mask(mask);
        if start < floor.addr() {
            return Err(KeepReason::BelowFloor { start, floor });
        }
        let mut c = ceiling.addr();
        if ceiling.is_bounded() {
            c = c.mask(mask);
            if c.is_zero() {
                return Err(KeepReason::CeilingMasksToZero { ceiling });
            }
        }
        if self.arch.minus_one(end) > self.arch.minus_one(c) {
            return Err(KeepReason::EndAboveCeiling {
                end,
                ceiling_masked: c,
            });
        }
        Ok(FreeTest::WithinFloorCeiling {
            start,
            floor,
            end,
            ceiling_masked: ceiling.is_bounded().then_some(c),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::trace::{Event, FreeTest};
    use crate::{presets, Level, Scenario, VirtAddr};

    /// Every `TableFreed` of a preset's last op, with its test.
    fn frees(id: &str) -> Vec<(Level, VirtAddr, FreeTest)> {
        let scenario = Scenario::parse(&presets::find(id).unwrap().text()).unwrap();
        let mut last = Vec::new();
        crate::run(&scenario, |step| {
            if let Some(o) = step.outcome {
                last = o.events.clone();
            }
        });
        last.into_iter()
            .filter_map(|e| match e {
                Event::TableFreed { level, base, test } => Some((level, base, test)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_freed_table_carries_the_test_it_passed() {
        let f = frees("gather");
        // pte tables: no test, the trims decided.
        assert!(f
            .iter()
            .filter(|(l, ..)| *l == Level::Pte)
            .all(|(.., t)| *t == FreeTest::Trimmed));
        // The pmd table went in the last group, whose ceiling is the caller's 0: the top.
        let pmd = f.iter().find(|(l, ..)| *l == Level::Pmd).unwrap();
        let FreeTest::WithinFloorCeiling {
            start,
            floor,
            end,
            ceiling_masked,
        } = pmd.2
        else {
            panic!("{pmd:?}");
        };
        assert_eq!(
            (start, floor.addr(), end),
            (VirtAddr::ZERO, VirtAddr::ZERO, VirtAddr::new(0xa01000))
        );
        assert_eq!(ceiling_masked, None);
        // 2.6.11 frees only tables whose whole span the cleared range covers.
        let old = frees("lone-2.6.11");
        assert!(!old.is_empty());
        for (level, base, t) in old {
            let FreeTest::Aligned { start, end } = t else {
                panic!("{t:?}");
            };
            let arch = crate::arch::X86_64;
            let mask = arch.table_mask(level);
            assert_eq!((start.as_u64() | end.as_u64()) & !mask, 0);
            assert_eq!(start, base);
        }
    }
}
