using System.Threading;

namespace UnityNvim
{
    /// <summary>
    /// A stream end over a FIFO (Linux, macOS): opened with O_NONBLOCK and waited on with poll,
    /// so no call blocks longer than its waitMs (doc/protocol.md section 2).
    /// </summary>
    internal sealed class FifoEnd : IStreamEnd
    {
        /// <summary>
        /// What the idle check polls for. XNU's poll() is built on kqueue and registers a write
        /// filter only when POLLOUT is asked for, so with no events it never reports the POLLHUP of
        /// a departed reader (bsd/kern/sys_generic.c, poll_callback); Linux reports POLLERR anyway.
        /// </summary>
        internal const short IdleEvents = Posix.POLLOUT;

        readonly string path;
        readonly bool writing;
        int fd = -1;
        // A reader keeps the old descriptor open after an end of stream until the new one is, so
        // that commands Neovim writes in between stay in the pipe instead of vanishing with it.
        int previous = -1;

        public FifoEnd(string path, bool writing)
        {
            this.path = path;
            this.writing = writing;
        }

        /// <summary>True when poll's revents say the read end is gone (or the descriptor is bad).</summary>
        internal static bool ReaderLeft(short revents)
        {
            return (revents & (Posix.POLLERR | Posix.POLLHUP | Posix.POLLNVAL)) != 0;
        }

        public bool IsOpen { get { return Volatile.Read(ref fd) >= 0; } }

        public OpenResult Open()
        {
            int errno;
            // A reader's open succeeds at once; a writer's fails with ENXIO until a reader is there.
            int opened = Posix.Open(path, (writing ? Posix.O_WRONLY : Posix.O_RDONLY) | Posix.O_NONBLOCK, out errno);
            Posix.Close(Interlocked.Exchange(ref previous, -1));
            if (opened < 0) return errno == Posix.ENXIO ? OpenResult.NoPeer : OpenResult.Failed;
            Volatile.Write(ref fd, opened);
            return OpenResult.Open;
        }

        public int Read(byte[] buffer, int waitMs)
        {
            if (Posix.Poll(fd, Posix.POLLIN, waitMs) == 0) return 0;
            int errno;
            int n = Posix.Read(fd, buffer, 0, buffer.Length, out errno);
            if (n > 0) return n;
            return n < 0 && errno == Posix.EAGAIN ? 0 : -1; // 0: every writer closed
        }

        public int Write(byte[] buffer, int offset, int count, int waitMs)
        {
            int errno;
            int n = Posix.Write(fd, buffer, offset, count, out errno);
            if (n > 0) return n;
            if (n < 0 && errno != Posix.EAGAIN) return -1; // EPIPE: the reader left
            return ReaderLeft(Posix.Poll(fd, Posix.POLLOUT, waitMs)) ? -1 : 0;
        }

        /// <summary>A full FIFO took nothing: there is nothing in flight.</summary>
        public int Abandon() { return 0; }

        public bool PeerLeft()
        {
            return ReaderLeft(Posix.Poll(fd, IdleEvents, 0));
        }

        public void Hangup()
        {
            int was = Interlocked.Exchange(ref fd, -1);
            if (writing) Posix.Close(was);
            else previous = was;
        }

        public void Dispose()
        {
            Posix.Close(Interlocked.Exchange(ref fd, -1));
            Posix.Close(Interlocked.Exchange(ref previous, -1));
        }
    }
}
