#!/usr/bin/env bash
# Fuzzes the frame decoder, the message parser and the log window's lines
# (fuzz_targets/decode.rs) for SECONDS seconds with cargo-fuzz (libFuzzer, nightly Rust),
# installing cargo-fuzz when missing. Used bounded by `make test` and at length by `make fuzz`.
# Exits non-zero on any crash or failed property.
set -euo pipefail
seconds=${1:-20}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "fuzz: cargo-fuzz needs the nightly Rust toolchain (rustup toolchain install nightly)" >&2
    exit 1
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked >&2
mkdir -p "$here/corpus/decode"
cd "$root"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if cargo +nightly fuzz run --fuzz-dir tests/fuzz decode -- -max_total_time="$seconds" >"$log" 2>&1; then
    runs=$(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1)
    echo "fuzz: ${runs:-done} (no crash, every property held)"
else
    tail -n 40 "$log"
    echo "fuzz: FAILED, see the crash input under tests/fuzz/artifacts/" >&2
    exit 1
fi
