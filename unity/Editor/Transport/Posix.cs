using System;
using System.Runtime.InteropServices;
using System.Text;

namespace UnityNvim
{
    /// <summary>
    /// The few libc calls the bridge needs, with flag and errno values chosen at run time for
    /// Linux or macOS. Never fcntl (variadic calls are broken on Apple Silicon): O_NONBLOCK is
    /// passed to open(), which is called without O_CREAT so its variadic mode is never read.
    /// </summary>
    internal static class Posix
    {
        public const int O_RDONLY = 0;
        public const int O_WRONLY = 1;
        public const short POLLIN = 0x1;
        public const short POLLOUT = 0x4;
        public const short POLLERR = 0x8;
        public const short POLLHUP = 0x10;
        public const short POLLNVAL = 0x20;
        public const int EINTR = 4;
        public const int ENXIO = 6;
        public const int EPERM = 1;

        public static readonly bool IsMac;
        public static readonly bool Supported;
        public static readonly string SystemName = "";
        public static readonly int O_NONBLOCK;
        public static readonly int O_CLOEXEC;
        public static readonly int EAGAIN;

        [StructLayout(LayoutKind.Sequential)]
        struct PollFd
        {
            public int fd;
            public short events;
            public short revents;
        }

        [DllImport("libc", SetLastError = true)] static extern int uname(IntPtr buf);
        [DllImport("libc", EntryPoint = "open", SetLastError = true)] static extern int sys_open(string path, int flags);
        [DllImport("libc", EntryPoint = "close", SetLastError = true)] static extern int sys_close(int fd);
        [DllImport("libc", EntryPoint = "read", SetLastError = true)] static extern IntPtr sys_read(int fd, IntPtr buf, UIntPtr count);
        [DllImport("libc", EntryPoint = "write", SetLastError = true)] static extern IntPtr sys_write(int fd, IntPtr buf, UIntPtr count);
        // nfds_t is unsigned long on Linux, unsigned int on macOS: passed in a register, 1 reads the same.
        [DllImport("libc", EntryPoint = "poll", SetLastError = true)] static extern int sys_poll(ref PollFd fds, UIntPtr nfds, int timeout);
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)] static extern int sys_kill(int pid, int signal);
        [DllImport("libc", EntryPoint = "strerror")] static extern IntPtr sys_strerror(int errno);
        [DllImport("libc", EntryPoint = "unlink", SetLastError = true)] static extern int sys_unlink(string path);
        [DllImport("libc", EntryPoint = "rmdir", SetLastError = true)] static extern int sys_rmdir(string path);
        [DllImport("libc", EntryPoint = "rename", SetLastError = true)] static extern int sys_rename(string from, string to);
        // mode_t is 32-bit on Linux and 16-bit on macOS.
        [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)] static extern int mkfifo32(string path, uint mode);
        [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)] static extern int mkfifo16(string path, ushort mode);
        [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)] static extern int mkdir32(string path, uint mode);
        [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)] static extern int mkdir16(string path, ushort mode);
        [DllImport("libc", EntryPoint = "chmod", SetLastError = true)] static extern int chmod32(string path, uint mode);
        [DllImport("libc", EntryPoint = "chmod", SetLastError = true)] static extern int chmod16(string path, ushort mode);

        static Posix()
        {
            if (Environment.OSVersion.Platform != PlatformID.Unix && Environment.OSVersion.Platform != PlatformID.MacOSX)
                return;
            // struct utsname: sysname comes first on both systems; fields are 65 bytes on Linux, 256 on macOS.
            IntPtr buf = Marshal.AllocHGlobal(8192);
            try
            {
                if (uname(buf) != 0) return;
                SystemName = Marshal.PtrToStringAnsi(buf) ?? "";
            }
            finally
            {
                Marshal.FreeHGlobal(buf);
            }
            if (SystemName == "Linux")
            {
                // Same values on x86_64 and aarch64 (O_NOFOLLOW/O_DIRECTORY differ, but are unused).
                O_NONBLOCK = 0x800;
                O_CLOEXEC = 0x80000;
                EAGAIN = 11;
                Supported = true;
            }
            else if (SystemName == "Darwin")
            {
                IsMac = true;
                O_NONBLOCK = 0x4;
                O_CLOEXEC = 0x1000000;
                EAGAIN = 35;
                Supported = true;
            }
        }

        public static int LastError { get { return Marshal.GetLastWin32Error(); } }

        static readonly object StrerrorGate = new object();

        /// <summary>
        /// The C library's message for errno (Win32Exception would give Windows text under Mono).
        /// strerror may use a static buffer: the lock keeps our own callers from sharing it, and
        /// strerror_r is avoided because glibc and macOS export different variants under that name.
        /// </summary>
        public static string ErrorText(int errno)
        {
            string text;
            lock (StrerrorGate) text = Marshal.PtrToStringAnsi(sys_strerror(errno));
            return (string.IsNullOrEmpty(text) ? "error" : text) + " (errno " + errno + ")";
        }

        /// <summary>True while a process with this pid exists (kill with signal 0: EPERM means it exists but is not ours).</summary>
        public static bool ProcessAlive(int pid)
        {
            if (pid <= 0) return false;
            return sys_kill(pid, 0) == 0 || LastError == EPERM;
        }

        /// <summary>open() without O_CREAT; O_CLOEXEC keeps fds out of spawned processes.</summary>
        public static int Open(string path, int flags, out int errno)
        {
            int fd;
            do
            {
                fd = sys_open(path, flags | O_CLOEXEC);
                errno = fd < 0 ? LastError : 0;
            } while (fd < 0 && errno == EINTR);
            return fd;
        }

        public static void Close(int fd)
        {
            if (fd >= 0) sys_close(fd);
        }

        /// <summary>read(); -1 with errno on failure, 0 at end of stream.</summary>
        public static int Read(int fd, byte[] buffer, int offset, int count, out int errno)
        {
            var handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
            try
            {
                while (true)
                {
                    long n = (long)sys_read(fd, handle.AddrOfPinnedObject() + offset, (UIntPtr)(uint)count);
                    errno = n < 0 ? LastError : 0;
                    if (n >= 0 || errno != EINTR) return (int)n;
                }
            }
            finally
            {
                handle.Free();
            }
        }

        /// <summary>write(); -1 with errno on failure.</summary>
        public static int Write(int fd, byte[] buffer, int offset, int count, out int errno)
        {
            var handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
            try
            {
                while (true)
                {
                    long n = (long)sys_write(fd, handle.AddrOfPinnedObject() + offset, (UIntPtr)(uint)count);
                    errno = n < 0 ? LastError : 0;
                    if (n >= 0 || errno != EINTR) return (int)n;
                }
            }
            finally
            {
                handle.Free();
            }
        }

        /// <summary>poll() one descriptor; returns revents (0 on timeout or interruption).</summary>
        public static short Poll(int fd, short events, int timeoutMs)
        {
            var p = new PollFd { fd = fd, events = events };
            int n = sys_poll(ref p, (UIntPtr)1u, timeoutMs);
            return n > 0 ? p.revents : (short)0;
        }

        public static bool MakeFifo(string path, int mode, out int errno)
        {
            int rc = IsMac ? mkfifo16(path, (ushort)mode) : mkfifo32(path, (uint)mode);
            errno = rc != 0 ? LastError : 0;
            return rc == 0;
        }

        public static bool MakeDirectory(string path, int mode, out int errno)
        {
            int rc = IsMac ? mkdir16(path, (ushort)mode) : mkdir32(path, (uint)mode);
            errno = rc != 0 ? LastError : 0;
            return rc == 0;
        }

        public static bool Chmod(string path, int mode, out int errno)
        {
            int rc = IsMac ? chmod16(path, (ushort)mode) : chmod32(path, (uint)mode);
            errno = rc != 0 ? LastError : 0;
            return rc == 0;
        }

        public static bool Rename(string from, string to, out int errno)
        {
            int rc = sys_rename(from, to);
            errno = rc != 0 ? LastError : 0;
            return rc == 0;
        }

        /// <summary>
        /// Removes whatever is at path without following symbolic links: unlink() removes files,
        /// FIFOs and links; only a real directory is descended into.
        /// </summary>
        public static void RemoveTree(string path)
        {
            if (sys_unlink(path) == 0) return;
            if (!System.IO.Directory.Exists(path)) return;
            // A Neovim that saw the stream end may write its lock or nudge FIFO into the folder
            // while it goes: list it again until it is empty (it writes once per reopen).
            for (int round = 1; ; round++)
            {
                foreach (var entry in System.IO.Directory.GetFileSystemEntries(path))
                    RemoveTree(entry);
                if (sys_rmdir(path) == 0) return;
                int errno = LastError; // before anything else can set it
                if (!System.IO.Directory.Exists(path)) return;
                if (round == 5)
                    throw new System.IO.IOException("cannot remove " + path + ": " + ErrorText(errno));
            }
        }
    }
}
