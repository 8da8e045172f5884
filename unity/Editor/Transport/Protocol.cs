using System.Collections.Generic;

namespace UnityNvim
{
    /// <summary>One command received from Neovim (doc/protocol.md section 5, `cmd`).</summary>
    internal sealed class Command
    {
        public ulong Id;
        public string Name;
        public IDictionary<string, object> Args;
    }

    /// <summary>One compiler message as the `compile` frame carries it.</summary>
    internal struct CompileMessage
    {
        public string File;
        public int Line;
        public int Column;
        public string Severity; // "error", "warning" or "info"
        public string Text;
    }

    /// <summary>Builds the Unity-to-Neovim frames of doc/protocol.md section 4.</summary>
    internal static class Outgoing
    {
        public const int ProtocolVersion = 1;

        /// <summary>`hello`; `again` when it answers Neovim's hello on a write end already open (not the first frame after an open); the debugger endpoint and whether it accepts a debugger.</summary>
        public static byte[] Hello(string unityVersion, string project, int pid, bool again, string debugAddress, int debugPort, bool debugAttach)
        {
            var w = new MsgPackWriter();
            w.MapHeader(9);
            w.Str("t"); w.Str("hello");
            w.Str("protocol"); w.UInt(ProtocolVersion);
            w.Str("unity"); w.Str(unityVersion);
            w.Str("project"); w.Str(project);
            w.Str("pid"); w.UInt((ulong)pid);
            w.Str("again"); w.Bool(again);
            w.Str("debug_address"); w.Str(debugAddress);
            w.Str("debug_port"); w.UInt((ulong)debugPort);
            w.Str("debug_attach"); w.Bool(debugAttach);
            return Frame.Encode(w.ToArray());
        }

        /// <summary>Longest message or stack text sent, in characters: keeps any log under the 16 MiB frame limit.</summary>
        public const int MaxLogText = 1 << 20;

        public static byte[] Log(long seq, long timeMs, string level, string message, string stack)
        {
            message = Truncate(message);
            stack = Truncate(stack);
            var w = new MsgPackWriter();
            w.MapHeader(6);
            w.Str("t"); w.Str("log");
            w.Str("seq"); w.UInt((ulong)seq);
            w.Str("time"); w.Int(timeMs);
            w.Str("level"); w.Str(level);
            w.Str("message"); w.Str(message ?? "");
            w.Str("stack"); w.Str(stack);
            return Frame.Encode(w.ToArray());
        }

        static string Truncate(string text)
        {
            if (text == null || text.Length <= MaxLogText) return text;
            return text.Substring(0, MaxLogText) + "\n[" + (text.Length - MaxLogText) + " more characters not sent to Neovim]";
        }

        /// <summary>`state`; `optimization` is "debug" or "release".</summary>
        public static byte[] State(bool playing, bool paused, bool compiling, string optimization)
        {
            var w = new MsgPackWriter();
            w.MapHeader(5);
            w.Str("t"); w.Str("state");
            w.Str("playing"); w.Bool(playing);
            w.Str("paused"); w.Bool(paused);
            w.Str("compiling"); w.Bool(compiling);
            w.Str("optimization"); w.Str(optimization);
            return Frame.Encode(w.ToArray());
        }

        public static byte[] CompileStarted()
        {
            var w = new MsgPackWriter();
            w.MapHeader(2);
            w.Str("t"); w.Str("compile");
            w.Str("state"); w.Str("started");
            return Frame.Encode(w.ToArray());
        }

        public static byte[] CompileFinished(List<CompileMessage> messages, long ms)
        {
            var w = new MsgPackWriter();
            w.MapHeader(6);
            w.Str("t"); w.Str("compile");
            w.Str("state"); w.Str("finished");
            w.Str("errors"); w.UInt((ulong)messages.FindAll(m => m.Severity == "error").Count);
            w.Str("warnings"); w.UInt((ulong)messages.FindAll(m => m.Severity == "warning").Count);
            w.Str("ms"); w.UInt((ulong)System.Math.Max(0, ms));
            w.Str("messages"); w.ArrayHeader(messages.Count);
            foreach (var m in messages)
            {
                w.MapHeader(5);
                w.Str("file"); w.Str(m.File ?? "");
                w.Str("line"); w.UInt((ulong)System.Math.Max(0, m.Line));
                w.Str("col"); w.UInt((ulong)System.Math.Max(0, m.Column));
                w.Str("severity"); w.Str(m.Severity);
                w.Str("text"); w.Str(m.Text ?? "");
            }
            return Frame.Encode(w.ToArray());
        }

        /// <summary>Reply frame; a result that cannot be serialised turns into ok=false.</summary>
        public static byte[] Reply(ulong id, bool ok, string error, object result)
        {
            if (ok)
            {
                try
                {
                    var w = new MsgPackWriter();
                    w.MapHeader(4);
                    w.Str("t"); w.Str("reply");
                    w.Str("id"); w.UInt(id);
                    w.Str("ok"); w.Bool(true);
                    w.Str("result"); w.Value(result);
                    return Frame.Encode(w.ToArray());
                }
                catch (System.Exception e)
                {
                    ok = false;
                    error = "the command's result could not be sent: " + e.Message;
                }
            }
            var f = new MsgPackWriter();
            f.MapHeader(4);
            f.Str("t"); f.Str("reply");
            f.Str("id"); f.UInt(id);
            f.Str("ok"); f.Bool(false);
            f.Str("error"); f.Str(error ?? "unknown error");
            return Frame.Encode(f.ToArray());
        }

