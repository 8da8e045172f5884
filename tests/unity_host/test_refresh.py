"""Protocol tests of the edit-compile-play loop against the stand-in host: `refresh`
(doc/protocol.md section 5) compiles the scripts that changed since the last compile, also while
the editor loop ticks slowly, and during play mode as "Script Changes While Playing" says; project
code that throws in play mode reaches the console with the throwing line in its stack.
Usage: python3 test_refresh.py [NAME_FRAGMENT...]; prints "N passed, M failed".
"""
import os
import sys
import time

import test_host as T
from test_host import BROKEN, FIXED, each_version, editor_prefs

COMPILES = {"compiling": True, "deferred": False}
NOTHING = {"compiling": False, "deferred": False}
DEFERRED = {"compiling": False, "deferred": True,
            "reason": "Unity compiles script changes when play mode stops (Preferences > General > Script Changes While Playing)"}


def refresh(h, timeout=20):
    """Sends refresh; the reply and every message before it."""
    return h.peer.reply(h.peer.send("refresh"), timeout)


def finished(h, seen=(), timeout=20):
    """The next compile finished frame (or the one among seen), and the messages read on the way."""
    for m in seen:
        if m.get("t") == "compile" and m.get("state") == "finished":
            return m, []
    return h.peer.recv_until(lambda m: m.get("t") == "compile" and m.get("state") == "finished", timeout)


def good_compile(h, seen=(), timeout=20):
    """A compile that succeeds: Unity reloads, and the new domain sends the finished frame again."""
    if not [m for m in seen if m.get("t") == "bye"]:
        h.expect("bye", timeout=timeout, reason="reload")
    h.expect("hello", timeout=timeout)
    done, _ = finished(h, timeout=timeout)
    assert done["errors"] == 0, done


def compiles_in_output(h):
    return h.output().count("compile finished:")


def play(h, connected=False):
    """Enters play mode (a domain reload, as Unity's default) and waits until it is on."""
    if not connected:
        h.connect()
        h.peer.call("state")  # past the greeting that answers our hello
    assert h.peer.call("play")["ok"]
    h.expect("bye", reason="reload")
    h.expect("hello")
    h.expect("state", playing=True)


@each_version
def test_refresh_compiles_only_scripts_changed_since_the_last_compile(h):
    h.connect()
    h.peer.call("state")
    h.write_script("Broken.cs", BROKEN)
    r, seen = refresh(h)
    assert r["ok"] and r["result"] == COMPILES, r
    h.expect("compile", seen, state="started")
    done, _ = finished(h, seen)
    assert done["errors"] >= 1, done
    # Nothing changed since that compile read the scripts: no compile, though it failed.
    r, seen = refresh(h)
    assert r["result"] == NOTHING, r
    assert not [m for m in seen if m["t"] == "compile"], seen
    seen = T.no_compile_frame_until_reply(h, "state")
    assert seen[-1]["result"]["compiling"] is False and compiles_in_output(h) == 1, h.output()
    # The fix compiles, succeeds and reloads, as Unity does.
    h.write_script("Broken.cs", FIXED)
    r, seen = refresh(h)
    assert r["result"] == COMPILES, r
    good_compile(h, seen)


def test_refresh_without_a_change_compiles_nothing(h):
    h.connect()
    h.peer.call("state")
    r, seen = refresh(h)
    assert r["result"] == NOTHING, r
    # Files Unity does not compile (and hidden folders) change nothing either.
    with open(h.project + "/Assets/notes.txt", "w") as f:
        f.write("not a script\n")
    os.makedirs(h.project + "/Assets/Drafts~")
    h.write_script("Drafts~/Draft.cs", BROKEN)
    r, _ = refresh(h)
    assert r["result"] == NOTHING, r
    T.no_compile_frame_until_reply(h, "state")
    assert compiles_in_output(h) == 0, h.output()


def slow_loop(fn):
    """An unfocused editor: the loop idles 400 ms between ticks."""
    fn.env = {"UNITY_HOST_TICK_MS": "400"}
    return fn


@slow_loop
def test_refresh_while_the_editor_loop_ticks_slowly(h):
    h.connect()
    h.peer.call("state", timeout=60)
    h.write_script("Slow.cs", FIXED.replace("Broken", "Slow"))
    r, seen = refresh(h, timeout=60)
    assert r["result"] == COMPILES, r
    good_compile(h, seen, timeout=60)


@slow_loop
def test_a_refresh_still_waiting_at_a_reload_is_answered_before_bye(h):
    # Both commands arrive within one slow tick: the refresh waits for its settle ticks, the
    # reload comes first; the package answers the refresh with what it knows before bye.
    h.connect()
    h.peer.call("state", timeout=60)
    first = h.peer.send("refresh")
    h.peer.send("host.reload")
    bye, seen = h.peer.recv_until(lambda m: m.get("t") == "bye", timeout=60)
    assert bye["reason"] == "reload", bye
    replies = [m for m in seen if m["t"] == "reply" and m["id"] == first]
    assert replies and replies[0]["ok"] and replies[0]["result"] == NOTHING, seen


