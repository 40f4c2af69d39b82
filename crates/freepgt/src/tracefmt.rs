//! Human-readable rendering of trace events, with the kernel's expressions and hex values
//! (e.g. `end - 1 = 0x402fff > ceiling - 1 = 0x3fffff -> end -= PMD_SIZE`). Used by the CLI's
//! `--trace` and by the playground's explanations.

use crate::trace::{CeilingSource, EarlyReturn, Event, KeepReason};
use std::fmt;

fn ranges(rs: &[crate::AddrRange]) -> String {
    rs.iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Event {
    /// Nesting depth for indented display: operation 0, free_pgtables 1, group 2,
    /// free_pgd_range steps 3, table decisions 4.
    pub fn depth(&self) -> usize {
        match self {
            Event::FreePgtables { .. } | Event::OldFreePgtables { .. } | Event::ZapPtes { .. } => 1,
            Event::Gather { .. } | Event::ClearPageRange { .. } => 2,
            Event::FreePgdRange { .. } => 2,
            Event::FloorTrim { .. }
            | Event::CeilingMasked { .. }
            | Event::CeilingTrim { .. }
            | Event::EarlyReturn { .. }
            | Event::Walk { .. }
            | Event::Flush(_) => 3,
            Event::TableVisit { .. }
            | Event::TableFreed { .. }
            | Event::FreeOwnedByPgd { .. }
            | Event::TableKept { .. } => 4,
            _ => 0,
        }
    }
}

impl KeepReason {
    /// The test as the kernel writes it, with `mask` the name of the tested level's mask.
    fn write_with(&self, f: &mut fmt::Formatter<'_>, mask: &str) -> fmt::Result {
        match self {
            KeepReason::BelowFloor { start, floor } => {
                write!(f, "start & {mask} = {start} < floor = {floor}")
            }
            KeepReason::CeilingMasksToZero { ceiling } => {
                write!(f, "ceiling {ceiling} & {mask} = 0")
            }
            KeepReason::EndAboveCeiling {
                end,
                ceiling_masked,
            } => write!(
                f,
                "end - 1 = {:#x} > (ceiling & {mask}) - 1 = {:#x}",
                end.minus_one(),
                ceiling_masked.minus_one()
            ),
            KeepReason::NotAligned { start, end } => {
                write!(f, "[{start}, {end}) is not aligned to the table's span")
            }
        }
    }
}

impl fmt::Display for KeepReason {
    /// The test with the generic `MASK` (a kept table's event names its level's mask).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_with(f, "MASK")
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::VmaMapped { range } => write!(f, "vma {range} mapped"),
            Event::TableAllocated { level, base } => write!(f, "fault allocates {level} table {base}"),
            Event::PagesFaulted {
                range,
                pages,
                new_ptes,
            } => write!(f, "fault {range}: {pages} page(s), {new_ptes} new pte(s)"),
            Event::MunmapNothing { range } => write!(
                f,
                "do_munmap {range}: no vma in range, returns before unmap_region (no free, no flush)"
            ),
            Event::SplitVmaEnomem { at, map_count } => write!(
                f,
                "split_vma at {at}: map_count {map_count} >= sysctl_max_map_count, -ENOMEM; \
                 do_munmap returns without unmapping"
            ),
            Event::SplitVma { at, lower, upper } => {
                write!(f, "split_vma at {at}: {lower} + {upper}")
            }
            Event::DetachVmas { vmas } => {
                write!(f, "detach_vmas_to_be_unmapped: {}", ranges(vmas))
            }
            Event::DriverFault { range } => write!(
                f,
                "do_mmap_pgoff: the driver faults in {range}, then ->mmap() fails (vma never linked)"
            ),
            Event::UnmapRegion {
                range,
                prev,
                next,
                floor,
                ceiling,
            } => {
                write!(f, "unmap_region {range}: floor = ")?;
                match prev {
                    Some(p) => write!(f, "prev->vm_end = {}", p.end)?,
                    None => write!(f, "FIRST_USER_ADDRESS = {floor}")?,
                }
                f.write_str(", ceiling = ")?;
                match next {
                    Some(n) => write!(f, "next->vm_start = {}", n.start),
                    None => write!(f, "{ceiling} (no next vma: top)"),
                }
            }
            Event::ZapPtes { range, cleared } => write!(f, "zap {range}: {cleared} pte(s) cleared"),
            Event::ExitMmap { vmas } => write!(
                f,
                "exit_mmap: {vmas} vma(s), full-mm gather (no flush_tlb_pgtables)"
            ),
            Event::FreePgtables {
                floor,
                ceiling,
                vmas,
            } => write!(f, "free_pgtables(floor={floor}, ceiling={ceiling}) over {vmas} vma(s)"),
            Event::Gather {
                vmas,
                ceiling,
                source,
            } => {
                write!(f, "group {} ({} vma(s), gaps <= PMD_SIZE): ceiling = {ceiling}", ranges(vmas), vmas.len())?;
                match source {
                    CeilingSource::NextInList => f.write_str(" (next vma in the list)"),
                    CeilingSource::Caller => f.write_str(" (caller's ceiling)"),
                }
            }
            Event::FreePgdRange {
                addr,
                end,
                floor,
                ceiling,
            } => write!(
                f,
                "free_pgd_range(addr={addr}, end={end}, floor={floor}, ceiling={ceiling})"
            ),
            Event::FloorTrim {
                masked,
                floor,
                addr,
            } => write!(
                f,
                "addr & PMD_MASK = {masked} < floor = {floor} -> addr += PMD_SIZE = {addr}"
            ),
            Event::CeilingMasked { ceiling, masked } => {
                write!(f, "ceiling {ceiling} & PMD_MASK = {masked}")
            }
            Event::CeilingTrim {
                end,
                ceiling,
                new_end,
            } => write!(
                f,
                "end - 1 = {:#x} > ceiling - 1 = {:#x} -> end -= PMD_SIZE = {new_end}",
                end.minus_one(),
                ceiling.minus_one()
            ),
            Event::EarlyReturn { reason } => match reason {
                EarlyReturn::AddrWrapped => f.write_str("addr wrapped to 0: return (no flush)"),
                EarlyReturn::CeilingMasksToZero => {
                    f.write_str("ceiling & PMD_MASK = 0: return (no flush)")
                }
                EarlyReturn::NothingLeft { addr, end } => write!(
                    f,
                    "addr = {addr} > end - 1 = {:#x}: nothing to free, return (no flush)",
                    end.minus_one()
                ),
            },
            Event::Walk { addr, end } => write!(f, "walk [{addr}, {end})"),
            Event::TableVisit { level, base, range } => {
                write!(f, "walk {level} table {base} over {range}")
            }
            Event::TableFreed { level, base, .. } => write!(f, "free {level} table {base}"),
            Event::FreeOwnedByPgd { level, base } => write!(
                f,
                "{level} table {base} passes the tests, but pud_clear() and pmd_free_tlb() do \
                 nothing here: it belongs to the pgd (pgd_alloc allocated it, pgd_free frees \
                 it), so nothing is freed"
            ),
            Event::TableKept {
                level,
                base,
                reason,
            } => {
                write!(f, "keep {level} table {base}: ")?;
                reason.write_with(f, level.table_mask_name())
            }
            Event::Flush(call) => {
                write!(f, "flush_tlb_pgtables({}, {})", call.start, call.end)?;
                match call.vpte {
                    Some(c) => {
                        write!(
                            f,
                            ": VPTE [{}, {}) = {} page(s), {} batch(es)",
                            c.vs, c.ve, c.pages, c.batches
                        )?;
                        if c.swapped {
                            f.write_str(" [swap fired: \"straddles the VA space hole\"]")?;
                        }
                        Ok(())
                    }
                    None => f.write_str(": empty body on this arch"),
                }
            }
            Event::OldFreePgtables {
                prev,
                next_start,
                first,
                last,
                clears,
            } => {
                write!(f, "2.6.11 free_pgtables: first = {first}, last = {last}")?;
                if let Some(p) = prev {
                    write!(f, " (prev {p})")?;
                }
                if let Some(n) = next_start {
                    write!(f, " (next starts {n})")?;
                }
                if !clears {
                    f.write_str(": same pte page or empty, nothing cleared")?;
                }
                Ok(())
            }
            Event::ClearPageRange { start, end } => {
                write!(f, "clear_page_range({start}, {end})")
            }
            Event::Bug(b) => write!(f, "BUG {b}"),
        }
    }
}

/// Renders a whole trace, one indented line per event.
pub fn render_trace(events: &[Event]) -> String {
    let mut s = String::new();
    for e in events {
        for _ in 0..e.depth() {
            s.push_str("  ");
        }
        s.push_str(&e.to_string());
        s.push('\n');
    }
    s
}
