#!/usr/bin/env bash
# Installs what the playground needs and skips what is already there.
#   scripts/setup.sh            toolchain for building and serving (wasm32 target, trunk, wasm-bindgen,
#                               mdbook for the book)
#   scripts/setup.sh --browser  also Debian chromium + chromium-driver and the npm test packages
# Nothing is downloaded from outside the package registries (crates.io, Debian, npm).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.22.1
# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock exactly.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)

step() { printf '== %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! { command -v trunk >/dev/null && trunk --version | grep -q " $TRUNK_VERSION"; }; then
  step "cargo install trunk $TRUNK_VERSION (about 14 minutes on 2 cores)"
  # trunk 0.22.1 declares rust-version 1.96.1; it builds and works on this machine's 1.95.
  cargo install trunk --version "$TRUNK_VERSION" --locked --ignore-rust-version
fi

if ! { command -v wasm-bindgen >/dev/null && wasm-bindgen --version | grep -q " $WB_VERSION\$"; }; then
  step "cargo install wasm-bindgen-cli $WB_VERSION"
  # Not --locked: its lock file wants a webpki-roots release this registry does not have.
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

# The book (docs/, built into dist/book/ by scripts/build-book.sh as Trunk's post_build hook).
MDBOOK_VERSION=0.5.4
if ! { command -v mdbook >/dev/null && mdbook --version | grep -q "v$MDBOOK_VERSION\$"; }; then
  step "cargo install mdbook $MDBOOK_VERSION"
  t0=$SECONDS
  cargo install mdbook --version "$MDBOOK_VERSION" --locked
  echo "mdbook $MDBOOK_VERSION installed in $((SECONDS - t0)) s"
fi

if [ "${1:-}" = "--browser" ]; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" = 0 ]; then
      step "apt-get install chromium chromium-driver"
      apt-get update
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
    else
      echo "browser tests need Debian's chromium and chromium-driver: sudo apt-get install chromium chromium-driver" >&2
      exit 1
    fi
  fi
  if [ ! -f web/tests/node_modules/.package-lock.json ] || [ web/tests/package-lock.json -nt web/tests/node_modules/.package-lock.json ]; then
    step "npm ci (web/tests)"
    (cd web/tests && npm ci --no-audit --no-fund)
  fi
fi

# Trunk.toml sets offline = true, which makes trunk run cargo --offline.
cargo fetch --quiet
