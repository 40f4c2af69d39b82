//! Every kind of invalid command from the book's reference (docs/src/reference.md) names its line, keeps the report of
//! the lines before it, and leaves the mm unchanged.

use freepgt::report::{report, ReportOptions};

/// Runs `header + bad` and checks the error message and that the report stops before it.
#[track_caller]
fn bad(text: &str, expected: &str) {
    let (out, err) = report(text, ReportOptions::default());
    let err = err.expect("an error");
    assert_eq!(err.to_string(), expected, "scenario:\n{text}");
    // Nothing is printed for the bad line or after it.
    let echoed = out.lines().filter(|l| l.starts_with("> ")).count();
    let commands_before = text
        .lines()
        .take(err.line - 1)
        .filter(|l| !l.split('#').next().unwrap().trim().is_empty())
        .count();
    assert_eq!(echoed, commands_before, "report:\n{out}");
}

const X86: &str = "arch x86_64\nvma 400000 402000 a\n";

#[test]
fn syntax_errors() {
    bad(
        "arch vax\n",
        "error line 1: unknown arch 'vax' (expected x86_64, sparc64, i386, i386-pae or arm)",
    );
    bad(
        "arch x86_64\nkernel 2.6.13\n",
        "error line 2: unknown kernel '2.6.13' (expected 2.6.12 or 2.6.11)",
    );
    bad(
        &format!("{X86}mmap 0 1000\n"),
        "error line 3: unknown command 'mmap'",
    );
    bad(
        &format!("{X86}VMA 0 1000\n"),
        "error line 3: unknown command 'VMA'",
    );
    bad(
        &format!("{X86}munmap 400000\n"),
        "error line 3: munmap takes START END, got 1 argument(s)",
    );
    bad(
        &format!("{X86}touch\n"),
        "error line 3: touch takes ADDR or START END, got 0 argument(s)",
    );
    bad(
        &format!("{X86}exit now\n"),
        "error line 3: exit takes no arguments, got 1 argument(s)",
    );
    bad(
        &format!("{X86}vma 1 2 3 4\n"),
        "error line 3: vma takes START END [NAME], got 4 argument(s)",
    );
    bad(
        &format!("{X86}touch 40000g\n"),
        "error line 3: '40000g' is not a hex number",
    );
    bad(
        &format!("{X86}touch 0x10000000000000000\n"),
        "error line 3: '0x10000000000000000' does not fit in 64 bits",
    );
    bad(
        &format!("{X86}vma 600000 601000 my/heap\n"),
        "error line 3: bad vma name 'my/heap' (allowed: letters, digits, _ . -)",
    );
}

#[test]
fn header_errors() {
    bad(
        "# comment\n\nvma 0 1000\n",
        "error line 3: arch must come first",
    );
    bad(
        "arch x86_64\narch sparc64\n",
        "error line 2: arch given twice",
    );
    bad(
        &format!("{X86}kernel 2.6.11\n"),
        "error line 3: kernel must come right after arch",
    );
    bad(
        &format!("{X86}first_user_address 1000\n"),
        "error line 3: first_user_address must come right after arch (and kernel)",
    );
    bad(
        "arch x86_64\nfirst_user_address 1001\n",
        "error line 2: 0x1001 is not page aligned (PAGE_SIZE 0x1000)",
    );
    bad(
        "arch sparc64\nfirst_user_address 80000000000\n",
        "error line 2: FIRST_USER_ADDRESS 0x80000000000 is not a user address",
    );
}

