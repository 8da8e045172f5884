"""Protocol-level tests of the stand-in Unity host over real FIFOs, with peer.py as Neovim.

Each test starts a fresh host (tests/unity_host/run.sh) on a fresh project. Every wait has a
timeout so a hang fails; nothing is judged by how long it took. Prints "N passed, M failed".
Usage: python3 test_host.py [NAME_FRAGMENT...]; UNITY_HOST_VERBOSE=1 also prints the host's
output (domain reload and unload times) of passing tests.
"""
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback

import peer as P

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(HERE, "run.sh")
BROKEN = "public class Broken\n{\n    public int F() { int x = \"no\"; return x; }\n}\n"
FIXED = "public class Broken\n{\n    public int F() { int x = 1; return x; }\n}\n"
TOOL_BROKEN = BROKEN.replace("Broken", "Tool")
TOOL_FIXED = FIXED.replace("Broken", "Tool")


VERSIONS = ("2021.3", "2022.3", "6000.0")


def each_version(fn):
    """Runs the test against every Unity version the host models (as test_name[version])."""
    fn.versions = VERSIONS
    return fn


class HostProcess:
    """One stand-in editor process on a project (run.sh), its output in a file."""

    def __init__(self, project, name, **env):
        self.log_path = os.path.join(project, name + ".log")
        self.log = open(self.log_path, "w")
        env = dict(os.environ, UNITY_HOST_TEST="1", **env)
        self.proc = subprocess.Popen(["bash", RUN, project], stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)

    def wait_output(self, text, timeout=20):
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise P.Timeout("the host never printed %r" % text)
            time.sleep(0.05)

    def output(self):
        with open(self.log_path) as f:
            return f.read()

    def terminate(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def close(self):
        try:
            self.terminate()
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Host:
    def __init__(self, version="2021.3", scripts=None, **env):
        """scripts: {path under Assets: text} the project has when the editor opens it."""
        self.version = version
        self.project = tempfile.mkdtemp(prefix="unity-host-")
        os.makedirs(os.path.join(self.project, "Assets"))
        for name, text in (scripts or {}).items():
            self.write_script(name, text)
        os.makedirs(os.path.join(self.project, "ProjectSettings"))
        with open(os.path.join(self.project, "ProjectSettings", "ProjectVersion.txt"), "w") as f:
            f.write("m_EditorVersion: %s\n" % version)
        self.editor = HostProcess(self.project, "host", UNITY_HOST_VERSION=version, **env)
        self.proc = self.editor.proc
        self.peer = P.Peer(self.project)
        self.session = self.peer.wait_session()

    def connect(self):
        """Opens both ends as Neovim does; returns the hello and the state that follow it."""
        self.peer.open_reader()
        self.peer.open_writer()
        return self.expect("hello"), self.expect("state")

    def expect(self, t, seen=(), timeout=20, **fields):
        """The first message of type t with those fields: among seen (messages already read), else the next ones."""
        match = lambda m: m.get("t") == t and all(m.get(k) == v for k, v in fields.items())
        for m in seen:
            if match(m):
                return m
        msg, _ = self.peer.recv_until(match, timeout)
        return msg

    def replies_until(self, last_id, forbid=()):
        """Reads until the reply to last_id: the replies by id and the logs met on the way.
        A message whose type is in forbid fails the test."""
        replies, logs = {}, []
        while last_id not in replies:
            m = self.peer.recv()
            assert m["t"] not in forbid, "unexpected %s: %s" % (m["t"], m)
            if m["t"] == "reply":
                replies[m["id"]] = m
            elif m["t"] == "log":
                logs.append(m)
        return replies, logs

    def logs_until_marker(self, marker="marker"):
        """Every log up to a marker log made now: logs leave in order, so none is still queued after it."""
        _, seen = self.peer.reply(self.peer.send("host.log", {"message": marker}))
        got = logs_of(seen)
        while not (got and got[-1]["message"].startswith(marker)):
            got += logs_of([self.peer.recv()])
        return got[:-1]

    def wait_output(self, text, timeout=20):
        self.editor.wait_output(text, timeout)

    def output(self):
        return self.editor.output()

    def terminate(self, timeout=20):
        return self.editor.terminate(timeout)

    def write_script(self, name, text):
        path = os.path.join(self.project, "Assets", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def messages_until_reply(self, name, args=None):
        """Sends a command; every message up to its reply (the reply last)."""
        reply, seen = self.peer.reply(self.peer.send(name, args))
        return seen + [reply]

    def close(self):
        self.peer.close()
        self.editor.close()
        shutil.rmtree(self.project, ignore_errors=True)


# The host checks threads and descriptors after each shutdown through /proc (none on macOS).
PROC = os.path.isdir("/proc/self/task")


def shutdown_line(domain, outcome):
    if not PROC:
        return "domain %d unloaded" % domain
    return "domain %d (%s): checked, no bridge thread and no FIFO descriptor left" % (domain, outcome)


def shutdown_checked(output, domain, outcome):
    return shutdown_line(domain, outcome) in output


def logs_of(messages, prefix=None):
    return [m for m in messages if m.get("t") == "log" and (prefix is None or m["message"].startswith(prefix))]


def assert_contiguous(seqs, what):
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "%s: seq not contiguous: %s" % (what, gaps(seqs))


def gaps(seqs):
    return [(a, b) for a, b in zip(seqs, seqs[1:]) if b != a + 1][:10]


# ---------------------------------------------------------------- tests

def test_hello_from_neovim_is_answered_with_a_greeting(h):
    # A Neovim whose reader opened between two of Unity's idle checks missed the hello; its
    # own hello asks for another.
    h.connect()
    h.peer.write(P.frame(P.pack({"t": "hello", "protocol": 1, "client": "peer.py", "pid": os.getpid()})))
    h.expect("hello", pid=h.session["pid"], again=True)
    h.expect("state")


def test_rendezvous_hello_then_state(h):
    folder = h.peer.folder
    assert stat.S_IMODE(os.lstat(folder).st_mode) == 0o700
    for name in ("unity-to-nvim", "nvim-to-unity"):
        st = os.lstat(os.path.join(folder, name))
        assert stat.S_ISFIFO(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600, name
    assert stat.S_IMODE(os.lstat(os.path.join(folder, "session.json")).st_mode) == 0o600
    assert h.session["protocol"] == 1 and h.session["project"] == h.project
    # The very first two frames: hello, then state.
    h.peer.open_reader()
    h.peer.open_writer()
    hello, state = h.peer.recv(), h.peer.recv()
    assert hello == {"t": "hello", "protocol": 1, "unity": h.session["unity"], "project": h.project,
                     "pid": h.session["pid"], "again": False, "debug_address": "127.0.0.1",
                     "debug_port": 56000 + h.session["pid"] % 1000, "debug_attach": True}, hello
    assert state == {"t": "state", "playing": False, "paused": False, "compiling": False,
                     "optimization": "release"}, state


def editor_log(fn):
    """Every console message also on the host's output, for a test that has no reader to see them."""
    fn.env = {"UNITY_HOST_EDITOR_LOG": "1"}
    return fn


@editor_log
def test_backlog_first_then_live(h):
    # Logs made while no reader is there: only the newest 1000 are kept.
    h.peer.open_writer()
    h.peer.send("host.log", {"count": 1500, "message": "pre"})
    h.wait_output("[console] Log: pre t0#1499")  # the host ran the command before the reader appears
    h.peer.open_reader()
    assert h.peer.recv()["t"] == "hello"
    assert h.peer.recv()["t"] == "state"
    backlog = []
    while len(backlog) < 1000:
        m = h.peer.recv()
        if m["t"] == "log":
            backlog.append(m)
        else:
            assert m["t"] == "reply" and m["result"] == 1500, m
    seqs = [m["seq"] for m in backlog]
    assert_contiguous(seqs, "backlog")
    assert backlog[0]["message"] == "pre t0#500" and backlog[-1]["message"] == "pre t0#1499", (backlog[0], backlog[-1])
    assert seqs[0] == 501, "500 oldest dropped, the gap shows in seq"
    cid = h.peer.send("host.log", {"count": 5, "message": "live"})
    _, before = h.peer.reply(cid)
    live = logs_of(before, "live")
    while len(live) < 5:
        live += logs_of([h.peer.recv()], "live")
    assert [m["seq"] for m in live] == list(range(seqs[-1] + 1, seqs[-1] + 6))


test_backlog_first_then_live.env = {"UNITY_HOST_EDITOR_LOG": "1"}


def test_logs_from_several_threads(h):
    h.connect()
    _, seen = h.peer.reply(h.peer.send("host.log", {"count": 300, "threads": 3, "message": "thr"}))
    got = logs_of(seen, "thr")
    while len(got) < 900:
        got += logs_of([h.peer.recv()], "thr")
    seqs = [m["seq"] for m in got]
    assert_contiguous(seqs, "threads")
    for t in (1, 2, 3):
        mine = [int(m["message"].split("#")[1]) for m in got if m["message"].startswith("thr t%d#" % t)]
        assert mine == list(range(300)), "thread %d in order" % t


def reloads(seen):
    """The frames of seen that tell a domain reload: a bye, or a hello that is not a repeated
    greeting (Unity answers a Neovim hello with one saying `again`, doc/protocol.md section 2)."""
    return [m for m in seen if m["t"] == "bye" or (m["t"] == "hello" and not m.get("again"))]


def test_levels_stack_and_time(h):
    h.connect()
    now_ms = time.time() * 1000
    for level in ("log", "warning", "error", "exception", "assert"):
        cid = h.peer.send("host.log", {"level": level, "message": "lv-" + level})
        _, before = h.peer.reply(cid)
        m = h.expect("log", before)
        assert m["level"] == level, m
        assert abs(m["time"] - now_ms) < 600000
        if level == "exception":
            assert m["message"] == "InvalidOperationException: lv-exception t0#0", m["message"]
        else:
            assert m["message"] == "lv-%s t0#0" % level, m["message"]
            assert m["stack"].startswith("UnityEngine.Debug:"), m["stack"]
        assert "HostGame:" in m["stack"] and " (at " in m["stack"], m["stack"]


def test_builtin_commands(h):
    hello, _ = h.connect()
    idle = {"playing": False, "paused": False, "compiling": False, "optimization": "release"}
    assert h.peer.call("state") == {"t": "reply", "id": 1, "ok": True, "result": idle}
    assert h.peer.call("refresh") == {"t": "reply", "id": 2, "ok": True, "result": {"compiling": False, "deferred": False}}
    # Entering play mode reloads the script domain, as Unity does by default.
    r = h.peer.call("play")
    assert r["ok"], r  # the switch happens on a later editor tick, as in Unity
    h.expect("bye", reason="reload")
    assert h.expect("hello")["pid"] == hello["pid"]
    h.expect("state", playing=True, paused=False)
    r, seen = h.peer.reply(h.peer.send("pause"))
    assert r["ok"] and r["result"]["paused"] is True, r
    h.expect("state", seen, playing=True, paused=True)
    r = h.peer.call("pause")
    assert r["result"]["paused"] is False, r
    r = h.peer.call("step")
    assert r["ok"] and r["result"] == {"playing": True, "paused": True, "compiling": False, "optimization": "release"}, r
    # Leaving play mode reloads nothing.
    r, seen = h.peer.reply(h.peer.send("stop"))
    assert r["ok"], r
    seen += h.peer.recv_until(lambda m: m.get("t") == "state" and not m["playing"])[1]
    seen += h.messages_until_reply("state")
    assert seen[-1]["result"] == {"playing": False, "paused": False, "compiling": False, "optimization": "release"}, seen[-1]
    assert not reloads(seen), seen


def test_play_mode_without_domain_reload(h):
    # Enter Play Mode Options can turn the reload off: play mode then comes without one.
    h.connect()
    h.peer.call("state")  # past the greeting that answers our hello
    assert h.peer.call("host.playmodeoptions", {"reload": False})["result"] is False
    seen = h.messages_until_reply("play")
    seen += h.peer.recv_until(lambda m: m.get("t") == "state" and m["playing"])[1]
    seen += h.messages_until_reply("state")
    assert seen[-1]["result"]["playing"] is True, seen[-1]
    assert not reloads(seen), "no reload: %s" % seen


def test_unknown_throwing_and_registry(h):
    h.connect()
    r = h.peer.call("no.such.thing", {"x": 1})
    assert r["ok"] is False and r["error"] == "no command named 'no.such.thing' is registered in Unity", r
    r = h.peer.call("host.throw")
    assert r["ok"] is False and r["error"] == "host.throw failed on purpose", r
    r = h.peer.call("host.register", {"name": "play"})
    assert r["result"].startswith("ArgumentException: 'play' is a built-in command"), r
    assert h.peer.call("host.register", {"name": "late"})["result"] == "registered"
    assert h.peer.call("late")["result"] == "late handler"
    assert h.peer.call("host.unregister", {"name": "late"})["result"] is True
    assert h.peer.call("late")["ok"] is False


def compile_until_finished(h):
    """Sends compile; every message up to the compile's finished frame (last)."""
    r, seen = h.peer.reply(h.peer.send("compile"))
    assert r["ok"] and r["result"] == {"requested": True}, r
    finished, more = h.peer.recv_until(lambda m: m.get("t") == "compile" and m.get("state") == "finished")
    return seen + more + [finished]


def no_compile_frame_until_reply(h, name, args=None):
    """Runs a command; fails if any compile frame comes before its reply. Returns the messages."""
    seen = h.messages_until_reply(name, args)
    assert not [m for m in seen if m["t"] == "compile"], "no compile frame expected: %s" % seen
    return seen


@each_version
def test_compile_error_then_fix_and_reload(h):
    hello, _ = h.connect()
    h.write_script("Broken.cs", BROKEN)
    seen = compile_until_finished(h)
    finished = seen[-1]
    assert {"t": "compile", "state": "started"} in seen, seen
    assert {"t": "state", "playing": False, "paused": False, "compiling": True, "optimization": "release"} in seen, seen
    assert finished["errors"] >= 1, finished
    err = [m for m in finished["messages"] if m["severity"] == "error"][0]
    assert err["file"] == "Assets/Broken.cs" and err["line"] == 3 and err["col"] > 0, err
    assert "CS0029" in err["text"], err
    # A failed compile does not reload: the next reply comes with no bye before it.
    seen = h.messages_until_reply("state")
    assert not [m for m in seen if m["t"] == "bye"], seen
    assert seen[-1]["result"]["compiling"] is False, seen[-1]

    h.write_script("Broken.cs", FIXED)
    r, seen = h.peer.reply(h.peer.send("compile"))
    bye, more = h.peer.recv_until(lambda m: m.get("t") == "bye")
    seen += more
    assert bye["reason"] == "reload", bye
    h.expect("compile", seen, state="started")
    # compiling goes back to false before the reload, though isCompiling is still true inside
    # compilationFinished in 2021.3 and 2022.3 and the reload comes before the next update tick.
    states = [m["compiling"] for m in seen if m["t"] == "state"]
    assert states and states[-1] is False, "the last state before the reload says not compiling: %s" % seen
    again = h.expect("hello")
    assert again["pid"] == hello["pid"], "same editor session after a reload"
    assert again["again"] is False, "the new domain's first frame, not a greeting again"
    assert h.peer.recv() == {"t": "state", "playing": False, "paused": False, "compiling": False, "optimization": "release"}
    resent = h.peer.recv()
    assert resent["t"] == "compile" and resent["state"] == "finished" and resent["errors"] == 0 and resent["messages"] == [], resent
    assert h.peer.call("state")["ok"]
    assert shutdown_checked(h.output(), 1, "reload")


@each_version
def test_a_compile_that_changed_nothing_is_not_sent_again_after_an_unrelated_reload(h):
    # From 2022.1 Unity reloads after a good compile only when an assembly changed; the
    # summary it keeps for that reload must not come again after the next one (play mode).
    h.connect()
    h.peer.call("state")  # past the greeting that answers our hello
    seen = compile_until_finished(h)  # nothing changed since Unity compiled the project on open
    assert seen[-1]["errors"] == 0, seen[-1]
    if h.version == "2021.3":  # the flag is set when the build starts: it reloads, the new domain says so
        kinds = [m["t"] for m in seen]
        assert "bye" in kinds and "hello" in kinds[kinds.index("bye"):], kinds
    else:
        seen = h.messages_until_reply("state")
        assert not reloads(seen), "no reload: %s" % seen
    h.peer.call("play")
    h.expect("bye", reason="reload")
    h.expect("hello")
    no_compile_frame_until_reply(h, "state")


def opened_with(scripts):
    """The project has these scripts ({path under Assets: text}) when the editor opens it."""
    def mark(fn):
        fn.scripts = scripts
        return fn
    return mark


WARNS = "public class Warns\n{\n    public void F() { int unused = 1; }\n}\n"


@each_version
@opened_with({"Warns.cs": WARNS})
def test_an_unchanged_assembly_is_not_reported_again(h):
    # assemblyCompilationFinished comes only for the assemblies a build copied or failed: the
    # warning of an assembly that did not change since Unity opened the project is not in it.
    h.connect()
    h.peer.call("state")
    assert compile_until_finished(h)[-1]["messages"] == []
    h.write_script("Warns.cs", WARNS.replace("1;", "2;"))
    warnings = compile_until_finished(h)[-1]["messages"]
    assert [m["severity"] for m in warnings] == ["warning"] and "CS0219" in warnings[0]["text"], warnings


def slow_compiles(fn):
    """Compiles take at least 1.5 s, so that a test can act while one runs."""
    fn.env = {"UNITY_HOST_COMPILE_MS": "1500"}
    return fn


@each_version
@slow_compiles
def test_compile_during_a_compile_joins_it(h):
    # RequestScriptCompilation would cancel the running build, and from 2022.3 a cancelled
    # build raises no compilationFinished: the second compile must join the first.
    h.connect()
    h.write_script("Broken.cs", BROKEN)
    first = h.peer.send("compile")
    _, seen = h.peer.recv_until(lambda m: m == {"t": "compile", "state": "started"})
    second = h.peer.send("compile")
    r, more = h.peer.reply(second)
    seen += more
    assert r["ok"] and r["result"] == {"requested": True}, r
    finished, more = h.peer.recv_until(lambda m: m.get("t") == "compile" and m.get("state") == "finished")
    seen += more
    assert finished["errors"] >= 1, "the joined compile's result: %s" % finished
    assert {"t": "reply", "id": first, "ok": True, "result": {"requested": True}} in seen, seen
    seen = no_compile_frame_until_reply(h, "state")
    assert seen[-1]["result"]["compiling"] is False, seen[-1]
    assert "compile cancelled" not in h.output(), "the running compile was cancelled"


@each_version
@slow_compiles
def test_compile_during_a_compile_then_compiles_what_was_saved_since_it_began(h):
    # The joined build read the scripts when it began: a script saved after that is compiled
    # once it ends, here in the domain its reload brings.
    h.connect()
    h.peer.call("state")
    h.write_script("Good.cs", FIXED.replace("Broken", "Good"))
    h.peer.send("compile")
    h.peer.recv_until(lambda m: m == {"t": "compile", "state": "started"})
    h.write_script("Later.cs", BROKEN.replace("Broken", "Later"))
    r, more = h.peer.reply(h.peer.send("compile"))
    assert r["result"] == {"requested": True}, r
    # The first compile's summary may be superseded by the second's start (a kept summary goes stale).
    later_failed = lambda m: m.get("t") == "compile" and m.get("state") == "finished" and m["errors"] > 0
    last, rest = h.peer.recv_until(later_failed)
    assert [m["file"] for m in last["messages"] if m["severity"] == "error"] == ["Assets/Later.cs"], last
    assert {"t": "compile", "state": "started"} in more + rest, "a second compile: %s" % (more + rest)


@each_version
def test_failed_build_without_an_assembly_error_is_not_reported_as_success(h):
    # The build fails after compiling (Bee cannot copy the assembly into Library/ScriptAssemblies):
    # no assembly reports an error, EditorUtility.scriptCompilationFailed says it failed.
    h.connect()
    h.peer.call("state")  # past the greeting that answers our hello
    h.write_script("Good.cs", FIXED)
    os.makedirs(os.path.join(h.project, "Library", "ScriptAssemblies", "Assembly-CSharp.dll"))
    seen = compile_until_finished(h)
    finished = seen[-1]
    assert finished["errors"] >= 1, "a failed build reported as %s" % finished
    assert "failed" in finished["messages"][-1]["text"], finished
    assert not reloads(seen), "no reload after a failed build: %s" % seen
    # Entering play mode reloads the domain: nothing about that failed compile may come again.
    h.peer.call("play")
    h.expect("bye", reason="reload")
    h.expect("hello")
    no_compile_frame_until_reply(h, "state")


def test_assembly_builder_and_player_builds_are_not_reported(h):
    # Both raise CompilationPipeline's events and reload nothing: not the editor's compile.
    h.connect()
    h.write_script("Good.cs", FIXED)
    h.write_script("Tool.cs", TOOL_BROKEN)
    seen = h.messages_until_reply("host.assemblybuilder", {"scripts": ["Assets/Tool.cs"], "output": "Library/Tools/Tool.dll"})
    assert seen[-1]["result"] is True, seen[-1]
    built, more = h.peer.recv_until(lambda m: m.get("t") == "log" and m["message"].startswith("assembly built"))
    seen += more
    assert built["message"] == "assembly built: 1 messages", built
    seen += h.messages_until_reply("host.buildplayer")
    assert "player scripts compiled" in h.output()
    assert not [m for m in seen if m["t"] == "compile"], "an AssemblyBuilder or player build was reported: %s" % seen
    # An AssemblyBuilder without errors, then the reload of entering play mode: nothing is re-sent.
    h.write_script("Tool.cs", TOOL_FIXED)
    seen = h.messages_until_reply("host.assemblybuilder", {"scripts": ["Assets/Tool.cs"], "output": "Library/Tools/Tool2.dll"})
    seen += h.peer.recv_until(lambda m: m.get("t") == "log" and m["message"] == "assembly built: 0 messages")[1]
    seen += h.messages_until_reply("play")
    seen += h.peer.recv_until(lambda m: m.get("t") == "hello")[1]
    seen += no_compile_frame_until_reply(h, "state")
    assert not [m for m in seen if m["t"] == "compile"], seen


def start_beside(h, name, **env):
    """Starts a second editor process on the project of h, whose editor is connected; returns it
    and what the connection looks like: (inodes of the folder's entries, session.json's text)."""
    h.connect()
    h.peer.call("state")  # past the greeting that answers our hello
    folder = h.peer.folder
    inodes = {n: os.lstat(os.path.join(folder, n)).st_ino for n in (".", "session.json", "unity-to-nvim", "nvim-to-unity")}
    with open(os.path.join(folder, "session.json")) as f:
        session = f.read()
    other = HostProcess(h.project, name, **env)
    other.wait_output("domain 1 up")
    return other, (inodes, session)


def assert_untouched(h, before):
    """The editor's rendezvous and connection are as they were."""
    inodes, session = before
    for name, ino in inodes.items():
        assert os.lstat(os.path.join(h.peer.folder, name)).st_ino == ino, name + " was replaced"
    with open(os.path.join(h.peer.folder, "session.json")) as f:
        assert f.read() == session, "session.json taken over"
    seen = h.messages_until_reply("state")
    assert seen[-1]["ok"] and not [m for m in seen if m["t"] in ("hello", "bye")], seen
    assert h.peer.eofs == 0, "the editor's connection never dropped"


def test_import_worker_leaves_the_editor_alone(h):
    # Parallel import starts worker editors on the same project; they run [InitializeOnLoad] code.
    worker, before = start_beside(h, "worker", UNITY_HOST_WORKER="1")
    try:
        assert worker.terminate() == 0, worker.output()
    finally:
        worker.close()
    assert shutdown_checked(worker.output(), 1, "quit"), worker.output()
    assert_untouched(h, before)


def test_secondary_process_leaves_the_editor_alone(h):
    # Secondary editor processes (the standalone Profiler) run [InitializeOnLoad] code too.
    secondary, before = start_beside(h, "secondary", UNITY_HOST_SECONDARY="1")
    try:
        assert secondary.terminate() == 0, secondary.output()
    finally:
        secondary.close()
    assert shutdown_checked(secondary.output(), 1, "quit"), secondary.output()
    assert_untouched(h, before)


def test_windows_editor_runs_the_bridge(h):
    # Application.platform says Windows, but the stand-in's system is Linux: the transport follows
    # the real system (FIFOs here, no pipes in session.json), and no Windows gate is left.
    assert "pipes" not in h.session, h.session
    hello, _ = h.connect()
    assert hello["pid"] == h.session["pid"], hello
    h.peer.send("host.reload")
    bye, _ = h.peer.recv_until(lambda m: m.get("t") == "bye")
    assert bye["reason"] == "reload", bye
    again, _ = h.peer.recv_until(lambda m: m.get("t") == "hello")
    assert again["pid"] == hello["pid"], "same editor session"
    assert "[Neovim Bridge]" not in h.editor.output(), h.editor.output()
    # ... and offers Neovim as the External Script Editor, which the user had chosen.
    assert "[host] CodeEditor.Register(NeovimCodeEditor)" in h.editor.output(), h.editor.output()


test_windows_editor_runs_the_bridge.env = {
    "UNITY_HOST_PLATFORM": "windows",
    "UNITY_HOST_EDITOR_LOG": "1",
    "UNITY_HOST_PREF_kScriptsDefaultApp": "/usr/bin/nvim",
}


def test_batchmode_editor_leaves_a_live_editors_bridge_alone(h):
    batch, before = start_beside(h, "batch", UNITY_HOST_BATCHMODE="1", UNITY_HOST_EDITOR_LOG="1")
    try:
        for n in (2, 3):  # script reloads in the batch editor: its notice is not repeated
            batch.proc.send_signal(signal.SIGHUP)
            batch.wait_output("domain %d up" % n)
        assert batch.terminate() == 0, batch.output()
    finally:
        batch.close()
    notices = [l for l in batch.output().splitlines() if "[Neovim Bridge] -batchmode" in l]
    assert len(notices) == 1 and "pid %d owns" % h.session["pid"] in notices[0], batch.output()
    assert_untouched(h, before)


def test_reloads_while_streaming(h):
    hello, _ = h.connect()
    got = []
    for n in range(1, 4):
        h.peer.send("host.log", {"count": 1500, "threads": 2, "interval_ms": 1, "message": "stream%d" % n})
        target = len(got) + 200
        while len(got) < target:
            got += logs_of([h.peer.recv()])
        h.peer.send("host.reload")
        bye, seen = h.peer.recv_until(lambda m: m.get("t") == "bye")
        assert bye["reason"] == "reload"
        got += logs_of(seen)
        again, seen = h.peer.recv_until(lambda m: m.get("t") == "hello")
        got += logs_of(seen)
        assert again["pid"] == hello["pid"], "same editor session"
        h.wait_output(shutdown_line(n, "reload"))
    got += h.logs_until_marker()
    assert_contiguous([m["seq"] for m in got], "across three reloads")
    assert h.peer.eofs >= 3, "the reader saw each old write end close"


def test_unsent_frames_survive_reload(h):
    # No reader: replies and logs wait in the queue, which the next domain takes over.
    h.peer.open_writer()
    log_id = h.peer.send("host.log", {"count": 50, "message": "old"})
    reload_id = h.peer.send("host.reload")
    h.wait_output("domain 2 up")
    h.peer.open_reader()
    hello = h.peer.recv()
    assert hello["t"] == "hello" and hello["pid"] == h.session["pid"], hello
    assert h.peer.recv()["t"] == "state"
    reloaded, seen = h.peer.reply(reload_id)
    assert reloaded["ok"] and reloaded["result"] is True, reloaded
    assert {"t": "reply", "id": log_id, "ok": True, "result": 50} in seen, seen
    logs = logs_of(seen) + h.logs_until_marker("new")
    assert [m["message"] for m in logs] == ["old t0#%d" % i for i in range(50)], logs[:3]
    assert_contiguous([m["seq"] for m in logs], "carried over")
    _, seen = h.peer.reply(h.peer.send("host.log", {"message": "next"}))
    nxt = h.expect("log", seen)
    assert nxt["seq"] == logs[-1]["seq"] + 2, "seq goes on after the marker: %r" % nxt


def test_reader_leaves_during_flood(h):
    h.connect()
    h.peer.close_reader()  # Neovim's reader goes away; its writer stays
    h.peer.send("host.log", {"count": 5000, "threads": 4, "message": "flood"})
    ticks = []
    for _ in range(5):
        ticks.append(h.peer.send("host.ticks"))
        time.sleep(0.2)
    join = h.peer.send("host.join")
    probe = h.peer.send("host.ticks")
    h.wait_output("[game] host.join: every logger finished", timeout=60)  # no live log may come after the reader opens
    h.peer.open_reader()
    assert h.peer.recv()["t"] == "hello"
    assert h.peer.recv()["t"] == "state"
    replies, logs = h.replies_until(probe)
    values = [replies[i]["result"]["ticks"] for i in ticks]
    # Two commands may share one tick when the machine is loaded: ticks must only grow, and did.
    assert values == sorted(values) and values[-1] > values[0], "the editor loop kept ticking: %s" % values
    assert replies[join]["result"] is True, "the flood finished"
    logs += h.logs_until_marker()
    seqs = [m["seq"] for m in logs]
    assert len(logs) == 1000, "the queue kept exactly its bound of 1000 logs, got %d" % len(logs)
    assert_contiguous(seqs, "backlog after the flood")
    assert seqs[-1] - seqs[0] + 1 == 1000


def test_full_pipe_keeps_editor_ticking(h):
    # No hello from us (Unity must not need it), so no greeting repeated in answer to it: any
    # hello below would mean the full pipe was taken for a departed reader.
    h.peer.open_reader()
    h.peer.open_writer(hello=False)
    h.expect("hello")
    h.expect("state")  # from here the reader stays open but reads nothing: the pipe fills up
    h.peer.send("host.log", {"count": 10000, "threads": 2, "message": "full"})
    h.peer.wait_pipe_full()
    ticks = []
    for _ in range(5):
        ticks.append(h.peer.send("host.ticks"))
        time.sleep(0.2)
    join = h.peer.send("host.join")
    # A hello here would mean the full pipe (EAGAIN) was taken for a departed reader.
    replies, logs = h.replies_until(join, forbid=("hello",))
    values = [replies[i]["result"]["ticks"] for i in ticks]
    assert values == sorted(values) and len(set(values)) == len(values), "the editor loop kept ticking: %s" % values
    logs += h.logs_until_marker()
    seqs = [m["seq"] for m in logs]
    assert seqs == sorted(set(seqs)), "seq only grows"
    assert h.peer.eofs == 0, "the write end stayed open throughout"
    assert seqs[-1] - seqs[0] + 1 == 20000, "first and last flood logs arrive"
    assert len(logs) < 20000, "while the pipe was full the bounded queue dropped logs"


def test_garbage_and_torn_frames_then_command(h):
    h.connect()
    torn = P.frame(P.pack({"t": "cmd", "id": 900, "name": "state"}))
    bad_crc = bytearray(P.frame(P.pack({"t": "cmd", "id": 901, "name": "state"})))
    bad_crc[-1] ^= 0xFF
    h.peer.write(os.urandom(3000) + b"UNUN garbage" + torn[:len(torn) // 2] + bytes(bad_crc))
    good = h.peer.send("state")
    r, seen = h.peer.reply(good)
    assert r["ok"], r
    assert not [m for m in seen if m["t"] == "reply"], "no reply to the torn or corrupt commands: %s" % seen
    # A torn header promising a long payload: the host looks past it after a pause.
    h.peer.write(b"UN" + (1 << 20).to_bytes(4, "big") + ((1 << 20) ^ 0xFFFFFFFF).to_bytes(4, "big"))
    good = h.peer.send("state")
    assert h.peer.reply(good)[0]["ok"]
    # Neovim restarts its writer: the torn bytes die with the stream, new commands work.
    h.peer.close_writer()
    h.peer.open_writer()
    assert h.peer.call("state")["ok"]


def test_sigterm_quits_like_unity(h):
    h.connect()
    assert h.terminate() == 0
    h.expect("bye", reason="quit", timeout=10)
    assert not os.path.exists(os.path.join(h.peer.folder, "session.json"))
    assert not os.path.exists(h.peer.folder)
    assert shutdown_checked(h.output(), 1, "quit")


NASTY = "it's a \"$(touch pwned)\" `x` file.cs"


def editor_prefs(env=None, **prefs):
    """EditorPrefs the host starts with (its stub reads UNITY_HOST_PREF_<key, . as _>), and more env."""
    def mark(fn):
        fn.env = dict(env or {}, **{"UNITY_HOST_PREF_" + k.replace(".", "_"): v for k, v in prefs.items()})
        return fn
    return mark


@editor_prefs(kScriptsDefaultApp="/usr/local/bin/nvim")
def test_open_is_sent_to_a_connected_neovim(h):
    h.connect()
    seen = h.messages_until_reply("host.open", {"file": "Assets/Scripts/" + NASTY, "line": 12, "col": 5})
    opened = [m for m in seen if m["t"] == "open"]
    assert opened == [{"t": "open", "file": os.path.join(h.project, "Assets", "Scripts", NASTY), "line": 12, "col": 5}], seen
    assert seen[-1]["result"] is True, "OpenProject said it opened the file"
    # Unity's "no line" (-1) leaves the keys out; no file: the project itself.
    seen = h.messages_until_reply("host.open", {"file": "", "line": -1, "col": -1})
    assert [m for m in seen if m["t"] == "open"] == [{"t": "open", "file": ""}], seen
    # An extension not in the list is left to Unity.
    seen = h.messages_until_reply("host.open", {"file": "Assets/logo.png"})
    assert not [m for m in seen if m["t"] == "open"] and seen[-1]["result"] is False, seen


@editor_prefs(kScriptsDefaultApp="/usr/bin/code")
def test_open_is_not_ours_when_another_editor_is_chosen(h):
    h.connect()
    seen = h.messages_until_reply("host.open", {"file": "Assets/A.cs", "line": 1})
    assert not [m for m in seen if m["t"] == "open"] and seen[-1]["result"] is False, seen


@each_version
def test_without_a_chosen_editor_unity_keeps_its_own(h):
    # 2021.3's CodeEditor.Register picks the current editor again, which writes the preference;
    # from 2022.3 it does so only once the user chose an editor.
    h.connect()
    got = h.peer.call("host.codeeditor")["result"]
    assert got == {"editor": "DefaultExternalCodeEditor", "installation": "", "chosen": h.version == "2021.3"}, got


@each_version
@editor_prefs(kScriptsDefaultApp="/usr/bin/code")
def test_a_path_no_package_claims_is_unitys_own_editor(h):
    # DefaultExternalCodeEditor claims any non-empty path: "code (internal)".
    h.connect()
    got = h.peer.call("host.codeeditor")["result"]
    assert got == {"editor": "DefaultExternalCodeEditor", "installation": "code (internal)", "chosen": True}, got


def launch_prefs(fn):
    """No Neovim reads: OpenProject runs the launch template, here a script that records its arguments."""
    out = os.path.join(tempfile.gettempdir(), "unity-host-launch-%d.txt" % os.getpid())
    template = "sh -c 'printf \"%%s\\n\" \"$@\" > %s' sh {nvim} {project} {file} +{line} {col}" % out
    fn.out = out
    return editor_prefs(**{"kScriptsDefaultApp": "/opt/nvim dir/nvim", "UnityNvim.LaunchTemplate": template})(fn)



@launch_prefs
def test_open_without_neovim_runs_the_launch_template(h):
    out = test_open_without_neovim_runs_the_launch_template.out
    if os.path.exists(out):
        os.remove(out)
    h.peer.open_writer()  # commands reach Unity, but nobody reads what it sends
    h.peer.send("host.open", {"file": "Assets/" + NASTY, "line": 7, "col": -1})
    deadline = time.monotonic() + 20
    while not (os.path.exists(out) and open(out).read().endswith("\n")):
        assert time.monotonic() < deadline, "the launch template never ran"
        time.sleep(0.05)
    with open(out) as f:
        args = f.read().split("\n")[:-1]
    os.remove(out)
    assert args == ["/opt/nvim dir/nvim", h.project, os.path.join(h.project, "Assets", NASTY), "+7", "1"], args
    assert not os.path.exists(os.path.join(h.project, "pwned")), "nothing of the file name ran"


@editor_prefs({"UNITY_HOST_EDITOR_LOG": "1"}, kScriptsDefaultApp="nvim", **{"UnityNvim.LaunchTemplate": "/nonexistent/terminal {file}"})
def test_failed_launch_is_logged(h):
    h.peer.open_writer()
    h.peer.send("host.open", {"file": "Assets/A.cs"})
    h.wait_output("starting one failed")  # on the host's Editor.log: OpenProject ran with no reader
    h.peer.open_reader()
    logs = logs_of([h.peer.recv_until(lambda m: m.get("t") == "log" and "starting one failed" in m["message"])[0]])
    assert "/nonexistent/terminal" in logs[0]["message"] and logs[0]["level"] == "warning", logs


FAKE_TERMINAL = """#!/bin/sh
# A terminal as the package finds it: records the arguments it was given, NUL-separated.
printf '%s\\0' "$@" > "$FAKE_TERMINAL_OUT.tmp" && mv "$FAKE_TERMINAL_OUT.tmp" "$FAKE_TERMINAL_OUT"
"""
TERMINALS = ("xdg-terminal-exec", "x-terminal-emulator", "kitty", "ghostty", "alacritty", "wezterm", "foot", "ptyxis")


def scratch(name):
    """A folder of this test run that exists only while a test uses it (the host's env names it before)."""
    return os.path.join(tempfile.gettempdir(), "unity-host-%s-%d" % (name, os.getpid()))


def fake_terminal(folder, name):
    """Installs a fake terminal `name` in folder; returns the file its arguments go to."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(FAKE_TERMINAL)
    os.chmod(path, 0o755)
    return os.path.join(folder, "argv")


def terminal_argv(out, timeout=20):
    deadline = time.monotonic() + timeout
    while not os.path.exists(out):
        assert time.monotonic() < deadline, "the terminal was never started"
        time.sleep(0.05)
    with open(out, "rb") as f:
        return [w.decode() for w in f.read().split(b"\0")[:-1]]


def cursor_after(argv, project):
    """Runs the Neovim command a terminal was given (headless, no config): the text from the cursor on."""
    nvim = [argv[0], "--headless", "--clean"] + argv[1:] + [
        "-c", "lua io.stdout:write(vim.fn.getline('.'):sub(vim.fn.col('.')))", "-c", "qa!"]
    return subprocess.run(nvim, cwd=project, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL).stdout


# A line with multi-byte characters before Unity's column (a character column): the cursor
# must land on the 16th character, 'x', not on the 16th byte (";").
WIDE = "s = \"héllo ü\"; x = 1;\n"
PTYXIS_DIR, KITTY_DIR = scratch("ptyxis"), scratch("kitty")
NVIM = shutil.which("nvim") or "nvim"


@editor_prefs(dict(PATH=PTYXIS_DIR + os.pathsep + os.environ.get("PATH", ""), TERMINAL="",
                   FAKE_TERMINAL_OUT=os.path.join(PTYXIS_DIR, "argv")), kScriptsDefaultApp=NVIM)
def test_launch_finds_a_desktop_terminal_and_puts_the_cursor_on_the_character(h):
    before = [t for t in TERMINALS[:-1] if shutil.which(t)]
    assert not before, "this machine has terminals the package tries before ptyxis: %s" % before
    out = fake_terminal(PTYXIS_DIR, "ptyxis")
    try:
        h.write_script("Wide.cs", WIDE)
        h.peer.open_writer()
        h.peer.send("host.open", {"file": "Assets/Wide.cs", "line": 1, "col": 16})
        argv = terminal_argv(out)
        wide = os.path.join(h.project, "Assets", "Wide.cs")
        assert argv == ["--", NVIM, "+call setcursorcharpos(1,16)", wide], argv
        assert cursor_after(argv[1:], h.project) == "x = 1;", "the cursor is on the character Unity named"
    finally:
        shutil.rmtree(PTYXIS_DIR, ignore_errors=True)


@editor_prefs(dict(TERMINAL=os.path.join(KITTY_DIR, "kitty") + " --single-instance", FAKE_TERMINAL_OUT=os.path.join(KITTY_DIR, "argv")),
              kScriptsDefaultApp=NVIM)
def test_launch_runs_terminal_variable_with_its_arguments(h):
    out = fake_terminal(KITTY_DIR, "kitty")
    try:
        h.peer.open_writer()
        h.peer.send("host.open", {"file": "Assets/A.cs", "line": 2, "col": 3})
        argv = terminal_argv(out)
        assert argv == ["--single-instance", "-e", NVIM, "+call setcursorcharpos(2,3)", os.path.join(h.project, "Assets", "A.cs")], argv
    finally:
        shutil.rmtree(KITTY_DIR, ignore_errors=True)


@editor_prefs({"UNITY_HOST_EDITOR_LOG": "1", "TERMINAL": ""}, kScriptsDefaultApp="nvim")
def test_no_terminal_found_is_said_in_the_console(h):
    found = [t for t in TERMINALS if shutil.which(t)]
    assert not found, "this test needs a machine without a terminal emulator; found %s" % found
    h.peer.open_writer()
    h.peer.send("host.open", {"file": "Assets/A.cs"})
    h.wait_output("no terminal to run Neovim in")
    h.peer.open_reader()
    logs = logs_of([h.peer.recv_until(lambda m: m.get("t") == "log" and "no terminal" in m["message"])[0]])
    assert logs[0]["level"] == "warning", logs
    for words in ("ptyxis", "kgx", "xdg-terminal-exec", "Preferences > External Tools > Launch command", "UnityNvim.LaunchTemplate"):
        assert words in logs[0]["message"], (words, logs[0]["message"])


@editor_prefs({"UNITY_HOST_EDITOR_LOG": "1"}, kScriptsDefaultApp="nvim", **{"UnityNvim.LaunchTemplate": "sh -c 'exit 3' {file}"})
def test_launch_that_fails_after_start_is_reported(h):
    h.peer.open_writer()
    h.peer.send("host.open", {"file": "Assets/A.cs"})
    h.wait_output("'sh' exited with code 3 before Neovim connected")
    # That launch is over: the next double-click starts again rather than waiting for it.
    h.peer.send("host.open", {"file": "Assets/B.cs"})
    deadline = time.monotonic() + 20
    while h.output().count("exited with code 3") < 2:
        assert time.monotonic() < deadline, "the second double-click started nothing"
        time.sleep(0.05)
    assert "Launch command" in h.output()


def children(pid):
    """The processes whose parent is pid (a launch forks inside OpenProject, before it returns)."""
    kids = []
    for d in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            kids.append(int(d))
    return kids


# An unfocused editor ticks about once a second: the hello then lands in the update right after
# the launch's, before the watch's own update handler has run once.
@editor_prefs({"UNITY_HOST_EDITOR_LOG": "1", "UNITY_HOST_TICK_MS": "1000"}, kScriptsDefaultApp="nvim", **{"UnityNvim.LaunchTemplate": "sleep 120"})
def test_second_open_while_neovim_starts_goes_to_that_neovim(h):
    pid = h.session["pid"]
    h.peer.open_writer()
    h.peer.send("host.open", {"file": "Assets/A.cs", "line": 1})
    h.peer.send("host.open", {"file": "Assets/B.cs", "line": 2, "col": 3})
    h.peer.send("host.log", {"message": "both opens ran"})  # commands run in order on the main thread
    h.wait_output("both opens ran")
    launched = children(pid)
    try:
        assert len(launched) == 1, "one Neovim started for two double-clicks: %s" % launched
        # That Neovim comes up: it reads and says hello; the second file goes to it.
        h.peer.open_reader()
        h.peer.write(P.frame(P.pack({"t": "hello", "protocol": 1, "client": "peer.py", "pid": os.getpid()})))
        opened = h.expect("open")
        assert opened == {"t": "open", "file": os.path.join(h.project, "Assets", "B.cs"), "line": 2, "col": 3}, opened
    finally:
        for kid in launched:
            os.kill(kid, signal.SIGTERM)


HOME_WITH_TWO = scratch("home")


@editor_prefs(dict(HOME=HOME_WITH_TWO), kScriptsDefaultApp="nvim")
def test_each_neovim_found_is_listed_under_its_own_name(h):
    for folder in (".local/bin", "bin"):
        fake_terminal(os.path.join(HOME_WITH_TWO, folder), "nvim")  # any executable named nvim
    try:
        h.connect()
        found = h.peer.call("host.installations")["result"]
    finally:
        shutil.rmtree(HOME_WITH_TWO, ignore_errors=True)
    ours = {p: n for p, n in found.items() if p.startswith(HOME_WITH_TWO)}
    assert sorted(ours) == sorted([os.path.join(HOME_WITH_TWO, "bin", "nvim"), os.path.join(HOME_WITH_TWO, ".local", "bin", "nvim")]), found
    names = list(found.values())
    assert len(set(names)) == len(names), "two Neovims share a name: %s" % found
    assert not any("/" in n for n in names), "a '/' makes a submenu in Unity's list: %s" % found


def main(argv, scope=None):
    """Runs the test_* functions of scope (this module's by default) matching argv[1:]."""
    tests = []
    for n, f in (scope or globals()).items():
        if n.startswith("test_") and callable(f):
            tests += [("%s[%s]" % (n, v), f, v) for v in f.versions] if hasattr(f, "versions") else [(n, f, "2021.3")]
    if len(argv) > 1:
        tests = [t for t in tests if any(a in t[0] for a in argv[1:])]
    passed = failed = 0
    for name, fn, version in tests:
        h = Host(version, getattr(fn, "scripts", None), **getattr(fn, "env", {}))
        started = time.monotonic()
        try:
            fn(h)
            passed += 1
            print("ok   %s (%.1f s)" % (name, time.monotonic() - started), flush=True)
            if os.environ.get("UNITY_HOST_VERBOSE") == "1":
                print(h.output(), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s\n%s--- host output ---\n%s" % (name, traceback.format_exc(), h.output()), flush=True)
        finally:
            h.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
