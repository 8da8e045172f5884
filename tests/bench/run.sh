#!/bin/sh
# `make bench` (after `make build`): every figure of doc/performance.md in one run, about 3-4
# minutes on a 2-core machine. Prints a table; writes target/bench/results.json and per-scenario
# logs in target/bench/logs/. NVIM must name a Neovim >= 0.10 (the Makefile passes it).
# BENCH_QUICK=1: one run of everything with a short idle window (a smoke test).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${NVIM:?NVIM must name a Neovim >= 0.10 (sh tests/find-nvim.sh prints one)}"
cd "$root"
mkdir -p target/bench
pid=
cleanup() {
  # bench.py kills every process group it started; this covers a killed bench.py.
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    sleep 1
    kill -KILL "$pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# A hard ceiling for the whole run: a hang fails instead of hanging.
NVIM="$NVIM" timeout -s TERM -k 10 900 python3 tests/bench/bench.py &
pid=$!
wait "$pid"
