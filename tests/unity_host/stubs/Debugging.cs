// Stand-in for the editor's managed debugger switches, with Unity's signatures:
// UnityCsReference Editor/Mono/Scripting/ManagedDebugger.bindings.cs (ManagedDebugger.isEnabled,
// native: whether the editor's debugger agent listens, set by Preferences > External Tools >
// Editor Attaching, the EditorPrefs "AllowAttachedDebuggingOfEditor", read at start-up) and
// Editor/Mono/Scripting/ScriptCompilation/CompilationPipeline.cs (codeOptimization: native
// IsScriptDebugInfoEnabled, started from the EditorPrefs "ScriptDebugInfoEnabled", Preferences'
// "Code Optimization On Startup"; setting it recompiles the scripts, and a good compile reloads).
// tests/unity_host/run.sh starts Mono's debugger agent from the same preference.
using System;

namespace UnityEditor.Compilation
{
    public enum CodeOptimization
    {
        None = 0,
        Debug = 1,
        Release = 2,
    }

    public static partial class CompilationPipeline
    {
        // Native state: survives domain reloads, so it lives in the host's session store.
        const string DebugInfoKey = "native:ScriptDebugInfoEnabled";

        public static event Action<CodeOptimization> codeOptimizationChanged;

        public static CodeOptimization codeOptimization
        {
            get
            {
                string session = SessionState.GetString(DebugInfoKey, null);
                bool enabled = session != null ? session == "1" : EditorPrefs.GetBool("ScriptDebugInfoEnabled", false);
                return enabled ? CodeOptimization.Debug : CodeOptimization.Release;
            }
            set
            {
                if (value == codeOptimization) return;
                if (value != CodeOptimization.Debug && value != CodeOptimization.Release)
                    throw new ArgumentException(string.Format("Invalid argument {0} provided.", value.ToString()));
                // Enable/DisableScriptDebugInfo (native): store the mode, tell listeners, recompile.
                SessionState.SetString(DebugInfoKey, value == CodeOptimization.Debug ? "1" : "0");
                var handler = codeOptimizationChanged;
                if (handler != null) handler(value);
                RequestScriptCompilation();
            }
        }
    }
}

namespace UnityEditor.Scripting
{
    public sealed class ManagedDebugger
    {
        public static bool isEnabled
        {
            get { return EditorPrefs.GetBool("AllowAttachedDebuggingOfEditor", true); }
        }
    }
}
