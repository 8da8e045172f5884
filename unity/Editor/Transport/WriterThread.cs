using System;
using System.Diagnostics;
using System.Threading;

namespace UnityNvim
{
    /// <summary>
    /// Owns the write end of unity-to-nvim on a background thread, so the main thread never
    /// blocks on Neovim. Opens with O_NONBLOCK (ENXIO: no reader yet, retried), writes hello,
    /// state and any carried-over compile summary after every open, then queued frames.
    /// Every wait is a poll or a wait of at most ~150 ms, so Stop is always prompt.
    /// </summary>
    internal sealed class WriterThread
    {
        const int RetryMs = 150;
        const int FailedOpenRetryMs = 1000;
        const int SliceMs = 100;

        enum WriteResult { Done, Untouched, Torn }

        /// <summary>
        /// What the idle check polls for. XNU's poll() is built on kqueue and registers a write
        /// filter only when POLLOUT is asked for, so with no events it never reports the POLLHUP of
        /// a departed reader (bsd/kern/sys_generic.c, poll_callback); Linux reports POLLERR anyway.
        /// </summary>
        internal const short IdleEvents = Posix.POLLOUT;

        /// <summary>True when poll's revents say the read end is gone (or the descriptor is bad).</summary>
        internal static bool ReaderLeft(short revents)
        {
            return (revents & (Posix.POLLERR | Posix.POLLHUP | Posix.POLLNVAL)) != 0;
        }

        readonly string path;
        readonly OutgoingQueue queue;
        readonly byte[] hello;
        readonly byte[] helloAgain;
        readonly Func<bool> listening;
        readonly ManualResetEvent stopSignal = new ManualResetEvent(false);
        readonly Thread thread;
        int fd = -1;
        volatile byte[] state;
        volatile byte[] pendingSummary;
        volatile bool stopping;
        volatile bool greet;
        byte[] bye;
        long drainDeadline;
        long byeDeadline;

        /// <param name="hello">The first frame after each open.</param>
        /// <param name="helloAgain">The hello that answers Neovim's hello on a write end already open.</param>
        public WriterThread(string path, OutgoingQueue queue, byte[] hello, byte[] helloAgain, byte[] state, byte[] pendingSummary, Func<bool> listening)
        {
            this.path = path;
            this.listening = listening;
            this.queue = queue;
            this.hello = hello;
            this.helloAgain = helloAgain;
            this.state = state;
            this.pendingSummary = pendingSummary;
            // 15 characters at most, so the name shows in /proc/self/task/*/comm.
            thread = new Thread(Run) { Name = "NvimBridgeWrite", IsBackground = true };
        }

        /// <summary>True once the carried-over compile summary went out (the main thread then forgets it).</summary>
        public bool SummarySent { get { return pendingSummary == null; } }

        /// <summary>True while a Neovim has the pipe open (as far as the last write or idle check knows).</summary>
        public bool Connected { get { return Volatile.Read(ref fd) >= 0; } }

        public void Start() { thread.Start(); }

        /// <summary>Forgets the carried-over compile summary if it has not gone out yet (a new compile started).</summary>
        public void DropSummary() { pendingSummary = null; }

        /// <summary>Sends hello and state again (Neovim said hello: it may have missed ours).</summary>
        public void RequestGreeting()
        {
            greet = true;
            queue.Wake();
        }

        /// <summary>The state frame to send after the next hello (set by the main thread on each change).</summary>
        public void SetState(byte[] frame) { state = frame; }

        /// <summary>
        /// Sends what it can within drainMs, then `bye` (when byeReason is not null) within byeMs
        /// in all, and joins for at most joinMs. False if the thread did not end: it still owns its
        /// descriptor and closes it when it does end (closing it here could close a number Unity
        /// has reused meanwhile).
        /// </summary>
        public bool Stop(string byeReason, int drainMs, int byeMs, int joinMs)
        {
            long now = Stopwatch.GetTimestamp();
            bye = byeReason != null ? Outgoing.Bye(byeReason) : null;
            drainDeadline = now + drainMs * Stopwatch.Frequency / 1000;
            byeDeadline = now + byeMs * Stopwatch.Frequency / 1000;
            stopping = true;
            stopSignal.Set();
            queue.Wake();
            return (thread.ThreadState & System.Threading.ThreadState.Unstarted) != 0 || thread.Join(joinMs);
        }

