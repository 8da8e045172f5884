using System;
using System.Collections.Generic;
using System.Threading;

namespace UnityNvim
{
    /// <summary>
    /// Frames waiting for Neovim. Log frames sit in one bounded ring that is both the backlog
    /// while Neovim is away and the outgoing buffer; past the bound the oldest log is dropped
    /// (the gap shows through seq). Control frames (hello, reply, compile, state, bye) have
    /// their own unbounded list, are never dropped and go out before pending logs.
    /// </summary>
    internal sealed class OutgoingQueue
    {
        /// <summary>One control frame; state frames are marked so a reconnect can drop stale ones.</summary>
        internal struct Control
        {
            public byte[] Frame;
            public bool IsState;
        }

        readonly object gate = new object();
        readonly LinkedList<Control> control = new LinkedList<Control>();
        readonly byte[][] logs;
        int head;
        int count;
        long nextSeq;
        bool woken;

        public OutgoingQueue(int capacity, long firstSeq)
        {
            logs = new byte[Math.Max(1, capacity)][];
            nextSeq = firstSeq;
        }

        public long NextSeq { get { lock (gate) return nextSeq; } }

        /// <summary>
        /// Numbers and queues one log. seq is taken under the same lock that orders the ring, so
        /// frames leave in seq order whichever thread logged.
        /// </summary>
        public void AddLog(long timeMs, string level, string message, string stack)
        {
            lock (gate)
            {
                PushLog(Outgoing.Log(nextSeq, timeMs, level, message, stack));
                nextSeq++;
                Monitor.Pulse(gate);
            }
        }

        void PushLog(byte[] frame)
        {
            if (count == logs.Length)
            {
                logs[head] = null;
                head = (head + 1) % logs.Length;
                count--;
            }
            logs[(head + count) % logs.Length] = frame;
            count++;
        }

        public void AddControl(byte[] frame, bool isState)
        {
            lock (gate)
            {
                control.AddLast(new Control { Frame = frame, IsState = isState });
                Monitor.Pulse(gate);
            }
        }

        /// <summary>Drops queued state frames: after a reconnect the current state is sent instead.</summary>
        public void DropStateFrames()
        {
            lock (gate)
            {
                var node = control.First;
                while (node != null)
                {
                    var next = node.Next;
                    if (node.Value.IsState) control.Remove(node);
                    node = next;
                }
            }
        }

        /// <summary>
        /// Takes the next frame (control first), waiting up to timeoutMs; null when none came or
        /// when Wake was called.
        /// </summary>
        public byte[] Take(int timeoutMs, out bool isLog, out bool isState)
        {
            lock (gate)
            {
                if (control.Count == 0 && count == 0 && !woken) Monitor.Wait(gate, timeoutMs);
                woken = false;
                isLog = false;
                isState = false;
                if (control.Count > 0)
                {
                    var c = control.First.Value;
                    control.RemoveFirst();
                    isState = c.IsState;
                    return c.Frame;
                }
                if (count == 0) return null;
                var frame = logs[head];
                logs[head] = null;
                head = (head + 1) % logs.Length;
                count--;
                isLog = true;
                return frame;
            }
        }

        /// <summary>Puts back a frame that was not (wholly) written, at the front; a log is dropped if the ring filled meanwhile.</summary>
        public void PutBack(byte[] frame, bool isLog, bool isState)
        {
            lock (gate)
            {
                if (!isLog)
                {
                    control.AddFirst(new Control { Frame = frame, IsState = isState });
                }
                else if (count < logs.Length)
                {
                    head = (head - 1 + logs.Length) % logs.Length;
                    logs[head] = frame;
                    count++;
                }
            }
        }

        /// <summary>Wakes a Take that is waiting (used to stop the writer promptly).</summary>
        public void Wake()
        {
            lock (gate)
            {
                woken = true;
                Monitor.PulseAll(gate);
            }
        }

        /// <summary>Removes and returns every non-state control frame and every log frame, in order.</summary>
        public void DrainAll(List<byte[]> controlFrames, List<byte[]> logFrames)
        {
            lock (gate)
            {
                foreach (var c in control)
                    if (!c.IsState) controlFrames.Add(c.Frame);
                control.Clear();
                for (int i = 0; i < count; i++)
                {
                    logFrames.Add(logs[(head + i) % logs.Length]);
                    logs[(head + i) % logs.Length] = null;
                }
                head = count = 0;
            }
        }

        /// <summary>Restores frames a previous domain could not send.</summary>
        public void Restore(List<byte[]> controlFrames, List<byte[]> logFrames)
        {
            lock (gate)
            {
                foreach (var f in controlFrames) control.AddLast(new Control { Frame = f });
                foreach (var f in logFrames) PushLog(f);
                Monitor.Pulse(gate);
            }
        }
    }
}
