// Stand-in for the parts of UnityEditor.dll that the package and the host use, with Unity's
// signatures. Events are raised by the host's editor loop on the main (driver) thread. The
// members marked internal are the host's controls (InternalsVisibleTo), not Unity API.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using UnityEditor.Compilation;
using UnityEngine;

[assembly: InternalsVisibleTo("UnityHost")]

namespace UnityEditor
{
    [AttributeUsage(AttributeTargets.Class)]
    public class InitializeOnLoadAttribute : Attribute
    {
    }

    public enum PlayModeStateChange
    {
        EnteredEditMode,
        ExitingEditMode,
        EnteredPlayMode,
        ExitingPlayMode,
    }

    public enum PauseState
    {
        Paused,
        Unpaused,
    }

    public static class EditorApplication
    {
        public delegate void CallbackFunction();

        // A public field in Unity too, not an event.
        public static CallbackFunction update;

        public static event Action<PlayModeStateChange> playModeStateChanged;
        public static event Action<PauseState> pauseStateChanged;
        public static event Action quitting;

        static bool wantPlaying = Native.Playing;

        static NativeEditor Native { get { return NativeEditor.Current; } }

        public static bool isPlaying
        {
            get { return Native.Playing; }
            set { wantPlaying = value; }
        }

        /// <summary>In play mode or about to enter it; false while leaving it (EditorApplication.bindings.cs).</summary>
        public static bool isPlayingOrWillChangePlaymode { get { return wantPlaying; } }

        public static bool isPaused
        {
            get { return Native.Paused; }
            set
            {
                if (Native.Paused == value) return;
                Native.Paused = value;
                var handler = pauseStateChanged;
                if (handler != null) handler(value ? PauseState.Paused : PauseState.Unpaused);
            }
        }

        /// <summary>EditorCompilation.IsCompiling: a build runs, is requested, or an AssemblyBuilder compiles.</summary>
        public static bool isCompiling { get { return CompilationPipeline.compiling != null && CompilationPipeline.compiling(); } }

        // Like Unity, the switch happens on a later editor tick, not inside the call.
        public static void EnterPlaymode() { wantPlaying = true; }

        public static void ExitPlaymode() { wantPlaying = false; }

        public static void Step()
        {
            if (Native.Playing) isPaused = true;
        }

        /// <summary>
        /// One editor loop iteration: a pending play mode switch, then update. Entering play mode
        /// reloads the script domain first unless Enter Play Mode Options disable it: the old
        /// domain sees ExitingEditMode, the new one EnteredPlayMode on its first tick.
        /// </summary>
        internal static void Tick()
        {
            if (Native.EnteringPlayMode)
            {
                Native.EnteringPlayMode = false;
                Native.Playing = wantPlaying = true;
                RaisePlayMode(PlayModeStateChange.EnteredPlayMode);
            }
            else if (wantPlaying != Native.Playing)
            {
                RaisePlayMode(Native.Playing ? PlayModeStateChange.ExitingPlayMode : PlayModeStateChange.ExitingEditMode);
                if (Native.Playing) isPaused = false;
                if (!Native.Playing && EditorSettings.ReloadsDomainOnPlay)
                {
                    Native.EnteringPlayMode = true;
                    EditorUtility.RequestScriptReload();
                    return; // the reload comes before any further update
                }
                Native.Playing = wantPlaying;
                RaisePlayMode(Native.Playing ? PlayModeStateChange.EnteredPlayMode : PlayModeStateChange.EnteredEditMode);
            }
            var u = update;
            if (u != null) u();
        }

        static void RaisePlayMode(PlayModeStateChange change)
        {
            var handler = playModeStateChanged;
            if (handler != null) handler(change);
        }

        internal static void RaiseQuitting()
        {
            var handler = quitting;
            if (handler != null) handler();
        }
    }

    [Flags]
    public enum EnterPlayModeOptions
    {
        None = 0,
        DisableDomainReload = 1 << 0,
        DisableSceneReload = 1 << 1,
    }

    /// <summary>Project settings: kept natively, so they survive domain reloads.</summary>
    public static class EditorSettings
    {
        public static bool enterPlayModeOptionsEnabled
        {
            get { return NativeEditor.Current.EnterPlayModeOptionsEnabled; }
            set { NativeEditor.Current.EnterPlayModeOptionsEnabled = value; }
        }

        public static EnterPlayModeOptions enterPlayModeOptions
        {
            get { return (EnterPlayModeOptions)NativeEditor.Current.EnterPlayModeOptions; }
            set { NativeEditor.Current.EnterPlayModeOptions = (int)value; }
        }

        internal static bool ReloadsDomainOnPlay
        {
            get { return !enterPlayModeOptionsEnabled || (enterPlayModeOptions & EnterPlayModeOptions.DisableDomainReload) == 0; }
        }
    }

    public static class AssetDatabase
    {
        /// <summary>The host's asset pipeline (host/ScriptChanges.cs): what a refresh imports.</summary>
        internal static Action refresh;

        public static void Refresh() { refresh(); }

