using System;
using System.Diagnostics;
using UnityEditor;
using Debug = UnityEngine.Debug;

namespace UnityNvim
{
    /// <summary>
    /// A Neovim started from the launch template, from its start until it says hello: a
    /// double-click meanwhile waits for it instead of starting another (the last one is sent
    /// once it is up), and a launcher that fails after it started (a terminal that exits with
    /// an error, a refused macOS automation prompt) is reported. Polled on the main thread.
    /// </summary>
    internal static class LaunchWatch
    {
        const string Tag = "[Neovim Bridge] ";
        /// <summary>Long enough for a first start and for a user answering macOS's automation prompt; after it a double-click starts another Neovim.</summary>
        static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

        static Process process;
        static string program;
        static bool exited;
        static int hellosBefore;
        static DateTime started;
        static byte[] waiting;

        /// <summary>True while a launched Neovim has not said hello yet.</summary>
        public static bool Starting { get { return program != null; } }

        public static void Watch(Process launched, string name)
        {
            Stop();
            process = launched;
            program = name;
            exited = false;
            hellosBefore = NeovimBridge.HellosHeard;
            started = DateTime.UtcNow;
            EditorApplication.update += Tick;
            NeovimBridge.NeovimHello += Connected;
        }

        /// <summary>An open request made while starting: the latest one goes to that Neovim when it is up.</summary>
        public static void Wait(byte[] open)
        {
            waiting = open;
        }

        static void Connected()
        {
            // A hello read before the launch is raised after the command that launched, in the
            // same update: it is not this Neovim's.
            if (NeovimBridge.HellosRaised == hellosBefore) return;
            if (waiting != null) NeovimBridge.Send(waiting);
            Stop();
        }

        static void Tick()
        {
            if (program == null) return; // stopped earlier in this same update (a hello)
            // null: ShellExecuteEx (Windows) handed the file to a process already running.
            if (!exited && process != null && process.HasExited)
            {
                exited = true;
                int code = process.ExitCode;
                if (code != 0)
                {
                    Debug.LogWarning(Tag + Failed(program, code));
                    Stop();
                    return;
                }
                // 0: a terminal that handed the window to its running instance; Neovim may still come.
            }
            if (DateTime.UtcNow - started > StartLimit)
            {
                if (waiting != null)
                    Debug.LogWarning(Tag + "the Neovim started with '" + program + "' did not connect within "
                        + StartLimit.TotalSeconds + " s, so a file opened meanwhile was not shown; open it again"
                        + " (unity.nvim connects when Neovim starts in the project folder).");
                Stop();
            }
        }

        static string Failed(string name, int code)
        {
            string text = "starting Neovim failed: '" + name + "' exited with code " + code + " before Neovim connected.";
            if (name.EndsWith("osascript", StringComparison.Ordinal))
                return text + " If macOS asked whether Unity may control Terminal and that was refused, allow it in"
                    + " System Settings > Privacy & Security > Automation, then open the file again.";
            return text + " Run the launch command in a terminal to see why, or change it in"
                + " Preferences > External Tools > Launch command.";
        }

        static void Stop()
        {
            if (program == null) return;
            EditorApplication.update -= Tick;
            NeovimBridge.NeovimHello -= Connected;
            if (process != null) process.Dispose();
            process = null;
            program = null;
            waiting = null;
        }
    }
}
