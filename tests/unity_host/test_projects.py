"""Project files (.sln/.csproj) and the assembly model of the stand-in host, on the sample project
tests/unity_host/project (three asmdefs that reference each other, an asmref, an embedded
package, loose scripts and an Editor folder, NUnit tests).

The generated projects are judged by an oracle that does not share the generator's code: it
parses each .csproj with xml.etree, compiles the sources with mcs using exactly the project's
defines, unsafe flag and references (a ProjectReference: the DLL the oracle built from that
project), and must get the result the stand-in compiler got. Prints "N passed, M failed".
Usage: python3 test_projects.py [NAME_FRAGMENT...]
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET

import peer as P
import test_host as T

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "project")
EDITOR_ASSEMBLY = 1  # AssemblyFlags.EditorAssembly

EXPECTED = {  # GetAssemblies(Editor) on the sample: name -> (sources, references, flags, unsafe)
    "Example.Tools": (["Packages/com.example.tools/Runtime/Clamp.cs"], [], 0, False),
    "Game.Core": (["Assets/Bonus/Bonus.cs", "Assets/Game/Score.cs"], ["Example.Tools"], 0, True),
    "Game.Editor": (["Assets/Game/Editor/ScoreReport.cs"], ["Game.Core"], EDITOR_ASSEMBLY, False),
    "Game.Tests": (["Assets/Game/Tests/ScoreTests.cs"], ["Game.Core", "Game.Editor"], EDITOR_ASSEMBLY, False),
    "Assembly-CSharp": (["Assets/Scripts/Spawner.cs"], ["Example.Tools", "Game.Core"], 0, False),
    "Assembly-CSharp-Editor": (["Assets/Scripts/Editor/SpawnerMenu.cs"],
                               ["Assembly-CSharp", "Example.Tools", "Game.Core", "Game.Editor"], EDITOR_ASSEMBLY, False),
}
BROKEN_EDITOR = "namespace Game.Editor\n{\n    public static class ScoreReport\n    {\n        public static int Describe(Score score) { return \"no\"; }\n    }\n}\n"


class SampleHost(T.Host):
    """A stand-in editor on a fresh copy of the sample project, Neovim its External Script Editor."""

    def __init__(self, prepare=None, **env):
        """prepare(project folder): called on the copy before the editor starts."""
        self.project = os.path.join(tempfile.mkdtemp(prefix="unity-projects-"), "Sample Game")
        shutil.copytree(SAMPLE, self.project)
        if prepare:
            prepare(self.project)
        env.setdefault("UNITY_HOST_PREF_kScriptsDefaultApp", "/usr/bin/nvim")
        self.editor = T.HostProcess(self.project, "host", UNITY_HOST_VERSION="2021.3", **env)
        self.proc = self.editor.proc
        self.peer = P.Peer(self.project)
        self.session = self.peer.wait_session()
        self.connect()
        settle(self)  # the start-up sync, when there is one, is over before the test acts

    def path(self, *parts):
        return os.path.join(self.project, *parts)

    def sync(self):
        reply = self.peer.call("sync")
        assert reply["ok"], reply
        return sorted(reply["result"]["files"])

    def projects(self):
        return sorted(glob.glob(self.path("*.csproj")))

    def stamps(self):
        """Every project file's (inode, mtime): a rewrite, even of the same text, changes one."""
        files = self.projects() + glob.glob(self.path("*.sln"))
        return {f: (os.stat(f).st_ino, os.stat(f).st_mtime_ns) for f in files}

    def close(self):
        self.peer.close()
        self.editor.close()
        shutil.rmtree(os.path.dirname(self.project), ignore_errors=True)


def errors_of_compile(h):
    """Compiles in the host; every error as (file, line, col)."""
    seen = T.compile_until_finished(h)
    finished = seen[-1]
    return sorted((m["file"], m["line"], m["col"]) for m in finished["messages"] if m["severity"] == "error")


