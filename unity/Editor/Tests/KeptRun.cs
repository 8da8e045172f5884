using System;
using System.Collections.Generic;
using System.Globalization;

namespace UnityNvim.Tests
{
    /// <summary>
    /// The last test run started from Neovim: its id, and every `test` message it sent, kept so
    /// that a Neovim that says hello during or after the run learns the outcome (the messages
    /// are sent again with `replay = true`). Kept in SessionState across domain reloads (a
    /// PlayMode run reloads on entering play mode), through the bridge's Carryover. Main thread.
    /// </summary>
    internal static class KeptRun
    {
        const string FramesKey = "TestRun.Frames";
        const string StateKey = "TestRun.State";
        const string FilterKey = "TestRun.Filter";

        static readonly List<byte[]> Frames = new List<byte[]>();
        static readonly Dictionary<string, long> Counts = new Dictionary<string, long>();

        /// <summary>The run's id (what TestRunnerApi.Execute returned); null before any run.</summary>
        public static string Run { get; private set; }

        public static string Mode { get; private set; }

        public static RunFilter Filter { get; private set; }

        /// <summary>True from Execute until run_finished: the Test Framework's callbacks are this run's.</summary>
        public static bool Active { get; private set; }

        /// <summary>True once run_started went out.</summary>
        public static bool Started { get { return Frames.Count > 0; } }

        static long startedAtMs;

        public static void Begin(string run, string mode, RunFilter filter)
        {
            Frames.Clear();
            Counts.Clear();
            Run = run;
            Mode = mode;
            Filter = filter;
            Active = true;
            startedAtMs = NowMs();
        }

        public static void Send(Dictionary<string, object> fields)
        {
            fields["run"] = Run;
            byte[] frame = Outgoing.Test(fields, false);
            Frames.Add(frame);
            NeovimBridge.Send(frame);
        }

        public static void Count(string status)
        {
            long n;
            Counts.TryGetValue(status, out n);
            Counts[status] = n + 1;
        }

        /// <summary>Sends run_finished with the counts of the finished messages sent; the run is over.</summary>
        public static void Finish(bool cancelled)
        {
            var fields = new Dictionary<string, object> { { "event", "run_finished" } };
            foreach (var status in new[] { "passed", "failed", "skipped", "inconclusive" })
            {
                long n;
                Counts.TryGetValue(status, out n);
                fields[status] = n;
            }
            fields["ms"] = Math.Max(0, NowMs() - startedAtMs);
            if (cancelled) fields["cancelled"] = true;
            Send(fields);
            Active = false;
        }

        /// <summary>Sends every kept message again, marked as a replay (Neovim said hello).</summary>
        public static void Replay()
        {
            foreach (var frame in Frames)
            {
                var fields = Decode(frame);
                if (fields != null) NeovimBridge.Send(Outgoing.Test(fields, true));
            }
        }

        static Dictionary<string, object> Decode(byte[] frame)
        {
            var decoder = new FrameDecoder();
            decoder.Feed(frame, 0, frame.Length);
            var fields = MsgPackReader.ReadSingle(decoder.Next()) as Dictionary<string, object>;
            if (fields != null) fields.Remove("t");
            return fields;
        }

        /// <summary>Before a domain reload.</summary>
        public static void Save()
        {
            if (Run == null) return;
            Carryover.SaveFrames(FramesKey, Frames);
            Carryover.SaveText(FilterKey, Filter.Save());
            var counts = new List<string>();
            foreach (var c in Counts) counts.Add(c.Key + "=" + c.Value.ToString(CultureInfo.InvariantCulture));
            Carryover.SaveText(StateKey, string.Join("\n", new[]
            {
                Run, Mode, Active ? "1" : "0", startedAtMs.ToString(CultureInfo.InvariantCulture), string.Join(",", counts.ToArray()),
            }));
        }

        /// <summary>After a domain reload: what the previous domain saved.</summary>
        public static void Load()
        {
            string[] state = Carryover.LoadText(StateKey).Split('\n');
            if (state.Length != 5) return;
            Run = state[0];
            Mode = state[1];
            Filter = RunFilter.Load(Carryover.LoadText(FilterKey));
            Active = state[2] == "1";
            long.TryParse(state[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out startedAtMs);
            Counts.Clear();
            foreach (var pair in state[4].Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=');
                long n;
                if (kv.Length == 2 && long.TryParse(kv[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out n)) Counts[kv[0]] = n;
            }
            Frames.Clear();
            Frames.AddRange(Carryover.LoadFrames(FramesKey));
        }

        static long NowMs()
        {
            return (long)(DateTime.UtcNow - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalMilliseconds;
        }
    }
}