        void Run()
        {
            try
            {
                while (!stopping)
                {
                    int openErrno = 0;
                    // Greet only once commands can be read (doc/protocol.md section 2).
                    if (fd < 0 && (!listening() || !Connect(out openErrno)))
                    {
                        // ENXIO: no reader yet, the common case; anything else (folder gone) is retried slowly.
                        stopSignal.WaitOne(openErrno == Posix.ENXIO || openErrno == 0 ? RetryMs : FailedOpenRetryMs);
                        continue;
                    }
                    if (greet)
                    {
                        greet = false;
                        if (Write(helloAgain, 0) != WriteResult.Done || Write(state, 0) != WriteResult.Done) continue;
                    }
                    bool isLog, isState;
                    byte[] frame = queue.Take(SliceMs, out isLog, out isState);
                    if (frame == null)
                    {
                        // Idle: notice a departed reader now, so the next one gets hello first.
                        if (ReaderLeft(Posix.Poll(fd, IdleEvents, 0))) CloseFd();
                        continue;
                    }
                    if (Write(frame, 0) == WriteResult.Untouched) queue.PutBack(frame, isLog, isState);
                }
                Finish();
            }
            catch (ThreadAbortException)
            {
            }
            catch (Exception)
            {
                // Nothing may be logged from here (it would feed the queue this thread drains);
                // the thread ends and the descriptor is closed below.
            }
            finally
            {
                CloseFd();
            }
        }

        /// <summary>Opens the write end and sends hello, state and a carried-over summary; errno of a failed open.</summary>
        bool Connect(out int errno)
        {
            int opened = Posix.Open(path, Posix.O_WRONLY | Posix.O_NONBLOCK, out errno);
            if (opened < 0) return false;
            fd = opened;
            greet = false; // this is the greeting
            queue.DropStateFrames(); // the state sent right after hello supersedes them
            if (Write(hello, 0) != WriteResult.Done || Write(state, 0) != WriteResult.Done) return false;
            byte[] summary = pendingSummary;
            if (summary != null)
            {
                if (Write(summary, 0) != WriteResult.Done) return false;
                pendingSummary = null;
            }
            return true;
        }

        /// <summary>Last words before a reload or quit: drain within the budget, then bye.</summary>
        void Finish()
        {
            int errno;
            if (fd < 0 && (bye == null || !Connect(out errno))) return;
            while (Stopwatch.GetTimestamp() < drainDeadline && fd >= 0)
            {
                bool isLog, isState;
                byte[] frame = queue.Take(0, out isLog, out isState);
                if (frame == null) break;
                if (Write(frame, drainDeadline) != WriteResult.Done)
                {
                    // Carried over to the next domain, which sends it whole; a reader skips any torn prefix.
                    queue.PutBack(frame, isLog, isState);
                    break;
                }
            }
            if (bye != null && fd >= 0) Write(bye, byeDeadline);
        }

        /// <summary>
        /// Writes one whole frame. A full pipe is waited for in poll slices (forever while running,
        /// until deadline once stopping). EPIPE or a hang-up closes the descriptor. Untouched: no
        /// byte went out, the caller may put the frame back; Torn: part of it went out and is lost.
        /// </summary>
        WriteResult Write(byte[] frame, long deadline)
        {
            int offset = 0;
            while (offset < frame.Length)
            {
                int errno;
                int n = Posix.Write(fd, frame, offset, frame.Length - offset, out errno);
                if (n > 0)
                {
                    offset += n;
                    continue;
                }
                bool full = n < 0 && errno == Posix.EAGAIN;
                if (full && deadline != 0 && Stopwatch.GetTimestamp() >= deadline)
                    return offset == 0 ? WriteResult.Untouched : WriteResult.Torn;
                if (!full || ReaderLeft(Posix.Poll(fd, Posix.POLLOUT, SliceMs)))
                {
                    CloseFd(); // EPIPE: the reader left; the next one gets hello first
                    return offset == 0 ? WriteResult.Untouched : WriteResult.Torn;
                }
                if (stopping && deadline == 0) deadline = byeDeadline;
            }
            return WriteResult.Done;
        }

        /// <summary>Only ever called on the thread itself: the descriptor is its own.</summary>
        void CloseFd()
        {
            Posix.Close(Interlocked.Exchange(ref fd, -1));
        }
    }
}
