// Unit tests of the package's Unity-free core (CRC, MessagePack, frames, payload validation).
// No test framework: each test is a method; the runner prints "N passed, M failed".
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Text;

namespace UnityNvim.Tests
{
    static partial class UnitTests
    {
        static int Main()
        {
            int passed = 0, failed = 0;
            bool windows = Environment.OSVersion.Platform == PlatformID.Win32NT;
            foreach (var m in typeof(UnitTests).GetMethods(BindingFlags.Static | BindingFlags.NonPublic)
                         .Where(m => m.Name.StartsWith("Test", StringComparison.Ordinal)).OrderBy(m => m.MetadataToken))
            {
                // Skipped, never counted as passed: the summary says what ran.
                if (windows ? m.IsDefined(typeof(PosixOnlyAttribute), false) : m.IsDefined(typeof(WindowsOnlyAttribute), false))
                {
                    Console.WriteLine("skip " + m.Name + (windows ? " (needs Linux or macOS)" : " (needs Windows)"));
                    continue;
                }
                try
                {
                    m.Invoke(null, null);
                    passed++;
                    Console.WriteLine("ok   " + m.Name);
                }
                catch (TargetInvocationException e)
                {
                    failed++;
                    Console.WriteLine("FAIL " + m.Name + ": " + e.InnerException);
                }
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }

        /// <summary>A test of Windows calls (named pipes): run on Windows, skipped elsewhere.</summary>
        [AttributeUsage(AttributeTargets.Method)]
        sealed class WindowsOnlyAttribute : Attribute { }

        /// <summary>A test of libc calls (FIFOs, POSIX processes): skipped on Windows.</summary>
        [AttributeUsage(AttributeTargets.Method)]
        sealed class PosixOnlyAttribute : Attribute { }

        // ---- helpers ----

        static void Check(bool condition, string what)
        {
            if (!condition) throw new Exception("expected: " + what);
        }

        static void Equal(object expected, object actual, string what)
        {
            if (!Equals(expected, actual)) throw new Exception(what + ": expected <" + expected + "> but got <" + actual + ">");
        }

        static string Hex(byte[] b) { return BitConverter.ToString(b).Replace("-", " ").ToLowerInvariant(); }

        static byte[] Concat(params byte[][] parts)
        {
            var all = new List<byte>();
            foreach (var p in parts) all.AddRange(p);
            return all.ToArray();
        }

        static byte[] Payload(Action<MsgPackWriter> write)
        {
            var w = new MsgPackWriter();
            write(w);
            return w.ToArray();
        }

        static byte[] CmdFrame(ulong id, string name)
        {
            return Frame.Encode(Payload(w =>
            {
                w.MapHeader(3);
                w.Str("t"); w.Str("cmd");
                w.Str("id"); w.UInt(id);
                w.Str("name"); w.Str(name);
            }));
        }

        /// <summary>Frame with an arbitrary (possibly bad) payload but a correct header and CRC.</summary>
        static byte[] RawFrame(byte[] payload) { return Frame.Encode(payload); }

        /// <summary>Feeds the stream in chunks of chunk bytes (0: all at once); returns the commands and the corrupt count.</summary>
        static List<Command> Decode(byte[] stream, int chunk, bool endOfStream, out long corrupt)
        {
            var d = new IncomingDecoder();
            var result = new List<Command>();
            int step = chunk <= 0 ? Math.Max(1, stream.Length) : chunk;
            for (int at = 0; at < stream.Length; at += step)
            {
                d.Feed(stream, at, Math.Min(step, stream.Length - at));
                Command c;
                while (d.TryNext(out c)) result.Add(c);
            }
            if (endOfStream)
            {
                d.Resync(true);
                Command c;
                while (d.TryNext(out c)) result.Add(c);
            }
            corrupt = d.Corrupt;
            return result;
        }

        /// <summary>good(1) + bad + good(2) + good(3): the bad run costs one event and nothing else, in any chunking.</summary>
        static void ExpectOneBadRun(byte[] bad, string what)
        {
            var stream = Concat(CmdFrame(1, "a"), bad, CmdFrame(2, "b"), CmdFrame(3, "c"));
            foreach (int chunk in new[] { 0, 1, 3, 7, 64 })
            {
                long corrupt;
                var cmds = Decode(stream, chunk, false, out corrupt);
                Equal("1,2,3", string.Join(",", cmds.Select(c => c.Id.ToString()).ToArray()), what + " (chunk " + chunk + ") ids");
                Equal(1L, corrupt, what + " (chunk " + chunk + ") corrupt events");
            }
        }

        // ---- CRC, MessagePack, frames ----

        static void TestCrcCheckValue()
        {
            var data = Encoding.ASCII.GetBytes("123456789");
            Equal(0xCBF43926u, Crc32.Compute(data, 0, data.Length), "crc32(\"123456789\")");
        }

        static void TestProtocolExample()
        {
            // doc/protocol.md section 7
            var payload = Payload(w =>
            {
                w.MapHeader(4);
                w.Str("t"); w.Str("log");
                w.Str("seq"); w.UInt(1);
                w.Str("level"); w.Str("log");
                w.Str("message"); w.Str("hi");
            });
            Equal("84 a1 74 a3 6c 6f 67 a3 73 65 71 01 a5 6c 65 76 65 6c a3 6c 6f 67 a7 6d 65 73 73 61 67 65 a2 68 69", Hex(payload), "payload");
            var frame = Frame.Encode(payload);
            Equal("55 4e 00 00 00 21 ff ff ff de", Hex(frame.Take(10).ToArray()), "header");
            Equal(47, frame.Length, "frame length");
            Console.WriteLine("     section 7 CRC bytes: " + Hex(frame.Skip(43).ToArray()));
            Equal("6c f2 fc 30", Hex(frame.Skip(43).ToArray()), "CRC bytes");
        }

        static void TestMsgPackRoundTrip()
        {
            var longString = new string('x', 70000);
            var values = new object[]
            {
                null, true, false, 0L, 127L, 128L, 255L, 256L, 65535L, 65536L, 4294967295L, 4294967296L, long.MaxValue,
                -1L, -32L, -33L, -128L, -129L, -32768L, -32769L, -2147483648L, -2147483649L, long.MinValue,
                1.5, -0.25, "", "a", new string('y', 31), new string('y', 32), new string('y', 255), new string('y', 256), longString,
                "héllo ✓",
            };
            foreach (var v in values)
            {
                var w = new MsgPackWriter();
                w.Value(v);
                Equal(v, MsgPackReader.ReadSingle(w.ToArray()), "round trip of " + (v == null ? "nil" : v.GetType().Name + " " + v.ToString().Substring(0, Math.Min(20, v.ToString().Length))));
            }
            var u = new MsgPackWriter();
            u.UInt(ulong.MaxValue);
            Equal(ulong.MaxValue, MsgPackReader.ReadSingle(u.ToArray()), "u64 max");
            var f = new MsgPackWriter();
            f.Float(2.5f);
            Equal(2.5f, MsgPackReader.ReadSingle(f.ToArray()), "float32");
            var bin = new byte[300];
            var b = new MsgPackWriter();
            b.Bin(bin);
            Equal(300, ((byte[])MsgPackReader.ReadSingle(b.ToArray())).Length, "bin length");

            var nested = new Dictionary<string, object>
            {
                { "list", Enumerable.Range(0, 20).Select(i => (object)(long)i).ToList() },
                { "map", new Dictionary<string, object> { { "k", "v" } } },
                { "other", new Uri("http://example.invalid/") },
                { "int", 5 },
            };
            var nw = new MsgPackWriter();
            nw.Value(nested);
            var back = (Dictionary<string, object>)MsgPackReader.ReadSingle(nw.ToArray());
            Equal(20, ((List<object>)back["list"]).Count, "list length");
            Equal(19L, ((List<object>)back["list"])[19], "list item");
            Equal("v", ((Dictionary<string, object>)back["map"])["k"], "nested map");
            Equal("http://example.invalid/", back["other"], "ToString fallback");
            Equal(5L, back["int"], "int32 read as long");
        }

        static void TestMsgPackRejectsMalformed()
        {
            var bad = new[]
            {
                new byte[0], new byte[] { 0xC1 }, new byte[] { 0xA5, 0x61 }, new byte[] { 0xDD, 0xFF, 0xFF, 0xFF, 0xFF },
                new byte[] { 0xDF, 0x7F, 0xFF, 0xFF, 0xFF, 0x00 }, new byte[] { 0x01, 0x02 }, new byte[] { 0xCB, 0x00 },
            };
            foreach (var b in bad)
            {
                try
                {
                    MsgPackReader.ReadSingle(b);
                    throw new Exception("accepted " + Hex(b));
                }
                catch (MsgPackException)
                {
                }
            }
        }

        static void TestReplyWithUnserialisableResult()
        {
            var cyclic = new List<object>();
            cyclic.Add(cyclic);
            var frame = Outgoing.Reply(7, true, null, cyclic);
            var d = new FrameDecoder();
            d.Feed(frame, 0, frame.Length);
            var reply = (Dictionary<string, object>)MsgPackReader.ReadSingle(d.Next());
            Equal(false, reply["ok"], "ok");
            Check(((string)reply["error"]).Contains("100"), "error names the depth limit: " + reply["error"]);
        }

        static void TestCompileFinishedFrame()
        {
            var messages = new List<CompileMessage>
            {
                new CompileMessage { File = "Assets/A.cs", Line = 3, Column = 7, Severity = "error", Text = "Assets/A.cs(3,7): error CS0029: no" },
                new CompileMessage { File = "Assets/B.cs", Line = 9, Column = 1, Severity = "warning", Text = "w" },
                new CompileMessage { File = null, Line = -1, Column = 0, Severity = "info", Text = null },
            };
            var frame = Outgoing.CompileFinished(messages, 1234);
            var d = new FrameDecoder();
            d.Feed(frame, 0, frame.Length);
            var map = (Dictionary<string, object>)MsgPackReader.ReadSingle(d.Next());
            Equal("compile", map["t"], "t");
            Equal("finished", map["state"], "state");
            Equal(1L, map["errors"], "errors");
            Equal(1L, map["warnings"], "warnings");
            Equal(1234L, map["ms"], "ms");
            var list = (List<object>)map["messages"];
            Equal(3, list.Count, "messages");
            var first = (Dictionary<string, object>)list[0];
            Equal("Assets/A.cs", first["file"], "file");
            Equal(3L, first["line"], "line");
            Equal(7L, first["col"], "col");
            Equal("error", first["severity"], "severity");
            var last = (Dictionary<string, object>)list[2];
            Equal("", last["file"], "missing file as empty string");
            Equal(0L, last["line"], "negative line clamped");
        }

        static void TestHugeLogIsTruncatedNotLost()
        {
            var frame = Outgoing.Log(5, 0, "log", new string('\u20AC', 6 * 1024 * 1024), null); // 18 MiB of UTF-8
            var d = new FrameDecoder();
            d.Feed(frame, 0, frame.Length);
            var map = (Dictionary<string, object>)MsgPackReader.ReadSingle(d.Next());
            Equal(5L, map["seq"], "seq");
            Check(((string)map["message"]).EndsWith("more characters not sent to Neovim]", StringComparison.Ordinal), "truncation is said");
            Check(frame.Length < Frame.MaxPayload, "fits in a frame");
        }

        static void TestFrameRoundTrip()
        {
            var rng = new Random(1);
            foreach (int size in new[] { 1, 2, 100, 4082, 4083, 70000, 300000 })
            {
                var payload = new byte[size];
                rng.NextBytes(payload);
                var frame = Frame.Encode(payload);
                Equal(size + 14, frame.Length, "frame size");
                foreach (int chunk in new[] { 1, 13, 4096, frame.Length })
                {
                    if (chunk == 1 && size > 5000) continue;
                    var d = new FrameDecoder();
                    byte[] got = null;
                    for (int at = 0; at < frame.Length; at += chunk)
                    {
                        d.Feed(frame, at, Math.Min(chunk, frame.Length - at));
                        var p = d.Next();
                        if (p != null) got = p;
                    }
                    Check(got != null && got.SequenceEqual(payload), "payload of " + size + " bytes back in chunks of " + chunk);
                    Equal(0L, d.Corrupt, "no corrupt event");
                }
            }
        }

        static void TestEncodeRefusesBadSizes()
        {
            foreach (int n in new[] { 0, Frame.MaxPayload + 1 })
            {
                try
                {
                    Frame.Encode(new byte[n]);
                    throw new Exception("encoded " + n + " bytes");
                }
                catch (ArgumentException)
                {
                }
            }
        }

        // ---- resynchronisation: each bad run counts once, the next good frame gets through ----

        static void TestGarbage()
        {
            var rng = new Random(2);
            var junk = new byte[500];
            rng.NextBytes(junk);
            ExpectOneBadRun(junk, "random garbage");
            ExpectOneBadRun(Encoding.ASCII.GetBytes("UNUNUN hello UN\x00\x00"), "garbage full of magic");
        }

        static void TestTornFrames()
        {
            var frame = CmdFrame(99, "torn");
            foreach (int cut in new[] { 1, 2, 5, 10, 12, frame.Length - 1 })
                ExpectOneBadRun(frame.Take(cut).ToArray(), "frame torn after " + cut + " bytes");
        }

        static void TestWrongCrc()
        {
            var frame = CmdFrame(99, "crc");
            frame[frame.Length - 1] ^= 0xFF;
            ExpectOneBadRun(frame, "wrong CRC");
            var flipped = CmdFrame(99, "payload");
            flipped[14] ^= 0x01;
            ExpectOneBadRun(flipped, "payload bit flip");
        }

        static void TestWrongMagic()
        {
            var frame = CmdFrame(99, "magic");
            frame[1] = (byte)'X';
            ExpectOneBadRun(frame, "wrong magic");
        }

        static void TestBadLengths()
        {
            var zero = new byte[] { 0x55, 0x4E, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4 };
            ExpectOneBadRun(zero, "length 0");
            var huge = new byte[14];
            huge[0] = 0x55; huge[1] = 0x4E;
            Frame.PutU32(huge, 2, Frame.MaxPayload + 1);
            Frame.PutU32(huge, 6, ~(uint)(Frame.MaxPayload + 1));
            ExpectOneBadRun(huge, "length above 16 MiB");
            var notMismatch = CmdFrame(99, "not");
            notMismatch[9] ^= 0x01;
            ExpectOneBadRun(notMismatch, "NOT field mismatch");
        }

        static void TestBadPayloads()
        {
            var good = Payload(w => { w.MapHeader(3); w.Str("t"); w.Str("cmd"); w.Str("id"); w.UInt(5); w.Str("name"); w.Str("x"); });
            ExpectOneBadRun(RawFrame(good.Take(good.Length - 2).ToArray()), "truncated MessagePack");
            ExpectOneBadRun(RawFrame(Concat(good, new byte[] { 0x01 })), "trailing bytes");
            ExpectOneBadRun(RawFrame(Payload(w => w.Str("just a string"))), "payload not a map");
            ExpectOneBadRun(RawFrame(Payload(w => { w.MapHeader(1); w.Str("id"); w.UInt(1); })), "no t");
            ExpectOneBadRun(RawFrame(Payload(w => { w.MapHeader(1); w.Str("t"); w.UInt(1); })), "t not a string");
            ExpectOneBadRun(RawFrame(Payload(w => { w.MapHeader(3); w.Str("t"); w.Str("cmd"); w.Str("id"); w.Str("5"); w.Str("name"); w.Str("x"); })), "cmd id a string");
            ExpectOneBadRun(RawFrame(Payload(w => { w.MapHeader(3); w.Str("t"); w.Str("cmd"); w.Str("id"); w.Int(-5); w.Str("name"); w.Str("x"); })), "cmd id negative");
            ExpectOneBadRun(RawFrame(Payload(w => { w.MapHeader(3); w.Str("t"); w.Str("cmd"); w.Str("id"); w.UInt(5); w.Str("name"); w.UInt(3); })), "cmd name an int");
            ExpectOneBadRun(RawFrame(Payload(w => { w.MapHeader(2); w.Str("t"); w.Str("cmd"); w.Str("id"); w.UInt(5); })), "cmd without name");
            ExpectOneBadRun(RawFrame(Payload(w => { w.MapHeader(4); w.Str("t"); w.Str("cmd"); w.Str("id"); w.UInt(5); w.Str("name"); w.Str("x"); w.Str("args"); w.ArrayHeader(0); })), "cmd args an array");
            ExpectOneBadRun(RawFrame(Payload(w => { w.MapHeader(4); w.Str("t"); w.Str("hello"); w.Str("protocol"); w.Str("1"); w.Str("client"); w.Str("c"); w.Str("pid"); w.UInt(1); })), "hello protocol a string");
        }

        static byte[] NestedArgs(int depth)
        {
            return RawFrame(Payload(w =>
            {
                w.MapHeader(4);
                w.Str("t"); w.Str("cmd");
                w.Str("id"); w.UInt(50);
                w.Str("name"); w.Str("deep");
                w.Str("args"); w.MapHeader(1); w.Str("a");
                for (int i = 0; i < depth; i++) w.ArrayHeader(1);
                w.Nil();
            }));
        }

        static void TestDeepNesting()
        {
            // The top-level map and the args map count: 99 arrays make 101 levels.
            ExpectOneBadRun(NestedArgs(99), "nesting deeper than 100");
            long corrupt;
            var cmds = Decode(NestedArgs(98), 0, false, out corrupt);
            Equal(1, cmds.Count, "100 levels in all are accepted");
            Equal(0L, corrupt, "100 levels accepted");
        }

        static void TestInvalidUtf8Replaced()
        {
            var head = Payload(w => { w.MapHeader(3); w.Str("t"); w.Str("cmd"); w.Str("id"); w.UInt(8); w.Str("name"); });
            var frame = RawFrame(Concat(head, new byte[] { 0xA4, 0x61, 0xFF, 0xFE, 0x62 }));
            long corrupt;
            var cmds = Decode(Concat(frame, CmdFrame(9, "next")), 1, false, out corrupt);
            Equal(2, cmds.Count, "both delivered");
            Equal("a\uFFFD\uFFFDb", cmds[0].Name, "invalid bytes replaced");
            Equal(0L, corrupt, "not corrupt");
        }

        static void TestTornHeaderClaimingLongPayload()
        {
            // A header promising 1 MiB, then the writer went on with good frames: without a
            // pause the reader waits; after a pause (Resync(false)) it finds them.
            var header = new byte[10];
            header[0] = 0x55; header[1] = 0x4E;
            Frame.PutU32(header, 2, 1 << 20);
            Frame.PutU32(header, 6, ~(uint)(1 << 20));
            var d = new IncomingDecoder();
            var stream = Concat(CmdFrame(1, "a"), header, CmdFrame(2, "b"), CmdFrame(3, "c"));
            d.Feed(stream, 0, stream.Length);
            var ids = new List<ulong>();
            Command c;
            while (d.TryNext(out c)) ids.Add(c.Id);
            Equal("1", string.Join(",", ids.Select(x => x.ToString()).ToArray()), "waiting for the long payload");
            d.Resync(false);
            while (d.TryNext(out c)) ids.Add(c.Id);
            Equal("1,2,3", string.Join(",", ids.Select(x => x.ToString()).ToArray()), "after the pause");
            Equal(1L, d.Corrupt, "one corrupt event");
        }

        static void TestEndOfStreamDropsIncompleteFrame()
        {
            var torn = CmdFrame(2, "half");
            long corrupt;
            var cmds = Decode(Concat(CmdFrame(1, "a"), torn.Take(torn.Length / 2).ToArray()), 5, true, out corrupt);
            Equal(1, cmds.Count, "the complete frame");
            Equal(1L, corrupt, "the half frame is one event");
            // The next writer's stream decodes cleanly afterwards.
            var d = new IncomingDecoder();
            var first = Concat(CmdFrame(1, "a"), torn.Take(7).ToArray());
            d.Feed(first, 0, first.Length);
            Command c;
            while (d.TryNext(out c)) { }
            d.Resync(true);
            var second = CmdFrame(3, "b");
            d.Feed(second, 0, second.Length);
            Check(d.TryNext(out c) && c.Id == 3, "frame after reopen delivered");
            Equal(1L, d.Corrupt, "one event in all");
        }

        /// <summary>Random mutations of good frames, fed in random chunks, for a few seconds: no exception may escape.</summary>
        static void TestFuzz()
        {
            var rng = new Random(12345);
            var corpus = new List<byte[]>();
            for (int i = 0; i < 64; i++)
            {
                corpus.Add(CmdFrame((ulong)i, "cmd" + i));
                corpus.Add(NestedArgs(rng.Next(0, 40)));
                corpus.Add(RawFrame(Payload(w => { w.MapHeader(2); w.Str("t"); w.Str("hello"); w.Str("pid"); w.UInt((ulong)rng.Next()); })));
            }
            var clock = Stopwatch.StartNew();
            long rounds = 0, delivered = 0;
            while (clock.ElapsedMilliseconds < 3000)
            {
                var stream = new List<byte>();
                for (int k = rng.Next(1, 8); k > 0; k--) stream.AddRange(Mutate(corpus[rng.Next(corpus.Count)], rng));
                var bytes = stream.ToArray();
                var d = new IncomingDecoder();
                Command c;
                for (int at = 0; at < bytes.Length;)
                {
                    int n = Math.Min(bytes.Length - at, rng.Next(1, 200));
                    d.Feed(bytes, at, n);
                    at += n;
                    while (d.TryNext(out c)) delivered++;
                    if (rng.Next(8) == 0) d.Resync(false);
                }
                d.Resync(true);
                while (d.TryNext(out c)) delivered++;
                var good = CmdFrame(424242, "after");
                d.Feed(good, 0, good.Length);
                Check(d.TryNext(out c) && c.Id == 424242, "a good frame after any garbage and end of stream is delivered");
                rounds++;
            }
            Console.WriteLine("     fuzz: " + rounds + " streams, " + delivered + " commands delivered, no exception");
        }

        static byte[] Mutate(byte[] frame, Random rng)
        {
            var b = new List<byte>(frame);
            for (int k = rng.Next(0, 4); k > 0 && b.Count > 0; k--)
            {
                int at = rng.Next(b.Count);
                switch (rng.Next(6))
                {
                    case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                    case 1: b[at] = (byte)rng.Next(256); break;
                    case 2: b.RemoveRange(at, Math.Min(b.Count - at, rng.Next(1, 20))); break;
                    case 3: b.Insert(at, (byte)rng.Next(256)); break;
                    case 4: b.InsertRange(at, new byte[] { 0x55, 0x4E }); break;
                    default: b.RemoveRange(at, b.Count - at); break; // truncate
                }
            }
            return b.ToArray();
        }
    }
}
