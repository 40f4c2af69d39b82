//! View models for step-through, compare mode and the commit message's cases. Pure Rust:
//! everything here reads the core's trace (`Outcome::events`) and arranges or words it; no
//! simulation logic is repeated.

use crate::state::{Sim, TableKey};
use freepgt::flush::flush_at_granularity;
use freepgt::share::StepRef;
use freepgt::trace::{CeilingSource, EarlyReturn};
use freepgt::{Arch, Event, FlushCall, KeepReason, Level, VirtAddr};

/// The step shown: an op (index into `sim.ops`) and optionally one event of its trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// Index into `sim.ops` / `sim.outcomes`.
    pub op: usize,
    /// Index into that op's events; `None` = the op as a whole (nothing highlighted).
    pub event: Option<usize>,
}

/// Where a `StepRef` points in this sim: `None` = the last op. A header command or an index
/// past the end is clamped to the nearest op; an event index past the end to the last event.
pub fn cursor(sim: &Sim, step: Option<StepRef>) -> Option<Cursor> {
    let n = sim.outcomes.len();
    if n == 0 {
        return None;
    }
    let Some(st) = step else {
        return Some(Cursor {
            op: n - 1,
            event: None,
        });
    };
    let op = st.command.saturating_sub(sim.header_lines()).min(n - 1);
    let len = sim.outcomes[op].events.len();
    Some(Cursor {
        op,
        event: st.event.filter(|_| len > 0).map(|e| e.min(len - 1)),
    })
}

/// A step-through move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    /// The next event (at the end of an op: the next op's first event).
    Next,
    /// The previous event (at the start of an op: the previous op's last event).
    Prev,
    /// The op's first event.
    Start,
    /// The op's last event.
    End,
    /// The next op (as a whole).
    NextOp,
    /// The previous op.
    PrevOp,
}

/// The step after a move, as the `StepRef` to dispatch (`None`: nowhere to go).
pub fn nav(sim: &Sim, at: Cursor, how: Nav) -> Option<StepRef> {
    let n = sim.outcomes.len();
    let len = |op: usize| sim.outcomes[op].events.len();
    let to = |op: usize, event: Option<usize>| {
        Some(StepRef {
            command: sim.header_lines() + op,
            event,
        })
    };
    match how {
        Nav::Next => match at.event {
            None if len(at.op) > 0 => to(at.op, Some(0)),
            Some(e) if e + 1 < len(at.op) => to(at.op, Some(e + 1)),
            _ => (at.op + 1 < n).then(|| to(at.op + 1, Some(0)))?,
        },
        Nav::Prev => match at.event {
            Some(e) if e > 0 => to(at.op, Some(e - 1)),
            _ if at.op > 0 => to(at.op - 1, len(at.op - 1).checked_sub(1)),
            _ => None,
        },
        Nav::Start => to(at.op, (len(at.op) > 0).then_some(0)),
        Nav::End => to(at.op, len(at.op).checked_sub(1)),
        Nav::NextOp => (at.op + 1 < n).then(|| to(at.op + 1, None))?,
        Nav::PrevOp => (at.op > 0).then(|| to(at.op - 1, None))?,
    }
}

/// The table an event is about, if any (highlighted in the tree and on the axis).
pub fn table_of(e: &Event) -> Option<TableKey> {
    match e {
        Event::TableVisit { level, base, .. }
        | Event::TableFreed { level, base }
        | Event::TableKept { level, base, .. }
        | Event::FreeOwnedByPgd { level, base }
        | Event::TableAllocated { level, base }
        | Event::Bug(freepgt::Bug::FreedWithLiveEntries { level, base, .. })
        | Event::Bug(freepgt::Bug::FreedCoveringVma { level, base }) => {
            Some((*level, base.as_u64()))
        }
        _ => None,
    }
}

/// One of the four bounds drawn on the axis at a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// `floor`, `ceiling`, `addr` or `end`.
    pub name: &'static str,
    /// The value (for a ceiling or end of 0: the top of the address space).
    pub addr: u64,
    /// How the value was reached, e.g. `ceiling & PMD_MASK`.
    pub how: String,
}

impl Marker {
    /// A `ceiling`/`end` of 0 as passed means the top of the address space; one that only
    /// became 0 by masking does not (that is the case the `if (!ceiling) return` guards).
    pub fn is_top(&self) -> bool {
        self.addr == 0 && matches!(self.name, "ceiling" | "end") && !self.how.contains("MASK")
    }

