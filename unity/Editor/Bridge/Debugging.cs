using System.Collections.Generic;
using UnityEditor.Compilation;
using UnityEditor.Scripting;

namespace UnityNvim
{
    /// <summary>
    /// What a debugger needs to attach to this editor (doc/protocol.md: `hello`, `state` and the
    /// `optimization` command): the endpoint, whether Editor Attaching is on, the code optimization.
    /// </summary>
    internal static class Debugging
    {
        /// <summary>The editor's agent listens on loopback only.</summary>
        public const string Address = "127.0.0.1";

        /// <summary>com.unity.ide.visualstudio's VisualStudioIntegration.DebuggingPort: every Unity debugger client derives the port so.</summary>
        public static int Port(int pid) { return 56000 + pid % 1000; }

        /// <summary>Preferences > External Tools > Editor Attaching: without it no agent listens (a change needs an editor restart).</summary>
        public static bool AttachingAllowed { get { return ManagedDebugger.isEnabled; } }

        /// <summary>"debug" or "release": a debugger stops at breakpoints only in Debug.</summary>
        public static string Optimization
        {
            get { return CompilationPipeline.codeOptimization == CodeOptimization.Debug ? "debug" : "release"; }
        }

        /// <summary>
        /// The `optimization` command: switches as the status bar's bug icon does; Unity then
        /// recompiles every script and reloads. `compiling` says whether that follows.
        /// </summary>
        public static object SetOptimization(IDictionary<string, object> args)
        {
            object value;
            string mode = args != null && args.TryGetValue("mode", out value) ? value as string : null;
            if (mode != "debug" && mode != "release")
                throw new System.ArgumentException("the optimization command takes mode = \"debug\" or \"release\"");
            bool change = mode != Optimization;
            if (change) CompilationPipeline.codeOptimization = mode == "debug" ? CodeOptimization.Debug : CodeOptimization.Release;
            return new Dictionary<string, object> { { "optimization", mode }, { "compiling", change } };
        }
    }
}
