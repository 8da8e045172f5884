"""Protocol tests of what a debugger needs from the stand-in host (doc/protocol.md: `hello`'s
debug_* keys, `state`'s optimization, the `optimization` command): the endpoint where Unity's
editor runs Mono's soft debugger agent, Editor Attaching, and the code optimization, whose
switch recompiles every script and reloads.
Usage: python3 test_debug.py [NAME_FRAGMENT...]; prints "N passed, M failed".
"""
import socket
import sys

import test_host as T
from test_host import FIXED, each_version, editor_prefs, opened_with


def handshake(port):
    """What Mono's agent answers a client's DWP handshake (Debian's Mono takes one per process)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(b"DWP-Handshake")
        got = b""
        while len(got) < len(b"DWP-Handshake"):
            data = s.recv(len(b"DWP-Handshake") - len(got))  # the agent's VM_START event follows
            if not data:
                break
            got += data
        return got


def test_hello_names_the_live_debugger_endpoint(h):
    hello, state = h.connect()
    assert hello["debug_address"] == "127.0.0.1" and hello["debug_port"] == 56000 + hello["pid"] % 1000, hello
    assert hello["debug_attach"] is True, hello
    assert state["optimization"] == "release", state
    got = handshake(hello["debug_port"])
    assert got == b"DWP-Handshake", got


@editor_prefs(AllowAttachedDebuggingOfEditor="0")
def test_editor_attaching_off_is_said(h):
    hello, _ = h.connect()
    assert hello["debug_attach"] is False, hello


@editor_prefs(ScriptDebugInfoEnabled="1")
def test_code_optimization_on_startup_is_debug(h):
    _, state = h.connect()
    assert state["optimization"] == "debug", state
    assert h.peer.call("state")["result"]["optimization"] == "debug"


def switch(h, mode):
    """Sends optimization; the reply and every message before it."""
    return h.peer.reply(h.peer.send("optimization", {"mode": mode}))


@each_version
@opened_with({"A.cs": FIXED})
def test_switching_optimization_recompiles_and_reloads(h):
    hello, _ = h.connect()
    for mode in ("debug", "release"):
        r, seen = switch(h, mode)
        assert r["ok"] and r["result"] == {"optimization": mode, "compiling": True}, r
        h.expect("bye", seen, reason="reload")
        assert h.expect("hello")["pid"] == hello["pid"]
        assert h.expect("state")["optimization"] == mode
        # Sent again by the new domain, whether or not the old one had sent it.
        done = h.expect("compile", state="finished")
        assert done["errors"] == 0, done
    # Asking for the mode it has changes nothing.
    r, seen = switch(h, "release")
    assert r["result"] == {"optimization": "release", "compiling": False}, r
    assert not [m for m in seen if m["t"] == "compile"], seen


def test_an_unknown_optimization_is_refused_in_words(h):
    h.connect()
    r = h.peer.call("optimization", {"mode": "fast"})
    assert not r["ok"] and "debug" in r["error"] and "release" in r["error"], r


if __name__ == "__main__":
    sys.exit(T.main(sys.argv, globals()))
