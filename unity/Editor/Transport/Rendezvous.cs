using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace UnityNvim
{
    /// <summary>
    /// The folder Temp/NeovimBridge with its two FIFOs and session.json (doc/protocol.md section 1).
    /// </summary>
    internal sealed class Rendezvous
    {
        public readonly string Folder;
        public readonly string ToNvim;
        public readonly string FromNvim;
        public readonly string SessionFile;

        public Rendezvous(string project)
        {
            Folder = Path.Combine(Path.Combine(project, "Temp"), "NeovimBridge");
            ToNvim = Path.Combine(Folder, "unity-to-nvim");
            FromNvim = Path.Combine(Folder, "nvim-to-unity");
            SessionFile = Path.Combine(Folder, "session.json");
        }

        /// <summary>True when a previous domain of this editor session already created everything.</summary>
        public bool IsIntact()
        {
            return File.Exists(SessionFile) && File.Exists(ToNvim) && File.Exists(FromNvim);
        }

        /// <summary>The pid that session.json names, 0 if there is none or it cannot be read.</summary>
        public int OwnerPid()
        {
            string json;
            try
            {
                json = File.ReadAllText(SessionFile);
            }
            catch (Exception)
            {
                return 0;
            }
            var m = System.Text.RegularExpressions.Regex.Match(json, "\"pid\"\\s*:\\s*(\\d{1,9})");
            return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        }

        /// <summary>Creates everything afresh; throws IOException with a reason on failure.</summary>
        public void Create(string project, string unityVersion, int pid)
        {
            // Never trust what a crash left: remove it (links are removed, not followed).
            Posix.RemoveTree(Folder);
            Directory.CreateDirectory(Path.GetDirectoryName(Folder));
            int errno;
            if (!Posix.MakeDirectory(Folder, Convert.ToInt32("700", 8), out errno))
                throw new IOException("mkdir " + Folder + ": " + Posix.ErrorText(errno));
            foreach (var fifo in new[] { ToNvim, FromNvim })
                if (!Posix.MakeFifo(fifo, Convert.ToInt32("600", 8), out errno))
                    throw new IOException("mkfifo " + fifo + ": " + Posix.ErrorText(errno));

            // session.json last and atomically: its presence tells Neovim that the FIFOs are ready.
            string tmp = SessionFile + ".tmp";
            string json = "{\"protocol\":" + Outgoing.ProtocolVersion
                + ",\"pid\":" + pid.ToString(CultureInfo.InvariantCulture)
                + ",\"unity\":" + JsonString(unityVersion)
                + ",\"project\":" + JsonString(project) + "}\n";
            File.WriteAllBytes(tmp, new UTF8Encoding(false).GetBytes(json));
            if (!Posix.Chmod(tmp, Convert.ToInt32("600", 8), out errno))
                throw new IOException("chmod " + tmp + ": " + Posix.ErrorText(errno));
            if (!Posix.Rename(tmp, SessionFile, out errno))
                throw new IOException("rename " + tmp + ": " + Posix.ErrorText(errno));
        }

        /// <summary>Called when the editor quits: Neovim must no longer find a session.</summary>
        public void Remove()
        {
            Posix.RemoveTree(Folder);
        }

        static string JsonString(string s)
        {
            var sb = new StringBuilder("\"");
            foreach (char c in s ?? "")
            {
                if (c == '"' || c == '\\') sb.Append('\\').Append(c);
                else if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4"));
                else sb.Append(c);
            }
            return sb.Append('"').ToString();
        }
    }
}
