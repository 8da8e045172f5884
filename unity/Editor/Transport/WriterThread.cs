using System;
using System.Diagnostics;
using System.Threading;

namespace UnityNvim
{
    /// <summary>
    /// Owns Unity's end of unity-to-nvim on a background thread, so the main thread never
    /// blocks on Neovim. Reaches for a reader (none yet: retried), writes hello, state and any
    /// carried-over compile summary after every open, then queued frames. Every wait is
    /// bounded (at most ~150 ms), so Stop is always prompt.
    /// </summary>
    internal sealed class WriterThread
    {
        const int RetryMs = 150;
        const int FailedOpenRetryMs = 1000;
        const int SliceMs = 100;

        enum WriteResult { Done, Untouched, Torn }

        readonly IStreamEnd end;
        readonly OutgoingQueue queue;
        readonly byte[] hello;
        readonly byte[] helloAgain;
        readonly Func<bool> listening;
        readonly ManualResetEvent stopSignal = new ManualResetEvent(false);
        readonly Thread thread;
        volatile byte[] state;
        volatile byte[] pendingSummary;
        volatile bool stopping;
        volatile bool greet;
        byte[] bye;
        long drainDeadline;
        long byeDeadline;

        /// <param name="end">Owned from now on: the thread disposes of it as it ends.</param>
        /// <param name="hello">The first frame after each open.</param>
        /// <param name="helloAgain">The hello that answers Neovim's hello on a write end already open.</param>
        public WriterThread(IStreamEnd end, OutgoingQueue queue, byte[] hello, byte[] helloAgain, byte[] state, byte[] pendingSummary, Func<bool> listening)
        {
            this.end = end;
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
        public bool Connected { get { return end.IsOpen; } }

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
        /// end and disposes of it when it does end (closing a descriptor here could close a number
        /// Unity has reused meanwhile).
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
                    var opened = OpenResult.NoPeer;
                    // Greet only once commands can be read (doc/protocol.md section 2).
                    if (!end.IsOpen && (!listening() || (opened = Connect()) != OpenResult.Open))
                    {
                        // No reader yet is the common case; anything else (folder gone) is retried slowly.
                        stopSignal.WaitOne(opened == OpenResult.Failed ? FailedOpenRetryMs : RetryMs);
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
                        if (end.PeerLeft()) end.Hangup();
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
                end.Dispose();
            }
        }

        /// <summary>Reaches for a reader and sends hello, state and a carried-over summary; Open only if all went out.</summary>
        OpenResult Connect()
        {
            OpenResult opened = end.Open();
            if (opened != OpenResult.Open) return opened;
            greet = false; // this is the greeting
            queue.DropStateFrames(); // the state sent right after hello supersedes them
            if (Write(hello, 0) != WriteResult.Done || Write(state, 0) != WriteResult.Done) return OpenResult.NoPeer;
            byte[] summary = pendingSummary;
            if (summary != null)
            {
                if (Write(summary, 0) != WriteResult.Done) return OpenResult.NoPeer;
                pendingSummary = null;
            }
            return OpenResult.Open;
        }

        /// <summary>Last words before a reload or quit: drain within the budget, then bye.</summary>
        void Finish()
        {
            if (!end.IsOpen && (bye == null || Connect() != OpenResult.Open)) return;
            while (Stopwatch.GetTimestamp() < drainDeadline && end.IsOpen)
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
            if (bye != null && end.IsOpen) Write(bye, byeDeadline);
        }

        /// <summary>
        /// Writes one whole frame. A full pipe is waited for in slices (forever while running,
        /// until deadline once stopping). A departed reader ends the connection. Untouched: no
        /// byte went out, the caller may put the frame back; Torn: part of it went out and is lost.
        /// </summary>
        WriteResult Write(byte[] frame, long deadline)
        {
            int offset = 0;
            while (offset < frame.Length)
            {
                int n = end.Write(frame, offset, frame.Length - offset, WaitMs(deadline));
                if (n > 0)
                {
                    offset += n;
                    continue;
                }
                if (n < 0)
                {
                    end.Hangup(); // the next reader gets hello first
                    return offset == 0 ? WriteResult.Untouched : WriteResult.Torn;
                }
                if (deadline != 0 && Stopwatch.GetTimestamp() >= deadline)
                {
                    offset += end.Abandon(); // a pipe's posted write may have gone out whole meanwhile
                    return offset == frame.Length ? WriteResult.Done : offset == 0 ? WriteResult.Untouched : WriteResult.Torn;
                }
                if (stopping && deadline == 0) deadline = byeDeadline;
            }
            return WriteResult.Done;
        }

        /// <summary>How long one write may wait for room: a slice, never past the deadline.</summary>
        static int WaitMs(long deadline)
        {
            if (deadline == 0) return SliceMs;
            long left = (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            return (int)Math.Max(0, Math.Min(SliceMs, left));
        }
    }
}
