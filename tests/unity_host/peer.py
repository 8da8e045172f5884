"""A fake Neovim end of the unity.nvim protocol (doc/protocol.md), Python 3 stdlib only.

MessagePack and CRC-32 are written by hand from the document, so the tests check the Unity side
against the text of the contract rather than against a library's reading of it.
"""
import errno
import fcntl
import os
import select
import struct
import termios
import time

MAGIC = b"UN"
MAX_PAYLOAD = 16 * 1024 * 1024


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = 0xEDB88320 ^ (c >> 1) if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


# ---- MessagePack (the subset of the protocol) ----

def pack(value):
    out = bytearray()
    _pack(value, out)
    return bytes(out)


def _pack(v, out):
    if v is None:
        out.append(0xC0)
    elif v is True:
        out.append(0xC3)
    elif v is False:
        out.append(0xC2)
    elif isinstance(v, int):
        if 0 <= v <= 0x7F:
            out.append(v)
        elif -32 <= v < 0:
            out.append(v & 0xFF)
        elif 0 <= v <= 0xFF:
            out += b"\xcc" + struct.pack(">B", v)
        elif 0 <= v <= 0xFFFF:
            out += b"\xcd" + struct.pack(">H", v)
        elif 0 <= v <= 0xFFFFFFFF:
            out += b"\xce" + struct.pack(">I", v)
        elif v > 0:
            out += b"\xcf" + struct.pack(">Q", v)
        elif v >= -0x80:
            out += b"\xd0" + struct.pack(">b", v)
        elif v >= -0x8000:
            out += b"\xd1" + struct.pack(">h", v)
        elif v >= -0x80000000:
            out += b"\xd2" + struct.pack(">i", v)
        else:
            out += b"\xd3" + struct.pack(">q", v)
    elif isinstance(v, float):
        out += b"\xcb" + struct.pack(">d", v)
    elif isinstance(v, str):
        _pack_raw(v.encode("utf-8"), out, 0xA0, 31, b"\xd9", b"\xda", b"\xdb")
    elif isinstance(v, (bytes, bytearray)):
        _pack_raw(bytes(v), out, None, -1, b"\xc4", b"\xc5", b"\xc6")
    elif isinstance(v, (list, tuple)):
        _pack_count(len(v), out, 0x90, b"\xdc", b"\xdd")
        for item in v:
            _pack(item, out)
    elif isinstance(v, dict):
        _pack_count(len(v), out, 0x80, b"\xde", b"\xdf")
        for k, item in v.items():
            _pack(k, out)
            _pack(item, out)
    else:
        raise TypeError(type(v))


def _pack_raw(data, out, fix, fixmax, m8, m16, m32):
    n = len(data)
    if fix is not None and n <= fixmax:
        out.append(fix | n)
    elif n <= 0xFF:
        out += m8 + struct.pack(">B", n)
    elif n <= 0xFFFF:
        out += m16 + struct.pack(">H", n)
    else:
        out += m32 + struct.pack(">I", n)
    out += data


def _pack_count(n, out, fix, m16, m32):
    if n <= 15:
        out.append(fix | n)
    elif n <= 0xFFFF:
        out += m16 + struct.pack(">H", n)
    else:
        out += m32 + struct.pack(">I", n)


class UnpackError(Exception):
    pass


def unpack(data):
    value, pos = _unpack(data, 0, 0)
    if pos != len(data):
        raise UnpackError("trailing bytes")
    return value


def _take(data, pos, n):
    if pos + n > len(data):
        raise UnpackError("truncated")
    return data[pos:pos + n], pos + n


