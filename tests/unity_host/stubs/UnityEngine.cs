// Stand-in for the parts of UnityEngine.dll that the package and the host's game code use,
// with Unity's signatures and threading: log callbacks run on the logging thread.
using System;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

[assembly: InternalsVisibleTo("UnityHost")]
[assembly: InternalsVisibleTo("UnityEditor")]

namespace UnityEngine
{
    public enum LogType
    {
        Error = 0,
        Assert = 1,
        Warning = 2,
        Log = 3,
        Exception = 4,
    }

    // Runtime/Export/RuntimePlatform.cs (the editors' values and their players').
    public enum RuntimePlatform
    {
        OSXEditor = 0,
        OSXPlayer = 1,
        WindowsPlayer = 2,
        WindowsEditor = 7,
        LinuxPlayer = 13,
        LinuxEditor = 16,
    }

    public static class Application
    {
        public delegate void LogCallback(string condition, string stackTrace, LogType type);

        public static event LogCallback logMessageReceivedThreaded;

        static readonly bool EditorLog = Environment.GetEnvironmentVariable("UNITY_HOST_EDITOR_LOG") == "1";

        public static string unityVersion { get { return NativeEditor.Current.UnityVersion; } }

        /// <summary>The editor's OS: this machine's, or UNITY_HOST_PLATFORM (windows, osx, linux) to play another.</summary>
        public static RuntimePlatform platform
        {
            get
            {
                switch (Environment.GetEnvironmentVariable("UNITY_HOST_PLATFORM"))
                {
                    case "windows": return RuntimePlatform.WindowsEditor;
                    case "osx": return RuntimePlatform.OSXEditor;
                    case "linux": return RuntimePlatform.LinuxEditor;
                    default:
                        switch (Environment.OSVersion.Platform)
                        {
                            case PlatformID.Win32NT: return RuntimePlatform.WindowsEditor;
                            case PlatformID.MacOSX: return RuntimePlatform.OSXEditor;
                            default: return RuntimePlatform.LinuxEditor;
                        }
                }
            }
        }

        /// <summary>True when the editor was started with -batchmode (import workers are).</summary>
        public static bool isBatchMode { get { return NativeEditor.Current.BatchMode; } }

        /// <summary>Set by the host: &lt;project&gt;/Assets.</summary>
        public static string dataPath { get; internal set; }

        internal static void Raise(string condition, string stackTrace, LogType type)
        {
            // Unity also writes every console message to Editor.log; UNITY_HOST_EDITOR_LOG=1 does that on stderr.
            if (EditorLog) Console.Error.WriteLine("[console] " + type + ": " + condition);
            var handler = logMessageReceivedThreaded;
            if (handler != null) handler(condition, stackTrace, type);
        }
    }

    /// <summary>
    /// What the Unity editor keeps in native memory, outside every script domain: the version it
    /// runs as, how it was started, play mode, compile failure, project settings. Lives in the
    /// host's default AppDomain (reached through remoting), so it survives domain reloads.
    /// </summary>
    internal sealed class NativeEditor : MarshalByRefObject
    {
        internal const string Slot = "UnityEngine.NativeEditor";

        public override object InitializeLifetimeService() { return null; } // lives as long as the host

        internal static NativeEditor Current { get { return (NativeEditor)AppDomain.CurrentDomain.GetData(Slot); } }

        /// <param name="version">"2021.3", "2022.3" or "6000.0": the behaviour the host models</param>
        public NativeEditor(string version, bool worker, bool batchMode)
        {
            switch (version)
            {
                case "2021.3": UnityVersion = "2021.3.45f1"; break;
                case "2022.3": UnityVersion = "2022.3.62f1"; break;
                case "6000.0": UnityVersion = "6000.0.58f2"; break;
                default: throw new ArgumentException("unknown Unity version '" + version + "' (2021.3, 2022.3 or 6000.0)");
            }
            Major = int.Parse(version.Split('.')[0]) * 10 + int.Parse(version.Split('.')[1]);
            Worker = worker;
            BatchMode = batchMode || worker; // workers are started with -batchmode
        }

        public string UnityVersion { get; private set; }

        /// <summary>20213, 20223 or 60000: compare with AtLeast.</summary>
        int Major { get; set; }

        public bool AtLeast(int year, int minor) { return Major >= year * 10 + minor; }

        public bool Worker { get; private set; }
        /// <summary>A secondary editor process (UnityEditor.MPE), as the standalone Profiler is.</summary>
        public bool Secondary { get; set; }
        public bool BatchMode { get; private set; }
        public bool Playing { get; set; }
        public bool Paused { get; set; }
        /// <summary>Set before the domain reload that entering play mode causes; the new domain enters play mode.</summary>
        public bool EnteringPlayMode { get; set; }
        public bool ScriptCompilationFailed { get; set; }
        public bool EnterPlayModeOptionsEnabled { get; set; }
        public int EnterPlayModeOptions { get; set; }
    }

    public static class Debug
    {
        public static void Log(object message) { Emit(message, LogType.Log, "Log"); }

