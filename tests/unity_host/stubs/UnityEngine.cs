// Stand-in for the parts of UnityEngine.dll that the package and the host's game code use,
// with Unity's signatures and threading: log callbacks run on the logging thread.
using System;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

[assembly: InternalsVisibleTo("UnityHost")]

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

    public static class Application
    {
        public delegate void LogCallback(string condition, string stackTrace, LogType type);

        public static event LogCallback logMessageReceivedThreaded;

        public static string unityVersion { get { return "2021.3.45f1"; } }

        /// <summary>Set by the host: &lt;project&gt;/Assets.</summary>
        public static string dataPath { get; internal set; }

        internal static void Raise(string condition, string stackTrace, LogType type)
        {
            var handler = logMessageReceivedThreaded;
            if (handler != null) handler(condition, stackTrace, type);
        }
    }

    public static class Debug
    {
        public static void Log(object message) { Emit(message, LogType.Log, "Log"); }

        public static void LogWarning(object message) { Emit(message, LogType.Warning, "LogWarning"); }

        public static void LogError(object message) { Emit(message, LogType.Error, "LogError"); }

        public static void LogAssertion(object message) { Emit(message, LogType.Assert, "LogAssertion"); }

        public static void LogException(Exception exception)
        {
            string trace = exception.StackTrace != null
                ? UnityStackTrace.Format(new StackTrace(exception, true), null)
                : UnityStackTrace.Format(new StackTrace(1, true), "LogException (System.Exception)");
            Application.Raise(exception.GetType().Name + ": " + exception.Message, trace, LogType.Exception);
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
            string project = Application.dataPath != null ? Path.GetDirectoryName(Application.dataPath) + "/" : null;
            foreach (var frame in trace.GetFrames() ?? new StackFrame[0])
            {
                MethodBase method = frame.GetMethod();
                if (method == null || method.DeclaringType == null) continue;
                sb.Append(method.DeclaringType.FullName.Replace('+', '/')).Append(':').Append(method.Name).Append(" (");
                var parameters = method.GetParameters();
                for (int i = 0; i < parameters.Length; i++)
                    sb.Append(i > 0 ? "," : "").Append(TypeName(parameters[i].ParameterType));
                sb.Append(')');
                string file = frame.GetFileName();
                if (file != null)
                {
                    if (project != null && file.StartsWith(project, StringComparison.Ordinal)) file = file.Substring(project.Length);
                    sb.Append(" (at ").Append(file).Append(':').Append(frame.GetFileLineNumber()).Append(')');
                }
                sb.Append('\n');
            }
            return sb.ToString();
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