@editor_prefs(ScriptCompilationDuringPlay="1")
def test_refresh_during_play_waits_for_play_mode_to_end(h):
    play(h)
    h.write_script("Later.cs", FIXED.replace("Broken", "Later"))
    r, seen = refresh(h)
    assert r["ok"] and r["result"] == DEFERRED, r
    # No compile while playing: ticks go by (host.ticks counts them) and nothing starts.
    before = h.peer.call("host.ticks")["result"]["ticks"]
    while h.peer.call("host.ticks")["result"]["ticks"] < before + 20:
        time.sleep(0.05)
    seen += T.no_compile_frame_until_reply(h, "state")
    assert seen[-1]["result"] == {"playing": True, "paused": False, "compiling": False, "optimization": "release"}, seen[-1]
    assert compiles_in_output(h) == 0, h.output()
    # Leaving play mode compiles the change.
    assert h.peer.call("stop")["ok"]
    h.expect("compile", state="started")
    good_compile(h)


@editor_prefs(ScriptCompilationDuringPlay="2")
def test_refresh_during_play_stops_play_mode_to_compile(h):
    play(h)
    # No script changed: Unity goes on playing, and the reply does not wait for it to stop.
    r = h.peer.call("refresh")
    assert r["result"] == NOTHING, r
    assert h.peer.call("state")["result"]["playing"] is True
    h.write_script("Now.cs", FIXED.replace("Broken", "Now"))
    r, seen = refresh(h)
    assert r["result"] == {"compiling": True, "deferred": False,
                           "reason": "Unity stops play mode to compile script changes (Preferences > General > Script Changes While Playing)"}, r
    assert [m for m in seen if m["t"] == "state" and m["playing"] is False], "play mode ended first: %s" % seen
    good_compile(h, seen)


@editor_prefs(ScriptCompilationDuringPlay="0")
def test_refresh_during_play_compiles_at_once_when_unity_continues_playing(h):
    play(h)
    h.write_script("Hot.cs", FIXED.replace("Broken", "Hot"))
    r, seen = refresh(h)
    assert r["result"] == COMPILES, r
    good_compile(h, seen)
    assert h.peer.call("state")["result"]["playing"] is True, "still playing after the reload"


ENEMY = """public class Enemy
{
    int hp = 3;
    public void Update()
    {
        object target = null;
        hp += target.GetHashCode();
    }
}
"""
NULL_REFERENCE = "NullReferenceException: Object reference not set to an instance of an object"


def test_exception_in_project_code_points_at_the_throwing_line(h):
    # The whole loop: save a script, refresh, compile, play, the game throws; fix it while playing.
    h.connect()
    h.peer.call("state")
    os.makedirs(os.path.join(h.project, "Assets", "Scripts"))
    h.write_script("Scripts/Enemy.cs", ENEMY)
    r, seen = refresh(h)
    assert r["result"] == COMPILES, r
    good_compile(h, seen)
    play(h, connected=True)
    r, seen = h.peer.reply(h.peer.send("host.playerloop", {"type": "Enemy", "frames": 3}))
    assert r["result"] == {"frames": 3, "exceptions": 3}, r
    thrown = [m for m in T.logs_of(seen) if m["level"] == "exception"]
    while len(thrown) < 3:
        thrown += [m for m in T.logs_of([h.peer.recv()]) if m["level"] == "exception"]
    for m in thrown:
        assert m["message"] == NULL_REFERENCE, m
        lines = m["stack"].split("\n")
        # StackTraceUtility.ExtractStringFromExceptionInternal: the exception's frames, then where it was logged.
        assert lines[0] == "Enemy.Update () (at Assets/Scripts/Enemy.cs:7)", m["stack"]
        assert "UnityEngine.Debug:LogException (System.Exception)" in lines, m["stack"]
    # Fixed while playing: Unity compiles and goes on playing (Script Changes While Playing, default).
    h.write_script("Scripts/Enemy.cs", ENEMY.replace("object target = null;", "object target = this;"))
    r, seen = refresh(h)
    assert r["result"] == COMPILES, r
    good_compile(h, seen)
    r = h.peer.call("host.playerloop", {"type": "Enemy", "frames": 3})
    assert r["result"] == {"frames": 3, "exceptions": 0}, r


@T.each_version
@T.opened_with({"Scripts/Enemy.cs": ENEMY})
def test_unity_compiles_the_project_when_it_opens(h):
    # Before its first script domain, Unity compiles the project's scripts: the game code runs
    # with no compile asked for, and no script saw that compile's events.
    h.connect()
    T.no_compile_frame_until_reply(h, "state")
    play(h, connected=True)
    r = h.peer.call("host.playerloop", {"type": "Enemy", "frames": 1})
    assert r["ok"] and r["result"] == {"frames": 1, "exceptions": 1}, r
    assert compiles_in_output(h) == 0, h.output()


if __name__ == "__main__":
    sys.exit(T.main(sys.argv, globals()))
