//! `flush_tlb_pgtables(mm, start, end)` accounting (the book, docs/src/sparc64-flush.md).
//!
//! Only sparc64 has a body that depends on the range: it demaps the VPTE pages that cache the
//! lowest page-table level in a linear virtually mapped array. The cost is computed
//! arithmetically: a vma ending at the hole edge makes the loop run about 2^51 times.

use crate::addr::VirtAddr;
use crate::arch::{Arch, Level};
use crate::trace::{FlushCall, VpteCost};

/// Models `flush_tlb_pgtables` (arch/sparc64/mm/tlb.c in 2.6.12) for one call.
///
/// ```text
/// s  = start & PMD_MASK              e  = (end + PMD_SIZE - 1) & PMD_MASK
/// vs = VPTE_BASE + (s >> 10)         ve = VPTE_BASE + (e >> 10)      (signed shifts)
/// if ve < vs: swap                   "straddles the VA space hole"
/// pages = (ve - vs) / PAGE_SIZE      batches = ceil((queued + pages) / TLB_BATCH_NR)
/// ```
///
/// `queued` is how many addresses the per-cpu batch already holds on entry: what the zap's
/// `tlb_batch_add`s left pending (see [`zap_leaves_queued`]). The loop adds one address per
/// VPTE page and flushes whenever TLB_BATCH_NR are queued, then flushes the rest, so the call
/// makes `ceil((queued + pages) / TLB_BATCH_NR)` flushes and leaves the batch empty.
pub fn flush_tlb_pgtables(arch: &Arch, start: VirtAddr, end: VirtAddr, queued: u64) -> FlushCall {
    let mut call = flush_at_granularity(arch, start, end, Level::Pmd);
    if let (Some(c), Some(spec)) = (call.vpte.as_mut(), arch.vpte) {
        c.queued = queued;
        // u128: pages can be about 2^51 at the hole edge; the sum stays far below 2^64, but
        // the division is done without any chance of overflow.
        c.batches = ((queued as u128 + c.pages as u128).div_ceil(spec.batch_nr as u128)) as u64;
    }
    call
}

/// How many addresses sparc64's per-cpu TLB batch holds when unmap_vmas returns.
///
/// Every valid pte the zap clears goes through `set_pte_at` -> `tlb_batch_add`, which queues
/// its address and calls `flush_tlb_pending()` at TLB_BATCH_NR. unmap_vmas zaps in blocks of
/// ZAP_BLOCK_SIZE bytes, counted across vmas, and after each full block calls
/// `tlb_finish_mmu`, which flushes the batch. So what is left is the ptes cleared in the
/// last, partial block, modulo TLB_BATCH_NR. `tail_ptes` is the number of present ptes in the
/// last `span % ZAP_BLOCK_SIZE` bytes of the zapped span (0 if the span is a whole number of
/// blocks).
pub fn zap_leaves_queued(arch: &Arch, tail_ptes: u64) -> u64 {
    match arch.vpte {
        Some(spec) => tail_ptes % spec.batch_nr,
        None => 0,
    }
}

/// The same VPTE demap with the range rounded to `granularity` instead of PMD_SIZE: with
/// [`Level::Pgd`] this is the cost of the alternative the commit message asks about ("do we
/// really have to flush every PGDIR_SIZE ever partially occupied?"). David Miller answered
/// that the PMD-sized range is enough; 2.6.12 flushes at PMD granularity.
pub fn flush_at_granularity(
    arch: &Arch,
    start: VirtAddr,
    end: VirtAddr,
    granularity: Level,
) -> FlushCall {
    let vpte = arch.vpte.map(|spec| {
        let size = arch.size(granularity);
        let mask = arch.mask(granularity);
        let s = start.as_u64() & mask;
        let e = end.as_u64().wrapping_add(size - 1) & mask;
        // vpte_base + (s >> (PAGE_SHIFT - 3)) with s a signed long: high-half addresses map
        // below vpte_base, low-half ones above it.
        let shift = arch.page_shift - 3;
        let vs0 = spec.base.wrapping_add(((s as i64) >> shift) as u64);
        let ve0 = spec.base.wrapping_add(((e as i64) >> shift) as u64);
        let swapped = ve0 < vs0;
        let (vs, ve) = if swapped { (ve0, vs0) } else { (vs0, ve0) };
        let pages = (ve - vs) / arch.page_size();
        VpteCost {
            s: VirtAddr::new(s),
            e: VirtAddr::new(e),
            vs: VirtAddr::new(vs),
            ve: VirtAddr::new(ve),
            swapped,
            pages,
            queued: 0,
            batches: pages.div_ceil(spec.batch_nr),
        }
    });
    FlushCall { start, end, vpte }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::{SPARC64, X86_64};

    fn cost(start: u64, end: u64) -> VpteCost {
        flush_tlb_pgtables(&SPARC64, VirtAddr::new(start), VirtAddr::new(end), 0)
            .vpte
            .unwrap()
    }

    #[test]
    fn one_pmd_block_is_one_vpte_page() {
        let c = cost(0x10000, 0x12000);
        assert_eq!((c.pages, c.batches, c.swapped), (1, 1, false));
        assert_eq!(c.vs.as_u64(), 0xfffffffe00000000);
    }

    #[test]
    fn high_half_maps_below_the_base() {
        let c = cost(0xfffff80000000000, 0xfffff80000800000);
        assert_eq!(c.vs.as_u64(), 0xfffffffe00000000 - (1u64 << 33));
        assert_eq!((c.pages, c.swapped), (1, false));
    }

    #[test]
    fn hole_edge_wraps_to_about_2_pow_51() {
        // The last PMD block below 2^43: e = 2^43, ve = base + 2^33 wraps to 0.
        let c = cost(0x7ffff800000, 0x80000000000);
        assert!(c.swapped);
        assert_eq!(c.vs.as_u64(), 0);
        assert_eq!(c.pages, (1u64 << 51) - 1);
        assert_eq!(c.batches, ((1u64 << 51) - 1).div_ceil(192));
    }

    #[test]
    fn pgdir_granularity_flushes_the_whole_16g_slot() {
        // One 8 MiB block at PMD granularity, 2048 VPTE pages (11 batches) at PGDIR's.
        let c = flush_at_granularity(
            &SPARC64,
            VirtAddr::new(0x10000),
            VirtAddr::new(0x12000),
            Level::Pgd,
        )
        .vpte
        .unwrap();
        assert_eq!((c.pages, c.batches), (2048, 11));
    }

    #[test]
    fn queued_entries_share_the_first_batch() {
        // the book, docs/src/sparc64-flush.md: 191 queued + 2 VPTE pages = 193 entries, 2 flushes; 7 + 2
        // fit one.
        let two_pages = |q| {
            flush_tlb_pgtables(
                &SPARC64,
                VirtAddr::new(0x7fe000),
                VirtAddr::new(0x800000 + 0x2000),
                q,
            )
            .vpte
            .unwrap()
        };
        assert_eq!(two_pages(0).pages, 2);
        assert_eq!(two_pages(191).batches, 2);
        assert_eq!(two_pages(7).batches, 1);
        assert_eq!(zap_leaves_queued(&SPARC64, 191), 191);
        assert_eq!(zap_leaves_queued(&SPARC64, 192 + 5), 5);
        assert_eq!(zap_leaves_queued(&X86_64, 191), 0);
    }

    #[test]
    fn x86_64_body_is_empty() {
        assert!(
            flush_tlb_pgtables(&X86_64, VirtAddr::new(0), VirtAddr::new(0x1000), 0)
                .vpte
                .is_none()
        );
    }
}
