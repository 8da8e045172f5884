using System;
using System.Collections.Generic;
using UnityEditor;
using UnityEditor.Compilation;

namespace UnityNvim
{
    /// <summary>
    /// Built-in and registered commands (doc/protocol.md section 5). Run on the main thread only;
    /// a command is a name looked up in a table, never code to evaluate.
    /// </summary>
    internal static class Commands
    {
        static readonly Dictionary<string, Func<IDictionary<string, object>, object>> BuiltIns =
            new Dictionary<string, Func<IDictionary<string, object>, object>>
            {
                { "compile", args => RequestCompile() },
                { "refresh", args => Refresh.Start() },
                { "play", args => { EditorApplication.EnterPlaymode(); return StateMap(); } },
                { "stop", args => { EditorApplication.ExitPlaymode(); return StateMap(); } },
                { "pause", args => { EditorApplication.isPaused = !EditorApplication.isPaused; return StateMap(); } },
                { "step", args => { EditorApplication.Step(); return StateMap(); } },
                { "state", args => StateMap() },
                { "sync", args => new Dictionary<string, object> { { "files", ProjectGeneration.SyncAll() } } },
                { "optimization", Debugging.SetOptimization },
            };

        /// <summary>Set by the bridge: whether an editor script compile is running.</summary>
        internal static Func<bool> CompileRunning = () => false;

        static readonly object Gate = new object();
        static readonly Dictionary<string, Func<IDictionary<string, object>, object>> Registered =
            new Dictionary<string, Func<IDictionary<string, object>, object>>();

        public static void Register(string name, Func<IDictionary<string, object>, object> handler)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("a command needs a name", "name");
            if (handler == null) throw new ArgumentNullException("handler");
            if (BuiltIns.ContainsKey(name)) throw new ArgumentException("'" + name + "' is a built-in command and cannot be replaced", "name");
            lock (Gate) Registered[name] = handler;
        }

        public static bool Unregister(string name)
        {
            if (name == null) return false;
            lock (Gate) return Registered.Remove(name);
        }

        /// <summary>
        /// Refreshes assets and requests a compile, or joins the compile that runs: Unity's
        /// RequestScriptCompilation would cancel it, and from 2022.3 a cancelled build reports
        /// nothing. The joined build read the scripts when it began, so a refresh follows its end.
        /// </summary>
        static object RequestCompile()
        {
            if (CompileRunning())
            {
                Refresh.AfterCompile();
            }
            else
            {
                AssetDatabase.Refresh();
                CompilationPipeline.RequestScriptCompilation();
            }
            return new Dictionary<string, object> { { "requested", true } };
        }

        /// <summary>The editor state as sent in `state` frames and command results.</summary>
        public static Dictionary<string, object> StateMap()
        {
            return new Dictionary<string, object>
            {
                { "playing", EditorApplication.isPlaying },
                { "paused", EditorApplication.isPaused },
                { "compiling", EditorApplication.isCompiling },
                { "optimization", Debugging.Optimization },
            };
        }

        /// <summary>Runs one command and returns its reply frame, or null when the handler returned a DeferredReply (it answers later); exactly one reply per command.</summary>
        public static byte[] Run(Command command)
        {
            Func<IDictionary<string, object>, object> handler;
            if (!BuiltIns.TryGetValue(command.Name, out handler))
                lock (Gate) Registered.TryGetValue(command.Name, out handler);
            if (handler == null && TestsFallback.Covers(command.Name))
                return Outgoing.Reply(command.Id, false, TestsFallback.Error, null);
            if (handler == null)
                return Outgoing.Reply(command.Id, false, "no command named '" + command.Name + "' is registered in Unity", null);
            object result;
            try
            {
                DeferredReply.Running = command;
                result = handler(command.Args);
            }
            catch (Exception e)
            {
                return Outgoing.Reply(command.Id, false, e.Message, null);
            }
            finally
            {
                DeferredReply.Running = null;
            }
            if (result is DeferredReply) return null;
            return Outgoing.Reply(command.Id, true, null, result);
        }
    }
}
