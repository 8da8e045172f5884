#!/usr/bin/env bash
# The Windows line of `make bench`, under wine: messages/s from unity-peer.exe's flood to the
# log buffer of Windows nvim.exe (tests/bench/nvim_bench.lua, mode flood) as a ratio of the raw
# named-pipe limit measured in the same run (unity-peer.exe pipe-limit), and the worst
# main-loop stall during the flood; then, woken by the wake-up pipe and by the 16 ms fallback
# timer in turn, the median latency of sparse messages and the idle main loop's wake-ups per
# second. Writes target/bench/windows.json.
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

# One scenario of tests/bench/nvim_bench.lua in Windows nvim.exe: scenario MODE, variant
# VARIANT ("timer": the 16 ms fallback instead of the wake-up pipe), result in OUT.
scenario() {
    rm -f "$3"
    # Drive Z: is wine's view of /.
    BENCH_MODE=$1 BENCH_VARIANT=$2 BENCH_OUT="Z:$3" BENCH_PROJECT="Z:$project" BENCH_PEER="Z:$peer" \
        BENCH_COUNT=$4 BENCH_RATE=50 BENCH_TIMEOUT_MS=240000 \
        timeout 300 wine "$NVIM_EXE" --headless --clean --cmd "set rtp^=Z:$root" \
        -c "luafile Z:$root/tests/bench/nvim_bench.lua" >/dev/null 2>&1 || true
    [ -f "$3" ] || { echo "windows (wine): $1 $2 wrote no result" >&2; exit 1; }
}
out="$root/target/bench/windows-flood.json"
scenario flood "" "$out" "$count"
# Woken by the pipe (after) and by the fallback timer (before), in the same session: sparse
# messages (50/s) from the peer's write to the log buffer, and the main loop idle.
wake="$root/target/bench/windows-wake"
for how in pipe timer; do
    variant=$([ $how = timer ] && echo timer || true)
    scenario latency "$variant" "$wake-latency-$how.json" 200
    scenario idle_wakeups "$variant" "$wake-idle-$how.json" 0
done
LIMIT="$limit" python3 - "$out" "$root/target/bench/windows.json" "$wake" <<'PY'
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
wake = {}
for how in ("pipe", "timer"):
    lat = json.load(open(sys.argv[3] + "-latency-" + how + ".json"))
    idle = json.load(open(sys.argv[3] + "-idle-" + how + ".json"))
    for r in (lat, idle):
        if r.get("error"):
            sys.exit("windows (wine): the %s run (%s) failed: %s" % (r["mode"], how, r["error"]))
    woken = [lat["batches"][0]["extra"]["wake"]["how"], idle["extra"]["wake"]["how"]]
    if woken != [how, how]:
        sys.exit("windows (wine): the %s runs were woken by %s" % (how, woken))
    wake[how] = {"latency": lat["batches"][0]["latency"], "idle_wakeups_per_s": idle["wakeups_per_s"]}
result["wake"] = wake
json.dump(result, open(sys.argv[2], "w"), indent=1)
print("windows (wine): %.0f msgs/s end to end = %.2fx the raw named-pipe limit (%.0f frames/s); "
      "worst main-loop stall %s ms; %d lost" % (result["msgs_per_s"], result["ratio"], float(limit),
      worst, batch["lost"]))
print("windows (wine): woken by the pipe: %.1f ms median latency, %.1f idle wake-ups/s; by the "
      "16 ms timer: %.1f ms, %.1f/s" % (wake["pipe"]["latency"]["p50_ms"], wake["pipe"]["idle_wakeups_per_s"],
      wake["timer"]["latency"]["p50_ms"], wake["timer"]["idle_wakeups_per_s"]))
PY
