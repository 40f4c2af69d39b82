#!/usr/bin/env bash
# Prints the shipped size of the playground in dist/ (raw and gzip -9): the wasm, its JS glue
# and snippets, and the CSS, against the 150 KB gzipped budget. Listed but not counted:
# index.html, embed.js (which documentation pages load, not the playground) and help.html (the
# Help panel's text, fetched only when a visitor opens Help).
set -euo pipefail
cd "$(dirname "$0")/.."
budget=$((150 * 1024))
total_gz=0
printf '%-44s %10s %10s\n' file bytes gzip-9
for f in dist/*.wasm dist/freepgt-app-*.js dist/snippets/*/*.js dist/*.css dist/index.html dist/embed.js dist/help.html; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  case "$f" in
    dist/index.html|dist/embed.js) note=" (not counted)" ;;
    dist/help.html) note=" (on demand: fetched when Help opens, not counted)" ;;
    *) note=""; total_gz=$((total_gz + gz)) ;;
  esac
  printf '%-44s %10d %10d%s\n' "${f#dist/}" "$raw" "$gz" "$note"
done
verdict=within
[ "$total_gz" -le "$budget" ] || verdict=OVER
awk -v t="$total_gz" -v v="$verdict" 'BEGIN { printf "shipped total: %d bytes gzipped (%.1f KB), %s the 150 KB budget\n", t, t / 1024, v }'

# Share-link budgets (issue 4): the typical preset <= 300 characters, a 100-operation
# scenario <= 2,000, both behind a 22-character base.
cli=target/cli/freepgt
if [ -x "$cli" ]; then
  base=http://127.0.0.1:8080/
  typical=$("$cli" example typical | "$cli" url --base "$base" - | tr -d '\n' | wc -c)
  tmp=$(mktemp)
  "$cli" bench --vmas 40 --faults 50 --munmaps 9 --write-scenario "$tmp" >/dev/null
  ops=$(grep -vc '^arch' "$tmp")
  hundred=$("$cli" url --base "$base" "$tmp" | tr -d '\n' | wc -c)
  rm -f "$tmp"
  echo "share link, typical preset: $typical characters (budget 300)"
  echo "share link, $ops-operation scenario: $hundred characters (budget 2000)"
fi
