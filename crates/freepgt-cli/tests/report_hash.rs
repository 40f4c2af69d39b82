//! The reports of generated scenarios, pinned by sha256: the speed work (flat vma index,
//! directory arrays, streaming parser, buffered report) changes representations only, so every
//! byte of `freepgt run`'s output must stay as it was.
//!
//! The expected hashes were taken from the code before those optimisations and are not to be
//! regenerated to make a failure go away. If a change is *meant* to alter the report (a new
//! line, a fixed kernel calculation), update the hash in that change and say why in its commit.

use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::process::Command;

fn freepgt(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_freepgt"))
        .args(args)
        .output()
        .expect("spawn freepgt");
    assert!(
        out.status.success(),
        "freepgt {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Writes the generated scenario for one arch and kernel (deterministic: fixed seed) and
/// returns its path.
fn scenario(arch: &str, kernel: &str, size: [&str; 3]) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "freepgt-report-hash-{}-{arch}-{kernel}-{}.txt",
        std::process::id(),
        size.join("-")
    ));
    let p = path.to_str().unwrap();
    let [vmas, faults, munmaps] = size;
    freepgt(&[
        "bench",
        "--vmas",
        vmas,
        "--faults",
        faults,
        "--munmaps",
        munmaps,
        "--seed",
        "12",
        "--arch",
        arch,
        "--kernel",
        kernel,
        "--write-scenario",
        p,
    ]);
    path
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks every `(what, got, expected)` and reports all mismatches at once.
fn check(results: &[(String, Vec<u8>, &str)]) {
    let wrong: Vec<String> = results
        .iter()
        .filter(|(_, got, want)| sha256(got) != *want)
        .map(|(what, got, want)| {
            format!(
                "{what}: sha256 {} ({} bytes), expected {want}",
                sha256(got),
                got.len()
            )
        })
        .collect();
    assert!(wrong.is_empty(), "reports changed:\n{}", wrong.join("\n"));
}

const CASES: [(&str, &str); 4] = [
    ("x86_64", "2.6.12"),
    ("x86_64", "2.6.11"),
    ("sparc64", "2.6.12"),
    ("sparc64", "2.6.11"),
];

/// 1,500 vmas, 30,000 faults, 150 munmaps, exit: the report, and the report with visits and
/// orphans.
///
/// sparc64 2.6.11's two hashes changed with exact TLB batches (issue 11): the first
/// flush_tlb_pgtables of a munmap now starts with the ptes the zap left queued, which turns
/// `batches 1` into `batches 2` on four `vpte_pages` lines and changes nothing else (checked
/// by diffing against a build that queues nothing). The sparc64 JSON hashes changed for the
/// same reason and for the new `queued` field of each VPTE cost.
#[test]
fn reports_of_a_generated_scenario_are_unchanged() {
    const EXPECTED: [[&str; 2]; 4] = [
        [
            "21e9f417d9431a7bee504bc638bd87cd1a9da02da163c73517c181f6d52edb68",
            "9314852f056ab1b08b21c2df498b55c67f84f30f109809846b8a8d61378bf8b9",
        ],
        [
            "1cdb80cad86a0cabb7ab1a62660c7c79db03657023579dd12b31b6ccba45d223",
            "78c245a0717116c335c56cef022d33a9bb843997ec3e05a8246e33266643fe8d",
        ],
        [
            "21ef3c7f149a37dfb82844ef7b4e87ce54016e6c3cf9f822cc45e4409895b005",
            "206beb1ee9d8dfa5f3e855a7322c7fa44fb752057428c402110ce801c318dca7",
        ],
        [
            "7cf8a9cdc60d8a35c31aa20cb5d7a9f15991318b092e8d7eb851608c299ca52a",
            "2e56240ab9311785235ac9c51938367e3e1b75e47aa81f741e3288b0e5f84adb",
        ],
    ];
    let mut results = Vec::new();
    for ((arch, kernel), [plain, extra]) in CASES.into_iter().zip(EXPECTED) {
        let path = scenario(arch, kernel, ["1500", "30000", "150"]);
        let p = path.to_str().unwrap();
        results.push((format!("run {arch} {kernel}"), freepgt(&["run", p]), plain));
        results.push((
            format!("run --visits --orphans {arch} {kernel}"),
            freepgt(&["run", "--visits", "--orphans", p]),
            extra,
        ));
        std::fs::remove_file(path).unwrap();
    }
    check(&results);
}

/// 300 vmas, 3,000 faults, 60 munmaps, exit: the trace, the JSON and the comparison (which
/// runs both kernels, so its hash is the same for both rows of an arch).
#[test]
fn traces_json_and_comparisons_of_a_generated_scenario_are_unchanged() {
    const EXPECTED: [[&str; 3]; 4] = [
        [
            "0a0015cf3184556f7b1afa21170191ba929f8baf5fd9de48dc8f8ccff3f29979",
            "d19dde0f5e94907df21e46bcde209654c1fb2cdffae5fda9f48b626dc66d1a04",
            "a27fa1d65708006a706c101da06f29f778058781baee7865234675d90b692664",
        ],
        [
            "9f5392cd15e9875a1a270d0ad5b0aa9eb68c4bd29056e51f90b080ccb74d4e78",
            "08aed5a97cd30bf054d5f1c1127b1a096ce597ffd447bd7c99cc9bd87b709a95",
            "a27fa1d65708006a706c101da06f29f778058781baee7865234675d90b692664",
        ],
        [
            "fd201c081e40b3dc025c3dd5ce88c1eee5117167ae5a827ea2aae01c02dd9d79",
            "c2488d180547b39b15abfc7d45d2d4a2ee0994ca0804f994a81919683b1cbda9",
            "9a60c878b6218c31c2a08ccaa2e86a567f30027164ff8728822107ca21cf6e6b",
        ],
        [
            "f6bfa127e42abacf454510c135ba77c49b2d9c1e180b820d914ccd39c25239ad",
            "a13dba02457dc79de59b422a3fd07d602358c4b85b4ac2f42e0e9bbf95728da8",
            "9a60c878b6218c31c2a08ccaa2e86a567f30027164ff8728822107ca21cf6e6b",
        ],
    ];
    let mut results = Vec::new();
    for ((arch, kernel), [trace, json, compare]) in CASES.into_iter().zip(EXPECTED) {
        let path = scenario(arch, kernel, ["300", "3000", "60"]);
        let p = path.to_str().unwrap();
        results.push((
            format!("run --trace {arch} {kernel}"),
            freepgt(&["run", "--trace", p]),
            trace,
        ));
        results.push((
            format!("run --format json {arch} {kernel}"),
            freepgt(&["run", "--format", "json", p]),
            json,
        ));
        results.push((
            format!("compare {arch} {kernel}"),
            freepgt(&["compare", p]),
            compare,
        ));
        std::fs::remove_file(path).unwrap();
    }
    check(&results);
}
