//! Golden tests for the 32-bit arches of 2.6.12 (i386, i386 PAE, ARM) under both kernels,
//! each expected report derived by hand from the header values in the comment above it.
//!
//! Constants (include/asm-i386/pgtable-2level-defs.h, pgtable-3level-defs.h, pgalloc.h,
//! include/asm-arm/pgtable.h, memory.h); every value is an `unsigned long` of 32 bits:
//!
//! | | PMD_SIZE (a pte table's span) | PUD_MASK = PGDIR_MASK | TASK_SIZE | FUA | FUPN |
//! |---|---|---|---|---|---|
//! | i386 | 4 MiB (0x400000), pmd folded | 0xffc00000 | 0xc0000000 | 0 | 0 |
//! | i386-pae | 2 MiB, 512 ptes | 0xc0000000 (1 GiB) | 0xc0000000 | 0 | 0 |
//! | arm | 2 MiB, pmd folded | 0xffe00000 | 0xbf000000 | 0x1000 | 1 |
//!
//! MM_VM_SIZE (2.6.11) = (TASK_SIZE + PGDIR_SIZE - 1) & PGDIR_MASK = TASK_SIZE on all three.
//! Folded levels hold no tables, so only `free pte` lines appear; PAE's three pmd tables are
//! allocated with the pgd, counted from the first command (`pmd=3`) and never freed.
//! Only the lines after the last command's echo are compared.

mod common;

use common::{expect_last, ALL};
use freepgt::report::report;

fn scenario(arch: &str, kernel: &str, body: &str) -> String {
    format!("arch {arch}\nkernel {kernel}\n{body}")
}

// ---- i386 (2-level) -------------------------------------------------------------------

const I386_LONE: &str = "vma 8048000 8049000\ntouch 8048000\nmunmap 8048000 8049000\n";
const I386_MIDDLE: &str = "vma 8048000 8049000\nvma 804a000 804b000\nvma 804c000 804d000\n\
touch 8048000\ntouch 804a000\ntouch 804c000\nmunmap 804a000 804b000\n";
// The gap 0x8449000 - 0x8049000 is exactly PMD_SIZE (4 MiB): gathered.
const I386_GATHER: &str =
    "vma 8048000 8049000\nvma 8449000 844a000\ntouch 8048000\ntouch 8449000\nmunmap 8048000 844a000\n";
const I386_TOP: &str = "vma bffff000 c0000000\ntouch bffff000\nmunmap bffff000 c0000000\n";
const I386_EXIT: &str =
    "vma 8048000 8049000 text\nvma bffff000 c0000000 stack\ntouch 8048000\ntouch bffff000\nexit\n";

