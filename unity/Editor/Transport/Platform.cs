using System;
using System.Diagnostics;

namespace UnityNvim
{
    /// <summary>
    /// Which transport the editor uses, chosen at run time from the system it runs on (the
    /// package compiles the same everywhere): named pipes on Windows, FIFOs on Linux and macOS.
    /// Environment.OSVersion, not Application.platform: the transport follows the real system.
    /// </summary>
    internal static class Platform
    {
        public static bool IsWindows { get { return Environment.OSVersion.Platform == PlatformID.Win32NT; } }

        public static bool Supported { get { return IsWindows || Posix.Supported; } }

        public static string Name { get { return IsWindows ? "Windows" : Posix.SystemName; } }

        /// <summary>True while a process with this pid exists.</summary>
        public static bool ProcessAlive(int pid)
        {
            if (!IsWindows) return Posix.ProcessAlive(pid);
            if (pid <= 0) return false;
            try
            {
                using (var process = Process.GetProcessById(pid)) return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false; // no such process
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        /// <summary>
        /// Unity's ends of both streams, not yet connected: on Windows this creates both pipes (so
        /// they exist before session.json names them); a FIFO end opens its path later. Throws
        /// IOException, having released whatever it made, when a pipe cannot be created.
        /// </summary>
        public static void CreateEnds(Rendezvous rendezvous, out IStreamEnd toNvim, out IStreamEnd fromNvim)
        {
            if (rendezvous.Pipes == null)
            {
                toNvim = new FifoEnd(rendezvous.ToNvim, true);
                fromNvim = new FifoEnd(rendezvous.FromNvim, false);
                return;
            }
            var writing = new PipeEnd(rendezvous.Pipes.ToNvim, true);
            try
            {
                fromNvim = new PipeEnd(rendezvous.Pipes.FromNvim, false);
            }
            catch (Exception)
            {
                writing.Dispose();
                throw;
            }
            toNvim = writing;
        }
    }
}
