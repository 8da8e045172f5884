using System;
using System.Collections.Generic;

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

        readonly bool testMode;
        volatile bool quit;

        public HostControl(bool testMode)
        {
            this.testMode = testMode;
        }

        public override object InitializeLifetimeService() { return null; }

        public bool QuitRequested { get { return quit; } }

        public void RequestQuit() { quit = true; }

        /// <summary>Called just before beforeAssemblyReload/quitting: the threads must be visible, or the later check proves nothing.</summary>
        public void BeforeShutdown(int generation)
        {
            if (!testMode) return;
            var running = ProcessProbe.ThreadsNamed(BridgeThreads);
            if (running.Count != BridgeThreads.Length)
                Fail("domain " + generation + ": before shutdown the bridge threads should run, /proc shows [" + string.Join(", ", running) + "]");
        }

        /// <summary>Called after beforeAssemblyReload (or quitting) returned, before the unload.</summary>
        public void AfterShutdown(int generation, string outcome)
        {
            if (!testMode) return;
            var threads = ProcessProbe.ThreadsNamed(BridgeThreads);
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