class Csproj:
    """What a .csproj says, read with xml.etree only."""

    def __init__(self, path):
        root = ET.parse(path).getroot()
        prop = lambda tag: (root.findtext(".//" + tag) or "").strip()
        self.name = prop("AssemblyName")
        self.defines = [d for d in prop("DefineConstants").split(";") if d]
        self.unsafe = prop("AllowUnsafeBlocks") == "True"
        self.lang = prop("LangVersion")
        self.nullable = prop("Nullable")
        self.ruleset = prop("CodeAnalysisRuleSet")
        self.sources = [unescape(e.get("Include")) for e in root.iter("Compile")]
        self.references = [unescape(e.findtext("HintPath")) for e in root.iter("Reference")]
        self.project_references = [os.path.splitext(e.get("Include"))[0] for e in root.iter("ProjectReference")]


def unescape(path):
    return path.replace("%3b", ";").replace("%25", "%")


def oracle(project, ignore=()):
    """Builds every .csproj of the project with mcs from what the file says; returns
    ({assembly: "ok" | "failed" | "skipped"}, [(file, line, col) of each error]).
    ignore: parts of the projects left out ("defines", "unsafe"), to show that they matter."""
    projects = {}
    for path in glob.glob(os.path.join(project, "*.csproj")):
        p = Csproj(path)
        projects[p.name] = p
    out = tempfile.mkdtemp(prefix="oracle-")
    outcome, errors = {}, []

    def build(name):
        if name in outcome:
            return outcome[name]
        p = projects[name]
        for r in p.project_references:
            build(r)
        if any(outcome[r] != "ok" for r in p.project_references):
            outcome[name] = "skipped"  # as Unity: nothing is built on a failed reference
            return outcome[name]
        # mcs knows C# up to 7.x; the projects say 9.0 for Roslyn. Everything else is the project's.
        args = ["mcs", "-target:library", "-langversion:7", "-nostdlib", "-noconfig", "-out:" + os.path.join(out, name + ".dll")]
        if p.defines and "defines" not in ignore:
            args.append("-define:" + ";".join(p.defines))
        if p.unsafe and "unsafe" not in ignore:
            args.append("-unsafe")
        args += ["-r:" + os.path.join(project, r) for r in p.references]
        args += ["-r:" + os.path.join(out, r + ".dll") for r in p.project_references]
        args += p.sources
        run = subprocess.run(args, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in run.stdout.splitlines():
            m = re.match(r"^(.+)\((\d+),(\d+)\): error ", line.strip())
            if m:
                errors.append((m.group(1), int(m.group(2)), int(m.group(3))))
        outcome[name] = "ok" if run.returncode == 0 else "failed"
        return outcome[name]

    try:
        for name in sorted(projects):
            build(name)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return outcome, sorted(errors)


def asmdef_graph(project):
    """The references each asmdef names, resolved by name or by "GUID:" of its .meta."""
    defs, guids = {}, {}
    for path in glob.glob(os.path.join(project, "Assets", "**", "*.asmdef"), recursive=True) + \
            glob.glob(os.path.join(project, "Packages", "**", "*.asmdef"), recursive=True):
        with open(path) as f:
            d = json.load(f)
        defs[d["name"]] = d
        with open(path + ".meta") as f:
            guids[re.search(r"^guid: (\w+)", f.read(), re.M).group(1)] = d["name"]
    return {name: sorted(guids[r[5:]] if r.startswith("GUID:") else r for r in d.get("references", []))
            for name, d in defs.items()}


# ---------------------------------------------------------------- tests

def test_get_assemblies_models_the_sample_project(h):
    got = {a["name"]: a for a in h.peer.call("host.assemblies")["result"]}
    assert sorted(got) == sorted(EXPECTED), sorted(got)
    for name, (sources, references, flags, unsafe) in EXPECTED.items():
        a = got[name]
        assert a["sourceFiles"] == sources, (name, a["sourceFiles"])
        assert sorted(a["assemblyReferences"]) == references, (name, a["assemblyReferences"])
        assert a["flags"] == flags and a["allowUnsafeCode"] == unsafe, (name, a)
        assert a["outputPath"] == "Library/ScriptAssemblies/%s.dll" % name, a["outputPath"]
        assert "UNITY_EDITOR" in a["defines"] and "UNITY_INCLUDE_TESTS" in a["defines"], a["defines"]
        assert a["rulesetPath"] == "Assets/Default.ruleset", a
    nunit = [r for r in got["Game.Tests"]["compiledAssemblyReferences"] if r.endswith("/nunit.framework.dll")]
    assert len(nunit) == 1 and os.path.isfile(nunit[0]), got["Game.Tests"]["compiledAssemblyReferences"]
    assert not [r for r in got["Game.Core"]["compiledAssemblyReferences"] if "nunit" in r], "NUnit is not auto-referenced"
    # References come before the assemblies that use them (the compiler builds in this order).
    order = [a["name"] for a in h.peer.call("host.assemblies")["result"]]
    for name, (_, references, _, _) in EXPECTED.items():
        assert all(order.index(r) < order.index(name) for r in references), order
    # A player build has neither editor-only assemblies nor, without tests, the test assembly.
    player = {a["name"]: a for a in h.peer.call("host.assemblies", {"type": "PlayerWithoutTestAssemblies"})["result"]}
    assert sorted(player) == ["Assembly-CSharp", "Example.Tools", "Game.Core"], sorted(player)
    assert "UNITY_EDITOR" not in player["Game.Core"]["defines"], player["Game.Core"]["defines"]


def test_compiled_test_assembly_lands_where_get_assemblies_says(h):
    assert errors_of_compile(h) == []
    for name in EXPECTED:
        assert os.path.isfile(h.path("Library", "ScriptAssemblies", name + ".dll")), name
    h.wait_output("compile finished: ")
    assert "Game.Tests exit 0" in h.output(), h.output()


def test_an_error_lands_in_its_assembly_and_its_dependents_are_not_built(h):
    with open(h.path("Assets", "Game", "Editor", "ScoreReport.cs"), "w") as f:
        f.write(BROKEN_EDITOR)
    errors = errors_of_compile(h)
    assert [e[:2] for e in errors] == [("Assets/Game/Editor/ScoreReport.cs", 5)], errors
    h.wait_output("compile finished: ")  # the host logs it after raising the events
    line = [l for l in h.output().splitlines() if "compile finished: " in l][-1]
    for expected in ("Game.Core exit 0", "Game.Editor exit 1", "Game.Tests not compiled", "Assembly-CSharp-Editor not compiled",
                     "Assembly-CSharp exit 0"):
        assert expected in line, line


def test_oracle_builds_the_projects_as_the_stand_in_compiler_does(h):
    assert h.sync() == [], "the start-up sync wrote them"
    assert len(h.projects()) == len(EXPECTED), h.projects()
    outcome, errors = oracle(h.project)
    assert outcome == {name: "ok" for name in EXPECTED}, outcome
    assert errors == errors_of_compile(h) == []
    # A broken editor assembly: the same error, the same assemblies left unbuilt.
    with open(h.path("Assets", "Game", "Editor", "ScoreReport.cs"), "w") as f:
        f.write(BROKEN_EDITOR)
    outcome, errors = oracle(h.project)
    assert errors == errors_of_compile(h) != [], errors
    assert outcome["Game.Editor"] == "failed" and outcome["Game.Tests"] == outcome["Assembly-CSharp-Editor"] == "skipped", outcome
    # The projects' defines and unsafe flag matter: without either, the sample does not build.
    with open(os.path.join(SAMPLE, "Assets", "Game", "Editor", "ScoreReport.cs")) as f, \
            open(h.path("Assets", "Game", "Editor", "ScoreReport.cs"), "w") as g:
        g.write(f.read())
    assert oracle(h.project)[0]["Game.Core"] == "ok"
    assert oracle(h.project, ignore=("unsafe",))[0]["Game.Core"] == "failed"
    assert oracle(h.project, ignore=("defines",))[0]["Assembly-CSharp"] == "failed"
    assert Csproj(h.path("Game.Core.csproj")).ruleset == "Assets/Default.ruleset"


RSP_SCRIPT = """#if !FROM_ASSETS_RSP
#error Assets/csc.rsp was not applied
#endif
public static class FromRsp
{
    public static unsafe int Size() { return sizeof(int); }
    public static System.Xml.XmlDocument Document() { return new System.Xml.XmlDocument(); }
}
"""
RSP_TESTS_SCRIPT = """#if FROM_ASSETS_RSP || !FROM_TESTS_RSP
#error an assembly folder's csc.rsp replaces Assets/csc.rsp
#endif
public static class FromTestsRsp {}
"""


def test_response_files_reach_the_compile_and_the_projects(h):
    """Assets/csc.rsp applies to every assembly without a csc.rsp of its own folder: its defines,
    -unsafe and references reach the compile and the projects (the oracle builds them), its
    -langversion and -nullable the projects only (mcs knows neither)."""
    with open(h.path("Assets", "csc.rsp"), "w") as f:
        f.write("-define:FROM_ASSETS_RSP;ALSO # a comment\n-unsafe\n-r:System.Xml.dll\n-langversion:8.0 -nullable\n")
    with open(h.path("Assets", "Game", "Tests", "csc.rsp"), "w") as f:
        f.write("/d:FROM_TESTS_RSP\n")
    with open(h.path("Assets", "Scripts", "FromRsp.cs"), "w") as f:
        f.write(RSP_SCRIPT)
    with open(h.path("Assets", "Game", "Tests", "FromTestsRsp.cs"), "w") as f:
        f.write(RSP_TESTS_SCRIPT)
    got = {a["name"]: a for a in h.peer.call("host.assemblies")["result"]}
    assert "FROM_ASSETS_RSP" not in got["Assembly-CSharp"]["defines"], "Unity keeps response file defines out of Assembly.defines"
    assert errors_of_compile(h) == []
    h.sync()
    assert oracle(h.project) == ({name: "ok" for name in EXPECTED}, [])
    script = Csproj(h.path("Assembly-CSharp.csproj"))
    assert script.unsafe and "FROM_ASSETS_RSP" in script.defines and "ALSO" in script.defines, vars(script)
    assert [r for r in script.references if r.endswith("/System.Xml.dll") and os.path.isabs(r)], script.references
    assert script.lang == "8.0" and script.nullable == "enable", vars(script)
    tests = Csproj(h.path("Game.Tests.csproj"))
    assert "FROM_TESTS_RSP" in tests.defines and "FROM_ASSETS_RSP" not in tests.defines, tests.defines
    assert tests.lang == "9.0" and tests.nullable == "" and not tests.unsafe, vars(tests)


@T.editor_prefs({"UNITY_HOST_EDITOR_LOG": "1"})
def test_a_response_file_reference_that_cannot_be_found_is_named(h):
    with open(h.path("Assets", "csc.rsp"), "w") as f:
        f.write("-r:NoSuch.dll\n-define:STILL_READ\n")
    h.sync()
    h.wait_output("[Neovim Bridge] " + h.path("Assets", "csc.rsp") + ": not parsed correctly: NoSuch.dll could not be found as a system library.")
    script = Csproj(h.path("Assembly-CSharp.csproj"))
    assert "STILL_READ" in script.defines and not [r for r in script.references if "NoSuch" in r], vars(script)


def test_every_script_is_in_exactly_one_project_and_references_mirror_the_asmdefs(h):
    h.sync()
    projects = {Csproj(p).name: Csproj(p) for p in h.projects()}
    listed = [s for p in projects.values() for s in p.sources]
    scripts = sorted(os.path.relpath(p, h.project) for p in glob.glob(h.path("Assets", "**", "*.cs"), recursive=True))
    assert sorted(s for s in listed if s.startswith("Assets/")) == scripts, listed
    assert len(listed) == len(set(listed)), "a script is in two projects"
    graph = asmdef_graph(h.project)
    for name, references in graph.items():
        assert sorted(projects[name].project_references) == references, (name, projects[name].project_references)
    assert sorted(projects["Assembly-CSharp"].project_references) == EXPECTED["Assembly-CSharp"][1]
    with open(h.path("Sample Game.sln")) as f:
        sln = f.read()
    assert sorted(re.findall(r'"([^"]+)\.csproj"', sln)) == sorted(EXPECTED), sln


def test_a_sync_that_changes_nothing_writes_nothing(h):
    h.sync()
    before = h.stamps()
    time.sleep(0.05)
    assert h.sync() == []
    seen = h.messages_until_reply("host.sync")  # SyncAll of the current editor (ours)
    assert seen[-1]["ok"] and not [m for m in seen if m["t"] == "projects"], seen
    assert h.stamps() == before


def test_sync_if_needed_writes_only_when_a_project_changes(h):
    h.sync()
    before = h.stamps()
    with open(h.path("Assets", "Game", "Score.cs"), "a") as f:
        f.write("// edited\n")
    for args in ({"imported": ["Assets/logo.png"]}, {"added": ["Assets/logo.png"]}, {"imported": ["Assets/Game/Score.cs"]}):
        seen = h.messages_until_reply("host.syncifneeded", args)
        assert not [m for m in seen if m["t"] == "projects"], (args, seen)
    assert h.stamps() == before
    # Those did not even regenerate: a deleted project stays deleted, until a path that can change
    # a project (an assembly definition reimported) comes.
    os.remove(h.path("Game.Tests.csproj"))
    h.peer.call("host.syncifneeded", {"imported": ["Assets/Game/Score.cs", "Assets/logo.png"], "deleted": ["Assets/old.png"]})
    assert not os.path.exists(h.path("Game.Tests.csproj"))
    h.peer.send("host.syncifneeded", {"imported": ["Assets/Game/Tests/Game.Tests.asmdef"]})
    assert h.expect("projects")["files"] == [h.path("Game.Tests.csproj")]
    before = h.stamps()
    # A new script changes one project: only it is rewritten, and Neovim hears of it.
    with open(h.path("Assets", "Scripts", "Extra.cs"), "w") as f:
        f.write("public class Extra {}\n")
    h.peer.send("host.syncifneeded", {"added": ["Assets/Scripts/Extra.cs"]})
    projects = h.expect("projects")
    assert projects["files"] == [h.path("Assembly-CSharp.csproj")], projects
    after = h.stamps()
    assert [f for f in after if after[f] != before[f]] == [h.path("Assembly-CSharp.csproj")]
    assert "Assets/Scripts/Extra.cs" in Csproj(h.path("Assembly-CSharp.csproj")).sources


def test_preferences_choose_packages_and_regenerate(h):
    drawn = h.peer.call("host.preferences")["result"]
    for label in ("File extensions opened in Neovim", "Launch command", "Embedded packages", "Registry packages",
                  "Regenerate project files"):
        assert label in drawn, drawn
    h.sync()
    # Embedded packages off: the package's assembly is referenced as a DLL, not as a project.
    h.peer.call("host.preferences", {"answers": {"Embedded packages": False}})
    h.peer.send("host.preferences", {"answers": {"Regenerate project files": True}})
    projects = h.expect("projects")
    assert sorted(projects["files"]) == sorted([h.path("Game.Core.csproj"), h.path("Assembly-CSharp.csproj"),
                                                h.path("Assembly-CSharp-Editor.csproj"), h.path("Sample Game.sln")]), projects
    core = Csproj(h.path("Game.Core.csproj"))
    assert core.project_references == [] and "Library/ScriptAssemblies/Example.Tools.dll" in core.references, vars(core)
    # The choice persists (EditorPrefs): a plain sync writes nothing more.
    assert h.sync() == []


@T.editor_prefs({"UNITY_HOST_EDITOR_LOG": "1"})
def test_a_file_that_cannot_be_written_is_named(h):
    os.remove(h.path("Game.Core.csproj"))
    os.makedirs(h.path("Game.Core.csproj"))  # a folder where the project goes
    reply = h.peer.call("sync")
    assert not reply["ok"] and "cannot write " + h.path("Game.Core.csproj") in reply["error"], reply
    h.peer.call("host.sync")  # Unity's own sync says so in its console
    h.wait_output("the project files for C# language servers were not written: cannot write")
    assert not glob.glob(h.path("*.tmp")), "no temporary file is left"


def settle(h):
    """Returns once two whole editor ticks have run since the call: work the editor does on its
    first tick (the start-up sync) is done by then, whichever order the ticks' handlers run in."""
    first = h.peer.call("host.ticks")["result"]["ticks"]
    wait_for(lambda: h.peer.call("host.ticks")["result"]["ticks"] >= first + 2, "two editor ticks")


def wait_for(condition, what, timeout=20):
    """Waits for the condition (the editor does it on a later tick); fails naming what did not happen."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.05)


def test_projects_missing_or_stale_are_written_at_start_once_per_session():
    """After a clone there are no project files (git ignores them): the editor writes them when
    Neovim is the chosen editor, without Assets > Open C# Project; a stale one is rewritten."""
    def stale_core(project):
        with open(os.path.join(project, "Game.Core.csproj"), "w") as f:
            f.write("<Project />\n")
    h = SampleHost(prepare=stale_core)
    try:
        expected = sorted([h.path(n + ".csproj") for n in EXPECTED] + [h.path("Sample Game.sln")])
        wait_for(lambda: sorted(h.projects() + glob.glob(h.path("*.sln"))) == expected, "the project files")
        wait_for(lambda: Csproj(h.path("Game.Core.csproj")).name == "Game.Core", "the stale project rewritten")
        assert h.sync() == [], "all were written, and whole"
        # Once per editor session: a domain reload does not write them again.
        os.remove(h.path("Game.Tests.csproj"))
        h.peer.call("host.reload")
        h.wait_output("domain 2 up")
        settle(h)
        assert not os.path.exists(h.path("Game.Tests.csproj"))
    finally:
        h.close()


def test_first_open_project_writes_the_project_files():
    h = SampleHost()
    try:
        wait_for(lambda: os.path.exists(h.path("Sample Game.sln")), "the start-up sync")
        for f in h.projects():
            os.remove(f)
        assert h.peer.call("host.open", {"file": "Assets/Game/Score.cs", "line": 3})["result"] is True
        assert len(h.projects()) == len(EXPECTED), h.projects()
        os.remove(h.path("Game.Core.csproj"))  # later ones leave it to SyncIfNeeded
        assert h.peer.call("host.open", {"file": "Assets/Game/Score.cs", "line": 4})["result"] is True
        assert not os.path.exists(h.path("Game.Core.csproj"))
    finally:
        h.close()


@T.editor_prefs({"UNITY_HOST_BATCHMODE": "1"})
def test_a_batchmode_editor_writes_no_project_files_at_start(h):
    settle(h)
    assert h.projects() == [] and not os.path.exists(h.path("Sample Game.sln"))


def hook_calls(h):
    return [l.split("hook: ", 1)[1] for l in h.output().splitlines() if "[console] Log: hook: " in l]


def expected_hook_calls():
    order = ["Example.Tools", "Game.Core", "Assembly-CSharp", "Game.Editor", "Assembly-CSharp-Editor", "Game.Tests"]
    return ["OnGeneratedSlnSolution Sample Game.sln"] + ["OnGeneratedCSProject %s.csproj" % n for n in order]


@T.editor_prefs({"UNITY_HOST_PROJECT_HOOKS": "edit", "UNITY_HOST_EDITOR_LOG": "1"})
def test_asset_postprocessor_hooks_run_as_the_visual_studio_package_runs_them(h):
    wait_for(lambda: "OnGeneratedCSProjectFiles" in hook_calls(h), "the start-up sync's hooks")
    assert hook_calls(h) == ["OnPreGeneratingCSProjectFiles"] + expected_hook_calls() + ["OnGeneratedCSProjectFiles"], hook_calls(h)
    with open(h.path("Sample Game.sln")) as f:
        assert f.read().endswith("# edited by a hook\n"), "the solution as the hook returned it"
    for p in h.projects():
        with open(p) as f:
            assert "<!-- edited by a hook -->" in f.read(), p
    assert h.sync() == [], "hooks that return the same text each time: nothing changes"
    # After an import only the per-file hooks run (the Visual Studio package's SyncIfNeeded).
    before = len(hook_calls(h))
    h.peer.call("host.syncifneeded", {"imported": ["Assets/Game/Game.Core.asmdef"]})
    h.peer.call("host.ticks")  # the console lines of the call are out
    assert hook_calls(h)[before:] == expected_hook_calls(), hook_calls(h)[before:]


@T.editor_prefs({"UNITY_HOST_PROJECT_HOOKS": "skip", "UNITY_HOST_EDITOR_LOG": "1"})
def test_a_hook_that_generates_the_projects_itself_gets_none_written(h):
    wait_for(lambda: "OnGeneratedCSProjectFiles" in hook_calls(h), "the start-up sync's hooks")
    assert hook_calls(h) == ["OnPreGeneratingCSProjectFiles", "OnGeneratedCSProjectFiles"], hook_calls(h)
    assert h.sync() == [] and h.projects() == []


@T.editor_prefs({"UNITY_HOST_PROJECT_HOOKS": "throw", "UNITY_HOST_EDITOR_LOG": "1"})
def test_a_hook_that_throws_is_named_and_skipped(h):
    wait_for(lambda: "OnGeneratedCSProjectFiles" in hook_calls(h), "the start-up sync's hooks")
    h.wait_output("UnityHost.Game.ProjectHooks.OnGeneratedCSProject failed while the project files were written, so it was skipped: "
                  "InvalidOperationException: the tool is broken")
    assert len(h.projects()) == len(EXPECTED)


def test_projects_of_assemblies_gone_are_deleted_only_when_ours(h):
    h.sync()
    foreign = h.path("Tool.csproj")  # another generator's or the user's: no unity.nvim mark
    with open(foreign, "w") as f:
        f.write("<Project Sdk=\"Microsoft.NET.Sdk\">\n</Project>\n")
    shutil.rmtree(h.path("Assets", "Game", "Tests"))
    written = h.sync()
    assert written == [h.path("Sample Game.sln")], written
    assert not os.path.exists(h.path("Game.Tests.csproj")), "the project of a deleted asmdef goes"
    assert os.path.exists(foreign), "a project file this package did not write stays"
    assert len(h.projects()) == len(EXPECTED)


def test_sync_leaves_the_files_of_the_chosen_editors_generator_and_says_so():
    h = SampleHost(UNITY_HOST_PREF_kScriptsDefaultApp="/usr/bin/code")
    try:
        theirs = "<Project Sdk=\"Microsoft.NET.Sdk\">\n</Project>\n"  # com.unity.ide.visualstudio's, say
        with open(h.path("Assembly-CSharp.csproj"), "w") as f:
            f.write(theirs)
        with open(h.path("Sample Game.slnx"), "w") as f:
            f.write("<Solution />\n")
        reply = h.peer.call("sync")
        assert not reply["ok"], reply
        assert "the External Script Editor (/usr/bin/code) generates project files of its own (Sample Game.slnx, Assembly-CSharp.csproj)" \
            in reply["error"] and "choose Neovim in Preferences > External Tools" in reply["error"], reply
        with open(h.path("Assembly-CSharp.csproj")) as f:
            assert f.read() == theirs
        assert h.projects() == [h.path("Assembly-CSharp.csproj")] and not os.path.exists(h.path("Sample Game.sln"))
    finally:
        h.close()


def test_sync_works_when_another_editor_is_chosen():
    h = SampleHost(UNITY_HOST_PREF_kScriptsDefaultApp="/usr/bin/code")
    try:
        settle(h)
        assert h.projects() == [], "another editor is chosen: nothing written at start"
        written = h.sync()
        assert h.path("Sample Game.sln") in written and len(written) == len(EXPECTED) + 1, written
        assert h.peer.call("host.open", {"file": "Assets/Game/Score.cs"})["result"] is False  # not our editor
    finally:
        h.close()


def main(argv):
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    if len(argv) > 1:
        tests = [t for t in tests if any(a in t[0] for a in argv[1:])]
    passed = failed = 0
    for name, fn in tests:
        started = time.monotonic()
        h = None
        try:
            if fn.__code__.co_argcount:
                h = SampleHost(**getattr(fn, "env", {}))
                fn(h)
            else:
                fn()
            passed += 1
            print("ok   %s (%.1f s)" % (name, time.monotonic() - started), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s\n%s--- host output ---\n%s" % (name, traceback.format_exc(), h.output() if h else ""), flush=True)
        finally:
            if h:
                h.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
