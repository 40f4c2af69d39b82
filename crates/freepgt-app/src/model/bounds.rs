//! The bounds of a free walk at a step: floor, ceiling, addr and end as the trace has set them
//! so far, each with where its value came from (drawn as markers on the axis).

use freepgt::trace::CeilingSource;
use freepgt::{Event, KeepReason, Level, VirtAddr};
use std::fmt;

/// Which of `free_pgd_range`'s four bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BoundName {
    /// The floor: nothing below it may be freed.
    Floor,
    /// The ceiling: the block holding it may not be freed (0 = the top).
    Ceiling,
    /// The start of the range walked.
    Addr,
    /// The end of the range walked (0 = the top).
    End,
}

impl BoundName {
    /// The kernel's name for it.
    pub fn name(self) -> &'static str {
        match self {
            BoundName::Floor => "floor",
            BoundName::Ceiling => "ceiling",
            BoundName::Addr => "addr",
            BoundName::End => "end",
        }
    }
}

/// Where a bound's value came from: the event that set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `unmap_region`'s floor (prev->vm_end or FIRST_USER_ADDRESS) or ceiling (next->vm_start
    /// or 0).
    UnmapRegion,
    /// `free_pgtables`' arguments.
    FreePgtables,
    /// A gathered group's ceiling.
    Gather(CeilingSource),
    /// `free_pgd_range`'s arguments, as passed.
    FreePgdRange,
    /// `(addr & PMD_MASK) + PMD_SIZE`: the first block is shared with the floor's side.
    FloorTrim,
    /// `ceiling & PMD_MASK`.
    CeilingMaskedPmd,
    /// `end -= PMD_SIZE`: the last block is shared with the ceiling's side.
    CeilingTrim,
    /// The trimmed range the walk covers.
    Walk,
    /// `start & MASK` or `ceiling & MASK` of the level above a tested table.
    LevelTest(Level),
    /// 2.6.11 `free_pgtables`' `first` / `last`.
    OldFirstLast,
    /// 2.6.11 `clear_page_range`'s arguments.
    ClearPageRange,
}

/// One bound at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    /// Which bound.
    pub name: BoundName,
    /// Its value.
    pub addr: VirtAddr,
    /// Where the value came from.
    pub origin: Origin,
}

impl Bound {
    /// The value came from masking a ceiling: a 0 then is the bottom block, not the top
    /// (the case the kernel's `if (!ceiling) return` guards).
    pub fn masked(&self) -> bool {
        self.name == BoundName::Ceiling
            && matches!(self.origin, Origin::CeilingMaskedPmd | Origin::LevelTest(_))
    }

    /// A `ceiling`/`end` of 0 as passed means the top of the address space.
    pub fn is_top(&self) -> bool {
        self.addr.is_zero()
            && matches!(self.name, BoundName::Ceiling | BoundName::End)
            && !self.masked()
    }

    /// How the value was reached, in the kernel's terms.
    pub fn how(&self) -> String {
        use BoundName::*;
        let s = match (self.origin, self.name) {
            (Origin::UnmapRegion, Floor) => "unmap_region: prev->vm_end or FIRST_USER_ADDRESS",
            (Origin::UnmapRegion, _) => "unmap_region: next->vm_start, or 0",
            (Origin::FreePgtables, Floor) => "free_pgtables floor",
            (Origin::FreePgtables, _) => "free_pgtables ceiling",
            (Origin::Gather(CeilingSource::NextInList), _) => "next vma's vm_start",
            (Origin::Gather(CeilingSource::Caller), _) => "the caller's ceiling",
            (Origin::FreePgdRange, _) => "as passed to free_pgd_range",
            (Origin::FloorTrim, _) => "(addr & PMD_MASK) + PMD_SIZE",
            (Origin::CeilingMaskedPmd, _) => "ceiling & PMD_MASK",
            (Origin::CeilingTrim, _) => "end -= PMD_SIZE",
            (Origin::Walk, _) => "trimmed, walked",
            (Origin::LevelTest(level), Ceiling) => {
                return format!("ceiling & {}", level.table_mask_name())
            }
            (Origin::LevelTest(level), _) => return format!("start & {}", level.table_mask_name()),
            (Origin::OldFirstLast, Addr) => "2.6.11 first",
            (Origin::OldFirstLast, _) => "2.6.11 last",
            (Origin::ClearPageRange, Addr) => "clear_page_range start",
            (Origin::ClearPageRange, _) => "clear_page_range end",
        };
        s.to_string()
    }
}

impl fmt::Display for Bound {
    /// `name = value (how)`, saying whether a 0 means the top.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let note = if self.is_top() {
            " (top)"
        } else if self.addr.is_zero() && self.name == BoundName::Ceiling {
            " (masked to 0: NOT top — the guard returns)"
        } else {
            ""
        };
        write!(
            f,
            "{} = {:#x}{note} ({})",
            self.name.name(),
            self.addr,
            self.how()
        )
    }
}

