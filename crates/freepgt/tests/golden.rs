//! Golden tests: the worked cases of the book (docs/src/patch, docs/src/reference.md), each
//! expected report derived by hand from the reference (the derivation is in the comments).
//! Only the lines after the last command's echo are compared unless stated otherwise.

use freepgt::presets;
use freepgt::report::{report, ReportOptions};

const ALL: ReportOptions = ReportOptions {
    visits: true,
    orphans: true,
};

/// Runs `text` and returns the report lines printed for its last command.
#[track_caller]
fn last_step(text: &str, opts: ReportOptions) -> String {
    let (out, err) = report(text, opts);
    assert!(err.is_none(), "unexpected error: {err:?}");
    let at = out.rfind("\n> ").expect("at least two commands") + 1;
    out[at..].to_string()
}

#[track_caller]
fn expect_last(text: &str, opts: ReportOptions, expected: &str) {
    assert_eq!(last_step(text, opts), expected, "scenario:\n{text}");
}

#[test]
fn format_doc_example_byte_for_byte() {
    // the book's reference (docs/src/reference.md) "Example": two vmas 6 MiB apart (> PMD_SIZE) give two
    // free_pgd_range calls; the first one's ceiling 0xa00000 masks to 0 with PUD_MASK, so its
    // pmd table is kept for the second call (ceiling 0), which frees it and the pud table.
    let text = "arch x86_64\nvma 400000 401000 text\nvma a00000 a01000\ntouch 400000\ntouch a00000\nmunmap 400000 a01000\n";
    let (out, err) = report(text, ReportOptions::default());
    assert!(err.is_none());
    assert_eq!(
        out,
        "> arch x86_64
> vma 0x400000 0x401000 text
tables pte=0 pmd=0 pud=0
> vma 0xa00000 0xa01000
tables pte=0 pmd=0 pud=0
> touch 0x400000
tables pte=1 pmd=1 pud=1
> touch 0xa00000
tables pte=2 pmd=1 pud=1
> munmap 0x400000 0xa01000
free pte 0x400000
free pte 0xa00000
free pmd 0x0
free pud 0x0
flush 0x400000 0x401000
flush 0xa00000 0xa01000
tables pte=0 pmd=0 pud=0
"
    );
}