def _unpack(data, pos, depth):
    if depth > 100:
        raise UnpackError("too deep")
    raw, pos = _take(data, pos, 1)
    b = raw[0]
    if b <= 0x7F:
        return b, pos
    if b >= 0xE0:
        return b - 0x100, pos
    if 0xA0 <= b <= 0xBF:
        return _str(data, pos, b & 0x1F)
    if 0x90 <= b <= 0x9F:
        return _array(data, pos, b & 0x0F, depth)
    if 0x80 <= b <= 0x8F:
        return _map(data, pos, b & 0x0F, depth)
    fixed = {0xC0: None, 0xC2: False, 0xC3: True}
    if b in fixed:
        return fixed[b], pos
    ints = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q",
            0xCA: ">f", 0xCB: ">d"}
    if b in ints:
        fmt = ints[b]
        raw, pos = _take(data, pos, struct.calcsize(fmt))
        return struct.unpack(fmt, raw)[0], pos
    lengths = {0xD9: (">B", "str"), 0xDA: (">H", "str"), 0xDB: (">I", "str"),
               0xC4: (">B", "bin"), 0xC5: (">H", "bin"), 0xC6: (">I", "bin"),
               0xDC: (">H", "arr"), 0xDD: (">I", "arr"), 0xDE: (">H", "map"), 0xDF: (">I", "map")}
    if b not in lengths:
        raise UnpackError("bad type byte 0x%02x" % b)
    fmt, kind = lengths[b]
    raw, pos = _take(data, pos, struct.calcsize(fmt))
    n = struct.unpack(fmt, raw)[0]
    if kind == "str":
        return _str(data, pos, n)
    if kind == "bin":
        return _take(data, pos, n)
    if kind == "arr":
        return _array(data, pos, n, depth)
    return _map(data, pos, n, depth)


def _str(data, pos, n):
    raw, pos = _take(data, pos, n)
    return raw.decode("utf-8", "replace"), pos


def _array(data, pos, n, depth):
    items = []
    for _ in range(n):
        item, pos = _unpack(data, pos, depth + 1)
        items.append(item)
    return items, pos


def _map(data, pos, n, depth):
    result = {}
    for _ in range(n):
        k, pos = _unpack(data, pos, depth + 1)
        v, pos = _unpack(data, pos, depth + 1)
        result[k] = v
    return result, pos


# ---- frames ----

def frame(payload):
    n = len(payload)
    return MAGIC + struct.pack(">II", n, n ^ 0xFFFFFFFF) + payload + struct.pack(">I", crc32(payload))


class Decoder:
    """The resynchronising reader of doc/protocol.md section 3."""

    def __init__(self):
        self.buf = bytearray()
        self.corrupt = 0
        self.skipping = False

    def feed(self, data):
        self.buf += data

    def _skip(self, n):
        if n > 0:
            del self.buf[:n]
            if not self.skipping:
                self.skipping = True
                self.corrupt += 1

    def _check(self, at):
        n, inv = struct.unpack(">II", self.buf[at + 2:at + 10])
        if n == 0 or n > MAX_PAYLOAD or inv != n ^ 0xFFFFFFFF:
            return -1
        if len(self.buf) - at < n + 14:
            return 0
        crc = struct.unpack(">I", self.buf[at + 10 + n:at + 14 + n])[0]
        return 1 if crc32(self.buf[at + 10:at + 10 + n]) == crc else -1

    def next(self):
        while True:
            i = self.buf.find(MAGIC)
            if i < 0:
                keep = 1 if self.buf.endswith(b"\x55") else 0
                self._skip(len(self.buf) - keep)
                return None
            self._skip(i)
            if len(self.buf) < 10:
                return None
            status = self._check(0)
            if status < 0:
                self._skip(1)
                continue
            if status == 0:
                return None
            n = struct.unpack(">I", self.buf[2:6])[0]
            payload = bytes(self.buf[10:10 + n])
            del self.buf[:n + 14]
            self.skipping = False
            return payload

    def end_of_stream(self):
        """The writer closed: pending bytes before a later good frame, or all of them, are garbage."""
        at = self.buf.find(MAGIC, 1)
        while at >= 0:
            if len(self.buf) - at >= 10 and self._check(at) > 0:
                self._skip(at)
                return
            at = self.buf.find(MAGIC, at + 1)
        self._skip(len(self.buf))
        self.skipping = False


class Timeout(AssertionError):
    pass