/// The floor, ceiling, addr and end in force at event `upto` of a trace, from the nearest
/// preceding events that set them (`unmap_region`, `free_pgtables`, a gathered group,
/// `free_pgd_range` and its trims, the walk, a table kept at a higher level, and 2.6.11's
/// `first`/`last`), in that order: floor, ceiling, addr, end.
pub fn bounds(events: &[Event], upto: usize) -> Vec<Bound> {
    use BoundName::*;
    let mut m: [Option<(VirtAddr, Origin)>; 4] = [None; 4];
    let mut set = |n: BoundName, a: VirtAddr, o: Origin| m[n as usize] = Some((a, o));
    for e in events.iter().take(upto.saturating_add(1)) {
        match e {
            Event::UnmapRegion { floor, ceiling, .. } => {
                set(Floor, floor.addr(), Origin::UnmapRegion);
                set(Ceiling, ceiling.addr(), Origin::UnmapRegion);
            }
            Event::FreePgtables { floor, ceiling, .. } => {
                set(Floor, floor.addr(), Origin::FreePgtables);
                set(Ceiling, ceiling.addr(), Origin::FreePgtables);
            }
            Event::Gather {
                ceiling, source, ..
            } => set(Ceiling, ceiling.addr(), Origin::Gather(*source)),
            Event::FreePgdRange {
                addr,
                end,
                floor,
                ceiling,
            } => {
                set(Addr, *addr, Origin::FreePgdRange);
                set(End, *end, Origin::FreePgdRange);
                set(Floor, floor.addr(), Origin::FreePgdRange);
                set(Ceiling, ceiling.addr(), Origin::FreePgdRange);
            }
            Event::FloorTrim { addr, .. } => set(Addr, *addr, Origin::FloorTrim),
            Event::CeilingMasked { masked, .. } => set(Ceiling, *masked, Origin::CeilingMaskedPmd),
            Event::CeilingTrim { new_end, .. } => set(End, *new_end, Origin::CeilingTrim),
            Event::Walk { addr, end } => {
                set(Addr, *addr, Origin::Walk);
                set(End, *end, Origin::Walk);
            }
            Event::TableKept {
                level,
                reason: KeepReason::EndAboveCeiling { ceiling_masked, .. },
                ..
            } => set(Ceiling, *ceiling_masked, Origin::LevelTest(*level)),
            Event::TableKept {
                level,
                reason: KeepReason::BelowFloor { start, .. },
                ..
            } => set(Addr, *start, Origin::LevelTest(*level)),
            Event::OldFreePgtables { first, last, .. } => {
                set(Addr, *first, Origin::OldFirstLast);
                set(End, *last, Origin::OldFirstLast);
            }
            Event::ClearPageRange { start, end } => {
                set(Addr, *start, Origin::ClearPageRange);
                set(End, *end, Origin::ClearPageRange);
            }
            _ => {}
        }
    }
    [Floor, Ceiling, Addr, End]
        .into_iter()
        .zip(m)
        .filter_map(|(name, v)| v.map(|(addr, origin)| Bound { name, addr, origin }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Sim;

    fn preset(id: &str) -> Sim {
        Sim::from_text(&freepgt::presets::find(id).unwrap().text()).unwrap()
    }

    fn get(b: &[Bound], n: BoundName) -> Bound {
        *b.iter().find(|x| x.name == n).unwrap()
    }

    #[test]
    fn bounds_follow_the_trims() {
        let sim = preset("gather");
        let ev = &sim.outcomes.last().unwrap().events;
        let i = ev
            .iter()
            .position(|e| matches!(e, Event::Walk { .. }))
            .unwrap();
        let b = bounds(ev, i);
        assert_eq!(get(&b, BoundName::Addr).addr.as_u64(), 0x400000);
        assert_eq!(get(&b, BoundName::End).addr.as_u64(), 0x601000);
        assert_eq!(get(&b, BoundName::Ceiling).addr.as_u64(), 0xa00000);
        assert_eq!(get(&b, BoundName::Ceiling).origin, Origin::CeilingMaskedPmd);
        assert_eq!(get(&b, BoundName::Floor).addr.as_u64(), 0);
        // Before the first event that sets one, no bound is drawn.
        let first = ev
            .iter()
            .position(|e| matches!(e, Event::UnmapRegion { .. }));
        assert!(bounds(&ev[..first.unwrap()], usize::MAX).is_empty());
    }

    #[test]
    fn a_ceiling_masked_to_0_is_typed_masked_and_not_top() {
        let sim = preset("miller-ceiling");
        let ev = &sim.outcomes.last().unwrap().events;
        let i = ev
            .iter()
            .position(|e| matches!(e, Event::CeilingMasked { .. }))
            .unwrap();
        let c = get(&bounds(ev, i), BoundName::Ceiling);
        assert!(c.addr.is_zero() && c.masked() && !c.is_top());
        assert!(c.to_string().contains("NOT top"), "{c}");
        // A 0 as passed (no next vma) is the top.
        let passed = Bound {
            origin: Origin::FreePgtables,
            ..c
        };
        assert!(passed.is_top() && !passed.masked());
        assert!(passed.to_string().contains("(top)"), "{passed}");
    }
}
