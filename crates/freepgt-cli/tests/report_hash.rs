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
            "e5ee16f2da3aefeca3308a06f5f49774191ad0d8972620f27f5bad910356e6d3",
            "4d968e974c364262ee5bbc7e026bb7d7b9f2ad72afb8afa93acdcf5de1d66588",
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
            "a49779b8887e8229a2a67fabbc23e93e2576c73168328c891b55ca491468c433",
            "a27fa1d65708006a706c101da06f29f778058781baee7865234675d90b692664",
        ],
        [
            "9f5392cd15e9875a1a270d0ad5b0aa9eb68c4bd29056e51f90b080ccb74d4e78",
            "8fd3e72379e1d8fb4329e01209af595e3981bfe89e78da0b2ddb48526243a1c8",
            "a27fa1d65708006a706c101da06f29f778058781baee7865234675d90b692664",
        ],
        [
            "fd201c081e40b3dc025c3dd5ce88c1eee5117167ae5a827ea2aae01c02dd9d79",
            "41b4678d6550fce325f75eaeeb77b88b04bb5e7793cec57e37f48831237fed33",
            "9a60c878b6218c31c2a08ccaa2e86a567f30027164ff8728822107ca21cf6e6b",
        ],
        [
            "f6bfa127e42abacf454510c135ba77c49b2d9c1e180b820d914ccd39c25239ad",
            "64c1d46f3d7f4c4414ed7df235dde844053f20edbe776193d564abdb01bc010d",
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