        /// <summary>`open`: Unity asks Neovim to show a file ("" for none); a line or column below 1 is left out.</summary>
        public static byte[] Open(string file, int line, int col)
        {
            var w = new MsgPackWriter();
            w.MapHeader(2 + (line >= 1 ? 1 : 0) + (col >= 1 ? 1 : 0));
            w.Str("t"); w.Str("open");
            w.Str("file"); w.Str(file);
            if (line >= 1) { w.Str("line"); w.UInt((ulong)line); }
            if (col >= 1) { w.Str("col"); w.UInt((ulong)col); }
            return Frame.Encode(w.ToArray());
        }

        /// <summary>`test`: one event of a test run, its fields as given; a replay (re-sent after Neovim's hello) says so.</summary>
        public static byte[] Test(IDictionary<string, object> fields, bool replay)
        {
            var w = new MsgPackWriter();
            w.MapHeader(1 + fields.Count + (replay ? 1 : 0));
            w.Str("t"); w.Str("test");
            foreach (var field in fields)
            {
                w.Str(field.Key);
                w.Value(field.Value);
            }
            if (replay) { w.Str("replay"); w.Bool(true); }
            return Frame.Encode(w.ToArray());
        }

        /// <summary>`projects`: Unity regenerated project files on its own; their absolute paths.</summary>
        public static byte[] Projects(List<string> files)
        {
            var w = new MsgPackWriter();
            w.MapHeader(2);
            w.Str("t"); w.Str("projects");
            w.Str("files"); w.Value(files);
            return Frame.Encode(w.ToArray());
        }

        public static byte[] Bye(string reason)
        {
            var w = new MsgPackWriter();
            w.MapHeader(2);
            w.Str("t"); w.Str("bye");
            w.Str("reason"); w.Str(reason);
            return Frame.Encode(w.ToArray());
        }
    }

    /// <summary>
    /// Neovim-to-Unity decoding: frames, then payload validation (doc/protocol.md section 3,
    /// "Payloads"). Bad payloads count as corrupt once each and never stop the stream.
    /// </summary>
    internal sealed class IncomingDecoder
    {
        readonly FrameDecoder frames = new FrameDecoder();
        long badPayloads;
        long hellos;

        public long Corrupt { get { return frames.Corrupt + badPayloads; } }

        /// <summary>Valid hellos from Neovim so far: each asks Unity to greet again.</summary>
        public long Hellos { get { return hellos; } }
        public bool HasPending { get { return frames.HasPending; } }

        public void Feed(byte[] data, int offset, int count) { frames.Feed(data, offset, count); }

        public void Resync(bool endOfStream) { frames.Resync(endOfStream); }

        /// <summary>The next command; false when more bytes are needed. Hello and unknown types are skipped.</summary>
        public bool TryNext(out Command command)
        {
            byte[] payload;
            while ((payload = frames.Next()) != null)
            {
                string type;
                Dictionary<string, object> map = ParseMap(payload, out type);
                if (map == null) { badPayloads++; continue; }
                if (type == "cmd")
                {
                    command = ParseCmd(map);
                    if (command != null) return true;
                    badPayloads++;
                }
                else if (type == "hello")
                {
                    if (IsHello(map)) hellos++;
                    else badPayloads++;
                }
            }
            command = null;
            return false;
        }

        static Dictionary<string, object> ParseMap(byte[] payload, out string type)
        {
            type = null;
            Dictionary<string, object> map;
            try
            {
                map = MsgPackReader.ReadSingle(payload) as Dictionary<string, object>;
            }
            catch (MsgPackException)
            {
                return null;
            }
            object t;
            if (map == null || !map.TryGetValue("t", out t) || !(t is string)) return null;
            type = (string)t;
            return map;
        }

        static bool IsUInt(object v) { return v is ulong || (v is long && (long)v >= 0); }

        static bool IsHello(Dictionary<string, object> map)
        {
            object protocol, client, pid;
            map.TryGetValue("protocol", out protocol);
            map.TryGetValue("client", out client);
            map.TryGetValue("pid", out pid);
            return IsUInt(protocol) && client is string && IsUInt(pid);
        }

        static Command ParseCmd(Dictionary<string, object> map)
        {
            object id, name, args;
            map.TryGetValue("id", out id);
            map.TryGetValue("name", out name);
            map.TryGetValue("args", out args);
            if (!IsUInt(id) || !(name is string)) return null;
            if (args != null && !(args is Dictionary<string, object>)) return null;
            return new Command
            {
                Id = id is ulong ? (ulong)id : (ulong)(long)id,
                Name = (string)name,
                Args = (IDictionary<string, object>)args ?? new Dictionary<string, object>(),
            };
        }
    }
}
