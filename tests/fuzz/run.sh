#!/usr/bin/env bash
# Fuzzes the frame decoder, the message parser and the log window's lines
# (fuzz_targets/decode.rs) for SECONDS seconds with cargo-fuzz (libFuzzer, nightly Rust),
# installing cargo-fuzz when missing. Used bounded by `make test` and at length by `make fuzz`.
# Exits non-zero on any crash or failed property.
set -euo pipefail
seconds=${1:-20}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# cargo-fuzz needs nightly Rust. A newcomer's `make test` on stable alone installs it where
# rustup can, else skips with one line; CI (CI=true) must fuzz, so there a missing nightly fails.
has_nightly() { rustup toolchain list 2>/dev/null | grep -q '^nightly'; }
if ! has_nightly && command -v rustup >/dev/null 2>&1; then
    echo "fuzz: installing the nightly Rust toolchain for cargo-fuzz (rustup toolchain install nightly)" >&2
    rustup toolchain install nightly --profile minimal >&2 || true
fi
if ! has_nightly; then
    if [ "${CI:-}" = true ]; then
        echo "fuzz: FAILED: the nightly Rust toolchain is missing (rustup toolchain install nightly)" >&2
        exit 1
    fi
    echo "fuzz: skipped: no nightly Rust toolchain (install one with rustup toolchain install nightly)"
    exit 0
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
