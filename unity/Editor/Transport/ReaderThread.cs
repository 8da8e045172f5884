using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;

namespace UnityNvim
{
    /// <summary>
    /// Owns the read end of nvim-to-unity on a background thread: O_RDONLY|O_NONBLOCK, poll with
    /// short timeouts, resynchronising decode, reopen at end of stream. Commands go to a
    /// concurrent queue that the main thread drains; nothing read here is ever executed here.
    /// </summary>
    internal sealed class ReaderThread
    {
        const int SliceMs = 100;
        const int RetryMs = 250;
        const int IdleResyncMs = 100;

        readonly string path;
        readonly ConcurrentQueue<Command> commands;
        readonly Action onHello;
        long hellosSeen;
        readonly IncomingDecoder decoder = new IncomingDecoder();
        readonly ManualResetEvent stopSignal = new ManualResetEvent(false);
        readonly Thread thread;
        int fd = -1;
        // After an end of stream the old descriptor stays open until the new one is, so that
        // commands Neovim writes in between stay in the pipe instead of vanishing with it.
        int previous = -1;
        volatile bool stopping;

        public ReaderThread(string path, ConcurrentQueue<Command> commands, Action onHello)
        {
            this.path = path;
            this.commands = commands;
            this.onHello = onHello;
            thread = new Thread(Run) { Name = "NvimBridgeRead", IsBackground = true };
        }

        public void Start() { thread.Start(); }

        /// <summary>
        /// True while the read end is open: only then may the writer greet Neovim, so that a
        /// client that received hello can send commands at once.
        /// </summary>
        public bool Listening { get { return Volatile.Read(ref fd) >= 0; } }

        /// <summary>
        /// Signals the thread and joins for at most joinMs; false if it did not end. The thread
        /// closes its own descriptors as it ends, never the caller (a number closed here while the
        /// thread still uses it could be reused by Unity meanwhile).
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
                    if (fd < 0)
                    {
                        int openErrno;
                        fd = Posix.Open(path, Posix.O_RDONLY | Posix.O_NONBLOCK, out openErrno);
                        Posix.Close(Interlocked.Exchange(ref previous, -1));
                        if (fd < 0)
                        {
                            stopSignal.WaitOne(RetryMs);
                            continue;
                        }
                        gotBytes = false;
                    }
                    short events = Posix.Poll(fd, Posix.POLLIN, SliceMs);
                    if (events == 0)
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
                    int errno;
                    int n = Posix.Read(fd, buffer, 0, buffer.Length, out errno);
                    if (n > 0)
                    {
                        gotBytes = true;
                        resynced = false;
                        lastByte = Stopwatch.GetTimestamp();
                        decoder.Feed(buffer, 0, n);
                        Drain();
                        continue;
                    }
                    if (n < 0 && errno == Posix.EAGAIN) continue;
                    // End of stream (every writer closed) or an error: reopen to wait for the next writer.
                    decoder.Resync(true);
                    Drain();
                    previous = Interlocked.Exchange(ref fd, -1);
                    if (!gotBytes) stopSignal.WaitOne(SliceMs); // no busy loop where poll reports a hang-up at once
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
                CloseFd();
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

        /// <summary>Only ever called on the thread itself: the descriptors are its own.</summary>
        void CloseFd()
        {
            Posix.Close(Interlocked.Exchange(ref fd, -1));
            Posix.Close(Interlocked.Exchange(ref previous, -1));
        }
    }
}
