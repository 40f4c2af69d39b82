//! The `freepgt` binary: exit statuses, stdout/stderr split, trace and JSON output.

mod common;

use std::process::Output;

fn freepgt(args: &[&str], stdin: &str) -> Output {
    common::freepgt(args, stdin.as_bytes())
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

const EXAMPLE: &str = "arch x86_64\nvma 400000 401000 text\nvma a00000 a01000\ntouch 400000\ntouch a00000\nmunmap 400000 a01000\n";

#[test]
fn run_prints_the_report_and_exits_zero() {
    let out = freepgt(&["run"], EXAMPLE);
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("> arch x86_64\n> vma 0x400000 0x401000 text\n"));
    assert!(stdout.ends_with("flush 0xa00000 0xa01000\ntables pte=0 pmd=0 pud=0\n"));
}

#[test]
fn run_reads_a_file_argument() {
    let path = std::env::temp_dir().join(format!("freepgt-cli-test-{}.scn", std::process::id()));
    std::fs::write(&path, EXAMPLE).unwrap();
    let out = freepgt(&["run", "--visits", path.to_str().unwrap()], "");
    std::fs::remove_file(&path).ok();
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("visits pgd=2 pud=2 pmd=2\n"));
}

#[test]
fn bad_line_prints_prefix_then_error_and_exits_2() {
    let out = freepgt(
        &["run"],
        "arch x86_64\nvma 400000 401000\ntouch 500000\nexit\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stdout),
        "> arch x86_64\n> vma 0x400000 0x401000\ntables pte=0 pmd=0 pud=0\n"
    );
    assert_eq!(
        text(&out.stderr),
        "error line 3: touch outside any vma at 0x500000\n"
    );
}

