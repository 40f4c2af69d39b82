//! Fuzz target for the scenario language (issue 11): hostile bytes through the parser, the
//! runner and the report, on all five arches and both kernels, must never panic, and a bad
//! line must leave exactly the report of the commands before it.
//!
//! The default test run does 256 cases; the full run is a command (release build):
//! `PROPTEST_CASES=10000000 cargo test --release -p freepgt --test fuzz_scenario -- --ignored`.

use freepgt::report::{report_bytes, ReportOptions};
use freepgt::{ArchId, Level};
use proptest::prelude::*;

const KEYWORDS: [&str; 14] = [
    "arch",
    "kernel",
    "first_user_address",
    "config",
    "max_map_count",
    "vma",
    "touch",
    "munmap",
    "mmapfail",
    "zapfail",
    "exit",
    "Arch",
    "vma\u{1f}",
    "#",
];

/// Numbers where the arithmetic has edges, on every arch: page and table boundaries, the top
/// of user space, 2^32 (the 32-bit wrap), sparc64's hole edges, and values that do not fit.
fn interesting_numbers() -> Vec<String> {
    let mut v: Vec<u64> = vec![0, 1, 0xfff, 0x1000, 0x2000, 0xffff_ffff, 1 << 32, u64::MAX];
    for id in ArchId::ALL {
        let a = id.arch();
        let page = a.page_size();
        for level in [Level::Pmd, Level::Pud, Level::Pgd] {
            let s = a.size(level);
            v.extend([s, s - page, s + page, 2 * s, 3 * s + page]);
        }
        v.extend([
            a.task_size,
            a.task_size - page,
            a.task_size - a.size(Level::Pmd),
            a.task_size.wrapping_add(page),
        ]);
        if let Some((hs, he)) = a.hole {
            v.extend([hs, hs - page, he, he + page]);
        }
    }
    let mut out: Vec<String> = v.iter().map(|n| format!("{n:x}")).collect();
    out.extend(v.iter().take(8).map(|n| format!("0X{n:X}")));
    out.extend(["65536", "2", "-1", "0x", "1_000", "fffffffffffffffff"].map(String::from));
    out
}

/// One line: a keyword (or an arch, kernel or config word) with numbers from the pool, or raw
/// hostile bytes.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let numbers = interesting_numbers();
    let word = prop_oneof![
        prop::sample::select(KEYWORDS.to_vec()).prop_map(String::from),
        prop::sample::select(vec![
            "x86_64",
            "sparc64",
            "i386",
            "i386-pae",
            "arm",
            "mips",
            "2.6.12",
            "2.6.11",
            "preempt",
            "nopreempt",
            "text",
            "a-b.c_d",
            "\u{feff}",
        ])
        .prop_map(String::from),
        prop::sample::select(numbers),
    ];
    let structured = (
        prop::sample::select(KEYWORDS.to_vec()),
        prop::collection::vec(word, 0..4),
        prop::sample::select(vec![" ", "  ", "\t", " # c "]),
    )
        .prop_map(|(kw, args, sep)| {
            let mut l = kw.to_string();
            for a in args {
                l.push_str(sep);
                l.push_str(&a);
            }
            l.into_bytes()
        });
    prop_oneof![
        8 => structured,
        1 => prop::collection::vec(any::<u8>(), 0..24),
        1 => prop::sample::select(vec![
            b"\xef\xbb\xbf".to_vec(),
            b"\r".to_vec(),
            b"\xc3\x28".to_vec(),
            b"\0".to_vec(),
            Vec::new(),
        ]),
    ]
}

/// A whole input: usually a valid header first (so that the body gets exercised), then lines
/// joined by LF, CRLF or a bare CR.
fn scenario_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::option::weighted(
            0.9,
            (
                prop::sample::select(ArchId::ALL.to_vec()),
                prop::sample::select(vec!["", "kernel 2.6.11\n", "kernel 2.6.12\n"]),
                prop::sample::select(vec![
                    "",
                    "config preempt\n",
                    "max_map_count 3\n",
                    "first_user_address 1000\n",
                ]),
            ),
        ),
        prop::collection::vec(line(), 0..24),
        prop::sample::select(vec![&b"\n"[..], b"\r\n", b"\r"]),
    )
        .prop_map(|(header, lines, end)| {
            let mut out = Vec::new();
            if let Some((arch, kernel, extra)) = header {
                out.extend(format!("arch {arch}\n{kernel}{extra}").bytes());
            }
            for l in lines {
                out.extend(l);
                out.extend(end);
            }
            out
        })
}

/// Runs one input and checks what must hold for any input.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let opts = ReportOptions {
        visits: true,
        orphans: true,
    };
    let (out, err) = report_bytes(bytes, opts);
    // Every report line is one of the format's lines.
    for l in out.lines() {
        let ok = [
            "> ",
            "free ",
            "flush ",
            "vpte_pages ",
            "visits ",
            "BUG ",
            "orphan ",
            "tables ",
        ]
        .iter()
        .any(|p| l.starts_with(p))
            || l.starts_with("ENOMEM split_vma map_count=");
        prop_assert!(ok, "unexpected report line {l:?}");
    }
    if let Some(e) = err {
        // The bad line printed nothing: the echoes are exactly the commands before it.
        prop_assert!(e.line >= 1);
        let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let before = body
            .split(|b| *b == b'\n')
            .take(e.line - 1)
            .filter(|l| {
                let l = std::str::from_utf8(l).expect("lines before the error are UTF-8");
                !l.split('#').next().unwrap_or("").trim().is_empty()
            })
            .count();
        let echoes = out.lines().filter(|l| l.starts_with("> ")).count();
        prop_assert_eq!(echoes, before, "report:\n{}\nerror: {}", out, e);
        let message = e.to_string();
        prop_assert!(
            !message.chars().any(|c| c.is_control()),
            "raw control character in {message:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The default run: a few hundred hostile scenarios.
    #[test]
    fn hostile_scenarios_do_not_panic(bytes in scenario_bytes()) {
        check(&bytes)?;
    }
}

/// The full run: ten million inputs (release build; minutes).
#[test]
#[ignore = "run as a command: PROPTEST_CASES=10000000 cargo test --release -p freepgt --test fuzz_scenario -- --ignored"]
fn fuzz_scenario_language_ten_million_cases() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000u32);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let start = std::time::Instant::now();
    runner.run(&scenario_bytes(), |b| check(&b)).unwrap();
    println!(
        "fuzzed the scenario language with {cases} inputs in {:.0} s: no panic",
        start.elapsed().as_secs_f64()
    );
}
