#!/usr/bin/env bash
# Builds the book (docs/, mdBook) into OUT/book: OUT is the first argument, else
# $TRUNK_STAGING_DIR when Trunk runs this as its post_build hook (so `trunk build` and
# `trunk serve` both ship dist/book/ next to the playground whose embed.js it loads),
# else dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out="${1:-${TRUNK_STAGING_DIR:-dist}}/book"
if ! command -v mdbook >/dev/null; then
  echo "build-book: mdbook is not installed (scripts/setup.sh installs it); no book in $out" >&2
  exit 0
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
t0=$(date +%s%N)
if ! log=$(mdbook build docs --dest-dir "$out" 2>&1); then
  printf '%s\n' "$log" >&2
  echo "build-book: mdbook build failed" >&2
  exit 1
fi
# Warnings (a broken link, a missing file) are shown; the INFO chatter is not.
printf '%s\n' "$log" | grep -v ' INFO ' >&2 || true
echo "build-book: $out in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
