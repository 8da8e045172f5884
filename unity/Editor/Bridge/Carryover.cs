using System;
using System.Collections.Generic;
using System.Globalization;
using UnityEditor;

namespace UnityNvim
{
    /// <summary>
    /// What must outlive a domain reload, kept in SessionState (native memory, cleared when the
    /// editor quits): the next log seq, frames not yet sent, the summary of the successful
    /// compile whose reload the next domain re-sends it after, whether a notice was given, and
    /// what other parts keep under their own names (the last test run).
    /// </summary>
    internal static class Carryover
    {
        const string Prefix = "UnityNvim.Bridge.";
        const string PidKey = Prefix + "Pid";
        const string NextSeqKey = Prefix + "NextSeq";
        const string ControlKey = Prefix + "PendingControl";
        const string LogsKey = Prefix + "PendingLogs";
        const string SummaryKey = Prefix + "CompileSummary";
        const string NoticeKey = Prefix + "InactiveNoticeGiven";
        const string NonceKey = Prefix + "PipeNonce";

        /// <summary>True when an earlier domain of this editor process set up the rendezvous.</summary>
        public static bool SameEditorSession(int pid)
        {
            return SessionState.GetInt(PidKey, 0) == pid;
        }

        public static void MarkEditorSession(int pid)
        {
            SessionState.SetInt(PidKey, pid);
        }

        /// <summary>The Windows pipes' nonce: picked once per editor process, the same after every domain reload.</summary>
        public static string PipeNonce()
        {
            string nonce = SessionState.GetString(NonceKey, "");
            if (PipeNames.IsNonce(nonce)) return nonce;
            nonce = PipeNames.NewNonce();
            SessionState.SetString(NonceKey, nonce);
            return nonce;
        }

        /// <summary>True the first time in this editor session: a notice then is not repeated on every domain reload.</summary>
        public static bool FirstNotice()
        {
            if (SessionState.GetBool(NoticeKey, false)) return false;
            SessionState.SetBool(NoticeKey, true);
            return true;
        }

        public static long LoadNextSeq()
        {
            long seq;
            return long.TryParse(SessionState.GetString(NextSeqKey, "1"), NumberStyles.None, CultureInfo.InvariantCulture, out seq) && seq > 0 ? seq : 1;
        }

        /// <summary>Saves the seq counter and every unsent frame (called after the threads stopped).</summary>
        public static void SaveQueue(OutgoingQueue queue)
        {
            var control = new List<byte[]>();
            var logs = new List<byte[]>();
            queue.DrainAll(control, logs);
            SessionState.SetString(NextSeqKey, queue.NextSeq.ToString(CultureInfo.InvariantCulture));
            SessionState.SetString(ControlKey, Join(control));
            SessionState.SetString(LogsKey, Join(logs));
        }

        public static void RestoreQueue(OutgoingQueue queue)
        {
            queue.Restore(Split(SessionState.GetString(ControlKey, "")), Split(SessionState.GetString(LogsKey, "")));
            SessionState.EraseString(ControlKey);
            SessionState.EraseString(LogsKey);
        }

        public static void SaveSummary(byte[] frame)
        {
            SessionState.SetString(SummaryKey, Convert.ToBase64String(frame));
        }

        public static byte[] LoadSummary()
        {
            var frames = Split(SessionState.GetString(SummaryKey, ""));
            return frames.Count == 1 ? frames[0] : null;
        }

        public static void ClearSummary()
        {
            SessionState.EraseString(SummaryKey);
        }

        /// <summary>Keeps a list of frames under a name of the caller's (the kept test run).</summary>
        public static void SaveFrames(string name, List<byte[]> frames)
        {
            SessionState.SetString(Prefix + name, Join(frames));
        }

        public static List<byte[]> LoadFrames(string name)
        {
            return Split(SessionState.GetString(Prefix + name, ""));
        }

        /// <summary>Keeps a short text under a name of the caller's.</summary>
        public static void SaveText(string name, string text)
        {
            SessionState.SetString(Prefix + name, text);
        }

        public static string LoadText(string name)
        {
            return SessionState.GetString(Prefix + name, "");
        }

        static string Join(List<byte[]> frames)
        {
            int size = 0;
            foreach (var f in frames) size += f.Length;
            var all = new byte[size];
            int at = 0;
            foreach (var f in frames)
            {
                Buffer.BlockCopy(f, 0, all, at, f.Length);
                at += f.Length;
            }
            return Convert.ToBase64String(all);
        }

        /// <summary>Frames are self-delimiting and checked by CRC: the decoder splits them again.</summary>
        static List<byte[]> Split(string stored)
        {
            var frames = new List<byte[]>();
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(stored ?? "");
            }
            catch (FormatException)
            {
                return frames;
            }
            var decoder = new FrameDecoder();
            decoder.Feed(bytes, 0, bytes.Length);
            byte[] payload;
            while ((payload = decoder.Next()) != null) frames.Add(Frame.Encode(payload));
            return frames;
        }
    }
}
