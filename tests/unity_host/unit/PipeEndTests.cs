// Unit tests of the named-pipe stream ends against real pipes: they run only on Windows (the
// windows-latest CI job, and .NET Core under wine in make test-windows), with System.IO.Pipes'
// client standing in for Neovim.
using System;
using System.IO;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Threading;

namespace UnityNvim.Tests
{
    static partial class UnitTests
    {
        /// <summary>The client's name for a pipe: without the `\\.\pipe\` prefix.</summary>
        static string ClientName(string pipe)
        {
            return pipe.Substring(@"\\.\pipe\".Length);
        }

        /// <summary>Calls `step` until it says done; fails naming `what` after 20 s (a bound, not a timing).</summary>
        static void Until(Func<bool> step, string what)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!step())
            {
                Check(DateTime.UtcNow < deadline, what);
                Thread.Sleep(10);
            }
        }

        const uint GENERIC_READ = 0x80000000, READ_CONTROL = 0x20000, OPEN_EXISTING = 3;
        const int SE_KERNEL_OBJECT = 6;
        const uint DACL_SECURITY_INFORMATION = 4;

        [DllImport("kernel32", EntryPoint = "CreateFileW", CharSet = CharSet.Unicode, SetLastError = true)]
        static extern IntPtr CreateFile(string name, uint access, uint share, IntPtr security, uint disposition, uint flags, IntPtr template);
        [DllImport("advapi32", SetLastError = true)]
        static extern uint GetSecurityInfo(IntPtr handle, int type, uint info, IntPtr owner, IntPtr group, IntPtr dacl, IntPtr sacl, out IntPtr descriptor);
        [DllImport("advapi32", EntryPoint = "ConvertSecurityDescriptorToStringSecurityDescriptorW", CharSet = CharSet.Unicode, SetLastError = true)]
        static extern bool ToSddl(IntPtr descriptor, uint revision, uint info, out IntPtr sddl, IntPtr length);
        [DllImport("kernel32")] static extern IntPtr LocalFree(IntPtr memory);

        /// <summary>The DACL a pipe's client reads back from the pipe, in SDDL.</summary>
        static string DaclOf(string pipe)
        {
            IntPtr handle = CreateFile(pipe, GENERIC_READ | READ_CONTROL, 0, IntPtr.Zero, OPEN_EXISTING, 0, IntPtr.Zero);
            Check(handle != new IntPtr(-1), "the client opened " + pipe + ": error " + Marshal.GetLastWin32Error());
            try
            {
                IntPtr descriptor, sddl;
                uint error = GetSecurityInfo(handle, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, out descriptor);
                Equal(0u, error, "GetSecurityInfo");
                Check(ToSddl(descriptor, 1, DACL_SECURITY_INFORMATION, out sddl, IntPtr.Zero), "to SDDL: error " + Marshal.GetLastWin32Error());
                string text = Marshal.PtrToStringUni(sddl);
                LocalFree(sddl);
                LocalFree(descriptor);
                return text;
            }
            finally
            {
                Win32.CloseHandle(handle);
            }
        }

        [WindowsOnly]
        static void TestPipesCarryAnOwnerOnlyDacl()
        {
            // What the server sets is what a client finds: a protected DACL with one ACE, all
            // access for the owner (OW), none for Everyone (WD) or Anonymous (AN) as a NULL
            // descriptor would give. Wine runs every process as one user, so this shows the
            // descriptor, not a second user refused.
            var names = new PipeNames(PipeNames.NewNonce());
            foreach (var pipe in new[] { names.ToNvim, names.FromNvim })
            {
                var end = new PipeEnd(pipe, pipe == names.ToNvim);
                try
                {
                    string dacl = DaclOf(pipe);
                    Check(dacl == "D:P(A;;GA;;;OW)" || dacl == "D:P(A;;FA;;;OW)", pipe + ": " + dacl);
                }
                finally
                {
                    end.Dispose();
                }
            }
        }

        [WindowsOnly]
        static void TestUnityToNvimPipeGreetsEachReaderAndTellsWhenItLeaves()
        {
            var names = new PipeNames(PipeNames.NewNonce());
            var end = new PipeEnd(names.ToNvim, true);
            try
            {
                for (int round = 1; round <= 2; round++)
                {
                    // As the writer thread does: Open posts ConnectNamedPipe, without which a
                    // disconnected instance takes no client (DisconnectNamedPipe's documentation).
                    Equal(OpenResult.NoPeer, end.Open(), "round " + round + ": no reader yet");
                    using (var reader = new NamedPipeClientStream(".", ClientName(names.ToNvim), PipeDirection.In))
                    {
                        reader.Connect(20000);
                        Until(() => end.Open() == OpenResult.Open, "round " + round + ": the reader is seen");
                        Check(!end.PeerLeft(), "round " + round + ": the reader is there");
                        var frame = Frame.Encode(new byte[] { 0x80 });
                        int sent = 0;
                        Until(() => (sent += Math.Max(0, end.Write(frame, sent, frame.Length - sent, 100))) == frame.Length, "the frame went out");
                        var got = new byte[frame.Length];
                        for (int at = 0; at < got.Length;) at += reader.Read(got, at, got.Length - at);
                        Equal(Hex(frame), Hex(got), "round " + round + ": the bytes arrive");
                    }
                    Until(end.PeerLeft, "round " + round + ": the posted read tells that the reader left");
                    Equal(-1, end.Write(new byte[] { 1 }, 0, 1, 0), "a write after that says the reader left");
                    end.Hangup(); // DisconnectNamedPipe: the next reader may connect
                }
            }
            finally
            {
                end.Dispose();
            }
        }

        [WindowsOnly]
        static void TestNvimToUnityPipeReadsUntilTheWriterLeaves()
        {
            var names = new PipeNames(PipeNames.NewNonce());
            var end = new PipeEnd(names.FromNvim, false);
            try
            {
                Equal(OpenResult.Open, end.Open(), "a reader listens at once");
                using (var writer = new NamedPipeClientStream(".", ClientName(names.FromNvim), PipeDirection.Out))
                {
                    writer.Connect(20000);
                    writer.Write(new byte[] { 1, 2, 3 }, 0, 3);
                    writer.Flush();
                    var buffer = new byte[64];
                    int n = 0;
                    Until(() => (n = end.Read(buffer, 100)) != 0, "the bytes arrive");
                    Equal(3, n, "three bytes");
                    Equal("01 02 03", Hex(new[] { buffer[0], buffer[1], buffer[2] }), "as written");
                }
                var rest = new byte[64];
                int last = 0;
                Until(() => (last = end.Read(rest, 100)) != 0, "the end of the stream shows");
                Equal(-1, last, "ERROR_BROKEN_PIPE: the writer left");
            }
            finally
            {
                end.Dispose();
            }
        }

        [WindowsOnly]
        static void TestATakenPipeNameIsRefusedSayingWhatToDo()
        {
            var names = new PipeNames(PipeNames.NewNonce());
            var first = new PipeEnd(names.ToNvim, true);
            try
            {
                new PipeEnd(names.ToNvim, true).Dispose();
                throw new Exception("a second pipe of a taken name was created (FILE_FLAG_FIRST_PIPE_INSTANCE)");
            }
            catch (IOException e)
            {
                Check(e.Message.Contains("another process already holds the pipe") && e.Message.Contains("restart Unity"), e.Message);
            }
            finally
            {
                first.Dispose();
            }
        }
    }
}