    /// `name = value (how)`.
    pub fn label(&self) -> String {
        let note = if self.is_top() {
            " (top)"
        } else if self.addr == 0 && self.name == "ceiling" {
            " (masked to 0: NOT top — the guard returns)"
        } else {
            ""
        };
        format!("{} = {:#x}{note} ({})", self.name, self.addr, self.how)
    }
}

/// The floor, ceiling, addr and end in force at event `upto` of a trace, from the nearest
/// preceding events that set them (`unmap_region`, `free_pgtables`, a gathered group,
/// `free_pgd_range` and its trims, the walk, a table kept at a higher level, and 2.6.11's
/// `first`/`last`).
pub fn markers(events: &[Event], upto: usize) -> Vec<Marker> {
    let mut m: [Option<(u64, String)>; 4] = Default::default();
    let (fl, ce, ad, en) = (0, 1, 2, 3);
    let mut set = |i: usize, a: VirtAddr, how: &str| m[i] = Some((a.as_u64(), how.to_string()));
    for e in events.iter().take(upto.saturating_add(1)) {
        match e {
            Event::UnmapRegion { floor, ceiling, .. } => {
                set(
                    fl,
                    floor.addr(),
                    "unmap_region: prev->vm_end or FIRST_USER_ADDRESS",
                );
                set(ce, ceiling.addr(), "unmap_region: next->vm_start, or 0");
            }
            Event::FreePgtables { floor, ceiling, .. } => {
                set(fl, floor.addr(), "free_pgtables floor");
                set(ce, ceiling.addr(), "free_pgtables ceiling");
            }
            Event::Gather {
                ceiling, source, ..
            } => set(
                ce,
                ceiling.addr(),
                match source {
                    CeilingSource::NextInList => "next vma's vm_start",
                    CeilingSource::Caller => "the caller's ceiling",
                },
            ),
            Event::FreePgdRange {
                addr,
                end,
                floor,
                ceiling,
            } => {
                set(ad, *addr, "as passed to free_pgd_range");
                set(en, *end, "as passed to free_pgd_range");
                set(fl, floor.addr(), "as passed to free_pgd_range");
                set(ce, ceiling.addr(), "as passed to free_pgd_range");
            }
            Event::FloorTrim { addr, .. } => set(ad, *addr, "(addr & PMD_MASK) + PMD_SIZE"),
            Event::CeilingMasked { masked, .. } => set(ce, *masked, "ceiling & PMD_MASK"),
            Event::CeilingTrim { new_end, .. } => set(en, *new_end, "end -= PMD_SIZE"),
            Event::Walk { addr, end } => {
                set(ad, *addr, "trimmed, walked");
                set(en, *end, "trimmed, walked");
            }
            Event::TableKept {
                level,
                reason: KeepReason::EndAboveCeiling { ceiling_masked, .. },
                ..
            } => set(
                ce,
                *ceiling_masked,
                &format!("ceiling & {}", level.table_mask_name()),
            ),
            Event::TableKept {
                level,
                reason: KeepReason::BelowFloor { start, .. },
                ..
            } => set(ad, *start, &format!("start & {}", level.table_mask_name())),
            Event::OldFreePgtables { first, last, .. } => {
                set(ad, *first, "2.6.11 first");
                set(en, *last, "2.6.11 last");
            }
            Event::ClearPageRange { start, end } => {
                set(ad, *start, "clear_page_range start");
                set(en, *end, "clear_page_range end");
            }
            _ => {}
        }
    }
    ["floor", "ceiling", "addr", "end"]
        .into_iter()
        .zip(m)
        .filter_map(|(name, v)| v.map(|(addr, how)| Marker { name, addr, how }))
        .collect()
}

fn size_name(level: Level) -> &'static str {
    crate::model::level_size_name(level)
}

