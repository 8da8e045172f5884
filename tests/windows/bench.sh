#!/usr/bin/env bash
# The Windows line of `make bench`, under wine: messages/s from unity-peer.exe's flood to the
# log buffer of Windows nvim.exe (tests/bench/nvim_bench.lua, mode flood) as a ratio of the raw
# named-pipe limit measured in the same run (unity-peer.exe pipe-limit), and the worst
# main-loop stall during the flood. Writes target/bench/windows.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
env_file=$(mktemp)
project=$(mktemp -d)
trap 'rm -rf "$env_file" "$project"; wineserver -k 2>/dev/null || true' EXIT
bash tests/windows/setup.sh >"$env_file"
# shellcheck disable=SC1090
. "$env_file"
make -s windows >/dev/null
peer="$root/target/x86_64-pc-windows-gnu/release/unity-peer.exe"
count=${BENCH_COUNT:-100000}
mkdir -p "$project/Assets" "$project/ProjectSettings" target/bench
echo "m_EditorVersion: 2022.3.0f1" >"$project/ProjectSettings/ProjectVersion.txt"

limit=$(wine "$peer" pipe-limit --frames "$count" --runs 3 --max-secs 300)
out="$root/target/bench/windows-flood.json"
rm -f "$out"
# Drive Z: is wine's view of /.
BENCH_MODE=flood BENCH_OUT="Z:$out" BENCH_PROJECT="Z:$project" BENCH_PEER="Z:$peer" \
    BENCH_COUNT="$count" BENCH_TIMEOUT_MS=240000 \
    timeout 300 wine "$NVIM_EXE" --headless --clean --cmd "set rtp^=Z:$root" \
    -c "luafile Z:$root/tests/bench/nvim_bench.lua" >/dev/null 2>&1 || true
[ -f "$out" ] || { echo "windows (wine): the flood wrote no result" >&2; exit 1; }
LIMIT="$limit" python3 - "$out" "$root/target/bench/windows.json" <<'PY'
import json, os, sys
flood = json.load(open(sys.argv[1]))
if flood.get("error"):
    sys.exit("windows (wine): the flood failed: " + flood["error"])
limit = json.loads(os.environ["LIMIT"])["pipe_limit_frames_per_s"]
batch = flood["batches"][0]
stall = batch["stall"]
worst = "%.1f" % stall["max_stall_ms"]
result = {"msgs_per_s": batch["msgs_per_s"], "pipe_limit_frames_per_s": float(limit),
          "ratio": batch["msgs_per_s"] / float(limit), "lost": batch["lost"], "stall": stall}
json.dump(result, open(sys.argv[2], "w"), indent=1)
print("windows (wine): %.0f msgs/s end to end = %.2fx the raw named-pipe limit (%.0f frames/s); "
      "worst main-loop stall %s ms; %d lost" % (result["msgs_per_s"], result["ratio"], float(limit),
      worst, batch["lost"]))
PY
