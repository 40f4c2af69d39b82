#!/usr/bin/env bash
# Builds the wasm half of the wasm-vs-native benchmark (crates/freepgt-wasm-bench, the core's
# report exported as `freepgtBenchReport`) into target/bench-wasm/, where
# web/tests/bench.test.mjs loads it. It is not part of the playground's download (dist/).
# Same profile as the playground (release: opt-level "z", LTO, one codegen unit), so the ratio
# it prints is that of the code users run; the core's wasm32 build is shared with trunk's.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --offline -p freepgt-wasm-bench --target wasm32-unknown-unknown
wasm-bindgen --target web --no-typescript --out-dir target/bench-wasm \
  target/wasm32-unknown-unknown/release/freepgt_wasm_bench.wasm
