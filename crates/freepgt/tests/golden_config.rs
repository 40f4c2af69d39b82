//! Golden tests for the header settings `config preempt|nopreempt` (sparc64's exact TLB
//! batch) and `max_map_count N`, each expected report derived by hand in its comment.

mod common;

use common::expect_last;
use freepgt::report::{report, ReportOptions};
use freepgt::{AddrRange, ArchId, Kernel, Mm, Op, VirtAddr};

/// One vma of 191 8 KiB pages across the 8 MiB boundary 0x800000, every page touched, then
/// munmapped whole.
const VMA_191: &str = "vma 738000 8b6000\ntouch 738000 8b6000\nmunmap 738000 8b6000\n";

#[test]
fn sparc64_zap_leaves_its_ptes_queued_without_preempt() {
    // the book, docs/src/sparc64-flush.md's example. unmap_vmas clears 191 valid ptes, each queued by
    // tlb_batch_add; 191 pages < ZAP_BLOCK_SIZE (1024 pages without CONFIG_PREEMPT, the
    // 2.6.12 sparc64 defconfig), so no tlb_finish_mmu ran and 191 % 192 = 191 stay queued.
    // free_pgd_range(0x738000, 0x8b6000, 0, 0): addr 0; pmd entries 0 and 1: ptes 0x0 and
    // 0x800000, then pmd 0x0 (ceiling 0). flush(0x0, 0x8b6000): s 0, e 0x1000000: 2 VPTE
    // pages; 191 + 2 = 193 entries: one flush at 192, one for the last: batches 2 (the old
    // empty-batch count said 1).
    expect_last(
        &format!("arch sparc64\n{VMA_191}"),
        "> munmap 0x738000 0x8b6000
free pte 0x0
free pte 0x800000
free pmd 0x0
flush 0x0 0x8b6000
vpte_pages 2 batches 2
visits pgd=1 pud=1 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
    // The default is nopreempt: saying so changes nothing.
    expect_last(
        &format!("arch sparc64\nconfig nopreempt\n{VMA_191}"),
        "> munmap 0x738000 0x8b6000
free pte 0x0
free pte 0x800000
free pmd 0x0
flush 0x0 0x8b6000
vpte_pages 2 batches 2
visits pgd=1 pud=1 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn sparc64_preempt_flushes_every_8_pages() {
    // ZAP_BLOCK_SIZE 8 pages: tlb_finish_mmu after 23 full blocks (184 pages) empties the
    // batch; the last 191 % 8 = 7 ptes stay queued: 7 + 2 = 9 entries, 1 batch.
    expect_last(
        &format!("arch sparc64\nconfig preempt\n{VMA_191}"),
        "> munmap 0x738000 0x8b6000
free pte 0x0
free pte 0x800000
free pmd 0x0
flush 0x0 0x8b6000
vpte_pages 2 batches 1
visits pgd=1 pud=1 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn only_valid_ptes_are_queued() {
    // 101 of the 191 pages touched ((0x800000 - 0x738000) / 8 KiB = 100, and 0x800000):
    // 101 queued + 2 = 103 entries, 1 batch.
    expect_last(
        "arch sparc64\nvma 738000 8b6000\ntouch 738000 800000\ntouch 800000\nmunmap 738000 8b6000\n",
        "> munmap 0x738000 0x8b6000
free pte 0x0
free pte 0x800000
free pmd 0x0
flush 0x0 0x8b6000
vpte_pages 2 batches 1
visits pgd=1 pud=1 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn sparc64_2_6_11_flush_also_starts_with_the_queue() {
    // 2.6.11: first = 0x738000 & PGDIR_MASK(16 GiB) = 0, last = 0x8b6000 + 16 GiB - 1 =
    // 0x4008b5fff. clear_page_range frees pte 0x0 and 0x800000 (aligned 8 MiB sub-ranges of
    // [0, 16 GiB)) and pmd 0x0 ([0, 16 GiB) is PGDIR aligned); slot 1's sub-range is empty
    // (no pmd table). flush(0x0, 0x4008b5fff): e rounds up to 0x401000000: 2050 VPTE pages.
    // 191 queued: ceil(2241 / 192) = 12 batches (11 with an empty batch: ceil(2050 / 192)).
    let (out, err) = report(
        &format!("arch sparc64\nkernel 2.6.11\n{VMA_191}"),
        ReportOptions::default(),
    );
    assert!(err.is_none());
    assert!(
        out.ends_with(
            "free pte 0x0\nfree pte 0x800000\nfree pmd 0x0\nflush 0x0 0x4008b5fff\nvpte_pages 2050 batches 12\ntables pte=0 pmd=0 pud=0\n"
        ),
        "{out}"
    );
    // With preempt, 7 queued: ceil(2057 / 192) = 11.
    let (out, _) = report(
        &format!("arch sparc64\nkernel 2.6.11\nconfig preempt\n{VMA_191}"),
        ReportOptions::default(),
    );
    assert!(out.contains("vpte_pages 2050 batches 11\n"), "{out}");
}

#[test]
fn split_vma_refused_at_max_map_count() {
    // Two vmas, max_map_count 2: munmap inside the first needs split_vma at 0x401000, and
    // split_vma fails when map_count (2) >= max_map_count (2): ENOMEM, nothing unmapped,
    // nothing freed or flushed; the scenario goes on.
    expect_last(
        "arch x86_64\nmax_map_count 2\nvma 400000 404000\nvma 600000 601000\ntouch 400000 404000\nmunmap 401000 402000\n",
        "> munmap 0x401000 0x402000
ENOMEM split_vma map_count=2
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=1 pud=1
",
    );
}

#[test]
fn the_lower_split_stays_when_the_upper_one_fails() {
    // max_map_count 3, two vmas. munmap [0x401000, 0x402000): the lower split (map_count 2 <
    // 3) makes [0x400000, 0x401000) and [0x401000, 0x404000); the upper one at 0x402000 then
    // finds map_count 3 >= 3: ENOMEM map_count=3, and do_munmap returns with the lower split
    // in place.
    let text = "arch x86_64\nmax_map_count 3\nvma 400000 404000\nvma 600000 601000\ntouch 400000 404000\nmunmap 401000 402000\n";
    expect_last(
        text,
        "> munmap 0x401000 0x402000
ENOMEM split_vma map_count=3
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=1 pud=1
",
    );
    // The split stayed, so unmapping [0x400000, 0x401000) needs no split now and succeeds:
    // prev none (floor 0), next [0x401000, 0x404000) (ceiling 0x401000): ceiling & PMD_MASK
    // = 0x400000, end 0x401000 - 2 MiB = 0x201000 < addr 0x400000: nothing freed, no flush.
    expect_last(
        &format!("{text}munmap 400000 401000\n"),
        "> munmap 0x400000 0x401000
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=1 pud=1
",
    );
    let mut mm = Mm::new(ArchId::X86_64, Kernel::V2_6_12, VirtAddr::ZERO).unwrap();
    let r = |s, e| AddrRange::new(VirtAddr::new(s), VirtAddr::new(e));
    // The same through the API, with the limit set by the scenario header.
    let s = freepgt::Scenario::parse(text).unwrap();
    let (m, err) = freepgt::run(&s, |_| {});
    assert!(err.is_none());
    let vmas: Vec<_> = m.unwrap().vmas().iter().map(|v| v.range()).collect();
    assert_eq!(
        vmas,
        [
            r(0x400000, 0x401000),
            r(0x401000, 0x404000),
            r(0x600000, 0x601000)
        ]
    );
    // And the default limit (65536) lets the same munmap through.
    for op in [
        Op::Vma {
            range: r(0x400000, 0x404000),
            name: None,
        },
        Op::Munmap {
            range: r(0x401000, 0x402000),
        },
    ] {
        mm.apply(&op).unwrap();
    }
    assert_eq!(mm.vmas().len(), 2);
}