        public static bool IsAssetImportWorkerProcess() { return NativeEditor.Current.Worker; }
    }

    public static class EditorUtility
    {
        internal static bool reloadRequested;

        public static void RequestScriptReload() { reloadRequested = true; }

        /// <summary>Native HaveEditorCompileErrors: set from the status of the last editor script compile.</summary>
        public static bool scriptCompilationFailed { get { return NativeEditor.Current.ScriptCompilationFailed; } }
    }

    public static class AssemblyReloadEvents
    {
        public delegate void AssemblyReloadCallback();

        public static event AssemblyReloadCallback beforeAssemblyReload;

        internal static void RaiseBeforeReload()
        {
            var handler = beforeAssemblyReload;
            if (handler != null) handler();
        }
    }

    public enum BuildTarget
    {
        StandaloneLinux64 = 24,
        StandaloneOSX = 2,
    }

    public struct BuildPlayerOptions
    {
        public string[] scenes { get; set; }
        public string locationPathName { get; set; }
        public BuildTarget target { get; set; }
    }

    public static class BuildPipeline
    {
        /// <summary>The host's player script compile (synchronous, on the main thread, as in a player build).</summary>
        internal static Action<string> compilePlayerScripts;

        public static bool isBuildingPlayer { get; private set; }

        /// <summary>Only the script compile of a build: it raises CompilationPipeline's events, and reloads nothing.</summary>
        public static Build.Reporting.BuildReport BuildPlayer(BuildPlayerOptions options)
        {
            isBuildingPlayer = true;
            try
            {
                compilePlayerScripts(options.locationPathName);
            }
            finally
            {
                isBuildingPlayer = false;
            }
            return new Build.Reporting.BuildReport();
        }
    }

    /// <summary>
    /// Unity keeps SessionState in native memory, so it survives domain reloads: here it lives
    /// in the host's default AppDomain and is reached through remoting.
    /// </summary>
    public static class SessionState
    {
        internal const string StoreSlot = "UnityEditor.SessionStore";

        static SessionStore Store { get { return (SessionStore)AppDomain.CurrentDomain.GetData(StoreSlot); } }

        public static void SetString(string key, string value) { Store.Set(key, value); }

        public static string GetString(string key, string defaultValue) { return Store.Get(key) ?? defaultValue; }

        public static void EraseString(string key) { Store.Erase(key); }

        public static void SetInt(string key, int value) { Store.Set("int:" + key, value.ToString()); }

        public static int GetInt(string key, int defaultValue)
        {
            string s = Store.Get("int:" + key);
            return s != null ? int.Parse(s) : defaultValue;
        }

        public static void EraseInt(string key) { Store.Erase("int:" + key); }

        public static void SetBool(string key, bool value) { Store.Set("bool:" + key, value ? "1" : "0"); }

        public static bool GetBool(string key, bool defaultValue)
        {
            string s = Store.Get("bool:" + key);
            return s != null ? s == "1" : defaultValue;
        }

        public static void EraseBool(string key) { Store.Erase("bool:" + key); }
    }

    /// <summary>
    /// Unity keeps EditorPrefs per user, across editor sessions: here they share the host's native
    /// store (so they survive domain reloads), and a key never set reads the environment variable
    /// UNITY_HOST_PREF_&lt;key with . as _&gt; (the user's earlier choice, say kScriptsDefaultApp).
    /// </summary>
    public static class EditorPrefs
    {
        static SessionStore Store { get { return (SessionStore)AppDomain.CurrentDomain.GetData(SessionState.StoreSlot); } }

        static string Get(string key) { return Store.Get("prefs:" + key) ?? Environment.GetEnvironmentVariable("UNITY_HOST_PREF_" + key.Replace('.', '_')); }

        public static bool HasKey(string key) { return Get(key) != null; }

        public static void DeleteKey(string key) { Store.Erase("prefs:" + key); }

        public static void SetString(string key, string value) { Store.Set("prefs:" + key, value); }

        public static string GetString(string key, string defaultValue = "") { return Get(key) ?? defaultValue; }

        public static void SetInt(string key, int value) { SetString(key, value.ToString()); }

        public static int GetInt(string key, int defaultValue = 0)
        {
            int value;
            return int.TryParse(Get(key), out value) ? value : defaultValue;
        }

        public static void SetBool(string key, bool value) { SetInt(key, value ? 1 : 0); }

        public static bool GetBool(string key, bool defaultValue = false) { return GetInt(key, defaultValue ? 1 : 0) != 0; }
    }

    internal sealed class SessionStore : MarshalByRefObject
    {
        readonly Dictionary<string, string> values = new Dictionary<string, string>();

        public override object InitializeLifetimeService() { return null; } // lives as long as the host

        public void Set(string key, string value) { lock (values) values[key] = value; }

        public string Get(string key)
        {
            string value;
            lock (values) return values.TryGetValue(key, out value) ? value : null;
        }

        public void Erase(string key) { lock (values) values.Remove(key); }
    }
}