/// The decision an event records, spelled out with its values (the event's own text is the
/// kernel expression; this says what it means). Empty for events that need no words.
pub fn spell(arch: &Arch, events: &[Event], i: usize) -> String {
    let Some(e) = events.get(i) else {
        return String::new();
    };
    let pmd = arch.size(Level::Pmd);
    // A 2.6.11 trace: clear_page_range over [first, last) instead of free_pgtables.
    let old = events.iter().any(|e| {
        matches!(
            e,
            Event::OldFreePgtables { .. } | Event::ClearPageRange { .. }
        )
    });
    match e {
        Event::UnmapRegion { .. } if old => "2.6.11's free_pgtables does not use this floor and ceiling: it computes first and last itself, from prev and the next vma.".into(),
        Event::TableFreed { level, base } if old => format!(
            "2.6.11 clear_page_range frees a table only when the cleared range covers its whole span (\"Only clear full, aligned ranges\"): [{base}, {:#x}) is covered, so {level} table {base} is freed.",
            base.as_u64().wrapping_add(arch.table_span(*level))
        ),
        Event::UnmapRegion { floor, ceiling, .. } => format!(
            "free_pgtables may free no table that maps an address below floor {floor} or in the PMD block holding ceiling {ceiling}{}: those may belong to the vmas around the hole.",
            if ceiling.is_bounded() { "" } else { " (0 = the top of the address space: no limit)" }
        ),
        Event::ZapPtes { cleared, .. } => format!(
            "unmap_vmas clears {cleared} pte(s); the page tables themselves stay until free_pgtables."
        ),
        Event::FreePgtables { vmas, .. } => format!(
            "2.6.12 walks the {vmas} vma(s) being freed, not the whole address range: each group gets one free_pgd_range with the same floor, and the next vma's start as its ceiling."
        ),
        Event::Gather { vmas, ceiling, source } => format!(
            "{} vma(s) gathered: each next->vm_start <= vma->vm_end + PMD_SIZE ({:#x}), so one walk covers them. Ceiling {ceiling}: {}.",
            vmas.len(),
            pmd,
            match source {
                CeilingSource::NextInList => "the start of the next vma in the list",
                CeilingSource::Caller => "no vma follows in the list, so the caller's ceiling",
            }
        ),
        Event::FreePgdRange { addr, end, floor, ceiling } => format!(
            "Tables for [{addr}, {end}) may go, trimmed at PMD granularity so that the blocks shared with floor {floor} and ceiling {ceiling} are kept."
        ),
        Event::FloorTrim { masked, floor, addr } => format!(
            "The first PMD block [{masked}, {:#x}) also maps addresses below floor {floor}, which the previous vma may use: its pte table must stay, so the walk starts one block up, at {addr}.",
            masked.as_u64().wrapping_add(pmd)
        ),
        Event::CeilingMasked { ceiling, masked } => format!(
            "The ceiling rounds down to its PMD block: {ceiling} → {masked}. The block from {masked} up is shared with whatever starts at the ceiling."
        ),
        Event::CeilingTrim { end, ceiling, new_end } => format!(
            "The range's last PMD block (holding end - 1 = {:#x}) reaches the block at ceiling {ceiling}, which the next vma may still use: that pte table must stay, so end drops by PMD_SIZE to {new_end}.",
            end.minus_one()
        ),
        Event::EarlyReturn { reason } => match reason {
            EarlyReturn::AddrWrapped => "addr + PMD_SIZE wrapped past the top: nothing to free. Return before the walk, so no flush_tlb_pgtables.".into(),
            EarlyReturn::CeilingMasksToZero => "The ceiling lies in the lowest PMD block of the address space; masked it is 0, which would mean \"top\" (David Miller's fix): return, nothing freed, no flush.".into(),
            EarlyReturn::NothingLeft { addr, end } => format!(
                "After the trims no whole PMD block is left (addr {addr} > end - 1 = {:#x}): every block is shared with a neighbour. No walk, no flush_tlb_pgtables.",
                end.minus_one()
            ),
        },
        Event::Walk { addr, end } => format!(
            "Every PMD block meeting [{addr}, {end}) has its pte table freed (no test at pte level); pmd and pud tables are tested after their walk."
        ),
        Event::TableVisit { level, base, range } => format!(
            "Step the entries of {level} table {base} for {range} (each step counts as a walk visit)."
        ),
        Event::TableFreed { level: Level::Pte, base } => format!(
            "pte table {base} maps the PMD block [{base}, {:#x}), which meets the trimmed range: freed (the trims already kept the blocks shared with floor and ceiling).",
            base.as_u64().wrapping_add(pmd)
        ),
        Event::TableFreed { level, base } => {
            let mask = arch.table_mask(*level);
            let m = markers(events, i);
            let get = |n: &str| m.iter().find(|x| x.name == n).map_or(0, |x| x.addr);
            let (floor, ceiling) = (get("floor"), get("ceiling"));
            let start = base.as_u64();
            let ceil = if ceiling == 0 {
                "ceiling = 0 (top): no upper limit".to_string()
            } else {
                format!("ceiling & {} = {:#x} (not 0), and the walk ends below it", level.table_mask_name(), ceiling & mask)
            };
            format!(
                "{level} table {base} spans {} from {base}: start & {} = {start:#x} >= floor = {floor:#x}; {ceil}. No remaining vma can use it: freed.",
                crate::model::human_size(arch.table_span(*level) as u128),
                level.table_mask_name(),
            )
        }
        Event::TableKept { level, reason, .. } => {
            let span = size_name(level.upper().unwrap_or(Level::Pgd));
            match reason {
                KeepReason::BelowFloor { start, floor } => format!(
                    "The table's {span} block starts at {start}, below floor {floor}: it also maps the previous vma's side, so it stays."
                ),
                KeepReason::CeilingMasksToZero { ceiling } => format!(
                    "Ceiling {ceiling} lies in the first {span} block of the address space, so masked it is 0 — which would mean \"top\". The guard returns: the table stays (the next vma may use it)."
                ),
                KeepReason::EndAboveCeiling { end, ceiling_masked } => format!(
                    "The walk ends at {end}, past the {span} block of the ceiling ({ceiling_masked}): the next vma may still use this table, so it stays."
                ),
                KeepReason::NotAligned { start, end } => format!(
                    "2.6.11 clears only full, aligned ranges: [{start}, {end}) does not cover this table's whole span, so it stays."
                ),
            }
        }
        Event::Flush(c) => match c.vpte {
            None => format!("flush_tlb_pgtables is called, but its body is empty on {} (no page-table caches in the TLB): it costs nothing.", arch.id),
            Some(v) => {
                let mut s = format!(
                    "sparc64 demaps the VPTE page of each PMD block in [{}, {}) (s = start & PMD_MASK, e = (end + PMD_SIZE - 1) & PMD_MASK): {} page(s), queued behind the {} pte address(es) the zap left in the per-cpu batch: {} flush(es) of up to 192.",
                    v.s, v.e, v.pages, v.queued, v.batches
                );
                if v.swapped {
                    s.push_str(" ⚠ Derived from the arithmetic: ve came out below vs (the VPTE address wrapped), so the kernel swaps them (\"straddles the VA space hole\") and demaps everything between: the page count above.");
                }
                s
            }
        },
        Event::OldFreePgtables { first, last, .. } => format!(
            "2.6.11 frees by address range, not by vma: clear_page_range over [{first}, {last}) frees each table whose whole span lies inside, stepping every pgd slot in between and every entry of the tables present there."
        ),
        Event::ClearPageRange { start, end } => format!(
            "clear_page_range steps every pgd slot in [{start}, {end}) (present or not) and every entry of the pud and pmd tables present there, and frees only tables whose whole span lies inside."
        ),
        Event::FreeOwnedByPgd { level, base } => format!(
            "{level} table {base} passes the floor and ceiling tests, so free_pmd_range calls pud_clear and pmd_free_tlb, but on i386 PAE both are empty: the pmd tables belong to the pgd (pgd_alloc allocated them with the mm, pgd_free frees them). Nothing is freed."
        ),
        Event::ExitMmap { .. } => "exit_mmap tears the whole mm down: the mmu_gather is full-mm, so free_pgd_range skips flush_tlb_pgtables.".into(),
        Event::Bug(_) => "The kernel would BUG here (or silently leak or use a freed table).".into(),
        _ => String::new(),
    }
}

