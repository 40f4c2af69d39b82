//! The wasm half of the wasm-vs-native benchmark (`web/tests/bench.test.mjs`): the same
//! parse + simulate + report that `freepgt bench --from FILE` times natively, exported to
//! JavaScript so the test can time it in Chromium on the same text and print the ratio.
//!
//! It is not part of the playground's download: `scripts/bench-wasm.sh` builds it with the
//! release profile (opt-level "z", as shipped) and `wasm-bindgen --target web` into
//! `target/bench-wasm/`, which the test loads beside the app.

use freepgt::report::{report, ReportOptions};

/// Renders the report of scenario `text` ([`freepgt::report::report`]) and returns
/// `"BYTES FNV1A"` (the report's length and its FNV-1a hash in hex, as the native benchmark
/// prints them, so the test can check both sides rendered the same bytes), followed by
/// ` error line N: ...` if the scenario stopped at a bad line.
#[cfg_attr(
    target_arch = "wasm32",
    wasm_bindgen::prelude::wasm_bindgen(js_name = freepgtBenchReport)
)]
pub fn bench_report(text: &str) -> String {
    let (out, error) = report(text, ReportOptions::default());
    let hash = out.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    match error {
        Some(e) => format!("{} {hash:016x} {e}", out.len()),
        None => format!("{} {hash:016x}", out.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_reports_length_and_fnv1a() {
        let text = "arch x86_64\nvma 400000 401000\ntouch 400000\nexit\n";
        let (out, _) = report(text, ReportOptions::default());
        let got = bench_report(text);
        let (len, hash) = got.split_once(' ').unwrap();
        assert_eq!(len, out.len().to_string());
        assert_eq!(hash.len(), 16);
        // A different report hashes differently.
        let other = bench_report("arch x86_64\nvma 400000 402000\ntouch 400000\nexit\n");
        assert_ne!(other.split_once(' ').unwrap().1, hash);
    }

    #[test]
    fn names_the_bad_line() {
        assert!(bench_report("arch x86_64\nbogus\n").contains(" line 2"));
    }
}
