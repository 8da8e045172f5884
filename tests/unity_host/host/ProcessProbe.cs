using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace UnityHost
{
    /// <summary>Looks at this process through Linux /proc: thread names and open descriptors.</summary>
    static class ProcessProbe
    {
        /// <summary>False where there is no /proc (macOS, Windows; wine shows Linux's as Z:\proc): the checks that use it are skipped.</summary>
        public static bool Available
        {
            get { return Environment.OSVersion.Platform != PlatformID.Win32NT && Directory.Exists("/proc/self/task"); }
        }

        [DllImport("libc", SetLastError = true)]
        static extern IntPtr readlink(string path, byte[] buffer, UIntPtr size);

        /// <summary>Threads whose name (comm, at most 15 characters) is one of names.</summary>
        public static List<string> ThreadsNamed(string[] names)
        {
            var found = new List<string>();
            foreach (var task in Directory.GetDirectories("/proc/self/task"))
            {
                string comm;
                try
                {
                    comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                }
                catch (IOException)
                {
                    continue; // the thread ended meanwhile
                }
                if (Array.IndexOf(names, comm) >= 0) found.Add(comm + " (tid " + Path.GetFileName(task) + ")");
            }
            return found;
        }

        /// <summary>Open descriptors whose target path contains fragment.</summary>
        public static List<string> DescriptorsUnder(string fragment)
        {
            var found = new List<string>();
            var buffer = new byte[4096];
            foreach (var fd in Directory.GetFiles("/proc/self/fd"))
            {
                long n = (long)readlink(fd, buffer, (UIntPtr)(uint)buffer.Length);
                if (n <= 0) continue;
                string target = Encoding.UTF8.GetString(buffer, 0, (int)n);
                if (target.Contains(fragment)) found.Add(Path.GetFileName(fd) + " -> " + target);
            }
            return found;
        }
    }
}