#[test]
fn syntax_error_after_valid_lines_also_keeps_the_prefix() {
    let out = freepgt(&["run"], "arch sparc64\nvma 10000 12000\nfrob\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).ends_with("tables pte=0 pmd=0 pud=0\n"));
    assert_eq!(text(&out.stderr), "error line 3: unknown command 'frob'\n");
}

#[test]
fn missing_file_exits_2() {
    let out = freepgt(&["run", "/nonexistent/scenario.scn"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("freepgt: cannot read /nonexistent/scenario.scn"));
}

#[test]
fn empty_scenario_prints_nothing() {
    let out = freepgt(&["run"], "# nothing here\n");
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn trace_shows_the_decisions_with_values() {
    let out = freepgt(&["run", "--trace"], EXAMPLE);
    let s = text(&out.stdout);
    assert!(s.contains("free_pgd_range(addr=0x400000, end=0x401000, floor=0x0, ceiling=0xa00000)"));
    assert!(s.contains("keep pmd table 0x0: ceiling 0xa00000 & PUD_MASK = 0"));
    assert!(s.contains("keep pud table 0x0: ceiling 0xa00000 & PGDIR_MASK = 0"));
    assert!(s.contains("flush_tlb_pgtables(0x400000, 0x401000): empty body on this arch"));
    // The report lines are still there.
    assert!(s.contains("\nfree pud 0x0\n"));
}

#[test]
fn json_has_steps_events_and_final_state() {
    let out = freepgt(&["run", "--format", "json"], EXAMPLE);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 6);
    let munmap = &steps[5];
    assert_eq!(munmap["command"], "munmap 0x400000 0xa01000");
    assert_eq!(munmap["visits"]["pgd"], 2);
    let freed: Vec<_> = munmap["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "table_freed")
        .map(|e| format!("{} {}", e["level"].as_str().unwrap(), e["base"]))
        .collect();
    assert_eq!(
        freed,
        [
            "pte \"0x400000\"",
            "pte \"0xa00000\"",
            "pmd \"0x0\"",
            "pud \"0x0\""
        ]
    );
    assert_eq!(v["final"]["arch"], "x86_64");
    assert_eq!(v["final"]["vmas"].as_array().unwrap().len(), 0);
    assert_eq!(v["error"], serde_json::Value::Null);
}

/// The final state carries every header value, defaults included, so a tool reading the JSON
/// knows the settings the numbers were computed under.
#[test]
fn json_final_state_carries_the_config_and_max_map_count_headers() {
    let v = |text: &str| -> serde_json::Value {
        let out = freepgt(&["run", "--format", "json"], text);
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let defaults = v("arch sparc64\n");
    assert_eq!(defaults["final"]["config"], "nopreempt");
    assert_eq!(defaults["final"]["max_map_count"], 65536);
    let set = v("arch sparc64\nconfig preempt\nmax_map_count 3\nvma 400000 402000\n");
    assert_eq!(set["final"]["config"], "preempt");
    assert_eq!(set["final"]["max_map_count"], 3);
}

#[test]
fn json_reports_the_error_too() {
    let out = freepgt(&["run", "--format", "json"], "arch x86_64\ntouch 0\n");
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["line"], 2);
    assert_eq!(
        v["error"]["message"],
        "error line 2: touch outside any vma at 0x0"
    );
}

#[test]
fn example_lists_and_prints_presets() {
    let list = text(&freepgt(&["example"], "").stdout);
    assert!(list.contains("miller-ceiling"));
    let gather = freepgt(&["example", "gather"], "");
    assert!(text(&gather.stdout).starts_with("arch x86_64\n"));
    assert_eq!(freepgt(&["example", "nope"], "").status.code(), Some(2));
}

#[test]
fn help_documents_the_flags() {
    let help = text(&freepgt(&["run", "--help"], "").stdout);
    for flag in ["--visits", "--orphans", "--trace", "--format"] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}

#[test]
fn bench_runs_small() {
    let out = freepgt(
        &[
            "bench",
            "--vmas",
            "200",
            "--faults",
            "2000",
            "--munmaps",
            "10",
        ],
        "",
    );
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert!(s.contains("x86_64   2.6.12"));
    assert!(s.contains("sparc64  2.6.11"));
}

#[test]
fn compare_totals_match_run_visits_under_both_kernels() {
    let text = "arch x86_64\nvma 400000 401000\ntouch 400000\nmunmap 400000 401000\n";
    let out = text_of(&freepgt(&["compare"], text));
    assert!(out.contains("* line 4: munmap 0x400000 0x401000"), "{out}");
    assert!(
        out.contains(
            "total visits 2.6.11 1026 (pgd 2 pud 512 pmd 512), 2.6.12 3 (pgd 1 pud 1 pmd 1)"
        ),
        "{out}"
    );
    for (kernel, visits) in [
        ("2.6.11", "visits pgd=2 pud=512 pmd=512"),
        ("2.6.12", "visits pgd=1 pud=1 pmd=1"),
    ] {
        let with_kernel = text.replacen("\n", &format!("\nkernel {kernel}\n"), 1);
        assert!(text_of(&freepgt(&["run", "--visits"], &with_kernel)).contains(visits));
    }
}

#[test]
fn url_prints_a_link_that_decodes_to_the_scenario() {
    let out = text_of(&freepgt(
        &["url", "--base", "https://example.org/p/", "--step", "4"],
        EXAMPLE,
    ));
    let link = out.trim();
    assert!(link.starts_with("https://example.org/p/#v=1&"), "{link}");
    let state = freepgt::share::decode(link.split_once('#').unwrap().1).unwrap();
    assert_eq!(state.step.unwrap().to_string(), "4");
    assert_eq!(
        freepgt::Scenario::parse(&state.text).unwrap().to_text(),
        freepgt::Scenario::parse(EXAMPLE).unwrap().to_text()
    );
    let embed = text_of(&freepgt(&["url", "--embed"], EXAMPLE));
    assert!(embed.trim().ends_with("&embed=1"));
}

fn text_of(o: &Output) -> String {
    text(&o.stdout)
}

#[test]
fn invalid_utf8_prints_the_report_before_it_and_names_the_line() {
    let out = common::freepgt(
        &["run"],
        b"\xef\xbb\xbfarch i386\r\nvma 1000 2000\n# \xc3\x28\nvma 3000 4000\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stdout),
        "> arch i386\n> vma 0x1000 0x2000\ntables pte=0 pmd=0 pud=0\n"
    );
    assert_eq!(
        text(&out.stderr),
        "error line 3: the line is not valid UTF-8\n"
    );
}