#[test]
fn range_errors() {
    bad(
        &format!("{X86}vma 600800 601000\n"),
        "error line 3: 0x600800 is not page aligned (PAGE_SIZE 0x1000)",
    );
    bad(
        "arch sparc64\nvma 1000 4000\n",
        "error line 2: 0x1000 is not page aligned (PAGE_SIZE 0x2000)",
    );
    bad(
        &format!("{X86}munmap 600000 600000\n"),
        "error line 3: empty range [0x600000, 0x600000)",
    );
    bad(
        &format!("{X86}munmap 601000 600000\n"),
        "error line 3: reversed range: start 0x601000 is above end 0x600000",
    );
    bad(
        &format!("{X86}vma 7ffffffff000 800000000000\n"),
        "error line 3: range [0x7ffffffff000, 0x800000000000) ends above TASK_SIZE 0x7ffffffff000",
    );
    bad(
        "arch sparc64\nvma 7fffffe0000 80000002000\n",
        "error line 2: range [0x7fffffe0000, 0x80000002000) touches the sparc64 VA hole [0x80000000000, 0xfffff80000000000)",
    );
    bad(
        "arch sparc64\nmunmap 100000000000 100000002000\n",
        "error line 2: range [0x100000000000, 0x100000002000) touches the sparc64 VA hole [0x80000000000, 0xfffff80000000000)",
    );
    bad(
        "arch x86_64\nfirst_user_address 10000\nvma 0 2000\n",
        "error line 3: range [0x0, 0x2000) starts below FIRST_USER_ADDRESS 0x10000",
    );
}

#[test]
fn state_errors() {
    bad(
        &format!("{X86}vma 401000 403000 b\n"),
        "error line 3: range [0x401000, 0x403000) overlaps vma [0x400000, 0x402000)",
    );
    bad(
        &format!("{X86}mmapfail 3ff000 401000\n"),
        "error line 3: range [0x3ff000, 0x401000) overlaps vma [0x400000, 0x402000)",
    );
    bad(
        &format!("{X86}zapfail 401000 402000\n"),
        "error line 3: range [0x401000, 0x402000) overlaps vma [0x400000, 0x402000)",
    );
    bad(
        &format!("{X86}touch 402000\n"),
        "error line 3: touch outside any vma at 0x402000",
    );
    bad(
        &format!("{X86}touch 400000 403000\n"),
        "error line 3: touch outside any vma at 0x402000",
    );
    bad(
        "arch x86_64\nvma 0 7ffffffff000\ntouch 0 7ffffffff000\n",
        // 2^26 pte tables + 2^17 pmd tables + 256 pud tables.
        "error line 3: faulting in [0x0, 0x7ffffffff000) would allocate 67240192 page tables on \
         top of 0 live ones; the simulation keeps at most 262144 for the whole mm",
    );
}

#[test]
fn error_after_valid_lines_keeps_their_report() {
    let text =
        "arch x86_64\nvma 400000 401000\ntouch 400000\nmunmap 400000 401000\ntouch 400000\nexit\n";
    let (out, err) = report(text, ReportOptions::default());
    assert_eq!(err.unwrap().line, 5);
    assert!(out.ends_with("> munmap 0x400000 0x401000\nfree pte 0x400000\nfree pmd 0x0\nfree pud 0x0\nflush 0x400000 0x401000\ntables pte=0 pmd=0 pud=0\n"));
}

#[test]
fn empty_scenario_prints_nothing() {
    assert_eq!(report("", ReportOptions::default()), (String::new(), None));
    assert_eq!(
        report("# nothing\n  \n", ReportOptions::default()),
        (String::new(), None)
    );
}

#[test]
fn the_live_table_limit_is_for_the_whole_mm() {
    // Each touch faults in 140,000 PMD blocks (x86_64, 2 MiB each): 140,000 pte tables, 274
    // pmd tables (140,000 / 512, rounded up, for a range starting at a 1 GiB boundary) and one
    // pud table. The first fits under 2^18 = 262,144; the second would pass it in total.
    let a = 0x100_0000_0000u64;
    let b = 0x200_0000_0000u64;
    let len = 140_000u64 << 21;
    let text = format!(
        "arch x86_64\nvma {a:x} {:x}\nvma {b:x} {:x}\ntouch {a:x} {:x}\ntouch {b:x} {:x}\n",
        a + len,
        b + len,
        a + len,
        b + len
    );
    let (out, err) = report(&text, ReportOptions::default());
    assert!(out.ends_with("tables pte=140000 pmd=274 pud=1\n"), "{out}");
    assert_eq!(
        err.unwrap().to_string(),
        format!(
            "error line 5: faulting in [{b:#x}, {:#x}) would allocate 140275 page tables on top \
             of 140275 live ones; the simulation keeps at most 262144 for the whole mm",
            b + len
        )
    );
}

