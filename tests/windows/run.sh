#!/usr/bin/env bash
# `make test-windows`: the Windows build proven under wine on this Linux machine. Installs what
# it needs (tests/windows/setup.sh, cached under target/windows/), then runs as Windows
# programs: the crate's unit tests (the named-pipe transport's in src/transport/windows/tests.rs)
# and the specs of tests/windows/nvim/ in Windows nvim.exe with lua/unity_native.dll against
# unity-peer.exe.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
env_file=$(mktemp)
trap 'rm -f "$env_file"' EXIT
bash tests/windows/setup.sh >"$env_file"
# shellcheck disable=SC1090
. "$env_file"
target=x86_64-pc-windows-gnu

echo "== the crate's unit tests under wine, the named-pipe transport's among them"
cargo test --release --target "$target" --lib

echo "== make windows: the module and the peer"
make windows

# Drive Z: is wine's view of /.
echo "== Windows nvim.exe against unity-peer.exe over named pipes"
status=0
UNITY_PEER="Z:$root/target/$target/release/unity-peer.exe" \
    wine "$NVIM_EXE" --headless --clean -l "Z:$root/tests/run.lua" "Z:$root/tests/windows/nvim" || status=$?
wineserver -k 2>/dev/null || true
exit $status
