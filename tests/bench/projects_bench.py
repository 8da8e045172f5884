#!/usr/bin/env python3
"""`make bench`, project files: SyncAll and SyncIfNeeded of the Unity package in the stand-in host
on a generated project of 50 asmdef assemblies and 2 000 scripts (Python 3 stdlib only).

Times are taken inside the host around the calls (host.sync, host.syncifneeded), so the editor
loop's tick does not count. Figures (medians of RUNS):
- sync_all_cold_ms: SyncAll writing every file (the project files deleted before each run);
- sync_all_warm_ms: SyncAll when nothing changed (writes nothing; checked by inode and mtime);
- get_assemblies_ms: the host's GetAssemblies alone (it reads the files; Unity keeps them in memory);
- sync_if_needed_edit_ms: SyncIfNeeded for one edited script (changes no project; checked: no write);
- sync_if_needed_add_ms: SyncIfNeeded for one added script (one project rewritten).
Prints one JSON line last (bench.py reads it). BENCH_QUICK=1: 3 runs instead of 15.
"""
import glob
import json
import os
import shutil
import statistics
import sys
import tempfile

ROOT = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "unity_host"))
import peer as P  # noqa: E402
import test_host as T  # noqa: E402

ASSEMBLIES = 50
SCRIPTS = 2000
RUNS = 3 if os.environ.get("BENCH_QUICK") == "1" else 15


def make_project(folder):
    """Mod00..Mod49, each referencing the one or two before it, 40 scripts each."""
    per = SCRIPTS // ASSEMBLIES
    for a in range(ASSEMBLIES):
        name = "Mod%02d" % a
        d = os.path.join(folder, "Assets", name)
        os.makedirs(os.path.join(d, "Sub"))
        refs = ["Mod%02d" % r for r in (a - 1, a - 2) if r >= 0]
        with open(os.path.join(d, name + ".asmdef"), "w") as f:
            json.dump({"name": name, "references": refs}, f)
        for i in range(per):
            sub = "Sub" if i % 2 else ""
            with open(os.path.join(d, sub, "C%03d.cs" % i), "w") as f:
                f.write("namespace %s { public class C%03d { } }\n" % (name, i))
    os.makedirs(os.path.join(folder, "ProjectSettings"))
    with open(os.path.join(folder, "ProjectSettings", "ProjectVersion.txt"), "w") as f:
        f.write("m_EditorVersion: 2021.3.45f1\n")


def stamps(folder):
    files = glob.glob(os.path.join(folder, "*.csproj")) + glob.glob(os.path.join(folder, "*.sln"))
    return {f: (os.stat(f).st_ino, os.stat(f).st_mtime_ns) for f in files}


def main():
    folder = tempfile.mkdtemp(prefix="bench-projects-")
    host = peer = None
    try:
        make_project(folder)
        host = T.HostProcess(folder, "host", UNITY_HOST_PREF_kScriptsDefaultApp="/usr/bin/nvim")
        peer = P.Peer(folder)
        peer.wait_session(60)
        peer.open_reader()
        peer.open_writer()
        call = lambda name, args=None: peer.call(name, args, timeout=120)["result"]

        cold, warm, assemblies, edit, add = [], [], [], [], []
        for _ in range(RUNS):
            for f in stamps(folder):
                os.remove(f)
            r = call("host.sync")
            cold.append(r["ms"])
            assemblies.append(r["assemblies_ms"])
        written = stamps(folder)
        assert len(written) == ASSEMBLIES + 1, sorted(written)
        for _ in range(RUNS):
            warm.append(call("host.sync")["ms"])
        assert stamps(folder) == written, "a sync with nothing changed wrote a file"

        script = os.path.join(folder, "Assets", "Mod07", "C002.cs")
        for i in range(RUNS):
            with open(script, "a") as f:
                f.write("// edit %d\n" % i)
            edit.append(call("host.syncifneeded", {"imported": ["Assets/Mod07/C002.cs"]}))
        assert stamps(folder) == written, "SyncIfNeeded for an edited script wrote a file"

        for i in range(RUNS):
            rel = "Assets/Mod11/New%02d.cs" % i
            with open(os.path.join(folder, rel), "w") as f:
                f.write("namespace Mod11 { public class New%02d { } }\n" % i)
            add.append(call("host.syncifneeded", {"added": [rel]}))
        after = stamps(folder)
        changed = sorted(os.path.basename(f) for f in after if after[f] != written[f])
        assert changed == ["Mod11.csproj"], changed

        med = lambda xs: round(statistics.median(xs), 3)
        print(json.dumps({
            "assemblies": ASSEMBLIES, "scripts": SCRIPTS, "runs": RUNS,
            "sync_all_cold_ms": med(cold), "sync_all_warm_ms": med(warm), "get_assemblies_ms": med(assemblies),
            "sync_if_needed_edit_ms": med(edit), "sync_if_needed_add_ms": med(add),
            "sync_if_needed_edit_wrote": False,
        }))
        return 0
    finally:
        if peer:
            peer.close()
        if host:
            host.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