namespace UnityEditor.Compilation
{
    public enum CompilerMessageType
    {
        Error = 0,
        Warning = 1,
        Info = 2,
    }

    public struct CompilerMessage
    {
        public string message;
        public string file;
        public int line;
        public int column;
        public CompilerMessageType type;
    }

    public static partial class CompilationPipeline
    {
        public static event Action<object> compilationStarted;
        public static event Action<string, CompilerMessage[]> assemblyCompilationFinished;
        public static event Action<object> compilationFinished;

        /// <summary>The host's compiler: a request (which cancels a running build) and whether anything compiles.</summary>
        internal static Action requestCompilation;
        internal static Func<bool> compiling;

        public static void RequestScriptCompilation() { requestCompilation(); }

        internal static void RaiseStarted(object context)
        {
            var handler = compilationStarted;
            if (handler != null) handler(context);
        }

        internal static void RaiseAssemblyFinished(string path, CompilerMessage[] messages)
        {
            var handler = assemblyCompilationFinished;
            if (handler != null) handler(path, messages);
        }

        internal static void RaiseFinished(object context)
        {
            var handler = compilationFinished;
            if (handler != null) handler(context);
        }
    }

    public enum AssemblyBuilderStatus
    {
        NotStarted = 0,
        IsCompiling = 1,
        Finished = 2,
    }

    /// <summary>Builds one assembly from scripts; raises CompilationPipeline's events with itself as the context.</summary>
    public class AssemblyBuilder
    {
        /// <summary>The host's compiler: starts the build, false when a compile already runs.</summary>
        internal static Func<AssemblyBuilder, bool> start;

        public event Action<string> buildStarted;
        public event Action<string, CompilerMessage[]> buildFinished;

        public AssemblyBuilder(string assemblyPath, params string[] scriptPaths)
        {
            this.assemblyPath = assemblyPath;
            this.scriptPaths = scriptPaths;
        }

        public string[] scriptPaths { get; private set; }
        public string assemblyPath { get; private set; }
        public AssemblyBuilderStatus status { get; internal set; }

        public bool Build()
        {
            if (status != AssemblyBuilderStatus.NotStarted)
                throw new Exception("Cannot start AssemblyBuilder with status " + status + ". Expected NotStarted");
            if (!start(this)) return false;
            status = AssemblyBuilderStatus.IsCompiling;
            var handler = buildStarted;
            if (handler != null) handler(assemblyPath);
            CompilationPipeline.RaiseStarted(this);
            return true;
        }

        internal void RaiseFinished(CompilerMessage[] messages)
        {
            status = AssemblyBuilderStatus.Finished;
            CompilationPipeline.RaiseAssemblyFinished(assemblyPath, messages);
            CompilationPipeline.RaiseFinished(this);
            var handler = buildFinished;
            if (handler != null) handler(assemblyPath, messages);
        }
    }
}

namespace UnityEditor.Build.Reporting
{
    public class BuildReport
    {
    }
}

namespace UnityEditor
{
    // Editor/Mono/AssetPostprocessor.cs: the base class whose static OnGenerated*/OnPreGenerating*
    // methods project generators find through TypeCache (nothing else of it is modelled).
    public class AssetPostprocessor
    {
    }

    // Editor/Mono/TypeCache.cs, TypeCache.bindings.cs: Unity's is a native index of the loaded
    // script assemblies; here a scan of this script domain. TypeCollection is an IList<Type> in
    // Unity: only its enumeration, Count and indexer are modelled.
    public static partial class TypeCache
    {
        public struct TypeCollection : IEnumerable<Type>
        {
            readonly List<Type> types;

            internal TypeCollection(List<Type> types) { this.types = types; }

            public int Count { get { return types.Count; } }

            public Type this[int index] { get { return types[index]; } }

            public IEnumerator<Type> GetEnumerator() { return types.GetEnumerator(); }

            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() { return GetEnumerator(); }
        }

        public static TypeCollection GetTypesDerivedFrom<T>() { return GetTypesDerivedFrom(typeof(T)); }

        public static TypeCollection GetTypesDerivedFrom(Type parentType)
        {
            var found = new List<Type>();
            foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
            {
                Type[] types;
                try { types = assembly.GetTypes(); }
                catch (System.Reflection.ReflectionTypeLoadException e) { types = e.Types; }
                foreach (var t in types)
                    if (t != null && t != parentType && parentType.IsAssignableFrom(t)) found.Add(t);
            }
            return new TypeCollection(found);
        }
    }
}

// Modules/UMPE/Editor/UMPE.bindings.cs (2021.3, 2022.3, 6000.0): secondary editor processes
// (the standalone Profiler) run [InitializeOnLoad] code on the same project.
namespace UnityEditor.MPE
{
    public enum ProcessLevel
    {
        Undefined = 0,
        Main = 1,
        Secondary = 2,
    }

    public class ProcessService
    {
        public static ProcessLevel level { get { return UnityEngine.NativeEditor.Current.Secondary ? ProcessLevel.Secondary : ProcessLevel.Main; } }
    }
}
