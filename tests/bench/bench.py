#!/usr/bin/env python3
"""`make bench`: every figure of doc/performance.md in one run (Python 3 stdlib only).

Starts the Rust measurements (unity-peer fifo-limit / decode-bench) and headless Neovim
scenarios (tests/bench/nvim_bench.lua, which starts the peer, `unity-peer flood`, itself), reads /proc for
idle and startup costs, prints a table and writes target/bench/results.json.

Every child runs in its own process group with a timeout and is killed (SIGKILL to the group)
when it ends, fails or hangs, and when this script is interrupted. Projects live in mktemp
folders, never in the repository.

Environment: NVIM (required), BENCH_QUICK=1 for one run of everything (a smoke test),
BENCH_IDLE_SECS (default 30), BENCH_COUNT (default 200000).
"""
import atexit
import glob
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PEER = os.path.join(ROOT, "target", "release", "unity-peer")
SCRIPT = os.path.join(ROOT, "tests", "bench", "nvim_bench.lua")
FILTER_SCRIPT = os.path.join(ROOT, "tests", "bench", "filter_bench.lua")
PROJECTS_SCRIPT = os.path.join(ROOT, "tests", "bench", "projects_bench.py")
TESTS_SCRIPT = os.path.join(ROOT, "tests", "bench", "tests_bench.lua")
OUTDIR = os.path.join(ROOT, "target", "bench")
LOGDIR = os.path.join(OUTDIR, "logs")
NVIM = os.environ.get("NVIM") or "nvim"
QUICK = os.environ.get("BENCH_QUICK") == "1"
COUNT = int(os.environ.get("BENCH_COUNT", "200000"))
IDLE_SECS = float(os.environ.get("BENCH_IDLE_SECS", "5" if QUICK else "30"))
RUNS = 1 if QUICK else 3
CLK_TCK = os.sysconf("SC_CLK_TCK")

_groups = []  # process groups we started
_temps = []


def cleanup():
    for pgid in _groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    _groups.clear()
    for d in _temps:
        shutil.rmtree(d, ignore_errors=True)
    _temps.clear()


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


atexit.register(cleanup)
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
signal.signal(signal.SIGHUP, on_signal)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def tempdir(prefix):
    d = os.path.realpath(tempfile.mkdtemp(prefix=prefix))
    _temps.append(d)
    return d


def make_project():
    d = tempdir("unity-bench-")
    os.makedirs(os.path.join(d, "Assets", "Scripts"))
    os.makedirs(os.path.join(d, "ProjectSettings"))
    with open(os.path.join(d, "ProjectSettings", "ProjectVersion.txt"), "w") as f:
        f.write("m_EditorVersion: 2022.3.0f1\n")
    return d


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        pass
    if p.pid in _groups:
        _groups.remove(p.pid)


def spawn(cmd, cwd, env=None, logname=None):
    out = open(os.path.join(LOGDIR, logname), "w") if logname else subprocess.DEVNULL
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                         stderr=subprocess.STDOUT, start_new_session=True)
    _groups.append(p.pid)
    return p


