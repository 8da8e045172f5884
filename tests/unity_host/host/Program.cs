// The stand-in Unity editor process: keeps the state Unity keeps in native memory
// (SessionState) in the default AppDomain, runs each "script domain" in a child AppDomain and
// performs domain reloads as real AppDomain unloads, as the Mono-based Unity editor does (where
// the runtime has AppDomains: Mono, .NET Framework; on .NET Core, one domain and no reload).
using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using UnityEditor;
using UnityEngine;

namespace UnityHost
{
    static class Program
    {
        const int UnloadWatchdogMs = 20000;

        static int Main(string[] args)
        {
            if (args.Length != 1)
            {
                Console.Error.WriteLine("usage: mono UnityHost.exe PROJECT_DIR   (stdin: 'quit' or end of input quits)");
                return 2;
            }
            string project = Path.GetFullPath(args[0]);
            Directory.CreateDirectory(Path.Combine(project, "Assets"));
            NativeEditor native;
            try
            {
                native = new NativeEditor(Environment.GetEnvironmentVariable("UNITY_HOST_VERSION") ?? "2021.3",
                    Environment.GetEnvironmentVariable("UNITY_HOST_WORKER") == "1",
                    Environment.GetEnvironmentVariable("UNITY_HOST_BATCHMODE") == "1");
                native.Secondary = Environment.GetEnvironmentVariable("UNITY_HOST_SECONDARY") == "1";
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine("UNITY_HOST_VERSION: " + e.Message);
                return 2;
            }
            bool windows = Application.platform == RuntimePlatform.WindowsEditor;
            var control = new HostControl(Environment.GetEnvironmentVariable("UNITY_HOST_TEST") == "1", native.Worker || native.Secondary, native.BatchMode);
            var store = new SessionStore();
            Log("running as Unity " + native.UnityVersion + (native.Worker ? ", an asset import worker" : native.Secondary ? ", a secondary process"
                : native.BatchMode ? ", -batchmode" : "") + (windows ? ", on Windows" : ""));

            // Quit and reload requests arrive on stdin: run.sh turns SIGTERM/SIGINT into "quit" (Mono
            // has no SIGTERM handler of its own) and SIGHUP into "reload"; end of input means the
            // wrapper is gone. "open LINE COL FILE" is a double-click on an asset, for a test that
            // has no connection to send host.open through.
            new Thread(() =>
            {
                string line;
                while ((line = Console.In.ReadLine()) != null && line.Trim() != "quit")
                {
                    if (line.Trim() == "reload") control.RequestReload();
                    else if (line.StartsWith("open ", StringComparison.Ordinal)) control.RequestOpen(line.Substring(5));
                }
                control.RequestQuit();
            }) { IsBackground = true, Name = "HostStdin" }.Start();

            string baseDir = AppDomain.CurrentDomain.BaseDirectory;
#if NETCOREAPP
            return RunOneDomain(project, baseDir, control, store, native);
#else
            for (int generation = 1; ; generation++)
            {
                var clock = Stopwatch.StartNew();
                var domain = AppDomain.CreateDomain("Unity Script Domain " + generation, null,
                    new AppDomainSetup { ApplicationBase = baseDir });
                domain.SetData(SessionState.StoreSlot, store);
                domain.SetData(NativeEditor.Slot, native);
                var runner = (DomainRunner)domain.CreateInstanceAndUnwrap(typeof(DomainRunner).Assembly.FullName, typeof(DomainRunner).FullName);
                string outcome = runner.Run(project, baseDir, control, generation, clock.ElapsedMilliseconds);
                control.AfterShutdown(generation, outcome);
                Unload(domain, generation);
                if (outcome == DomainRunner.Quit)
                {
                    Log("quit after " + generation + " domain(s)");
                    return 0;
                }
            }
#endif
        }

#if NETCOREAPP
        /// <summary>
        /// .NET Core (what runs the host under wine) has no AppDomains: the one script domain runs
        /// in this one, and a reload ends the process where Unity would load the next domain, so
        /// that everything up to and through beforeAssemblyReload is still Unity's order.
        /// </summary>
        static int RunOneDomain(string project, string baseDir, HostControl control, SessionStore store, NativeEditor native)
        {
            Log("this runtime has no AppDomains: one script domain, and a reload ends the host");
            AppDomain.CurrentDomain.SetData(SessionState.StoreSlot, store);
            AppDomain.CurrentDomain.SetData(NativeEditor.Slot, native);
            string outcome = new DomainRunner().Run(project, baseDir, control, 1, 0);
            control.AfterShutdown(1, outcome);
            Log(outcome == DomainRunner.Quit ? "quit after 1 domain(s)" : "domain 1 ended for a reload; no next domain on this runtime");
            return 0;
        }
#else
        /// <summary>Unloads under a watchdog: a thread stuck in native code would hang it for ever.</summary>
        static void Unload(AppDomain domain, int generation)
        {
            var done = new ManualResetEvent(false);
            new Thread(() =>
            {
                if (done.WaitOne(UnloadWatchdogMs)) return;
                Log("FAILED: AppDomain.Unload of domain " + generation + " hung for " + UnloadWatchdogMs + " ms");
                Environment.Exit(4);
            }) { IsBackground = true, Name = "HostWatchdog" }.Start();
            var clock = Stopwatch.StartNew();
            AppDomain.Unload(domain);
            done.Set();
            Log("domain " + generation + " unloaded in " + clock.ElapsedMilliseconds + " ms");
        }
#endif

        public static void Log(string line)
        {
            Console.Error.WriteLine("[host] " + line);
        }
    }
}
