using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace UnityNvim
{
    /// <summary>
    /// The few kernel32/advapi32 calls the bridge needs on Windows, as Posix.cs is its libc seam.
    /// The package compiles on every system; these are only called where Platform.IsWindows.
    /// </summary>
    internal static class Win32
    {
        public const int ERROR_FILE_NOT_FOUND = 2;
        public const int ERROR_ACCESS_DENIED = 5;
        public const int ERROR_BROKEN_PIPE = 109;
        public const int ERROR_PIPE_BUSY = 231;
        public const int ERROR_NO_DATA = 232;
        public const int ERROR_PIPE_NOT_CONNECTED = 233;
        public const int ERROR_PIPE_CONNECTED = 535;
        public const int ERROR_PIPE_LISTENING = 536;
        public const int ERROR_IO_INCOMPLETE = 996;
        public const int ERROR_IO_PENDING = 997;

        public const uint PIPE_ACCESS_DUPLEX = 0x3;
        public const uint FILE_FLAG_FIRST_PIPE_INSTANCE = 0x80000;
        public const uint FILE_FLAG_OVERLAPPED = 0x40000000;
        public const uint PIPE_TYPE_BYTE = 0x0;
        public const uint PIPE_READMODE_BYTE = 0x0;
        public const uint PIPE_WAIT = 0x0;
        public const uint PIPE_REJECT_REMOTE_CLIENTS = 0x8;
        const uint SDDL_REVISION_1 = 1;

        /// <summary>Only the pipe's owner gets access; a NULL descriptor would let Everyone read (doc/protocol.md).</summary>
        public const string OwnerOnly = "D:P(A;;GA;;;OW)";

        public static readonly IntPtr InvalidHandle = new IntPtr(-1);

        [StructLayout(LayoutKind.Sequential)]
        struct SecurityAttributes
        {
            public int nLength;
            public IntPtr lpSecurityDescriptor;
            public int bInheritHandle;
        }

        [DllImport("kernel32", EntryPoint = "CreateNamedPipeW", CharSet = CharSet.Unicode, SetLastError = true)]
        static extern IntPtr CreateNamedPipe(string name, uint openMode, uint pipeMode, uint maxInstances, uint outBufferSize, uint inBufferSize, uint defaultTimeoutMs, ref SecurityAttributes security);
        [DllImport("advapi32", EntryPoint = "ConvertStringSecurityDescriptorToSecurityDescriptorW", CharSet = CharSet.Unicode, SetLastError = true)]
        static extern bool ConvertStringSecurityDescriptor(string sddl, uint revision, out IntPtr descriptor, IntPtr size);
        [DllImport("kernel32", SetLastError = true)] static extern IntPtr LocalFree(IntPtr memory);
        [DllImport("kernel32", SetLastError = true)] public static extern bool CloseHandle(IntPtr handle);
        [DllImport("kernel32", SetLastError = true)] public static extern bool ConnectNamedPipe(IntPtr pipe, IntPtr overlapped);
        [DllImport("kernel32", SetLastError = true)] public static extern bool DisconnectNamedPipe(IntPtr pipe);
        [DllImport("kernel32", SetLastError = true)] public static extern bool ReadFile(IntPtr file, IntPtr buffer, uint count, IntPtr read, IntPtr overlapped);
        [DllImport("kernel32", SetLastError = true)] public static extern bool WriteFile(IntPtr file, IntPtr buffer, uint count, IntPtr written, IntPtr overlapped);
        [DllImport("kernel32", SetLastError = true)] public static extern bool GetOverlappedResult(IntPtr file, IntPtr overlapped, out uint transferred, bool wait);
        [DllImport("kernel32", SetLastError = true)] public static extern bool CancelIoEx(IntPtr file, IntPtr overlapped);

        public static int LastError { get { return Marshal.GetLastWin32Error(); } }

        /// <summary>The system's message for a Win32 error code, with the code.</summary>
        public static string ErrorText(int error)
        {
            return new Win32Exception(error).Message + " (error " + error + ")";
        }

        /// <summary>
        /// Creates the one instance of a pipe whose server is this process: owner-only, local
        /// clients only, refused if the name exists (doc/protocol.md, "Windows: named pipes").
        /// Throws an IOException that says what to do when it cannot.
        /// </summary>
        public static IntPtr CreatePipe(string name, int bufferSize)
        {
            IntPtr descriptor;
            if (!ConvertStringSecurityDescriptor(OwnerOnly, SDDL_REVISION_1, out descriptor, IntPtr.Zero))
                throw new System.IO.IOException("cannot build the pipes' owner-only security descriptor: " + ErrorText(LastError));
            try
            {
                var security = new SecurityAttributes { nLength = Marshal.SizeOf(typeof(SecurityAttributes)), lpSecurityDescriptor = descriptor };
                IntPtr pipe = CreateNamedPipe(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE | FILE_FLAG_OVERLAPPED,
                    PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, (uint)bufferSize, (uint)bufferSize, 0, ref security);
                if (pipe != InvalidHandle) return pipe;
                int error = LastError;
                throw new System.IO.IOException(error == ERROR_ACCESS_DENIED || error == ERROR_PIPE_BUSY
                    ? "another process already holds the pipe " + name + " (" + ErrorText(error) + "); close it, or restart Unity, which picks new names"
                    : "cannot create the pipe " + name + ": " + ErrorText(error));
            }
            finally
            {
                LocalFree(descriptor);
            }
        }

        /// <summary>What a pipe operation's error says about the client.</summary>
        public enum PeerState { Connected, NotYet, Left, Failed }

        /// <summary>
        /// Maps the error of ConnectNamedPipe, ReadFile or WriteFile on a server end: pending or
        /// listening is no reader yet; a broken, closing or disconnected pipe is the reader left.
        /// </summary>
        public static PeerState Peer(int error)
        {
            switch (error)
            {
                case 0:
                case ERROR_PIPE_CONNECTED:
                    return PeerState.Connected;
                case ERROR_IO_PENDING:
                case ERROR_IO_INCOMPLETE:
                case ERROR_PIPE_LISTENING:
                    return PeerState.NotYet;
                case ERROR_BROKEN_PIPE:
                case ERROR_NO_DATA:
                case ERROR_PIPE_NOT_CONNECTED:
                    return PeerState.Left;
                default:
                    return PeerState.Failed;
            }
        }
    }
}