def run_json(cmd, timeout):
    """A unity-peer measurement: one JSON line on stdout."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    _groups.append(p.pid)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(p)
        raise RuntimeError(f"{cmd[1]} timed out after {timeout} s")
    kill_group(p)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[1]} failed ({p.returncode}): {err.strip()}")
    return json.loads(out.strip().splitlines()[-1])


_counter = [0]
# The plugin as Neovim loads it: by default a snapshot of the repository's lua/ and plugin/ taken
# when the bench starts (see snapshot()); BENCH_RTP=repo uses the repository itself.
RTP = ROOT


def snapshot():
    """Copies lua/ and plugin/ (with the freshly built lua/unity_native.so) to a temp folder.
    `make build` overwrites lua/unity_native.so in place, and a process that has the old file
    mapped crashes (seen here: SIGSEGV in nvim and in the unity-reader thread while another
    checkout step rebuilt): a snapshot keeps one run consistent while others build."""
    if os.environ.get("BENCH_RTP") == "repo":
        return ROOT
    d = tempdir("unity-bench-rtp-")
    for sub in ("lua", "plugin"):
        shutil.copytree(os.path.join(ROOT, sub), os.path.join(d, sub))
    return d


def nvim_cmd(plugin):
    rtp = f"set rtp^={RTP}" if plugin else "set nocompatible"
    return [NVIM, "--headless", "--clean", "--cmd", rtp, "-c", f"luafile {SCRIPT}"]


def nvim_env(mode, project, out, count, batches=1, rate=100, timeout_ms=120000, variant=""):
    env = dict(os.environ)
    env["BENCH_VARIANT"] = variant
    env.update(BENCH_MODE=mode, BENCH_OUT=out, BENCH_PROJECT=project, BENCH_PEER=PEER,
               BENCH_COUNT=str(count), BENCH_BATCHES=str(batches), BENCH_RATE=str(rate),
               BENCH_TIMEOUT_MS=str(timeout_ms))
    return env


def run_nvim(mode, count=COUNT, batches=1, rate=100, timeout=150, plugin=True, prefix=(),
             variant=""):
    """One scenario in a fresh Neovim and a fresh project; returns its JSON result."""
    _counter[0] += 1
    project = make_project()
    out = os.path.join(project, "out.json")
    env = nvim_env(mode, project, out, count, batches, rate, int((timeout - 15) * 1000), variant)
    t0 = time.monotonic()
    p = spawn([*prefix, *nvim_cmd(plugin)], project, env, f"{_counter[0]:02d}-{mode}.log")
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    kill_group(p)
    try:
        with open(out) as f:
            res = json.load(f)
    except (OSError, ValueError):
        res = {"error": f"no result (see {LOGDIR}/{_counter[0]:02d}-{mode}.log)"}
    shutil.rmtree(project, ignore_errors=True)
    res["wall_s"] = round(time.monotonic() - t0, 2)
    if res.get("error"):
        log(f"  {mode}: ERROR {res['error']}")
    return res


# /proc readings -----------------------------------------------------------------------------

def proc_sample(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (all threads)
    ctx = 0
    sched_ns = 0
    threads = 0
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            with open(task + "/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        ctx += int(line.split()[1])
            with open(task + "/schedstat") as f:
                sched_ns += int(f.read().split()[0])
            threads += 1
        except OSError:
            pass
    return {"t": time.monotonic(), "ticks": ticks, "ctx": ctx, "sched_ns": sched_ns,
            "threads": threads}


def idle_costs():
    """Neovim idle for IDLE_SECS: with the plugin connected to an idle peer, without the
    plugin, and with the pure-Lua reader connected; all three at once (they sleep)."""
    runs = {}
    for mode, plugin in (("idle", True), ("idle_plain", False), ("idle_lua", False)):
        _counter[0] += 1
        project = make_project()
        out = os.path.join(project, "out.json")
        env = nvim_env(mode, project, out, 0, timeout_ms=int((IDLE_SECS + 60) * 1000))
        p = spawn(nvim_cmd(plugin), project, env, f"{_counter[0]:02d}-{mode}.log")
        runs[mode] = {"p": p, "out": out}
    deadline = time.monotonic() + 30
    for mode, r in runs.items():
        while True:
            try:
                with open(r["out"]) as f:
                    r["res"] = json.load(f)
                break
            except (OSError, ValueError):
                if time.monotonic() > deadline or r["p"].poll() is not None:
                    raise RuntimeError(f"{mode} never became ready")
                time.sleep(0.05)
        if r["res"].get("error"):
            raise RuntimeError(f"{mode}: {r['res']['error']}")
    time.sleep(2)  # let start-up work (scheduled callbacks, GC) finish
    first = {m: proc_sample(r["res"]["pid"]) for m, r in runs.items()}
    time.sleep(IDLE_SECS)
    last = {m: proc_sample(r["res"]["pid"]) for m, r in runs.items()}
    result = {}
    for mode, r in runs.items():
        a, b = first[mode], last[mode]
        secs = b["t"] - a["t"]
        result[mode] = {
            "secs": round(secs, 2),
            "cpu_pct": (b["ticks"] - a["ticks"]) / CLK_TCK / secs * 100,
            "cpu_pct_schedstat": (b["sched_ns"] - a["sched_ns"]) / 1e9 / secs * 100,
            "wakeups_per_s": (b["ctx"] - a["ctx"]) / secs,
            "ctx_switches": b["ctx"] - a["ctx"],
            "threads": b["threads"],
        }
        kill_group(r["p"])
    return result


def startup_costs(runs):
    """nvim --startuptime in a folder that is not a Unity project, with the plugin on the
    runtimepath (plugin/unity.lua sourced) and without; interleaved, medians."""
    folder = tempdir("unity-bench-startup-")
    times = {True: [], False: [], "sourcing": []}
    for i in range(runs):
        for plugin in (True, False):
            st = os.path.join(folder, f"st-{i}-{plugin}.log")
            rtp = f"set rtp^={RTP}" if plugin else "set nocompatible"
            cmd = [NVIM, "--headless", "--clean", "--startuptime", st, "--cmd", rtp, "-c", "qa!"]
            subprocess.run(cmd, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30, check=False)
            with open(st) as f:
                lines = f.read().splitlines()
            total = [float(l.split()[0]) for l in lines if "NVIM STARTED" in l]
            times[plugin].append(total[-1])
            if plugin:
                src = [l for l in lines if l.endswith("plugin/unity.lua")]
                if src:
                    times["sourcing"].append(float(src[-1].split()[1]))  # self+sourced ms
    # What the plugin's VimEnter callback does (scheduled, so after "NVIM STARTED"): load the
    # config and project modules and search upwards for a Unity project. Cold, in a fresh Neovim.
    deferred = []
    for i in range(runs):
        outf = os.path.join(folder, f"deferred-{i}.txt")
        lua = ("local t=vim.uv.hrtime(); local _=require('unity.config').options.auto_connect "
               "and require('unity.project').find(); "
               f"vim.fn.writefile({{tostring((vim.uv.hrtime()-t)/1e6)}}, '{outf}')")
        cmd = [NVIM, "--headless", "--clean", "--cmd", f"set rtp^={RTP}", "-c", "lua " + lua,
               "-c", "qa!"]
        subprocess.run(cmd, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30, check=False)
        with open(outf) as f:
            deferred.append(float(f.read().strip()))
    med = statistics.median
    return {
        "startup_ms": med(times[True]),
        "startup_ms_without_plugin": med(times[False]),
        "startup_added_ms": med(times[True]) - med(times[False]),
        "startup_plugin_file_ms": med(times["sourcing"]) if times["sourcing"] else None,
        "startup_deferred_vimenter_ms": med(deferred),
        "startup_runs": runs,
    }


# perf: where the main thread's CPU time goes, by kind of code ------------------------------

PERF_GROUPS = [
    ("Lua patterns (string.gsub/find/match)", ("match", "lj_cf_string_gsub", "classend",
     "matchbracketclass", "singlematch", "match_class", "lj_cf_string_find", "lj_cf_string_match",
     "str_find_aux", "max_expand", "min_expand", "lj_cf_string_gmatch", "gmatch_aux")),
    ("LuaJIT GC", ("gc_", "propagatemark", "lj_gc_", "atomic")),
    ("allocator (LuaJIT and libc)", ("lj_alloc_", "lj_mem_", "malloc", "_int_malloc", "_int_free",
     "free", "realloc", "_int_realloc", "unlink_chunk", "malloc_consolidate", "cfree", "calloc",
     "xmalloc", "xfree", "xrealloc", "xcalloc", "try_malloc")),
    ("LuaJIT strings and tables", ("lj_str_", "lj_tab_", "lj_buf_", "hashkey", "hash_sparse",
     "lj_strfmt", "lj_meta_", "lj_cf_string_format", "lj_cf_string_sub", "lj_cf_string_rep")),
    ("LuaJIT interpreter and traces", ("lj_vm_", "lj_BC_", "[JIT]", "lj_trace", "lj_record",
     "lj_opt_", "lj_asm", "lj_snap", "lj_ir_", "lj_cont_", "lj_dispatch", "lj_func_", "lj_lex",
     "lj_parse", "lex_", "expr_", "lj_cf_", "lj_lib_", "lj_state", "lua_", "luaL_", "lj_ffh",
     "lj_fff", "lj_meta", "index2adr", "lj_crecord", "lj_ccall", "lj_carith", "lj_cconv")),
    ("unity_native (queue pop, logbook, lines to Lua)", ("unity_native", "crossbeam", "mlua",
     "<mlua", "core::", "alloc::", "<alloc", "<core", "serde", "<serde", "rmp")),
    ("Neovim API conversion (Lua<->Object)", ("nlua_", "api_free", "copy_object", "arena_",
     "object_to_vim", "vim_to_object", "api_set_error", "typval_to", "tv_")),
    ("Neovim buffer: memline, folds, marks, changes", ("ml_", "fold", "changed_", "buf_",
     "mark_", "extmark_", "decor_", "u_", "appended_lines", "deleted_lines", "set_lines",
     "nvim_buf_", "check_cursor", "win_", "invalidate_", "redraw", "syn_", "update_")),
    ("Neovim eval (Vimscript)", ("eval", "call_func", "get_func_tv", "func_",
     "typval_", "get_name_len", "skipwhite", "find_", "set_var", "get_var", "handle_subscript")),
    ("Neovim autocmds and options", ("apply_autocmds", "aucmd_", "do_autocmd", "au_",
     "set_option", "nvim_exec_autocmds", "nvim_set_option", "option_", "get_option", "do_set")),
    ("libc string/memory", ("__mem", "__str", "memcpy", "memmove", "memset", "strlen", "__GI_",
     "_IO_", "__vfprintf", "vsnprintf", "snprintf", "utf_", "mb_", "__libc")),
    ("kernel", ("[k] ",)),
]


def perf_groups(data, tid):
    out = subprocess.run(["perf", "report", "-i", data, "--tid", str(tid), "--no-children",
                          "--sort", "sym", "--stdio", "-g", "none", "--percent-limit", "0"],
                         capture_output=True, text=True, timeout=120).stdout
    syms = []
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "%" not in line:
            continue
        pct, _, rest = line.partition("%")
        try:
            pct = float(pct)
        except ValueError:
            continue
        rest = rest.strip()
        kernel = rest.startswith("[k]")
        sym = rest[3:].strip() if rest[:3] in ("[.]", "[k]") else rest
        syms.append((pct, "[k] " + sym if kernel else sym))
    total = sum(p for p, _ in syms) or 1.0
    groups = {}
    top = []
    for pct, sym in syms:
        name = "other"
        for gname, prefixes in PERF_GROUPS:
            if any(sym.startswith(x) or (x == "[JIT]" and "JIT" in sym) for x in prefixes):
                name = gname
                break
        groups[name] = groups.get(name, 0.0) + pct * 100 / total
        top.append((pct * 100 / total, sym))
    top.sort(reverse=True)
    return {"groups_pct": dict(sorted(groups.items(), key=lambda kv: -kv[1])),
            "top_symbols_pct": [[round(p, 2), s] for p, s in top[:25]]}


def perf_profile():
    """A clean flood under `perf record` (no Lua instrumentation): a flat profile of Neovim's
    main thread grouped by kind of code. Optional: skipped when perf is missing or fails."""
    if not shutil.which("perf") or os.environ.get("BENCH_PERF") == "0":
        return {"skipped": "perf not available (or BENCH_PERF=0)"}
    data = os.path.join(OUTDIR, "perf.data")
    res = run_nvim("flood", prefix=("perf", "record", "-q", "-F", "1999", "-o", data, "--"))
    if res.get("error") or not os.path.exists(data):
        return {"skipped": "perf record failed: " + str(res.get("error"))}
    try:
        main = perf_groups(data, res["pid"])
    except (OSError, subprocess.TimeoutExpired) as e:
        return {"skipped": f"perf report failed: {e}"}
    b = res["batches"][0]
    return {"main_thread": main, "msgs_per_s": b["msgs_per_s"], "samples_note":
            "flat profile (Neovim has no frame pointers): percentages of the main thread's samples "
            "over the whole run, start-up included"}


# One clean flood each; see nvim_bench.lua (BENCH_VARIANT) for what each switch does.
WHATIFS = [
    ("as shipped", ""),
    ("queue 262144", "queue=262144"),
    ("drain budget 0.25 ms", "budget=0.25"),
    ("drain budget 8 ms", "budget=8"),
    ("every entry expanded (zR: body and stack shown)", "expanded"),
]


# Aggregation --------------------------------------------------------------------------------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def first_batches(runs):
    return [r["batches"][0] for r in runs if not r.get("error") and r.get("batches")]


def git(*args):
    """Read-only git (no index refresh, so nothing in .git changes)."""
    try:
        return subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def guarded(what, fn, *args):
    """Runs one step; a failure is recorded and the bench goes on with the next step."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 - any failure of a step is reported, not fatal
        log(f"  {what}: ERROR {e}")
        return {"error": f"{what}: {e}"}


