using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace UnityNvim
{
    /// <summary>
    /// The folder Temp/NeovimBridge with session.json and, on Linux and macOS, the two FIFOs; on
    /// Windows session.json names the two pipes instead (doc/protocol.md sections 1 and 2).
    /// </summary>
    internal sealed class Rendezvous
    {
        public readonly string Folder;
        public readonly string ToNvim;
        public readonly string FromNvim;
        public readonly string SessionFile;
        /// <summary>The Windows pipes; null where the streams are FIFOs.</summary>
        public readonly PipeNames Pipes;

        public Rendezvous(string project, PipeNames pipes)
        {
            Pipes = pipes;
            Folder = Path.Combine(Path.Combine(project, "Temp"), "NeovimBridge");
            ToNvim = Path.Combine(Folder, "unity-to-nvim");
            FromNvim = Path.Combine(Folder, "nvim-to-unity");
            SessionFile = Path.Combine(Folder, "session.json");
        }

        /// <summary>True when a previous domain of this editor session already created everything.</summary>
        public bool IsIntact()
        {
            return File.Exists(SessionFile) && (Pipes != null || (File.Exists(ToNvim) && File.Exists(FromNvim)));
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
            byte[] json = new UTF8Encoding(false).GetBytes(SessionJson(project, unityVersion, pid, Pipes));
            string tmp = SessionFile + ".tmp";
            if (Pipes != null)
            {
                // No FIFO to distrust: the pipes are Unity's own handles, and NTFS permissions are
                // the project's. session.json goes last and whole, as below.
                Directory.CreateDirectory(Folder);
                File.WriteAllBytes(tmp, json);
                if (File.Exists(SessionFile)) File.Replace(tmp, SessionFile, null);
                else File.Move(tmp, SessionFile);
                return;
            }
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
            File.WriteAllBytes(tmp, json);
            if (!Posix.Chmod(tmp, Convert.ToInt32("600", 8), out errno))
                throw new IOException("chmod " + tmp + ": " + Posix.ErrorText(errno));
            if (!Posix.Rename(tmp, SessionFile, out errno))
                throw new IOException("rename " + tmp + ": " + Posix.ErrorText(errno));
        }

        /// <summary>Called when the editor quits: Neovim must no longer find a session.</summary>
        public void Remove()
        {
            if (Pipes == null)
            {
                Posix.RemoveTree(Folder);
                return;
            }
            if (File.Exists(SessionFile)) File.Delete(SessionFile);
            try
            {
                Directory.Delete(Folder, true);
            }
            catch (IOException)
            {
                // A Neovim still running may hold its nvim.lock open; without session.json it is inert.
            }
        }

        /// <summary>The text of session.json; pipes only on Windows.</summary>
        internal static string SessionJson(string project, string unityVersion, int pid, PipeNames pipes)
        {
            string json = "{\"protocol\":" + Outgoing.ProtocolVersion
                + ",\"pid\":" + pid.ToString(CultureInfo.InvariantCulture)
                + ",\"unity\":" + JsonString(unityVersion)
                + ",\"project\":" + JsonString(project);
            if (pipes != null)
                json += ",\"pipes\":{\"unity-to-nvim\":" + JsonString(pipes.ToNvim) + ",\"nvim-to-unity\":" + JsonString(pipes.FromNvim) + "}";
            return json + "}\n";
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
