"""Static checks of the UPM package in unity/: what Unity needs to import it from a git URL.

Git packages are immutable, so Unity ignores any file or folder without a committed .meta.
Prints "N passed, M failed".
"""
import json
import os
import re
import sys
import traceback

UNITY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "unity")


def entries():
    """Every file and folder Unity imports (folders ending in ~ are skipped by Unity)."""
    for root, dirs, files in os.walk(UNITY):
        dirs[:] = sorted(d for d in dirs if not d.endswith("~"))
        for name in dirs + sorted(files):
            if not name.endswith(".meta"):
                yield os.path.join(root, name)


def test_every_entry_has_a_meta_with_a_unique_guid():
    seen = {}
    for path in entries():
        meta = path + ".meta"
        assert os.path.isfile(meta), "missing " + os.path.relpath(meta, UNITY)
        text = open(meta).read()
        m = re.search(r"^guid: ([0-9a-f]{32})$", text, re.M)
        assert m, "no guid in " + meta
        assert m.group(1) not in seen, "guid of %s repeats %s" % (meta, seen.get(m.group(1)))
        seen[m.group(1)] = meta
        assert ("folderAsset: yes" in text) == os.path.isdir(path), meta


def test_no_orphan_meta():
    for root, dirs, files in os.walk(UNITY):
        dirs[:] = [d for d in dirs if not d.endswith("~")]
        for name in files:
            if name.endswith(".meta"):
                assert os.path.exists(os.path.join(root, name[:-5])), "orphan " + name


def test_package_json():
    p = json.load(open(os.path.join(UNITY, "package.json")))
    assert p["name"] == "dev.unitynvim.bridge"
    assert re.fullmatch(r"\d+\.\d+\.\d+", p["version"]) and p["version"] == "0.1.0"
    assert p["displayName"] == "Neovim Bridge (unity.nvim)"
    assert p["unity"] == "2021.3" and p["description"]


def test_editor_only_asmdef():
    a = json.load(open(os.path.join(UNITY, "Editor", "UnityNvim.Bridge.Editor.asmdef")))
    assert a["name"] == "UnityNvim.Bridge.Editor" and a["includePlatforms"] == ["Editor"]


def main():
    passed = failed = 0
    for name, fn in [(n, f) for n, f in globals().items() if n.startswith("test_")]:
        try:
            fn()
            passed += 1
            print("ok   " + name)
        except Exception:
            failed += 1
            print("FAIL %s\n%s" % (name, traceback.format_exc()))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