def main():
    os.makedirs(LOGDIR, exist_ok=True)
    for f in glob.glob(os.path.join(LOGDIR, "*.log")):
        os.remove(f)
    if not os.access(PEER, os.X_OK):
        sys.exit(f"bench: {PEER} is missing: run `make tools` first (`make bench` does)")
    t_start = time.monotonic()
    global RTP
    RTP = snapshot()
    R = {}
    raw = {}
    ver = subprocess.run([NVIM, "--version"], capture_output=True, text=True, timeout=30).stdout
    R["machine"] = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "nproc": os.cpu_count(),
        "kernel": platform.release(),
        "nvim": ver.splitlines()[0] if ver else "?",
        "loadavg_at_start": os.getloadavg(),
        "count": COUNT,
        "quick": QUICK,
        "runtimepath": "repository" if RTP == ROOT else "snapshot of lua/ and plugin/ taken at start",
        "git_head": git("rev-parse", "HEAD").strip(),
        # Other work may be in progress in the tree: say which files differ from HEAD.
        "git_dirty": git("status", "--porcelain", "--untracked-files=no").splitlines(),
    }

    log("1/8 raw FIFO throughput (unity-peer fifo-limit)")
    raw["fifo"] = guarded("fifo-limit", run_json,
                          [PEER, "fifo-limit", "--runs", "1" if QUICK else "3"], 120)
    R.update({k: v for k, v in raw["fifo"].items() if not k.startswith("frame_") and k != "error"})

    log("2/8 the Rust reader alone (unity-peer decode-bench)")
    raw["decode"] = guarded("decode-bench", run_json,
                            [PEER, "decode-bench", "--frames", str(COUNT),
                             "--runs", "1" if QUICK else "5"], 120)
    R.update({k: v for k, v in raw["decode"].items() if k != "error"})

    log("3/8 start-up cost")
    raw["startup"] = guarded("startup", startup_costs, 5 if QUICK else 21)
    R.update({k: v for k, v in raw["startup"].items() if k != "error"})

    log(f"4/8 end to end, {COUNT} messages, {RUNS} run(s), three floods each")
    # Three floods per Neovim: the first fills the history, the other two show whether memory
    # keeps growing with the number of messages.
    raw["flood"] = [run_nvim("flood", batches=3) for _ in range(RUNS)]
    fb = first_batches(raw["flood"])
    if fb:
        R["e2e_msgs_per_s"] = med([b["msgs_per_s"] for b in fb])
        R["e2e_offered_msgs_per_s"] = med([b["offered_per_s"] for b in fb])
        R["e2e_max_stall_ms"] = med([b["stall"]["max_stall_ms"] for b in fb])
        R["e2e_max_stall_ms_worst_run"] = max(b["stall"]["max_stall_ms"] for b in fb)
        R["e2e_mean_stall_ms"] = med([b["stall"]["mean_stall_ms"] for b in fb])
        R["e2e_p99_stall_ms"] = med([b["stall"]["p99_stall_ms"] for b in fb])
        R["e2e_lost"] = med([b["lost"] for b in fb])
        R["e2e_lost_pct"] = med([100.0 * b["lost"] / COUNT for b in fb])
        R["e2e_received"] = med([b["received"] for b in fb])
        R["e2e_unaccounted"] = max(abs(COUNT - b["received"] - b["lost"]) for b in fb)
        R["e2e_secs"] = med([b["secs"] for b in fb])
        runs = [r for r in raw["flood"] if not r.get("error") and r.get("batches")]
        R["rss_before_mb"] = med([r["rss_before_kb"] / 1024 for r in runs])
        R["rss_growth_mb"] = med([(r["batches"][0]["rss_kb"] - r["rss_before_kb"]) / 1024 for r in runs])
        two = [r for r in runs if len(r["batches"]) > 1]
        if two:
            R["rss_growth_after_second_flood_mb"] = med(
                [(r["batches"][1]["rss_kb"] - r["rss_before_kb"]) / 1024 for r in two])
            R["e2e_second_flood_msgs_per_s"] = med([r["batches"][1]["msgs_per_s"] for r in two])
        three = [r for r in runs if len(r["batches"]) > 2]
        if three:
            R["rss_growth_after_third_flood_mb"] = med(
                [(r["batches"][2]["rss_kb"] - r["rss_before_kb"]) / 1024 for r in three])
            # Growth per message once the history is full: a leak shows here, allocator noise
            # (a few MB either way between runs) stays under 10 bytes per message.
            R["rss_bytes_per_msg_after_first_flood"] = med(
                [(r["batches"][2]["rss_kb"] - r["batches"][0]["rss_kb"]) * 1024 / (2 * COUNT)
                 for r in three])

    log("5/8 where the time goes (instrumented flood, not a clean figure)")
    raw["profile"] = run_nvim("profile")
    if raw["profile"].get("batches"):
        R["profile"] = raw["profile"]["batches"][0]["extra"].get("profile")

    log("5b/8 perf flat profile of the main thread (optional)")
    R["perf"] = perf_profile()

    log(f"6/8 baselines: pure-Lua reader ({RUNS} run(s)), :terminal tail -F (1 run)")
    raw["flood_lua"] = [run_nvim("flood_lua", plugin=False) for _ in range(RUNS)]
    lb = first_batches(raw["flood_lua"])
    if lb:
        R["lua_baseline_msgs_per_s"] = med([b["msgs_per_s"] for b in lb])
        R["lua_baseline_max_stall_ms"] = med([b["stall"]["max_stall_ms"] for b in lb])
        R["lua_baseline_mean_stall_ms"] = med([b["stall"]["mean_stall_ms"] for b in lb])
        R["lua_baseline_lost"] = med([b["lost"] for b in lb])
        runs = [r for r in raw["flood_lua"] if not r.get("error") and r.get("batches")]
        R["lua_baseline_rss_growth_mb"] = med(
            [(r["batches"][0]["rss_kb"] - r["rss_before_kb"]) / 1024 for r in runs])
    raw["tail"] = [run_nvim("tail", plugin=False, timeout=240)]
    tb = first_batches(raw["tail"])
    if tb:
        R["tail_baseline_msgs_per_s"] = med([b["msgs_per_s"] for b in tb])
        R["tail_baseline_max_stall_ms"] = med([b["stall"]["max_stall_ms"] for b in tb])

    lat_count = 300 if QUICK else 1000
    log(f"7/8 latency at 100 messages/s ({lat_count} messages each, plugin then pure Lua)")
    raw["latency"] = run_nvim("latency", count=lat_count, rate=100, timeout=60)
    raw["latency_lua"] = run_nvim("latency_lua", count=lat_count, rate=100, timeout=60,
                                  plugin=False)
    for key, r in (("latency", raw["latency"]), ("lua_baseline_latency", raw["latency_lua"])):
        if r.get("batches"):
            L = r["batches"][0]["latency"]
            R[f"{key}_p50_ms"] = L["p50_ms"]
            R[f"{key}_p99_ms"] = L["p99_ms"]
            R[f"{key}_max_ms"] = L["max_ms"]
            R[f"{key}_samples"] = L["samples"]

    log("7b/8 Unity's open: frame at the pipe to cursor placed (unity-peer editor)")
    raw["open"] = run_nvim("open", count=100 if QUICK else 300, timeout=90)
    if raw["open"].get("open"):
        for k in ("p50_ms", "p99_ms", "max_ms", "samples"):
            R[f"open_{k}"] = raw["open"]["open"][k]
            R[f"open_loaded_{k}"] = raw["open"]["open_loaded"][k]
            R[f"open_drawn_{k}"] = raw["open"]["open_drawn"][k]

    exc_secs = 1 if QUICK else 3
    log(f"7c/8 runtime exceptions: 10 000/s from 20 places in Assets/Scripts for {exc_secs} s")
    raw["exceptions"] = run_nvim("exceptions", count=10000 * exc_secs + 1, rate=10000, timeout=90)
    X = raw["exceptions"].get("exceptions")
    if X:
        R["exceptions_max_stall_ms"] = X["stall"]["max_stall_ms"]
        R["exceptions_p99_stall_ms"] = X["stall"]["p99_stall_ms"]
        R["exceptions_offered_per_s"] = X["offered_per_s"]
        R["exceptions_complete_after_ms"] = X["complete_after_last_ms"]
        R["exceptions_counted"] = X["counted"] + X["lost"] == X["thrown"] and X["sites"] == 20

    log(f"8/8 idle cost, {IDLE_SECS:.0f} s (plugin, no plugin, pure-Lua reader at once)")
    raw["idle"] = guarded("idle", idle_costs)
    I = raw["idle"]
    if not I.get("error"):
        R["idle_cpu_pct"] = I["idle"]["cpu_pct"]
        R["idle_cpu_pct_without_plugin"] = I["idle_plain"]["cpu_pct"]
        R["idle_cpu_pct_schedstat"] = I["idle"]["cpu_pct_schedstat"]
        R["idle_cpu_pct_schedstat_without_plugin"] = I["idle_plain"]["cpu_pct_schedstat"]
        R["idle_wakeups_per_s"] = I["idle"]["wakeups_per_s"]
        R["idle_wakeups_per_s_without_plugin"] = I["idle_plain"]["wakeups_per_s"]
        R["lua_baseline_idle_cpu_pct_schedstat"] = I["idle_lua"]["cpu_pct_schedstat"]
        R["lua_baseline_idle_wakeups_per_s"] = I["idle_lua"]["wakeups_per_s"]

    log("9/9 what-ifs: the same flood with options or monkeypatches applied from outside")
    raw["whatif"] = {}
    R["whatif"] = {}
    for label, variant in WHATIFS:
        rs = [run_nvim("flood", variant=variant) for _ in range(RUNS)]
        raw["whatif"][label] = rs
        bs = [(r, r["batches"][0]) for r in rs if r.get("batches")]
        if bs:
            R["whatif"][label] = {
                "variant": variant,
                "runs": len(bs),
                "msgs_per_s": med([b["msgs_per_s"] for _, b in bs]),
                "lost": med([b["lost"] for _, b in bs]),
                "max_stall_ms": med([b["stall"]["max_stall_ms"] for _, b in bs]),
                "mean_stall_ms": med([b["stall"]["mean_stall_ms"] for _, b in bs]),
                "rss_growth_mb": med([(b["rss_kb"] - r["rss_before_kb"]) / 1024 for r, b in bs]),
            }

    log("10/10 filter, level, scope and collapse changes on a 100 000-entry history")
    raw["filters"] = guarded("filters", run_json,
                             [NVIM, "--headless", "--clean", "--cmd", f"set rtp^={RTP}",
                              "-l", FILTER_SCRIPT], 600)
    R["filters"] = raw["filters"] if not raw["filters"].get("error") else None

    log("11 project files: SyncAll / SyncIfNeeded, 50 assemblies and 2 000 scripts in the stand-in host")
    raw["projects"] = guarded("projects", run_json, ["python3", PROJECTS_SCRIPT], 600)
    R["projects"] = raw["projects"] if not raw["projects"].get("error") else None
    log("12 tests: 10 000 results streamed in one run (unity-peer editor's Test Framework)")
    raw["tests"] = guarded("tests", run_json,
                           [NVIM, "--headless", "--clean", "--cmd", f"set rtp^={RTP}",
                            "-l", TESTS_SCRIPT], 300)
    R["tests"] = raw["tests"] if not raw["tests"].get("error") else None

    cfg = next((r.get("config") for r in raw["flood"] if r.get("config")), None)
    R["machine"]["plugin_config"] = cfg
    R["machine"]["loadavg_at_end"] = os.getloadavg()
    R["machine"]["bench_wall_s"] = round(time.monotonic() - t_start, 1)
    R["raw"] = raw
    with open(os.path.join(OUTDIR, "results.json"), "w") as f:
        json.dump(R, f, indent=1, default=str)
    print_table(R)
    log(f"wrote {os.path.join(OUTDIR, 'results.json')} in {R['machine']['bench_wall_s']} s")
    failures = []
    for k, v in raw.items():
        items = v if isinstance(v, list) else list(v.values()) if k == "whatif" else [v]
        for x in items:
            for y in (x if isinstance(x, list) else [x]):
                if isinstance(y, dict) and y.get("error"):
                    failures.append(f"{k}: {y['error']}")
    if isinstance(R.get("perf"), dict) and R["perf"].get("skipped"):
        log("bench: perf step skipped: " + R["perf"]["skipped"])
    if failures:
        log("bench: some runs failed (medians use the others):\n  " + "\n  ".join(failures))
        return 1
    return 0


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, float):
        if abs(v) >= 1000:
            s = f"{v:,.0f}"
        elif abs(v) >= 10:
            s = f"{v:.1f}"
        else:
            s = f"{v:.3f}"
    else:
        s = f"{v:,}" if isinstance(v, int) else str(v)
    return s + unit


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


