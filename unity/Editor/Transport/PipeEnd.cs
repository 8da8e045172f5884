using System;
using System.Threading;

namespace UnityNvim
{
    /// <summary>
    /// A stream end over a Windows named pipe whose server is Unity (doc/protocol.md, "Windows:
    /// named pipes"): overlapped ConnectNamedPipe, ReadFile and WriteFile, each waited on for at
    /// most waitMs. A writer keeps a one-byte ReadFile posted, which ends when its reader leaves
    /// (or, a protocol error, writes); a departed client is let go with DisconnectNamedPipe so
    /// that the next one can connect.
    ///
    /// Not System.IO.Pipes: Mono's NamedPipeServerStream on Windows (mono/mono
    /// mcs/class/System.Core/System.IO.Pipes/NamedPipeServerStream.Windows.cs) drops the
    /// PipeSecurity of its 8- and 9-argument constructors, never passes
    /// PIPE_REJECT_REMOTE_CLIENTS, and refuses any PipeOptions but WriteThrough and Asynchronous.
    /// </summary>
    internal sealed class PipeEnd : IStreamEnd
    {
        const int BufferSize = 64 * 1024;

        readonly bool writing;
        readonly IntPtr pipe;
        readonly OverlappedIo connect;
        readonly OverlappedIo transfer;
        readonly OverlappedIo watch;
        bool connected;
        int open;

        /// <summary>Creates the pipe now (on the caller's thread, so that a taken name is an error there); throws IOException.</summary>
        public PipeEnd(string name, bool writing)
        {
            this.writing = writing;
            pipe = Win32.CreatePipe(name, BufferSize);
            connect = new OverlappedIo(pipe);
            transfer = new OverlappedIo(pipe);
            watch = new OverlappedIo(pipe);
        }

        public bool IsOpen { get { return Volatile.Read(ref open) != 0; } }

        public OpenResult Open()
        {
            // A client may open the pipe and write before ConnectNamedPipe: the reader listens at once.
            if (!writing)
            {
                Volatile.Write(ref open, 1);
                return OpenResult.Open;
            }
            switch (AwaitClient(0))
            {
                case Win32.PeerState.Connected:
                    if (!Watch()) break;
                    Volatile.Write(ref open, 1);
                    return OpenResult.Open;
                case Win32.PeerState.NotYet:
                    return OpenResult.NoPeer;
                case Win32.PeerState.Failed:
                    return OpenResult.Failed;
            }
            Hangup(); // the client came and went before it was seen
            return OpenResult.NoPeer;
        }

        public int Read(byte[] buffer, int waitMs)
        {
            if (!connected)
            {
                var state = AwaitClient(waitMs);
                return state == Win32.PeerState.Connected || state == Win32.PeerState.NotYet ? 0 : -1;
            }
            if (!transfer.Posted && !Pending(transfer.Read(Math.Min(buffer.Length, BufferSize)))) return -1;
            int error, n;
            if (!transfer.Wait(waitMs, out error, out n)) return 0;
            if (error != 0) return -1; // ERROR_BROKEN_PIPE: the writer left
            transfer.CopyOut(buffer, n);
            return n;
        }

        public int Write(byte[] buffer, int offset, int count, int waitMs)
        {
            if (PeerLeft()) return -1;
            // A write still posted is the caller's same bytes again (IStreamEnd.Write).
            if (!transfer.Posted && !Pending(transfer.Write(buffer, offset, count))) return -1;
            int error, n;
            if (!transfer.Wait(waitMs, out error, out n)) return 0;
            return error == 0 ? n : -1;
        }

        public int Abandon()
        {
            return transfer.Cancel();
        }

        public bool PeerLeft()
        {
            int error, n;
            return !watch.Posted || watch.Wait(0, out error, out n);
        }

        public void Hangup()
        {
            Volatile.Write(ref open, 0);
            connect.Cancel();
            transfer.Cancel();
            watch.Cancel();
            if (connected) Win32.DisconnectNamedPipe(pipe);
            connected = false;
        }

        public void Dispose()
        {
            Hangup();
            connect.Dispose();
            transfer.Dispose();
            watch.Dispose();
            Win32.CloseHandle(pipe);
        }

        /// <summary>Posts ConnectNamedPipe once and waits at most waitMs for a client.</summary>
        Win32.PeerState AwaitClient(int waitMs)
        {
            if (connected) return Win32.PeerState.Connected;
            Win32.PeerState state;
            if (!connect.Posted)
            {
                state = Win32.Peer(connect.Connect());
                if (state != Win32.PeerState.NotYet) return Connected(state);
            }
            int error, n;
            if (!connect.Wait(waitMs, out error, out n)) return Win32.PeerState.NotYet;
            return Connected(Win32.Peer(error));
        }

        Win32.PeerState Connected(Win32.PeerState state)
        {
            // ERROR_NO_DATA: a client connected and closed already; it must still be disconnected.
            connected = state == Win32.PeerState.Connected || state == Win32.PeerState.Left;
            return state;
        }

        /// <summary>Posts the read that ends when the reader leaves; false if it already has.</summary>
        bool Watch()
        {
            return Pending(watch.Read(1));
        }

        static bool Pending(int error)
        {
            return error == 0 || error == Win32.ERROR_IO_PENDING;
        }
    }
}
