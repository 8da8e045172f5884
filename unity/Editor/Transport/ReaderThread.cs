using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;

namespace UnityNvim
{
    /// <summary>
    /// Owns Unity's end of nvim-to-unity on a background thread: reads with short waits,
    /// resynchronising decode, reopen at end of stream. Commands go to a concurrent queue that
    /// the main thread drains; nothing read here is ever executed here.
    /// </summary>
    internal sealed class ReaderThread
    {
        const int SliceMs = 100;
        const int RetryMs = 250;
        const int IdleResyncMs = 100;

        readonly IStreamEnd end;
        readonly ConcurrentQueue<Command> commands;
        readonly Action onHello;
        long hellosSeen;
        readonly IncomingDecoder decoder = new IncomingDecoder();
        readonly ManualResetEvent stopSignal = new ManualResetEvent(false);
        readonly Thread thread;
        volatile bool stopping;

        /// <param name="end">Owned from now on: the thread disposes of it as it ends.</param>
        public ReaderThread(IStreamEnd end, ConcurrentQueue<Command> commands, Action onHello)
        {
            this.end = end;
            this.commands = commands;
            this.onHello = onHello;
            thread = new Thread(Run) { Name = "NvimBridgeRead", IsBackground = true };
        }

        public void Start() { thread.Start(); }

        /// <summary>
        /// True while the read end is open: only then may the writer greet Neovim, so that a
        /// client that received hello can send commands at once.
        /// </summary>
        public bool Listening { get { return end.IsOpen; } }

        /// <summary>
        /// Signals the thread and joins for at most joinMs; false if it did not end. The thread
        /// disposes of its end as it ends, never the caller (a descriptor number closed here while
        /// the thread still uses it could be reused by Unity meanwhile).
        /// </summary>
        public bool Stop(int joinMs)
        {
            stopping = true;
            stopSignal.Set();
            return (thread.ThreadState & System.Threading.ThreadState.Unstarted) != 0 || thread.Join(joinMs);
        }

        void Run()
        {
            var buffer = new byte[64 * 1024];
            bool gotBytes = false;
            bool resynced = true;
            long lastByte = 0;
            try
            {
                while (!stopping)
                {
                    if (!end.IsOpen)
                    {
                        if (end.Open() != OpenResult.Open)
                        {
                            stopSignal.WaitOne(RetryMs);
                            continue;
                        }
                        gotBytes = false;
                    }
                    int n = end.Read(buffer, SliceMs);
                    if (n > 0)
                    {
                        gotBytes = true;
                        resynced = false;
                        lastByte = Stopwatch.GetTimestamp();
                        decoder.Feed(buffer, 0, n);
                        Drain();
                        continue;
                    }
                    if (n == 0)
                    {
                        // A torn header may promise bytes that never come: look past it after a pause.
                        if (!resynced && decoder.HasPending && ElapsedMs(lastByte) >= IdleResyncMs)
                        {
                            decoder.Resync(false);
                            resynced = true;
                            Drain();
                        }
                        continue;
                    }
                    // End of stream (the writer left) or an error: reopen to wait for the next writer.
                    decoder.Resync(true);
                    Drain();
                    end.Hangup();
                    if (!gotBytes) stopSignal.WaitOne(SliceMs); // no busy loop where a hang-up shows at once
                }
            }
            catch (ThreadAbortException)
            {
            }
            catch (Exception)
            {
                // Logging here could recurse through the log queue; the thread ends quietly.
            }
            finally
            {
                end.Dispose();
            }
        }

        void Drain()
        {
            Command command;
            while (decoder.TryNext(out command)) commands.Enqueue(command);
            // A Neovim that opened its reader between two of the writer's idle checks got no
            // hello; its own hello asks for one.
            if (decoder.Hellos != hellosSeen)
            {
                hellosSeen = decoder.Hellos;
                onHello();
            }
        }

        static long ElapsedMs(long since)
        {
            return (Stopwatch.GetTimestamp() - since) * 1000 / Stopwatch.Frequency;
        }
    }
}
