#!/usr/bin/env bash
# Runs every test of the Unity side: static checks of the UPM package, the C# unit tests of the
# package's core, then the protocol tests of the stand-in host over real FIFOs (test_host.py,
# with peer.py as Neovim) and of the test runs (test_tests.py).
# Exits non-zero on any failure; the last line is "N passed, M failed".
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # `sh script` (as the Makefile runs it) re-runs under bash
set -uo pipefail
export PYTHONDONTWRITEBYTECODE=1 # keep the work tree clean

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! command -v python3 >/dev/null 2>&1; then
    apt-get install -y python3 >&2 || { apt-get update >&2 && apt-get install -y python3 >&2; }
fi
if ! bash "$here/build.sh"; then
    echo "0 passed, 1 failed"
    exit 1
fi

# GNU timeout bounds each suite; macOS has none by default.
limit() { if command -v timeout >/dev/null 2>&1; then timeout "$@"; else shift; "$@"; fi; }

passed=0
failed=0
tally() { # reads a suite's output, echoes it, adds its "N passed, M failed" line to the totals
    local out=$1 status=$2 line
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n1)
    if [ -z "$line" ]; then
        failed=$((failed + 1)) # the suite died before its summary
        return
    fi
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
    if [ "$status" -ne 0 ] && [ "$(echo "$line" | cut -d' ' -f3)" = 0 ]; then failed=$((failed + 1)); fi
}

echo "== package layout"
out=$(cd "$here" && python3 test_package.py 2>&1); tally "$out" $?
echo "== C# unit tests"
out=$(limit 120 mono --debug "$root/target/unity-host/UnitTests.exe" 2>&1); tally "$out" $?
echo "== host protocol tests"
out=$(cd "$here" && limit 600 python3 test_host.py 2>&1); tally "$out" $?
echo "== refresh tests"
out=$(cd "$here" && limit 300 python3 test_refresh.py 2>&1); tally "$out" $?
echo "== debugger endpoint and code optimization"
out=$(cd "$here" && limit 300 python3 test_debug.py 2>&1); tally "$out" $?
echo "== project files and assemblies"
out=$(cd "$here" && limit 600 python3 test_projects.py 2>&1); tally "$out" $?
echo "== test runs (tests.*)"
out=$(cd "$here" && limit 300 python3 test_tests.py 2>&1); tally "$out" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
