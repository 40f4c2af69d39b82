#!/usr/bin/env bash
# Builds the playground (release) and serves it on 127.0.0.1 (PORT, default 8080), rebuilding
# on change. Installs the toolchain first if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# FREEPGT_TOOL_ROOT=DIR: the cargo tools live in DIR/bin (scripts/setup.sh installs them there).
if [ -n "${FREEPGT_TOOL_ROOT:-}" ]; then export PATH="$FREEPGT_TOOL_ROOT/bin:$PATH"; fi
scripts/setup.sh
port="${PORT:-8080}"
echo "freepgt playground: http://127.0.0.1:${port}/"
exec trunk serve --release --address 127.0.0.1 --port "$port"
