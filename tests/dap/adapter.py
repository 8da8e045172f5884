#!/usr/bin/env python3
"""A minimal debug adapter (DAP over stdio) for tests: proves that an attach configuration
reaches the soft debugger agent it names, and nothing more.

    python3 adapter.py RECORD

It answers the requests nvim-dap sends to attach (initialize, attach, setBreakpoints,
setExceptionBreakpoints, configurationDone, disconnect) in the order walcht/unity-dap does
(unity-debug-adapter/UnityDebugSession.cs: the `initialized` event right after initialize's
response). On `attach` it connects to the configuration's `address` and `port`, sends Mono's
`DWP-Handshake` and reads the agent's answer, then closes: an attached debugger that issues no
command would hold the agent, and Debian's Mono 6.8 takes no second connection. The attach
succeeds only when the agent answered. RECORD receives one JSON line per attach: its arguments
and what the agent answered.
"""

import json
import socket
import sys

HANDSHAKE = b"DWP-Handshake"


def read_message(stream):
    """One DAP message (Content-Length header, blank line, JSON body), or None at the end."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        return None
    return json.loads(stream.read(length))


class Adapter:
    def __init__(self, record):
        self.record = record
        self.seq = 0

    def send(self, message):
        self.seq += 1
        message["seq"] = self.seq
        body = json.dumps(message).encode()
        sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        sys.stdout.buffer.flush()

    def respond(self, request, success=True, body=None, message=None):
        reply = {"type": "response", "request_seq": request["seq"], "command": request["command"],
                 "success": success, "body": body or {}}
        if message:
            reply["message"] = message
        self.send(reply)

    def event(self, name, body=None):
        self.send({"type": "event", "event": name, "body": body or {}})

    def attach(self, request):
        args = request.get("arguments") or {}
        answer, error = self.shake(args.get("address"), args.get("port"))
        with open(self.record, "a") as f:
            f.write(json.dumps({"arguments": args, "agent": answer, "error": error}) + "\n")
        if error:
            self.respond(request, False, message=error)
            return
        self.event("output", {"category": "console",
                              "output": "attached to %s:%d\n" % (args["address"], args["port"])})
        self.respond(request)

    @staticmethod
    def shake(address, port):
        """The agent's answer to the handshake, or None and why there was none."""
        if not isinstance(address, str) or not isinstance(port, int):
            return None, "the attach arguments need a string `address` and an integer `port`"
        try:
            with socket.create_connection((address, port), timeout=10) as conn:
                conn.sendall(HANDSHAKE)
                got = b""
                while len(got) < len(HANDSHAKE):
                    chunk = conn.recv(len(HANDSHAKE) - len(got))
                    if not chunk:
                        break
                    got += chunk
        except OSError as e:
            return None, "no debugger agent at %s:%d (%s)" % (address, port, e)
        if got != HANDSHAKE:
            return got.decode(errors="replace"), "%s:%d is not a soft debugger agent" % (address, port)
        return got.decode(), None

    def serve(self):
        while True:
            request = read_message(sys.stdin.buffer)
            if request is None:
                return
            command = request.get("command")
            if command == "initialize":
                self.respond(request, body={"supportsConfigurationDoneRequest": True})
                self.event("initialized")
            elif command == "attach":
                self.attach(request)
            elif command == "setBreakpoints":
                lines = (request.get("arguments") or {}).get("breakpoints") or []
                self.respond(request, body={"breakpoints": [{"verified": False} for _ in lines]})
            elif command == "disconnect":
                self.respond(request)
                self.event("terminated")
                return
            else:
                self.respond(request)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: adapter.py RECORD")
    Adapter(sys.argv[1]).serve()
