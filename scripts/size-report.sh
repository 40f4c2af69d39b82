#!/usr/bin/env bash
# Prints the shipped size of dist/ (raw and gzip -9) against the 150 KB gzipped budget.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=$((150 * 1024))
total_gz=0
printf '%-44s %10s %10s\n' file bytes gzip-9
for f in dist/*.wasm dist/*.js dist/*.css dist/index.html; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total_gz=$((total_gz + gz))
  printf '%-44s %10d %10d\n' "$(basename "$f")" "$raw" "$gz"
done
verdict=within
[ "$total_gz" -le "$budget" ] || verdict=OVER
awk -v t="$total_gz" -v v="$verdict" 'BEGIN { printf "shipped total: %d bytes gzipped (%.1f KB), %s the 150 KB budget\n", t, t / 1024, v }'
