// Stand-in for the parts of UnityEditor.dll that the package and the host use, with Unity's
// signatures. Events are raised by the host's editor loop on the main (driver) thread. The
// members marked internal are the host's controls (InternalsVisibleTo), not Unity API.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

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

        static bool playing;
        static bool paused;
        static bool wantPlaying;

        public static bool isPlaying
        {
            get { return playing; }
            set { wantPlaying = value; }
        }

        public static bool isPaused
        {
            get { return paused; }
            set
            {
                if (paused == value) return;
                paused = value;
                var handler = pauseStateChanged;
                if (handler != null) handler(value ? PauseState.Paused : PauseState.Unpaused);
            }
        }

        public static bool isCompiling { get; internal set; }

        // Like Unity, the switch happens on a later editor tick, not inside the call.
        public static void EnterPlaymode() { wantPlaying = true; }

        public static void ExitPlaymode() { wantPlaying = false; }

        public static void Step()
        {
            if (playing) isPaused = true;
        }

        /// <summary>One editor loop iteration: pending play mode switch, then update.</summary>
        internal static void Tick()
        {
            if (wantPlaying != playing)
            {
                RaisePlayMode(playing ? PlayModeStateChange.ExitingPlayMode : PlayModeStateChange.ExitingEditMode);
                if (playing) isPaused = false;
                playing = wantPlaying;
                RaisePlayMode(playing ? PlayModeStateChange.EnteredPlayMode : PlayModeStateChange.EnteredEditMode);
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

    public static class AssetDatabase
    {
        // The host has no asset pipeline: compilation is driven by CompilationPipeline only.
        public static void Refresh()
        {
        }
    }

    public static class EditorUtility
    {
        internal static bool reloadRequested;

        public static void RequestScriptReload() { reloadRequested = true; }
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

    public static class CompilationPipeline
    {
        public static event Action<object> compilationStarted;
        public static event Action<string, CompilerMessage[]> assemblyCompilationFinished;
        public static event Action<object> compilationFinished;

        internal static bool compileRequested;

        public static void RequestScriptCompilation() { compileRequested = true; }

        internal static void RaiseStarted(object context)
        {
            EditorApplication.isCompiling = true;
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
            EditorApplication.isCompiling = false;
            var handler = compilationFinished;
            if (handler != null) handler(context);
        }
    }
}
