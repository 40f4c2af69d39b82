//! The decision each trace event records, spelled out in words with its values (the event's
//! own text is the kernel expression; this says what it means).

use super::axis::level_size_name;
use super::units::human_size;
use freepgt::trace::{CeilingSource, EarlyReturn};
use freepgt::{Arch, Event, FreeTest, KeepReason, Kernel, Level, VirtAddr};

/// Why a table was freed: the test it passed, with its values.
fn freed(arch: &Arch, level: Level, base: VirtAddr, test: &FreeTest) -> String {
    let span = arch.table_span(level);
    match test {
        FreeTest::Trimmed => format!(
            "{level} table {base} maps the {} block [{base}, {:#x}), which meets the trimmed range: freed (the trims already kept the blocks shared with floor and ceiling).",
            level_size_name(Level::Pmd).trim_end_matches("_SIZE"),
            base.as_u64().wrapping_add(span)
        ),
        FreeTest::Aligned { start, end } => format!(
            "2.6.11 clear_page_range frees a table only when the cleared range covers its whole span (\"Only clear full, aligned ranges\"): [{start}, {end}) is aligned to {level} table {base}'s span ({}) at both ends, so it is freed.",
            human_size(span as u128)
        ),
        FreeTest::WithinFloorCeiling { start, floor, end, ceiling_masked } => {
            let mask = level.table_mask_name();
            let ceil = match ceiling_masked {
                None => "ceiling = 0 (top): no upper limit".to_string(),
                Some(c) => format!(
                    "ceiling & {mask} = {c} (not 0), and end - 1 = {:#x} <= (ceiling & {mask}) - 1 = {:#x}",
                    arch.minus_one(*end),
                    arch.minus_one(*c)
                ),
            };
            format!(
                "{level} table {base} spans {} from {base}: start & {mask} = {start} >= floor = {floor}; {ceil}. No remaining vma can use it: freed.",
                human_size(span as u128),
            )
        }
    }
}

/// The decision an event records, spelled out with its values (the event's own text is the
/// kernel expression; this says what it means). Empty for events that need no words.
pub fn spell(arch: &Arch, kernel: Kernel, events: &[Event], i: usize) -> String {
    let Some(e) = events.get(i) else {
        return String::new();
    };
    let pmd = arch.size(Level::Pmd);
    // 2.6.11 frees by clear_page_range over [first, last) instead of free_pgtables.
    let old = kernel == Kernel::V2_6_11;
    let batch = arch.vpte.map_or(0, |v| v.batch_nr);
    match e {
        Event::UnmapRegion { .. } if old => "2.6.11's free_pgtables does not use this floor and ceiling: it computes first and last itself, from prev and the next vma.".into(),
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
        Event::TableFreed { level, base, test } => freed(arch, *level, *base, test),
        Event::TableKept { level, reason, .. } => {
            let span = level_size_name(level.upper().unwrap_or(Level::Pgd));
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
                    "sparc64 demaps the VPTE page of each PMD block in [{}, {}) (s = start & PMD_MASK, e = (end + PMD_SIZE - 1) & PMD_MASK): {} page(s), queued behind the {} pte address(es) the zap left in the per-cpu batch: {} flush(es) of up to {batch}.",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Sim;

    fn preset(id: &str) -> Sim {
        Sim::from_text(&freepgt::presets::find(id).unwrap().text()).unwrap()
    }

    fn first_freed(sim: &Sim) -> String {
        let ev = &sim.outcomes.last().unwrap().events;
        let i = ev
            .iter()
            .position(|e| matches!(e, Event::TableFreed { .. }))
            .unwrap();
        spell(sim.arch().unwrap(), sim.kernel(), ev, i)
    }

    #[test]
    fn a_2_6_11_trace_is_explained_as_2_6_11() {
        assert!(first_freed(&preset("lone-2.6.11")).contains("clear_page_range"));
        assert!(first_freed(&preset("lone-2.6.12")).contains("trimmed range"));
    }

    #[test]
    fn every_event_of_every_preset_spells() {
        for p in freepgt::presets::ALL.iter().filter(|p| p.id != "large") {
            let sim = preset(p.id);
            for o in &sim.outcomes {
                for (i, e) in o.events.iter().enumerate() {
                    let words = spell(sim.arch().unwrap(), sim.kernel(), &o.events, i);
                    // Every decision is put in words.
                    if matches!(
                        e,
                        Event::TableFreed { .. } | Event::TableKept { .. } | Event::Flush(_)
                    ) {
                        assert!(!words.is_empty(), "{}: {e}", p.id);
                    }
                }
            }
        }
    }

    #[test]
    fn sparc64_flush_words_name_the_arch_batch() {
        let sim = preset("sparc64-hole-edge");
        let o = sim
            .outcomes
            .iter()
            .find(|o| o.events.iter().any(|e| matches!(e, Event::Flush(_))))
            .unwrap();
        let i = o
            .events
            .iter()
            .position(|e| matches!(e, Event::Flush(_)))
            .unwrap();
        let words = spell(sim.arch().unwrap(), sim.kernel(), &o.events, i);
        assert!(words.contains("of up to 192."), "{words}");
        assert!(words.contains("queued behind the"), "{words}");
    }
}