#[test]
fn i386_2_6_12() {
    // free_pgd_range(0x8048000, 0x8049000, 0, 0): addr = 0x8048000 & PMD_MASK(0xffc00000) =
    // 0x8000000; ceiling 0 never trims. One pgd slot (32); pgd_none, pud_none are 0 (both
    // folded), so each loop runs once: pgd=1 pud=1 pmd=1; pte table 0x8000000 freed. The
    // empty flush_tlb_pgtables is still called with the trimmed (addr, end).
    expect_last(
        &scenario("i386", "2.6.12", I386_LONE),
        "> munmap 0x8048000 0x8049000
free pte 0x8000000
flush 0x8000000 0x8049000
visits pgd=1 pud=1 pmd=1
tables pte=0 pmd=0 pud=0
",
    );
    // floor 0x8049000, ceiling 0x804c000: addr 0x8000000 < floor -> 0x8400000; ceiling &
    // PMD_MASK = 0x8000000; end - 1 = 0x804afff > 0x7ffffff -> end = 0x804b000 - 0x400000 =
    // 0x7c4b000; addr > end - 1: return before the walk, no flush.
    expect_last(
        &scenario("i386", "2.6.12", I386_MIDDLE),
        "> munmap 0x804a000 0x804b000
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=0 pud=0
",
    );
    // One free_pgd_range(0x8048000, 0x844a000, 0, 0): addr 0x8000000, slots 32 and 33, each
    // with its pte table: pgd=2 pud=2 pmd=2.
    expect_last(
        &scenario("i386", "2.6.12", I386_GATHER),
        "> munmap 0x8048000 0x844a000
free pte 0x8000000
free pte 0x8400000
flush 0x8000000 0x844a000
visits pgd=2 pud=2 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
    // The very top of user space: addr = 0xbfc00000 (slot 767); pgd_addr_end: boundary
    // 0xc0000000 - 1 is not < end - 1, so end; one iteration each.
    expect_last(
        &scenario("i386", "2.6.12", I386_TOP),
        "> munmap 0xbffff000 0xc0000000
free pte 0xbfc00000
flush 0xbfc00000 0xc0000000
visits pgd=1 pud=1 pmd=1
tables pte=0 pmd=0 pud=0
",
    );
    // exit: floor 0, ceiling 0, two groups (0xbffff000 > 0x8049000 + 4 MiB). The first gets
    // ceiling 0xbffff000 (& PMD_MASK = 0xbfc00000, no trim): pte 0x8000000; the second
    // pte 0xbfc00000. Full mm: no flush. nr_ptes 0: no BUG.
    expect_last(
        &scenario("i386", "2.6.12", I386_EXIT),
        "> exit
free pte 0x8000000
free pte 0xbfc00000
visits pgd=2 pud=2 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
}

#[test]
fn i386_2_6_11() {
    // first = 0x8048000 & PGDIR_MASK = 0x8000000, last = 0x8049000 + 0x3fffff = 0x8448fff;
    // no vma left. (first & PMD_MASK) < (last & PMD_MASK) = 0x8400000: clear_page_range over
    // slots 32..33: [0x8000000, 0x8400000) is aligned, so its pte table goes; slot 33 has
    // none. pgd=2, and one pud and one pmd iteration per slot (folded, PMD_SIZE steps).
    expect_last(
        &scenario("i386", "2.6.11", I386_LONE),
        "> munmap 0x8048000 0x8049000
free pte 0x8000000
flush 0x8000000 0x8448fff
visits pgd=2 pud=2 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
    // first = prev's end 0x8049000, last = next's start 0x804c000: the same pte page, nothing.
    expect_last(
        &scenario("i386", "2.6.11", I386_MIDDLE),
        "> munmap 0x804a000 0x804b000
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=0 pud=0
",
    );
    // first 0x8000000, last = 0x844a000 + 0x3fffff = 0x8849fff: slots 32, 33 (both aligned,
    // both freed) and 34 (empty): pgd=3.
    expect_last(
        &scenario("i386", "2.6.11", I386_GATHER),
        "> munmap 0x8048000 0x844a000
free pte 0x8000000
free pte 0x8400000
flush 0x8000000 0x8849fff
visits pgd=3 pud=3 pmd=3
tables pte=0 pmd=0 pud=0
",
    );
    // last = 0xc0000000 + 0x3fffff = 0xc03fffff > MM_VM_SIZE 0xc0000000 -> 0xc0000000.
    expect_last(
        &scenario("i386", "2.6.11", I386_TOP),
        "> munmap 0xbffff000 0xc0000000
free pte 0xbfc00000
flush 0xbfc00000 0xc0000000
visits pgd=1 pud=1 pmd=1
tables pte=0 pmd=0 pud=0
",
    );
    // exit: clear_page_range(0, 0xc0000000): all 768 user slots, one pud and one pmd
    // iteration each.
    expect_last(
        &scenario("i386", "2.6.11", I386_EXIT),
        "> exit
free pte 0x8000000
free pte 0xbfc00000
visits pgd=768 pud=768 pmd=768
tables pte=0 pmd=0 pud=0
",
    );
}

// ---- i386 PAE (3-level) ---------------------------------------------------------------

const PAE_LONE: &str = I386_LONE;
const PAE_MIDDLE: &str = I386_MIDDLE;
// The gap 0x8249000 - 0x8049000 is exactly PMD_SIZE (2 MiB): gathered.
const PAE_GATHER: &str =
    "vma 8048000 8049000\nvma 8249000 824a000\ntouch 8048000\ntouch 8249000\nmunmap 8048000 824a000\n";
const PAE_TOP: &str = I386_TOP;
const PAE_EXIT: &str = I386_EXIT;

#[test]
fn i386_pae_2_6_12() {
    // pgd_alloc gave the mm pmd tables 0x0, 0x40000000 and 0x80000000: pmd=3 throughout.
    // free_pgd_range(0x8048000, 0x8049000, 0, 0): addr 0x8000000; slot 0; pud folded (one
    // iteration; pud_none is 0); pmd entry 64: pte 0x8000000 freed. free_pmd_range's tests
    // pass (0 & PUD_MASK >= 0, ceiling 0), but pud_clear and __pmd_free_tlb are empty: no
    // `free pmd` line and still pmd=3.
    expect_last(
        &scenario("i386-pae", "2.6.12", PAE_LONE),
        "> munmap 0x8048000 0x8049000
free pte 0x8000000
flush 0x8000000 0x8049000
visits pgd=1 pud=1 pmd=1
tables pte=0 pmd=3 pud=0
",
    );
    // addr 0x8000000 < floor 0x8049000 -> 0x8200000; ceiling & PMD_MASK = 0x8000000, end
    // 0x804b000 -> 0x7e4b000; addr > end - 1: nothing, no flush.
    expect_last(
        &scenario("i386-pae", "2.6.12", PAE_MIDDLE),
        "> munmap 0x804a000 0x804b000
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=3 pud=0
",
    );
    // One call over pmd entries 64 and 65.
    expect_last(
        &scenario("i386-pae", "2.6.12", PAE_GATHER),
        "> munmap 0x8048000 0x824a000
free pte 0x8000000
free pte 0x8200000
flush 0x8000000 0x824a000
visits pgd=1 pud=1 pmd=2
tables pte=0 pmd=3 pud=0
",
    );
    // addr = 0xbfe00000: pgd slot 2, pmd entry 511; pte 0xbfe00000 freed; the pmd table
    // 0x80000000 passes the tests and stays.
    expect_last(
        &scenario("i386-pae", "2.6.12", PAE_TOP),
        "> munmap 0xbffff000 0xc0000000
free pte 0xbfe00000
flush 0xbfe00000 0xc0000000
visits pgd=1 pud=1 pmd=1
tables pte=0 pmd=3 pud=0
",
    );
    // exit: two groups as on i386; ptes 0x8000000 and 0xbfe00000 freed; the pmds stay
    // (pgd_free frees them, after exit_mmap), so exit leaves pmd=3 and no BUG (it checks
    // only nr_ptes).
    expect_last(
        &scenario("i386-pae", "2.6.12", PAE_EXIT),
        "> exit
free pte 0x8000000
free pte 0xbfe00000
visits pgd=2 pud=2 pmd=2
tables pte=0 pmd=3 pud=0
",
    );
}

#[test]
fn i386_pae_2_6_11() {
    // first = 0x8048000 & PGDIR_MASK(1 GiB) = 0, last = 0x8049000 + 0x3fffffff = 0x48048fff.
    // clear_page_range(0, 0x48048fff): slot 0 = [0, 0x40000000): all 512 pmd entries
    // (aligned), pte 0x8000000 freed, the pmd table "freed" (PUD aligned) but it belongs to
    // the pgd; slot 1 = [0x40000000, 0x48048fff): entries 0..=64 (0x8048fff >> 21 = 64), 65
    // iterations, not aligned. pmd = 512 + 65 = 577.
    expect_last(
        &scenario("i386-pae", "2.6.11", PAE_LONE),
        "> munmap 0x8048000 0x8049000
free pte 0x8000000
flush 0x0 0x48048fff
visits pgd=2 pud=2 pmd=577
tables pte=0 pmd=3 pud=0
",
    );
    // first 0x8049000, last 0x804c000: one pte page, nothing.
    expect_last(
        &scenario("i386-pae", "2.6.11", PAE_MIDDLE),
        "> munmap 0x804a000 0x804b000
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=3 pud=0
",
    );
    // last = 0x824a000 + 0x3fffffff = 0x48249fff: slot 0 (512, two ptes freed) and slot 1
    // entries 0..=65 (66): pmd = 578.
    expect_last(
        &scenario("i386-pae", "2.6.11", PAE_GATHER),
        "> munmap 0x8048000 0x824a000
free pte 0x8000000
free pte 0x8200000
flush 0x0 0x48249fff
visits pgd=2 pud=2 pmd=578
tables pte=0 pmd=3 pud=0
",
    );
    // first = 0x80000000; last = 0xc0000000 + 0x3fffffff = 0xffffffff (the last 32-bit
    // value, no wrap) > MM_VM_SIZE -> 0xc0000000. Slot 2, 512 entries.
    expect_last(
        &scenario("i386-pae", "2.6.11", PAE_TOP),
        "> munmap 0xbffff000 0xc0000000
free pte 0xbfe00000
flush 0x80000000 0xc0000000
visits pgd=1 pud=1 pmd=512
tables pte=0 pmd=3 pud=0
",
    );
    // exit: clear_page_range(0, 0xc0000000): 3 slots x 512 entries.
    expect_last(
        &scenario("i386-pae", "2.6.11", PAE_EXIT),
        "> exit
free pte 0x8000000
free pte 0xbfe00000
visits pgd=3 pud=3 pmd=1536
tables pte=0 pmd=3 pud=0
",
    );
}

// ---- ARM ------------------------------------------------------------------------------

const ARM_LONE: &str = "vma 400000 401000\ntouch 400000\nmunmap 400000 401000\n";
// ARM's usual text address, in the first 2 MiB with page 0.
const ARM_LOW: &str = "vma 8000 9000\ntouch 8000\nmunmap 8000 9000\n";
const ARM_MIDDLE: &str = "vma 400000 401000\nvma 402000 403000\nvma 404000 405000\n\
touch 400000\ntouch 402000\ntouch 404000\nmunmap 402000 403000\n";
const ARM_GATHER: &str =
    "vma 400000 401000\nvma 601000 602000\ntouch 400000\ntouch 601000\nmunmap 400000 602000\n";
const ARM_TOP: &str = "vma befff000 bf000000\ntouch befff000\nmunmap befff000 bf000000\n";
const ARM_EXIT: &str = "vma 8000 9000 text\nvma 400000 401000\nvma befff000 bf000000 stack\n\
touch 8000\ntouch 400000\ntouch befff000\nexit\n";

#[test]
fn arm_2_6_12() {
    // floor = FIRST_USER_ADDRESS = 0x1000; addr 0x400000 is not below it: pte 0x400000.
    expect_last(
        &scenario("arm", "2.6.12", ARM_LONE),
        "> munmap 0x400000 0x401000
free pte 0x400000
flush 0x400000 0x401000
visits pgd=1 pud=1 pmd=1
tables pte=0 pmd=0 pud=0
",
    );
    // The page-0 floor: addr = 0x8000 & PMD_MASK = 0 < floor 0x1000 -> 0x200000 > end - 1 =
    // 0x8fff: return, no walk, no flush. The pte table of [0, 2 MiB) stays (and maps no vma).
    expect_last(
        &scenario("arm", "2.6.12", ARM_LOW),
        "> munmap 0x8000 0x9000
visits pgd=0 pud=0 pmd=0
orphan pte 0x0
tables pte=1 pmd=0 pud=0
",
    );
    // floor 0x401000, ceiling 0x404000: addr 0x400000 -> 0x600000; end 0x403000 - 2 MiB =
    // 0x203000; nothing.
    expect_last(
        &scenario("arm", "2.6.12", ARM_MIDDLE),
        "> munmap 0x402000 0x403000
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=0 pud=0
",
    );
    // Gap exactly 2 MiB: one call over slots 2 and 3.
    expect_last(
        &scenario("arm", "2.6.12", ARM_GATHER),
        "> munmap 0x400000 0x602000
free pte 0x400000
free pte 0x600000
flush 0x400000 0x602000
visits pgd=2 pud=2 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
    // TASK_SIZE 0xbf000000: addr = 0xbee00000 (slot 1527).
    expect_last(
        &scenario("arm", "2.6.12", ARM_TOP),
        "> munmap 0xbefff000 0xbf000000
free pte 0xbee00000
flush 0xbee00000 0xbf000000
visits pgd=1 pud=1 pmd=1
tables pte=0 pmd=0 pud=0
",
    );
    // exit, floor 0x1000: group [0x8000, 0x9000) (0x400000 > 0x9000 + 2 MiB), ceiling
    // 0x400000: addr 0 < floor -> 0x200000 > 0x8fff, return (pgd=0). The other two groups
    // free 0x400000 and 0xbee00000. nr_ptes 1 <= (0x1000 + 0x1fffff) >> 21 = 1: the relaxed
    // BUG_ON tolerates ARM's table at 0.
    expect_last(
        &scenario("arm", "2.6.12", ARM_EXIT),
        "> exit
free pte 0x400000
free pte 0xbee00000
visits pgd=2 pud=2 pmd=2
orphan pte 0x0
tables pte=1 pmd=0 pud=0
",
    );
}

#[test]
fn arm_2_6_11() {
    // first 0x400000, last = 0x401000 + 0x1fffff = 0x600fff; slots 2 (aligned: freed) and 3.
    expect_last(
        &scenario("arm", "2.6.11", ARM_LONE),
        "> munmap 0x400000 0x401000
free pte 0x400000
flush 0x400000 0x600fff
visits pgd=2 pud=2 pmd=2
tables pte=0 pmd=0 pud=0
",
    );
    // first = 0, raised to FIRST_USER_PGD_NR * PGDIR_SIZE = 0x200000; last = 0x9000 +
    // 0x1fffff = 0x208fff: (first & PMD_MASK) == (last & PMD_MASK), nothing cleared.
    expect_last(
        &scenario("arm", "2.6.11", ARM_LOW),
        "> munmap 0x8000 0x9000
visits pgd=0 pud=0 pmd=0
orphan pte 0x0
tables pte=1 pmd=0 pud=0
",
    );
    // first = prev's end 0x401000, last = next's start 0x404000: one pte page, nothing.
    expect_last(
        &scenario("arm", "2.6.11", ARM_MIDDLE),
        "> munmap 0x402000 0x403000
visits pgd=0 pud=0 pmd=0
tables pte=1 pmd=0 pud=0
",
    );
    // last = 0x602000 + 0x1fffff = 0x801fff: slots 2, 3 (aligned, freed), 4 (empty).
    expect_last(
        &scenario("arm", "2.6.11", ARM_GATHER),
        "> munmap 0x400000 0x602000
free pte 0x400000
free pte 0x600000
flush 0x400000 0x801fff
visits pgd=3 pud=3 pmd=3
tables pte=0 pmd=0 pud=0
",
    );
    // last = 0xbf000000 + 0x1fffff > MM_VM_SIZE 0xbf000000 -> 0xbf000000.
    expect_last(
        &scenario("arm", "2.6.11", ARM_TOP),
        "> munmap 0xbefff000 0xbf000000
free pte 0xbee00000
flush 0xbee00000 0xbf000000
visits pgd=1 pud=1 pmd=1
tables pte=0 pmd=0 pud=0
",
    );
    // exit: clear_page_range(0x200000, 0xbf000000): slots 1..=1527 (1527), so the pte table
    // of slot 0 stays; 2.6.11's exit_mmap had no nr_ptes BUG_ON.
    expect_last(
        &scenario("arm", "2.6.11", ARM_EXIT),
        "> exit
free pte 0x400000
free pte 0xbee00000
visits pgd=1527 pud=1527 pmd=1527
orphan pte 0x0
tables pte=1 pmd=0 pud=0
",
    );
}

#[test]
fn pae_pmds_are_counted_from_the_first_command_and_never_orphans() {
    // pgd_alloc allocates the USER_PTRS_PER_PGD = 0xc0000000 / 1 GiB = 3 user pmd tables.
    let (out, err) = report("arch i386-pae\nvma 1000 2000\n", ALL);
    assert!(err.is_none());
    assert_eq!(
        out,
        "> arch i386-pae\n> vma 0x1000 0x2000\ntables pte=0 pmd=3 pud=0\n"
    );
}

#[test]
fn addresses_wider_than_32_bits_are_refused() {
    let (out, err) = report("arch i386\nvma 100000000 100001000\n", ALL);
    assert_eq!(out, "> arch i386\n");
    assert_eq!(
        err.unwrap().to_string(),
        "error line 2: 0x100000000 does not fit in 32 bits (an unsigned long on this arch)"
    );
}
