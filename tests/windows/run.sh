#!/usr/bin/env bash
# `make test-windows`: the Windows build proven under wine on this Linux machine. Installs what
# it needs (tests/windows/setup.sh, cached under target/windows/), then runs the named-pipe
# transport's tests (src/transport/windows/tests.rs) as Windows programs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
env_file=$(mktemp)
trap 'rm -f "$env_file"' EXIT
bash tests/windows/setup.sh >"$env_file"
# shellcheck disable=SC1090
. "$env_file"
target=x86_64-pc-windows-gnu

echo "== the named-pipe transport under wine"
cargo test --release --target "$target" --lib transport::windows

wineserver -k 2>/dev/null || true
