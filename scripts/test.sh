#!/usr/bin/env bash
# Runs every test: formatting and lints, the core and CLI (native, with golden and property
# tests), the app's native tests, the release build, the size report and benchmark numbers,
# and the browser tests in headless Chromium. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# FREEPGT_TOOL_ROOT=DIR: the cargo tools live in DIR/bin (scripts/setup.sh installs them there).
if [ -n "${FREEPGT_TOOL_ROOT:-}" ]; then export PATH="$FREEPGT_TOOL_ROOT/bin:$PATH"; fi

step() { printf '\n==== %s\n' "$*"; }

step "setup (skips what is installed)"
scripts/setup.sh --browser

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native, all targets)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo clippy (wasm32 app and wasm benchmark)"
cargo clippy -p freepgt-app -p freepgt-wasm-bench --target wasm32-unknown-unknown -- -D warnings

step "cargo test (native: core, CLI, app state)"
cargo test --workspace

step "release CLI (the browser tests compare the app with it)"
cargo build --profile cli -p freepgt-cli

step "trunk build --release"
trunk build --release

step "the book (mdBook, docs/) into dist/book/"
# Trunk's post_build hook already built it (so trunk serve ships it too); building it again
# here takes half a second and fails loudly if mdbook is missing.
scripts/build-book.sh
test -f dist/book/reference.html

step "the wasm benchmark's module (not shipped) into target/bench-wasm/"
scripts/bench-wasm.sh

step "size report"
scripts/size-report.sh

step "benchmark (numbers, not assertions)"
target/cli/freepgt bench

step "browser tests (playwright-core + /usr/bin/chromium)"
(cd web/tests && node --test)