#[test]
fn hostile_text() {
    use freepgt::report::report_bytes;
    // Invalid UTF-8 on line 3: the report of lines 1-2, then the error naming line 3.
    let (out, err) = report_bytes(
        b"arch x86_64\nvma 400000 401000\nvma 500000 \xff\xfe\nexit\n",
        ReportOptions::default(),
    );
    assert_eq!(
        out,
        "> arch x86_64\n> vma 0x400000 0x401000\ntables pte=0 pmd=0 pud=0\n"
    );
    assert_eq!(
        err.unwrap().to_string(),
        "error line 3: the line is not valid UTF-8"
    );
    // Control characters are escaped, so a bad number cannot look like a good one.
    bad(
        "arch x86_64\nvma 400000\u{1f} 401000\n",
        "error line 2: '400000\\u{1f}' is not a hex number",
    );
    bad(
        "arch x86_64\nvm\0a 400000 401000\n",
        "error line 2: unknown command 'vm\\u{0}a'",
    );
    // A byte-order mark at the very start is skipped; CRLF line ends are fine.
    let (out, err) = report_bytes(
        b"\xef\xbb\xbfarch x86_64\r\nvma 400000 401000\r\n",
        ReportOptions::default(),
    );
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        out,
        "> arch x86_64\n> vma 0x400000 0x401000\ntables pte=0 pmd=0 pud=0\n"
    );
    // CR-only line ends: the whole file is line 1, and the error says why.
    let (out, err) = report_bytes(
        b"arch x86_64\rvma 400000 401000\r",
        ReportOptions::default(),
    );
    assert_eq!(out, "");
    assert_eq!(
        err.unwrap().to_string(),
        "error line 1: carriage return inside the line: lines must end in LF or CRLF (CR-only \
         line ends make the whole file one line)"
    );
}

#[test]
fn config_and_max_map_count_header_errors() {
    bad(
        "arch sparc64\nconfig rt\n",
        "error line 2: unknown config 'rt' (expected preempt or nopreempt)",
    );
    bad(
        "arch sparc64\nconfig preempt\nconfig nopreempt\n",
        "error line 3: config given twice",
    );
    bad(
        "arch x86_64\nvma 400000 401000\nmax_map_count 3\n",
        "error line 3: max_map_count must come in the header, before any operation",
    );
    bad(
        "arch x86_64\nmax_map_count 0x10\n",
        "error line 2: '0x10' is not a decimal number",
    );
    bad(
        "arch x86_64\nconfig preempt\nkernel 2.6.11\n",
        "error line 3: kernel must come right after arch",
    );
    // Any order after arch and kernel.
    let (_, err) = report(
        "arch arm\nkernel 2.6.11\nmax_map_count 10\nfirst_user_address 0\nconfig preempt\n",
        ReportOptions::default(),
    );
    assert!(err.is_none(), "{err:?}");
}

#[test]
fn max_map_count_refuses_a_vma_only_above_the_limit() {
    // do_mmap_pgoff: `map_count > max_map_count`, so with 2 the third vma still goes in
    // (map_count 2 is not > 2) and the fourth is refused.
    bad(
        "arch x86_64\nmax_map_count 2\nvma 400000 401000\nvma 500000 501000\nvma 600000 601000\nvma 700000 701000\n",
        "error line 6: do_mmap_pgoff fails with ENOMEM: map_count 3 > max_map_count 2",
    );
}