/// Each `flush_tlb_pgtables` call of an op (in kernel order) at PMD granularity (what 2.6.12
/// does) and at PGDIR granularity (the commit message's question).
pub fn flush_granularities(arch: &Arch, events: &[Event]) -> Vec<(FlushCall, FlushCall)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Flush(c) => Some((
                flush_at_granularity(arch, c.start, c.end, Level::Pmd),
                flush_at_granularity(arch, c.start, c.end, Level::Pgd),
            )),
            _ => None,
        })
        .collect()
}

/// The preset this sim is, if its canonical text equals a preset's.
///
/// Called on every scenario change, so it must be cheap on a big scenario: each preset's
/// command count and canonical text are computed once per page and cached, and only presets
/// with as many commands as the sim are compared.
pub fn preset_of(sim: &Sim) -> Option<&'static freepgt::presets::Preset> {
    use std::cell::RefCell;
    /// Per preset: its text's command count, and its canonical text once it was needed.
    type Entry = (usize, String, Option<String>);
    thread_local! {
        static CACHE: RefCell<Vec<Option<Entry>>> = const { RefCell::new(Vec::new()) };
    }
    let commands = sim.header_lines() + sim.ops.len();
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        c.resize(freepgt::presets::ALL.len(), None);
        freepgt::presets::ALL.iter().enumerate().find_map(|(i, p)| {
            let (n, text, canonical) = c[i].get_or_insert_with(|| {
                let text = p.text();
                let n = text
                    .lines()
                    .filter(|l| !l.split('#').next().unwrap_or("").trim().is_empty())
                    .count();
                (n, text, None)
            });
            if *n != commands {
                return None;
            }
            let canonical = canonical.get_or_insert_with(|| {
                freepgt::Scenario::parse(text).map_or(String::new(), |s| s.to_text())
            });
            (*canonical == sim.text).then_some(p)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset(id: &str) -> Sim {
        Sim::from_text(&freepgt::presets::find(id).unwrap().text()).unwrap()
    }

    #[test]
    fn cursor_and_nav_walk_every_event_in_order() {
        let sim = preset("gather");
        let last = cursor(&sim, None).unwrap();
        assert_eq!(last.op, sim.ops.len() - 1);
        assert_eq!(last.event, None);
        let start = nav(&sim, last, Nav::Start).unwrap();
        assert_eq!(start.command, sim.header_lines() + last.op);
        let mut at = cursor(&sim, Some(start)).unwrap();
        let mut seen = 1;
        while let Some(next) = nav(&sim, at, Nav::Next) {
            at = cursor(&sim, Some(next)).unwrap();
            seen += 1;
        }
        assert_eq!(seen, sim.outcomes[last.op].events.len());
        // Back from the first event of an op goes to the previous op's last event.
        let prev = nav(&sim, cursor(&sim, Some(start)).unwrap(), Nav::Prev).unwrap();
        let n = sim.outcomes[last.op - 1].events.len();
        assert_eq!(prev.event, Some(n - 1));
        // Out-of-range refs clamp.
        let c = cursor(
            &sim,
            Some(StepRef {
                command: 999,
                event: Some(999),
            }),
        )
        .unwrap();
        assert_eq!(c.op, last.op);
        assert_eq!(c.event, Some(sim.outcomes[last.op].events.len() - 1));
    }

    #[test]
    fn markers_follow_the_trims() {
        let sim = preset("gather");
        let ev = &sim.outcomes.last().unwrap().events;
        let i = ev
            .iter()
            .position(|e| matches!(e, Event::Walk { .. }))
            .unwrap();
        let m = markers(ev, i);
        let get = |n: &str| m.iter().find(|x| x.name == n).unwrap().addr;
        assert_eq!(get("addr"), 0x400000);
        assert_eq!(get("end"), 0x601000);
        assert_eq!(get("ceiling"), 0xa00000);
        assert_eq!(get("floor"), 0);
        // A ceiling masked to 0 is not the top.
        let sim = preset("miller-ceiling");
        let ev = &sim.outcomes.last().unwrap().events;
        let i = ev
            .iter()
            .position(|e| matches!(e, Event::CeilingMasked { .. }))
            .unwrap();
        let c = markers(ev, i)
            .into_iter()
            .find(|m| m.name == "ceiling")
            .unwrap();
        assert_eq!(c.addr, 0);
        assert!(
            !c.is_top() && c.label().contains("NOT top"),
            "{}",
            c.label()
        );
        // Every event of every preset spells without panicking, and table events name a table.
        for p in freepgt::presets::ALL.iter().filter(|p| p.id != "large") {
            let sim = preset(p.id);
            let arch = sim.header.arch.unwrap().arch();
            for o in &sim.outcomes {
                for (i, e) in o.events.iter().enumerate() {
                    let _ = spell(arch, &o.events, i);
                    if matches!(e, Event::TableFreed { .. } | Event::TableKept { .. }) {
                        assert!(table_of(e).is_some());
                    }
                }
            }
        }
    }

    #[test]
    fn a_2_6_11_trace_is_explained_as_2_6_11() {
        let sim = preset("lone-2.6.11");
        let arch = sim.header.arch.unwrap().arch();
        let ev = &sim.outcomes.last().unwrap().events;
        let i = ev
            .iter()
            .position(|e| matches!(e, Event::TableFreed { .. }))
            .unwrap();
        assert!(spell(arch, ev, i).contains("clear_page_range"));
        let sim = preset("lone-2.6.12");
        let ev = &sim.outcomes.last().unwrap().events;
        let i = ev
            .iter()
            .position(|e| matches!(e, Event::TableFreed { .. }))
            .unwrap();
        assert!(spell(arch, ev, i).contains("trimmed range"));
    }

    #[test]
    fn presets_are_recognised_and_sparc64_flushes_compare_granularities() {
        let sim = preset("sparc64-hole-edge");
        assert_eq!(preset_of(&sim).map(|p| p.id), Some("sparc64-hole-edge"));
        let arch = sim.header.arch.unwrap().arch();
        let any_swap = sim.outcomes.iter().any(|o| {
            flush_granularities(arch, &o.events)
                .iter()
                .any(|(p, _)| p.vpte.unwrap().swapped)
        });
        assert!(any_swap);
        assert!(preset_of(&Sim::from_text("arch x86_64\n").unwrap()).is_none());
    }
}
