//! The wasm half of the wasm-vs-native benchmark (`web/tests/bench.test.mjs`): the same
//! parse + simulate + report that `freepgt bench --from FILE` times natively, exported to
//! JavaScript so the test can time it in Chromium on the same text and print the ratio.

use freepgt::report::{report, ReportOptions};
use wasm_bindgen::prelude::wasm_bindgen;

/// Renders the report of scenario `text` ([`freepgt::report::report`]) and returns
/// `"BYTES FNV1A"` (the report's length and its FNV-1a hash in hex, as the native benchmark
/// prints them, so the test can check both sides rendered the same bytes), followed by
/// ` error line N: ...` if the scenario stopped at a bad line.
#[wasm_bindgen(js_name = freepgtBenchReport)]
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
