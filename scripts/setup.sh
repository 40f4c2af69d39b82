#!/usr/bin/env bash
# Installs what the playground needs and skips what is already there.
#   scripts/setup.sh            toolchain for building and serving (wasm32 target, trunk, wasm-bindgen,
#                               mdbook for the book)
#   scripts/setup.sh --browser  also Debian chromium + chromium-driver and the npm test packages
# Nothing is downloaded from outside the package registries (crates.io, Debian, npm).
# Each step prints how long it took (an install also the CPU time its compile used).
# FREEPGT_TOOL_ROOT=DIR installs the cargo tools into DIR/bin instead of ~/.cargo/bin (and looks
# for them only there): a way to time a fresh install without touching the tools already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
setup_start=$SECONDS

TRUNK_VERSION=0.22.1
# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock exactly.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)

step() { printf '== %s\n' "$*"; }
took() { printf '   %s: %d min %02d s\n' "$1" $(( (SECONDS - $2) / 60 )) $(( (SECONDS - $2) % 60 )); }

root_args=()
if [ -n "${FREEPGT_TOOL_ROOT:-}" ]; then
  root_args=(--root "$FREEPGT_TOOL_ROOT")
fi
# has TOOL VERSION-PATTERN: TOOL is installed (on PATH, or in FREEPGT_TOOL_ROOT) at that version.
has() {
  local bin=$1
  if [ -n "${FREEPGT_TOOL_ROOT:-}" ]; then
    bin="$FREEPGT_TOOL_ROOT/bin/$1"
    [ -x "$bin" ] || return 1
  else
    command -v "$bin" >/dev/null || return 1
  fi
  "$bin" --version | grep -q "$2"
}

# The tools are built to be installed, not shipped: opt-level 0, no LTO, 16 codegen units, no
# debug info. trunk's own release profile asks for fat LTO and one codegen unit, which makes its
# last step a long single-threaded link of everything; the tools' speed does not matter here
# (trunk drives cargo, wasm-bindgen rewrites one small wasm). They share one target directory,
# so a crate two of them use at the same version and features is compiled once.
tool_target=$(mktemp -d "${TMPDIR:-/tmp}/freepgt-tools.XXXXXX")
trap 'rm -rf "$tool_target"' EXIT
# cpu_used: sets cpu_user and cpu_sys to the whole seconds of CPU that this script's finished
# children (cargo and every rustc it waited for) have used so far. `times` runs in this shell,
# not in a $(...) subshell, whose own children's times would start at zero.
cpu_used() {
  times >"$tool_target/.times"
  local re='^([0-9]+)m([0-9]+)\.[0-9]+s ([0-9]+)m([0-9]+)\.[0-9]+s$' line
  line=$(sed -n 2p "$tool_target/.times")
  [[ $line =~ $re ]] || { cpu_user=0 cpu_sys=0; return; }
  cpu_user=$(( BASH_REMATCH[1] * 60 + 10#${BASH_REMATCH[2]} ))
  cpu_sys=$(( BASH_REMATCH[3] * 60 + 10#${BASH_REMATCH[4]} ))
}
install_tool() {
  local what=$1 t0=$SECONDS u0 s0
  shift
  step "cargo install $what"
  cpu_used
  u0=$cpu_user s0=$cpu_sys
  CARGO_TARGET_DIR="$tool_target" \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
    CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_INCREMENTAL=false \
    cargo install "${root_args[@]}" "$@"
  took "$what" "$t0"
  cpu_used
  printf '   %s: %d s user + %d s system CPU (%d cores)\n' "$what" $(( cpu_user - u0 )) \
    $(( cpu_sys - s0 )) "$(nproc)"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  t0=$SECONDS
  rustup target add wasm32-unknown-unknown
  took "wasm32 target" "$t0"
fi

if ! has trunk " $TRUNK_VERSION"; then
  # trunk 0.22.1 declares rust-version 1.96.1; it builds and works on this machine's 1.95.
  # Its default features stay: without one of its TLS features (rustls, rustls-aws-lc,
  # native-tls) trunk refuses to compile, and rustls with ring is the cheapest of them that
  # needs no system library. opt-level 0: 632 s of CPU instead of about 2,000 (5 min 48 s on
  # 2 idle cores), and `trunk build --release` of this project takes 1.25 s instead of 1.16
  # (its output is the same).
  install_tool "trunk $TRUNK_VERSION" trunk --version "$TRUNK_VERSION" --locked --ignore-rust-version
fi

if ! has wasm-bindgen " $WB_VERSION\$"; then
  # Not --locked: its lock file wants a webpki-roots release this registry does not have.
  # Without its default feature (rustls for ureq, which only wasm-bindgen-test-runner uses to
  # download things); trunk and scripts/bench-wasm.sh run only wasm-bindgen itself.
  # opt-level 0: 130 s user CPU instead of 323, and wasm-bindgen then takes 1.0 s on the app
  # instead of 0.3 (it runs twice in scripts/test.sh).
  install_tool "wasm-bindgen-cli $WB_VERSION" wasm-bindgen-cli --version "$WB_VERSION" \
    --no-default-features
fi

# The book (docs/, built into dist/book/ by scripts/build-book.sh as Trunk's post_build hook).
MDBOOK_VERSION=0.5.4
if ! has mdbook "v$MDBOOK_VERSION\$"; then
  # Only `mdbook build` runs here, so not the watch and serve features (notify, tokio, axum);
  # search stays: the book has a search box. opt-level 0 halves its compile (102 s user CPU
  # instead of 204) and makes a build of the book take 0.7 s instead of 0.1.
  install_tool "mdbook $MDBOOK_VERSION" mdbook --version "$MDBOOK_VERSION" --locked \
    --no-default-features --features search
fi

if [ "${1:-}" = "--browser" ]; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" = 0 ]; then
      step "apt-get install chromium chromium-driver"
      t0=$SECONDS
      apt-get update
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
      took "chromium" "$t0"
    else
      echo "browser tests need Debian's chromium and chromium-driver: sudo apt-get install chromium chromium-driver" >&2
      exit 1
    fi
  fi
  if [ ! -f web/tests/node_modules/.package-lock.json ] || [ web/tests/package-lock.json -nt web/tests/node_modules/.package-lock.json ]; then
    step "npm ci (web/tests)"
    t0=$SECONDS
    (cd web/tests && npm ci --no-audit --no-fund)
    took "npm ci" "$t0"
  fi
fi

# Trunk.toml sets offline = true, which makes trunk run cargo --offline.
t0=$SECONDS
cargo fetch --quiet
took "cargo fetch" "$t0"
took "setup" "$setup_start"
