using System;
using System.Collections.Generic;
using System.Threading;

namespace UnityHost
{
    /// <summary>
    /// Lives in the default AppDomain; the script domain calls it through remoting. Carries the
    /// quit request and, in test mode (UNITY_HOST_TEST=1), asserts around each shutdown that the
    /// bridge leaves nothing behind that could hang a real Unity domain unload.
    /// </summary>
    public sealed class HostControl : MarshalByRefObject
    {
        static readonly string[] BridgeThreads = { "NvimBridgeWrite", "NvimBridgeRead" };
        const int ExitGraceMs = 1000;

        readonly bool testMode;
        readonly bool noBridge;
        readonly bool batchMode;
        volatile bool quit;
        int reload;
        readonly Queue<string> opens = new Queue<string>();

        /// <param name="noBridge">an import worker or a secondary process: no bridge thread may ever run</param>
        /// <param name="batchMode">a -batchmode editor: the bridge may stay inactive</param>
        public HostControl(bool testMode, bool noBridge, bool batchMode)
        {
            if (testMode && !ProcessProbe.Available) Program.Log("no /proc here: the thread and descriptor checks are skipped");
            this.testMode = testMode && ProcessProbe.Available;
            this.noBridge = noBridge;
            this.batchMode = batchMode;
        }

        public override object InitializeLifetimeService() { return null; }

        public bool QuitRequested { get { return quit; } }

        public void RequestQuit() { quit = true; }

        /// <summary>A script reload asked for from outside (SIGHUP), as a refresh would start one; taken once.</summary>
        public bool TakeReloadRequest() { return Interlocked.Exchange(ref reload, 0) == 1; }

        public void RequestReload() { Interlocked.Exchange(ref reload, 1); }

        /// <summary>A double-click on an asset, asked for from outside: "LINE COL FILE".</summary>
        public void RequestOpen(string request) { lock (opens) opens.Enqueue(request); }

        /// <summary>The oldest open request not yet taken, or null.</summary>
        public string TakeOpenRequest() { lock (opens) return opens.Count > 0 ? opens.Dequeue() : null; }

        /// <summary>Called just before beforeAssemblyReload/quitting: the threads must be visible (none where no bridge may run), or the later check proves nothing.</summary>
        public void BeforeShutdown(int generation)
        {
            if (!testMode) return;
            var running = ProcessProbe.ThreadsNamed(BridgeThreads);
            if (noBridge && running.Count > 0)
                Fail("domain " + generation + ": bridge threads run where none may (an import worker, a secondary process): [" + string.Join(", ", running) + "]");
            if (!noBridge && running.Count != BridgeThreads.Length && !(batchMode && running.Count == 0))
                Fail("domain " + generation + ": before shutdown the bridge threads should run, /proc shows [" + string.Join(", ", running) + "]");
        }

        /// <summary>Called after beforeAssemblyReload (or quitting) returned, before the unload.</summary>
        public void AfterShutdown(int generation, string outcome)
        {
            if (!testMode) return;
            // Thread.Join returns once Mono has detached the thread and signalled its handle; the
            // OS thread leaves /proc a moment later. What an unload would wait for is a thread still
            // there after that moment, so a thread is given ExitGraceMs to go.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var threads = ProcessProbe.ThreadsNamed(BridgeThreads);
            bool lingered = threads.Count > 0;
            while (threads.Count > 0 && clock.ElapsedMilliseconds < ExitGraceMs)
            {
                Thread.Sleep(5);
                threads = ProcessProbe.ThreadsNamed(BridgeThreads);
            }
            if (lingered)
                Program.Log("domain " + generation + " (" + outcome + "): a joined bridge thread took " + clock.ElapsedMilliseconds + " ms to leave /proc");
            var fds = ProcessProbe.DescriptorsUnder("/Temp/NeovimBridge/");
            if (threads.Count > 0 || fds.Count > 0)
                Fail("domain " + generation + " (" + outcome + "): after shutdown threads [" + string.Join(", ", threads)
                    + "] and descriptors [" + string.Join(", ", fds) + "] are left");
            Program.Log("domain " + generation + " (" + outcome + "): checked, no bridge thread and no FIFO descriptor left");
        }

        static void Fail(string message)
        {
            Program.Log("ASSERTION FAILED: " + message);
            Environment.Exit(3);
        }
    }
}