#[test]
fn lone_vma_x86_64() {
    // free_pgd_range(0x400000, 0x401000, floor 0, ceiling 0): addr = 0x400000 (PMD aligned,
    // not below floor), no ceiling, so no trim. One pgd slot, one pud entry, one pmd entry:
    // pte 0x400000 freed; pmd test: 0 & PUD_MASK >= 0, ceiling 0 -> free pmd 0x0; the same
    // for pud 0x0. Flush (addr, end) as trimmed: (0x400000, 0x401000).
    expect_last(
        "arch x86_64\nvma 400000 401000\ntouch 400000\nmunmap 400000 401000\n",
        ALL,
        "> munmap 0x400000 0x401000
free pte 0x400000
free pmd 0x0
free pud 0x0
flush 0x400000 0x401000
visits pgd=1 pud=1 pmd=1
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn lone_vma_sparc64() {
    // PMD_SIZE 8 MiB, pud folded: addr = 0x10000 & PMD_MASK = 0. pgd slot 0 always enters
    // free_pud_range (pgd_none is 0), whose loop runs once; free_pmd_range frees pte 0x0,
    // then the pmd table (0 & PUD_MASK(16 GiB) >= 0, ceiling 0). Flush (0, 0x12000): s = 0,
    // e = 0x800000, VPTE pages = (e >> 10) / 8192 = 1, one batch.
    expect_last(
        "arch sparc64\nvma 10000 12000\ntouch 10000\nmunmap 10000 12000\n",
        ALL,
        "> munmap 0x10000 0x12000
free pte 0x0
free pmd 0x0
flush 0x0 0x12000
vpte_pages 1 batches 1
visits pgd=1 pud=1 pmd=1
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn middle_of_three_in_one_pmd_block_frees_nothing_and_does_not_flush() {
    // floor = 0x401000 (a's end), ceiling = 0x404000 (c's start).
    // addr = 0x402000 & PMD_MASK = 0x400000 < floor -> addr = 0x600000.
    // ceiling & PMD_MASK = 0x400000; end - 1 = 0x402fff > 0x3fffff -> end = 0x203000.
    // addr 0x600000 > end - 1 = 0x202fff -> return before the walk: no free, no flush.
    expect_last(
        &presets::find("middle-of-three").unwrap().text(),
        ALL,
        "> munmap 0x402000 0x403000
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=1 pud=1
",
    );
}

#[test]
fn gap_of_exactly_pmd_size_is_gathered() {
    // 0x601000 <= 0x401000 + PMD_SIZE (inclusive): one free_pgd_range(0x400000, 0x602000,
    // 0, 0): pte 0x400000 and 0x600000, then pmd 0x0 and pud 0x0; one flush.
    // The pmd loop steps entries 2 and 3: pmd=2.
    expect_last(
        "arch x86_64\nvma 400000 401000\nvma 601000 602000\ntouch 400000\ntouch 601000\nmunmap 400000 602000\n",
        ALL,
        "> munmap 0x400000 0x602000
free pte 0x400000
free pte 0x600000
free pmd 0x0
free pud 0x0
flush 0x400000 0x602000
visits pgd=1 pud=1 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn gap_one_page_over_pmd_size_makes_two_calls() {
    // 0x602000 > 0x401000 + PMD_SIZE: two calls.
    // 1st: free_pgd_range(0x400000, 0x401000, 0, ceiling 0x602000): ceiling & PMD_MASK =
    //      0x600000, end - 1 = 0x400fff <= 0x5fffff: no trim; frees pte 0x400000; pmd kept
    //      (0x602000 & PUD_MASK = 0), pud kept (& PGDIR_MASK = 0); flush (0x400000, 0x401000).
    // 2nd: free_pgd_range(0x602000, 0x603000, 0, 0): addr = 0x600000; frees pte 0x600000,
    //      pmd 0x0, pud 0x0; flush (0x600000, 0x603000).
    expect_last(
        "arch x86_64\nvma 400000 401000\nvma 602000 603000\ntouch 400000\ntouch 602000\nmunmap 400000 603000\n",
        ALL,
        "> munmap 0x400000 0x603000
free pte 0x400000
free pte 0x600000
free pmd 0x0
free pud 0x0
flush 0x400000 0x401000
flush 0x600000 0x603000
visits pgd=2 pud=2 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn gather_preset_keeps_the_pmd_for_the_second_call() {
    // a [0x400000,0x401000) and b [0x600000,0x601000) are gathered (0x600000 <= 0x601000);
    // c at 0xa00000 is not (> 0x801000). Call 1 ceiling = 0xa00000: frees pte 0x400000 and
    // 0x600000, keeps pmd/pud (0xa00000 & PUD_MASK = 0). Call 2 frees pte 0xa00000, pmd, pud.
    // Visits: call 1 pgd 1, pud 1, pmd 2 (entries 2, 3); call 2 one each.
    expect_last(
        &presets::find("gather").unwrap().text(),
        ALL,
        "> munmap 0x400000 0xa01000
free pte 0x400000
free pte 0x600000
free pte 0xa00000
free pmd 0x0
free pud 0x0
flush 0x400000 0x601000
flush 0xa00000 0xa01000
visits pgd=2 pud=2 pmd=3
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn vma_across_a_pgdir_boundary() {
    // B = [0x7fffe00000, 0x8000200000) straddles 512 GiB; A below gives floor 0x401000.
    // Slot 0, sub-range [0x7fffe00000, 0x8000000000): pte 0x7fffe00000 freed; pmd table
    //   0x7fc0000000 freed (base >= floor, ceiling 0); pud table 0x0 kept:
    //   0x7fffe00000 & PGDIR_MASK = 0 < floor 0x401000 (A still uses it).
    // Slot 1, [0x8000000000, 0x8000200000): pte, pmd and pud 0x8000000000 all freed.
    expect_last(
        "arch x86_64\nvma 400000 401000 a\nvma 7fffe00000 8000200000 b\ntouch 400000\ntouch 7fffffe000\ntouch 8000000000\nmunmap 7fffe00000 8000200000\n",
        ALL,
        "> munmap 0x7fffe00000 0x8000200000
free pte 0x7fffe00000
free pte 0x8000000000
free pmd 0x7fc0000000
free pmd 0x8000000000
free pud 0x8000000000
flush 0x7fffe00000 0x8000200000
visits pgd=2 pud=2 pmd=2
tables pte=1 pmd=1 pud=1
",
    );
}

#[test]
fn miller_sparc64_ceiling_masks_to_zero_and_returns() {
    // addr 0x10000, end 0xa4000, floor 0, ceiling 0xb2000 [S16]: ceiling & PMD_MASK(8 MiB) = 0
    // -> return before the walk. Without the guard, 0 would mean "top" and the pmd table the
    // next vma uses would be freed. Nothing freed, no flush.
    expect_last(
        &presets::find("miller-ceiling").unwrap().text(),
        ALL,
        "> munmap 0x10000 0xa4000
vpte_pages 0 batches 0
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=1 pud=0
",
    );
}

#[test]
fn sparc64_stack_at_hole_edge_wraps_the_vpte_range() {
    // munmap [0x7fffffe0000, 2^43), floor 0x20000 (text), ceiling 0.
    // addr = 0x7ffff800000; pte 0x7ffff800000 freed; pmd table 0x7fc00000000 (2^43 - 16 GiB)
    // freed. flush(0x7ffff800000, 2^43): e = 2^43, ve = 0xfffffffe00000000 + 2^33 wraps to 0,
    // vs = 2^64 - 8192; swap -> pages = (2^64 - 8192) / 8192 = 2^51 - 1 = 2251799813685247,
    // batches = ceil(that / 192) = 11728124029611.
    expect_last(
        &presets::find("sparc64-hole-edge").unwrap().text(),
        ALL,
        "> munmap 0x7fffffe0000 0x80000000000
free pte 0x7ffff800000
free pmd 0x7fc00000000
flush 0x7ffff800000 0x80000000000
vpte_pages 2251799813685247 batches 11728124029611
visits pgd=1 pud=1 pmd=1
tables pte=1 pmd=1 pud=0
",
    );
}

#[test]
fn sparc64_256_block_munmap_takes_two_batches() {
    // [4 GiB, 6 GiB) = 256 PMD blocks of 8 MiB in pgd slot 0. The walk steps pmd entries
    // 512..=767 (256 visits) and frees the two pte tables faulted in, then pmd 0x0.
    // flush(0x100000000, 0x180000000): (e - s) >> 10 = 0x200000 bytes of VPTE = 256 pages,
    // ceil(256 / 192) = 2 batches.
    expect_last(
        "arch sparc64\nvma 100000000 180000000\ntouch 100000000\ntouch 17fffe000\nmunmap 100000000 180000000\n",
        ALL,
        "> munmap 0x100000000 0x180000000
free pte 0x100000000
free pte 0x17f800000
free pmd 0x0
flush 0x100000000 0x180000000
vpte_pages 256 batches 2
visits pgd=1 pud=1 pmd=256
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn mmapfail_frees_zapfail_leaks_and_exit_bugs() {
    // mmapfail [0x600000,0x602000): prev = text -> floor 0x401000, next = data -> ceiling
    //   0x800000. pte 0x600000 freed; pmd kept (0 & PUD_MASK < floor). One flush.
    // zapfail [0xa00000,0xa02000): table allocated, ptes zapped, nothing freed: an orphan.
    // exit: text and data are 4 MiB apart (> PMD_SIZE): two calls. The second (ceiling 0)
    //   frees the pmd table 0x0 while it still points at the orphan pte table (leaked), then
    //   the pud. nr_ptes = 1 > (0 + PMD_SIZE - 1) >> PMD_SHIFT = 0 -> BUG_ON.
    let (out, err) = report(&presets::find("mmapfail-zapfail").unwrap().text(), ALL);
    assert!(err.is_none());
    let tail = &out[out.find("> mmapfail").unwrap()..];
    assert_eq!(
        tail,
        "> mmapfail 0x600000 0x602000
free pte 0x600000
flush 0x600000 0x602000
visits pgd=1 pud=1 pmd=1
tables pte=2 pmd=1 pud=1
> zapfail 0xa00000 0xa02000
visits pgd=0 pud=0 pmd=0
orphan pte 0xa00000
tables pte=3 pmd=1 pud=1
> exit
free pte 0x400000
free pte 0x800000
free pmd 0x0
free pud 0x0
visits pgd=2 pud=2 pmd=2
BUG exit_mmap BUG_ON(nr_ptes=1)
BUG freeing pmd table 0x0 with 1 live entries (leaked/dangling)
tables pte=1 pmd=0 pud=0
"
    );
}

#[test]
fn mmapfail_under_2_6_11_only_zaps() {
    // 2.6.11's failure path is zap_page_range: the driver's tables stay, as an orphan.
    expect_last(
        "arch x86_64\nkernel 2.6.11\nvma 400000 401000\nmmapfail 600000 602000\n",
        ALL,
        "> mmapfail 0x600000 0x602000
visits pgd=0 pud=0 pmd=0
orphan pte 0x600000
tables pte=1 pmd=1 pud=1
",
    );
}

#[test]
fn lone_munmap_2_6_11_x86_64() {
    // 2.6.11 free_pgtables: first = 0x400000 & PGDIR_MASK = 0, last = 0x401000 + 512G - 1.
    // clear_page_range walks pgd slots 0..=1 (2); slot 0's pud table 512 entries, the pmd
    // table 512 entries; everything is aligned so pte, pmd and pud tables are freed.
    // flush(first, last) = (0x0, 0x8000400fff).
    expect_last(
        &presets::find("lone-2.6.11").unwrap().text(),
        ALL,
        "> munmap 0x400000 0x401000
free pte 0x400000
free pmd 0x0
free pud 0x0
flush 0x0 0x8000400fff
visits pgd=2 pud=512 pmd=512
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn lone_munmap_2_6_11_sparc64_flushes_2049_vpte_pages() {
    // first = 0, last = 0x12000 + 16G - 1 = 0x400011fff. Slots 0..=1; slot 0's pmd table
    // walked fully (2048). flush(0, 0x400011fff): e rounds up to 0x400800000, so
    // 0x400800000 >> 23 = 2049 VPTE pages, ceil(2049 / 192) = 11 batches (the book, docs/src/patch/walk-cost.md).
    expect_last(
        "arch sparc64\nkernel 2.6.11\nvma 10000 12000\ntouch 10000\nmunmap 10000 12000\n",
        ALL,
        "> munmap 0x10000 0x12000
free pte 0x0
free pmd 0x0
flush 0x0 0x400011fff
vpte_pages 2049 batches 11
visits pgd=2 pud=2 pmd=2048
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn exit_visits_2_6_11_vs_2_6_12() {
    // the book, docs/src/patch/walk-cost.md: one small vma on sparc64. 2.6.11 exit walks pgd slots
    // 0..=pgd_index(MM_VM_SIZE - 1) = 2046 (2047 slots, each one folded pud iteration) and
    // all 2048 entries of the present pmd table; 2.6.12 visits one of each. No flush at exit.
    let scenario =
        |k: &str| format!("arch sparc64\nkernel {k}\nvma 10000 12000\ntouch 10000\nexit\n");
    let freed = "free pte 0x0\nfree pmd 0x0\nvpte_pages 0 batches 0\n";
    expect_last(
        &scenario("2.6.11"),
        ALL,
        &format!("> exit\n{freed}visits pgd=2047 pud=2047 pmd=2048\ntables pte=0 pmd=0 pud=0\n"),
    );
    expect_last(
        &scenario("2.6.12"),
        ALL,
        &format!("> exit\n{freed}visits pgd=1 pud=1 pmd=1\ntables pte=0 pmd=0 pud=0\n"),
    );
    // x86_64: 2.6.11 walks pgd slots 0..=255 (MM_VM_SIZE = 128 TiB), the present pud and pmd
    // tables in full (512 each).
    expect_last(
        "arch x86_64\nkernel 2.6.11\nvma 400000 401000\ntouch 400000\nexit\n",
        ALL,
        "> exit\nfree pte 0x400000\nfree pmd 0x0\nfree pud 0x0\nvisits pgd=256 pud=512 pmd=512\ntables pte=0 pmd=0 pud=0\n",
    );
}

#[test]
fn munmap_of_an_empty_range_does_nothing() {
    // do_munmap returns 0 before unmap_region: no free, no flush (sparc64 still prints 0 0).
    expect_last(
        "arch sparc64\nvma 10000 12000\ntouch 10000\nmunmap 20000 40000\n",
        ALL,
        "> munmap 0x20000 0x40000\nvpte_pages 0 batches 0\nvisits pgd=0 pud=0 pmd=0\ntables pte=1 pmd=1 pud=0\n",
    );
}

#[test]
fn partial_munmap_splits_and_keeps_the_shared_block() {
    // vma [0x400000, 0x800000) touched at both ends; munmap [0x600000, 0x800000): split at
    // 0x600000, prev = [0x400000, 0x600000) -> floor 0x600000, ceiling 0.
    // addr = 0x600000 (not below floor); pte 0x600000 freed; pmd test: 0 & PUD_MASK <
    // floor -> kept; pud kept likewise. One flush (0x600000, 0x800000).
    expect_last(
        "arch x86_64\nvma 400000 800000\ntouch 400000\ntouch 7ff000\nmunmap 600000 800000\n",
        ALL,
        "> munmap 0x600000 0x800000
free pte 0x600000
flush 0x600000 0x800000
visits pgd=1 pud=1 pmd=1
tables pte=1 pmd=1 pud=1
",
    );
}

#[test]
fn first_user_address_raises_the_exit_floor_and_the_bug_threshold() {
    // ARM-style FIRST_USER_ADDRESS = one page. At exit the floor is 0x1000, so the first PMD
    // block (which holds address 0x1000's block base 0) is trimmed: addr = 0 < 0x1000 ->
    // addr = 0x200000 > end - 1 -> return. The pte table survives, but nr_ptes = 1 is
    // allowed: (0x1000 + PMD_SIZE - 1) >> PMD_SHIFT = 1. No BUG. With no vma left, the three
    // surviving tables are orphans (sorted as strings).
    expect_last(
        "arch x86_64\nfirst_user_address 1000\nvma 1000 2000\ntouch 1000\nexit\n",
        ALL,
        "> exit\nvisits pgd=0 pud=0 pmd=0\norphan pmd 0x0\norphan pte 0x0\norphan pud 0x0\ntables pte=1 pmd=1 pud=1\n",
    );
}

#[test]
fn vdso32_without_a_vma_leaks_and_with_a_vma_is_freed() {
    // rc2: the vsyscall page's pte table 0xffe00000 and pmd table 0xc0000000 (1 GiB span
    // [0xc0000000, 0x100000000)) meet no vma, so no free_pgd_range walks them. At exit the
    // stack's group (ceiling 0) frees pmd 0x80000000 and then the pud table 0x0, which still
    // points at pmd 0xc0000000: leaked. nr_ptes = 1 -> BUG_ON.
    expect_last(
        &presets::find("vdso32-no-vma").unwrap().text(),
        ALL,
        "> exit
free pte 0x8000000
free pte 0xbfe00000
free pmd 0x0
free pmd 0x80000000
free pud 0x0
visits pgd=2 pud=2 pmd=2
BUG exit_mmap BUG_ON(nr_ptes=1)
BUG freeing pud table 0x0 with 1 live entries (leaked/dangling)
tables pte=1 pmd=1 pud=0
",
    );
    // 2.6.12 final: a real vma [0xffffe000, 0xfffff000). No two vmas are within PMD_SIZE, so
    // three calls. Call 1 (ceiling 0xbffdd000, & PUD_MASK = 0x80000000) frees pte 0x8000000
    // and pmd 0x0; call 2 (ceiling 0xffffe000) frees pte 0xbfe00000 and pmd 0x80000000;
    // call 3 (ceiling 0) frees pte 0xffe00000, pmd 0xc0000000 and the pud. Nothing is left.
    expect_last(
        &presets::find("vdso32-vma").unwrap().text(),
        ALL,
        "> exit
free pte 0x8000000
free pte 0xbfe00000
free pte 0xffe00000
free pmd 0x0
free pmd 0x80000000
free pmd 0xc0000000
free pud 0x0
visits pgd=3 pud=3 pmd=3
tables pte=0 pmd=0 pud=0
",
    );
}