def verdict(ok):
    return "-" if ok is None else ("met" if ok else "MISSED")


def print_table(R):
    g = R.get
    m = R["machine"]
    print()
    print(f"unity.nvim bench  {m['date_utc']} UTC  nproc={m['nproc']}  kernel={m['kernel']}  "
          f"{m['nvim']}  load {m['loadavg_at_start'][0]:.2f}->{m['loadavg_at_end'][0]:.2f}")
    print(f"tree: {m['git_head'][:12]} with {len(m['git_dirty'])} modified file(s); "
          f"plugin options {m.get('plugin_config')}")
    rows = [
        ("1 FIFO limit, 64 KiB writes (B/s)", g("fifo_limit_bytes_per_s"), None, None, ""),
        ("1 FIFO limit, one frame per write (frames/s)", g("fifo_limit_frames_per_s"), None, None, ""),
        ("2 Rust decoder (frames/s)", g("decode_frames_per_s"), None, None, ""),
        ("2 Rust decoder (MB/s)", g("decode_mb_per_s"), None, None, ""),
        ("3 e2e delivered (msgs/s)", g("e2e_msgs_per_s"), g("lua_baseline_msgs_per_s"),
         g("tail_baseline_msgs_per_s"), ">= 500k and >= 8x Lua"),
        ("3 e2e lost of %d" % m["count"], g("e2e_lost"), g("lua_baseline_lost"), None, "0 or counted"),
        ("3 worst stall (ms)", g("e2e_max_stall_ms"), g("lua_baseline_max_stall_ms"),
         g("tail_baseline_max_stall_ms"), "<= 8 ms"),
        ("3 mean stall (ms)", g("e2e_mean_stall_ms"), g("lua_baseline_mean_stall_ms"), None, ""),
        ("4 latency p50 at 100/s (ms)", g("latency_p50_ms"), g("lua_baseline_latency_p50_ms"), None, ""),
        ("4 latency p99 at 100/s (ms)", g("latency_p99_ms"), g("lua_baseline_latency_p99_ms"), None, "<= 2 ms"),
        ("4 open: pipe to cursor p50 (ms)", g("open_p50_ms"), None, None, ""),
        ("4 open: pipe to cursor p99 (ms)", g("open_p99_ms"), None, None, "<= 20 ms"),
        ("4 open, file already loaded: p99 (ms)", g("open_loaded_p99_ms"), None, None, ""),
        ("4 open, to the jump drawn: p50 (ms)", g("open_drawn_p50_ms"), None, None, ""),
        ("4 open, to the jump drawn: p99 (ms)", g("open_drawn_p99_ms"), None, None, "(syntax)"),
        ("4 exceptions offered (per s)", g("exceptions_offered_per_s"), None, None, "10 000"),
        ("4 exceptions: worst stall (ms)", g("exceptions_max_stall_ms"), None, None, "<= 8 ms"),
        ("4 exceptions: p99 stall (ms)", g("exceptions_p99_stall_ms"), None, None, ""),
        ("4 exceptions: diagnostics complete after (ms)", g("exceptions_complete_after_ms"), None, None, ""),
        ("5 idle CPU % (ticks)", g("idle_cpu_pct"), None, g("idle_cpu_pct_without_plugin"), "= no plugin"),
        ("5 idle CPU % (schedstat)", g("idle_cpu_pct_schedstat"), g("lua_baseline_idle_cpu_pct_schedstat"),
         g("idle_cpu_pct_schedstat_without_plugin"), ""),
        ("5 idle wake-ups/s", g("idle_wakeups_per_s"), g("lua_baseline_idle_wakeups_per_s"),
         g("idle_wakeups_per_s_without_plugin"), "no periodic"),
        ("6 startup (ms)", g("startup_ms"), None, g("startup_ms_without_plugin"), "<= +1 ms"),
        ("7 RSS growth after flood (MB)", g("rss_growth_mb"), g("lua_baseline_rss_growth_mb"), None,
         "bounded"),
        ("7 RSS growth after 2nd flood (MB)", g("rss_growth_after_second_flood_mb"), None, None, "bounded"),
        ("7 RSS growth after 3rd flood (MB)", g("rss_growth_after_third_flood_mb"), None, None, "bounded"),
        ("7 RSS bytes/message after the 1st flood", g("rss_bytes_per_msg_after_first_flood"), None, None,
         "<= 10"),
    ]
    print(f"{'figure':46} {'ours':>14} {'pure Lua':>14} {'tail/none':>14}  target")
    for name, ours, lua, other, target in rows:
        print(f"{name:46} {fmt(ours):>14} {fmt(lua):>14} {fmt(other):>14}  {target}")
    print()
    print("ratios ours/theirs: e2e msgs/s vs Lua " + ratio(g("e2e_msgs_per_s"), g("lua_baseline_msgs_per_s"))
          + ", vs tail " + ratio(g("e2e_msgs_per_s"), g("tail_baseline_msgs_per_s"))
          + "; worst stall vs Lua " + ratio(g("e2e_max_stall_ms"), g("lua_baseline_max_stall_ms"))
          + "; p99 latency vs Lua " + ratio(g("latency_p99_ms"), g("lua_baseline_latency_p99_ms"))
          + "; e2e vs decoder alone " + ratio(g("e2e_msgs_per_s"), g("decode_frames_per_s")))
    e2e, lua = g("e2e_msgs_per_s"), g("lua_baseline_msgs_per_s")
    targets = [
        ("e2e >= 500 000 msgs/s", None if e2e is None else e2e >= 500000),
        (">= 8x the pure-Lua reader", None if e2e is None or not lua else e2e >= 8 * lua),
        ("no message lost", None if g("e2e_lost") is None else g("e2e_lost") == 0),
        ("every loss counted (received + status().lost == sent)",
         None if g("e2e_unaccounted") is None else g("e2e_unaccounted") == 0),
        ("worst stall <= 8 ms", None if g("e2e_max_stall_ms") is None else g("e2e_max_stall_ms") <= 8),
        ("p99 latency at 100/s <= 2 ms", None if g("latency_p99_ms") is None else g("latency_p99_ms") <= 2),
        ("open: pipe to cursor p99 <= 20 ms", None if g("open_p99_ms") is None else g("open_p99_ms") <= 20),
        ("exceptions at 10 000/s: worst stall <= 8 ms",
         None if g("exceptions_max_stall_ms") is None else g("exceptions_max_stall_ms") <= 8),
        ("exceptions: every one counted in 20 diagnostics", g("exceptions_counted")),
        ("idle: no periodic wake-ups (<= no plugin + 1/s)",
         None if g("idle_wakeups_per_s") is None or g("idle_wakeups_per_s_without_plugin") is None
         else g("idle_wakeups_per_s") <= g("idle_wakeups_per_s_without_plugin") + 1),
        ("startup <= 1 ms added", None if g("startup_added_ms") is None else g("startup_added_ms") <= 1),
        ("RSS growth bounded (floods 2 and 3 add <= 10 bytes per message)",
         None if g("rss_bytes_per_msg_after_first_flood") is None
         else g("rss_bytes_per_msg_after_first_flood") <= 10),
    ]
    for name, ok in targets:
        print(f"  {verdict(ok):6} {name}")
    p = g("profile")
    if p:
        print()
        s = p["slices"]
        print(f"instrumented flood: {p['events']} events in {s['count']} drain slices, "
              f"slice mean {s['mean_ms']:.1f} ms, max {s['max_ms']:.1f} ms, "
              f"{s['us_per_event']:.2f} us/event on the main loop (inclusive times):")
        for name, v in sorted(p["functions"].items(), key=lambda kv: -kv[1]["total_ms"]):
            print(f"  {name:44} {v['total_ms']:9.1f} ms {v['calls']:8d} calls {v['us_per_event']:7.2f} us/event")
    if g("whatif"):
        print()
        print("what-ifs (the same flood; options or monkeypatches applied from outside the plugin):")
        print(f"  {'variant (medians of runs)':44} {'msgs/s':>9} {'lost':>8} {'max stall':>10} {'mean stall':>10}")
        for label, w in g("whatif").items():
            print(f"  {label:44} {w['msgs_per_s']:9,.0f} {w['lost']:8,.0f} {w['max_stall_ms']:8.1f}ms "
                  f"{w['mean_stall_ms']:8.2f}ms")
    fl = g("filters")
    if fl:
        print()
        print(f"one change on a {fl['history']:,}-entry history, shown in slices of the main loop (median of "
              f"{fl['repeats']}); yardstick: one nvim_buf_set_lines of all {fl['lines']:,} lines, "
              f"{fl['rewrite_ms']:.1f} ms in the same Neovim. keystroke: the call; longest stall: the longest "
              f"the main loop was kept from keys and redraws until the buffer showed all of it; shown: until then")
        print(f"  {'change':28} {'keystroke':>9} {'longest stall':>22} {'shown':>18}")
        for c in fl["changes"]:
            print(f"  {c['name']:28} {c['call_ms']:6.1f} ms {c['stall_ms']:6.1f} ms {c['vs_rewrite']:4.2f}x "
                  f"(max {c['stall_max_ms']:4.1f}) {c['done_ms']:6.1f} ms {c['done_vs_rewrite']:4.2f}x")
        print(f"  {verdict(fl['worst_vs_rewrite'] <= 1):6} every change keeps the main loop at most one rewrite "
              f"of the lines (worst median stall {fl['worst_vs_rewrite']:.2f}x)")
        print(f"  {verdict(fl['worst_stall_ms'] <= 16):6} every change keeps the main loop <= 16 ms (worst median "
              f"{fl['worst_stall_ms']:.1f} ms)")
    pj = g("projects")
    if pj:
        print()
        print(f"project files, {pj['assemblies']} assemblies / {pj['scripts']:,} scripts (medians of {pj['runs']}, "
              f"inside the host): SyncAll {pj['sync_all_cold_ms']:.1f} ms writing all, "
              f"{pj['sync_all_warm_ms']:.1f} ms unchanged (GetAssemblies alone {pj['get_assemblies_ms']:.1f} ms); "
              f"SyncIfNeeded {pj['sync_if_needed_edit_ms']:.3f} ms for an edited script, "
              f"{pj['sync_if_needed_add_ms']:.1f} ms for an added one")
        print(f"  {verdict(pj['sync_all_cold_ms'] <= 300):6} SyncAll <= 300 ms")
        print(f"  {verdict(pj['sync_if_needed_edit_ms'] <= 5 and not pj['sync_if_needed_edit_wrote']):6} "
              "SyncIfNeeded for an edited script <= 5 ms, no write")
    ts = g("tests")
    if ts:
        print()
        print(f"tests: {ts['results']:,} results ({ts['failed']:,} failed) in {ts['secs']:.2f} s, "
              f"{ts['results_per_s']:,.0f}/s; worst stall {ts['max_stall_ms']:.1f} ms (wall), "
              f"longest busy slice {ts['max_busy_cpu_ms']:.1f} ms (main thread CPU)")
        print(f"  {verdict(ts['max_busy_cpu_ms'] <= 8):6} main loop busy <= 8 ms at a time")
        print(f"  {verdict(ts['complete_after_last_ms'] <= 1000):6} quickfix and diagnostics complete "
              f"{ts['complete_after_last_ms']:.0f} ms after the last result (<= 1 s)")
    pf = g("perf") or {}
    if pf.get("main_thread"):
        print()
        print("perf, Neovim's main thread during a clean flood (% of its samples):")
        for name, pct in pf["main_thread"]["groups_pct"].items():
            print(f"  {name:50} {pct:5.1f}%")
    elif pf.get("skipped"):
        print(f"perf: {pf['skipped']}")


if __name__ == "__main__":
    sys.exit(main())
