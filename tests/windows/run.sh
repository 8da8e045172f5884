#!/usr/bin/env bash
# `make test-windows`: the Windows build proven under wine on this Linux machine. Installs what
# it needs (tests/windows/setup.sh, cached under target/windows/), then runs as Windows
# programs: the crate's unit tests (the named-pipe transport's in src/transport/windows/tests.rs),
# the package's C# unit tests on .NET Core, and the specs of tests/windows/nvim/ in Windows
# nvim.exe with lua/unity_native.dll against unity-peer.exe and the stand-in host (the real
# package with UNITY_EDITOR_WIN, on .NET Core).
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

echo "== the package's unit tests on .NET Core for Windows, its named pipes' among them"
host="$root/target/windows/unity-host"
bash tests/unity_host/build.sh --dotnet "$DOTNET_FRAMEWORK" "$host"
wine "$DOTNET_EXE" "$host/UnitTests.exe"

# Drive Z: is wine's view of /.
echo "== Windows nvim.exe against unity-peer.exe and the package (the stand-in host) over named pipes"
status=0
UNITY_PEER="Z:$root/target/$target/release/unity-peer.exe" UNITY_HOST_EXE="Z:$host/UnityHost.exe" DOTNET_EXE="Z:$DOTNET_EXE" \
    UNITY_GUI_STANDIN="Z:$UNITY_GUI_STANDIN" \
    wine "$NVIM_EXE" --headless --clean -l "Z:$root/tests/run.lua" "Z:$root/tests/windows/nvim" || status=$?
wineserver -k 2>/dev/null || true
exit $status