class Peer:
    """Neovim's end: reads unity-to-nvim, writes nvim-to-unity, both non-blocking."""

    def __init__(self, project):
        self.folder = os.path.join(project, "Temp", "NeovimBridge")
        self.rfd = -1
        self.wfd = -1
        self.decoder = Decoder()
        self.next_id = 1
        self.eofs = 0

    # -- connection --
    def wait_session(self, timeout=20):
        path = os.path.join(self.folder, "session.json")
        deadline = time.monotonic() + timeout
        while not os.path.exists(path):
            if time.monotonic() > deadline:
                raise Timeout("no session.json after %ss" % timeout)
            time.sleep(0.02)
        with open(path) as f:
            import json
            return json.load(f)

    def open_reader(self):
        self.rfd = os.open(os.path.join(self.folder, "unity-to-nvim"), os.O_RDONLY | os.O_NONBLOCK)

    def close_reader(self):
        if self.rfd >= 0:
            os.close(self.rfd)
        self.rfd = -1
        self.decoder = Decoder()

    def open_writer(self, timeout=20, hello=True):
        path = os.path.join(self.folder, "nvim-to-unity")
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.wfd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as e:
                if e.errno != errno.ENXIO or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        if hello:
            self.write(frame(pack({"t": "hello", "protocol": 1, "client": "peer.py", "pid": os.getpid()})))

    def close_writer(self):
        if self.wfd >= 0:
            os.close(self.wfd)
        self.wfd = -1

    def close(self):
        self.close_reader()
        self.close_writer()

    # -- sending --
    def write(self, data, timeout=20):
        """Writes whole frames. EPIPE (Unity's reader closed for a domain reload) reopens the
        write end, hello first, and writes the data again, as Neovim's client does."""
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        while view:
            try:
                n = os.write(self.wfd, view)
                view = view[n:]
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Timeout("nvim-to-unity stayed full")
                select.select([], [self.wfd], [], 0.1)
            except BrokenPipeError:
                self.close_writer()
                self.open_writer(timeout=max(0.1, deadline - time.monotonic()))
                view = memoryview(data)

    def send(self, name, args=None):
        cid = self.next_id
        self.next_id += 1
        msg = {"t": "cmd", "id": cid, "name": name}
        if args is not None:
            msg["args"] = args
        self.write(frame(pack(msg)))
        return cid

    def wait_pipe_full(self, timeout=20):
        """Waits, reading nothing, until unity-to-nvim holds most of a pipe (64 KiB on Linux)."""
        deadline = time.monotonic() + timeout
        while True:
            pending = struct.unpack("i", fcntl.ioctl(self.rfd, termios.FIONREAD, b"\0\0\0\0"))[0]
            if pending >= 48 * 1024:  # frames of a few hundred bytes never fill the last few KiB exactly
                return
            if time.monotonic() > deadline:
                raise Timeout("unity-to-nvim holds only %d bytes" % pending)
            time.sleep(0.02)

    # -- receiving --
    def recv(self, timeout=20):
        """The next message from Unity (a dict). Reopens the reader at end of stream, as Neovim does."""
        deadline = time.monotonic() + timeout
        while True:
            payload = self.decoder.next()
            if payload is not None:
                return unpack(payload)
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("no message from Unity within %ss" % timeout)
            ready, _, _ = select.select([self.rfd], [], [], min(left, 0.1))
            if not ready:
                continue
            try:
                data = os.read(self.rfd, 65536)
            except BlockingIOError:
                continue
            if data:
                self.decoder.feed(data)
                continue
            # End of stream: every writer closed. Reopen to wait for the next one.
            self.eofs += 1
            self.decoder.end_of_stream()
            os.close(self.rfd)
            self.rfd = os.open(os.path.join(self.folder, "unity-to-nvim"), os.O_RDONLY | os.O_NONBLOCK)
            time.sleep(0.01)

    def recv_until(self, predicate, timeout=20, keep=None):
        """Reads until predicate(msg) is true; returns (msg, list of messages before it)."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            msg = self.recv(max(0.01, deadline - time.monotonic()))
            if predicate(msg):
                return msg, seen
            seen.append(msg)

    def reply(self, cid, timeout=20):
        """Reads until the reply to command cid; other messages are returned with it."""
        return self.recv_until(lambda m: m.get("t") == "reply" and m.get("id") == cid, timeout)

    def call(self, name, args=None, timeout=20):
        msg, _ = self.reply(self.send(name, args), timeout)
        return msg