        public static void LogWarning(object message) { Emit(message, LogType.Warning, "LogWarning"); }

        public static void LogError(object message) { Emit(message, LogType.Error, "LogError"); }

        public static void LogAssertion(object message) { Emit(message, LogType.Assert, "LogAssertion"); }

        public static void LogException(Exception exception)
        {
            if (exception.StackTrace == null)
            {
                Application.Raise(exception.GetType().Name + ": " + exception.Message,
                    UnityStackTrace.Format(new StackTrace(1, true), "LogException (System.Exception)"), LogType.Exception);
                return;
            }
            // A thrown exception: its own frames, then where it was logged (StackTraceUtility.ExtractStringFromExceptionInternal).
            string message;
            string trace = UnityStackTrace.FormatThrown(exception, out message);
            Application.Raise(message, trace + UnityStackTrace.Format(new StackTrace(1, true), "LogException (System.Exception)"), LogType.Exception);
        }

        static void Emit(object message, LogType type, string method)
        {
            // Skip Emit and the public Debug method: Unity's trace starts with "UnityEngine.Debug:Log (object)".
            string trace = UnityStackTrace.Format(new StackTrace(2, true), method + " (object)");
            Application.Raise(message == null ? "Null" : message.ToString(), trace, type);
        }
    }

    /// <summary>Unity's stack trace text: "Ns.Class:Method (args) (at Assets/File.cs:12)" per line.</summary>
    static class UnityStackTrace
    {
        public static string Format(StackTrace trace, string debugMethod)
        {
            var sb = new StringBuilder();
            if (debugMethod != null) sb.Append("UnityEngine.Debug:").Append(debugMethod).Append('\n');
            foreach (var frame in trace.GetFrames() ?? new StackFrame[0])
            {
                MethodBase method = frame.GetMethod();
                if (method == null || method.DeclaringType == null) continue;
                sb.Append(method.DeclaringType.FullName.Replace('+', '/')).Append(':').Append(method.Name).Append(" (");
                var parameters = method.GetParameters();
                for (int i = 0; i < parameters.Length; i++)
                    sb.Append(i > 0 ? "," : "").Append(TypeName(parameters[i].ParameterType));
                sb.Append(')');
                AppendLocation(sb, frame);
                sb.Append('\n');
            }
            return sb.ToString();
        }

        /// <summary>
        /// StackTraceUtility.ExtractStringFromExceptionInternal (Runtime/Export/Scripting/StackTrace.cs):
        /// the message of the innermost exception, and the frames of each exception, innermost
        /// first, an outer one introduced by "Rethrow as Type: message". Unity's native side
        /// rewrites Mono's "  at Ns.Class.Method (Type name) [0x0000b] in /path/File.cs:7" lines
        /// as "Ns.Class.Method (Type name) (at File.cs:7)", paths relative to the project.
        /// </summary>
        public static string FormatThrown(Exception exception, out string message)
        {
            string trace = "";
            message = "";
            for (var e = exception; e != null; e = e.InnerException)
            {
                string frames = ThrownFrames(e);
                trace = trace.Length == 0 ? frames : frames + trace;
                message = e.Message.Trim().Length == 0 ? e.GetType().Name : e.GetType().Name + ": " + e.Message;
                if (e.InnerException != null) trace = "Rethrow as " + message + "\n" + trace;
            }
            return trace;
        }

        static string ThrownFrames(Exception exception)
        {
            var sb = new StringBuilder();
            foreach (var frame in new StackTrace(exception, true).GetFrames() ?? new StackFrame[0])
            {
                MethodBase method = frame.GetMethod();
                if (method == null || method.DeclaringType == null) continue;
                sb.Append(method.DeclaringType.FullName.Replace('+', '.')).Append('.').Append(method.Name).Append(" (");
                var parameters = method.GetParameters();
                for (int i = 0; i < parameters.Length; i++)
                    sb.Append(i > 0 ? ", " : "").Append(parameters[i].ParameterType.ToString()).Append(' ').Append(parameters[i].Name);
                sb.Append(')');
                AppendLocation(sb, frame);
                sb.Append('\n');
            }
            return sb.ToString();
        }

        static void AppendLocation(StringBuilder sb, StackFrame frame)
        {
            string file = frame.GetFileName();
            if (file == null) return;
            string project = Application.dataPath != null ? Path.GetDirectoryName(Application.dataPath) + "/" : null;
            if (project != null && file.StartsWith(project, StringComparison.Ordinal)) file = file.Substring(project.Length);
            sb.Append(" (at ").Append(file).Append(':').Append(frame.GetFileLineNumber()).Append(')');
        }

        static string TypeName(Type type)
        {
            if (type == typeof(object)) return "object";
            if (type == typeof(string)) return "string";
            if (type == typeof(int)) return "int";
            if (type == typeof(long)) return "long";
            if (type == typeof(bool)) return "bool";
            if (type == typeof(float)) return "single";
            if (type == typeof(double)) return "double";
            return type.FullName ?? type.Name;
        }
    }
}
