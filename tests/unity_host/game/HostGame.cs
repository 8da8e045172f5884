// The host's "game code": what a Unity project would add. It registers commands through the
// package's public API only, and logs through UnityEngine.Debug like any game script.
using System;
using System.Collections.Generic;
using System.Threading;
using UnityEditor;
using Unity.CodeEditor;
using UnityEngine;
using UnityNvim;

[InitializeOnLoad]
public static class HostGame
{
    static long ticks;
    static readonly List<Thread> loggers = new List<Thread>();

    static HostGame()
    {
        EditorApplication.update += () => ticks++;
        NeovimBridge.Register("host.log", Log);
        NeovimBridge.Register("host.join", Join);
        NeovimBridge.Register("host.ticks", args => new Dictionary<string, object> { { "ticks", ticks }, { "logging", Alive() } });
        NeovimBridge.Register("host.reload", args => { EditorUtility.RequestScriptReload(); return true; });
        NeovimBridge.Register("host.throw", args => { throw new InvalidOperationException("host.throw failed on purpose"); });
        NeovimBridge.Register("host.unregister", args => NeovimBridge.Unregister(Arg(args, "name", "")));
        NeovimBridge.Register("host.register", Reregister);
        NeovimBridge.Register("host.assemblybuilder", BuildAssembly);
        NeovimBridge.Register("host.open", Open);
        NeovimBridge.Register("host.codeeditor", args => new Dictionary<string, object>
        {
            { "editor", CodeEditor.CurrentEditor.GetType().Name },
            { "installation", CodeEditor.Editor.CurrentInstallation.Name },
            { "chosen", EditorPrefs.HasKey("kScriptsDefaultApp") },
        });
        NeovimBridge.Register("host.installations", args =>
        {
            // Preferences > External Tools' list of editors: {path = name}.
            var found = new Dictionary<string, object>();
            foreach (var pair in CodeEditor.Editor.GetFoundScriptEditorPaths()) found[pair.Key] = pair.Value;
            return found;
        });
        NeovimBridge.Register("host.sync", Sync);
        NeovimBridge.Register("host.syncifneeded", SyncIfNeeded);
        NeovimBridge.Register("host.preferences", Preferences);
        NeovimBridge.Register("host.assemblies", Assemblies);
        NeovimBridge.Register("host.buildplayer", args =>
        {
            BuildPipeline.BuildPlayer(new BuildPlayerOptions { locationPathName = "Builds/Game", target = BuildTarget.StandaloneLinux64 });
            return true;
        });
        NeovimBridge.Register("host.testrunnerwindow", TestRunnerWindow);
        NeovimBridge.Register("host.playmodeoptions", args =>
        {
            // Enter Play Mode Options with domain reload off, or back to Unity's default (reload).
            bool reload = Arg(args, "reload", true);
            EditorSettings.enterPlayModeOptionsEnabled = !reload;
            EditorSettings.enterPlayModeOptions = reload ? EnterPlayModeOptions.None : EnterPlayModeOptions.DisableDomainReload;
            return reload;
        });
    }

    /// <summary>
    /// {action = "run" (with names?), "cancel" or "running"}: what a user does in Unity's Test
    /// Runner window (the stand-in Test Framework's TestRunnerWindow, found by name: the project
    /// may have no Test Framework).
    /// </summary>
    static object TestRunnerWindow(IDictionary<string, object> args)
    {
        string action = Arg(args, "action", "");
        var names = Strings(args, "names");
        object[] given = action == "run" ? new object[] { names.Length > 0 ? names : null } : null;
        string method = action == "run" ? "Run" : action == "cancel" ? "Cancel" : action == "running" ? "Running" : null;
        if (method == null) throw new ArgumentException("action must be \"run\", \"cancel\" or \"running\", not '" + action + "'");
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            var window = assembly.GetType("UnityEditor.TestTools.TestRunner.StandIn.TestRunnerWindow");
            if (window == null) continue;
            try
            {
                return window.GetMethod(method).Invoke(null, given);
            }
            catch (System.Reflection.TargetInvocationException e)
            {
                throw e.InnerException;
            }
        }
        throw new InvalidOperationException("this project has no Test Framework (UNITY_HOST_TEST_FRAMEWORK=none)");
    }

    /// <summary>
    /// {scripts, output}: builds the scripts (paths relative to the project) into output with an
    /// AssemblyBuilder, as editor tools do; logs "assembly built: N messages" when it is done.
    /// </summary>
    static object BuildAssembly(IDictionary<string, object> args)
    {
        var builder = new UnityEditor.Compilation.AssemblyBuilder(Arg(args, "output", "Library/Tools/Tool.dll"), Strings(args, "scripts"));
        builder.buildFinished += (path, messages) => Debug.Log("assembly built: " + messages.Length + " messages");
        return builder.Build();
    }

    /// <summary>
    /// {file, line, col}: what a double-click on a console entry or script does. Unity's native
    /// side calls CodeEditor.OpenProject, which asks Editor.CurrentCodeEditor: the editor that
    /// claimed the kScriptsDefaultApp path (EditorPrefs). Returns what OpenProject returned.
    /// </summary>
    static object Open(IDictionary<string, object> args)
    {
        return CodeEditor.CurrentEditor.OpenProject(Arg(args, "file", ""), (int)Arg(args, "line", -1L), (int)Arg(args, "col", -1L));
    }

    /// <summary>
    /// What Assets > Open C# Project does: the current editor's SyncAll. Returns {ms} it took and
    /// {assemblies_ms}, what a GetAssemblies call alone takes (the host computes it from the files;
    /// Unity keeps it in memory).
    /// </summary>
    static object Sync(IDictionary<string, object> args)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        UnityEditor.Compilation.CompilationPipeline.GetAssemblies();
        double assemblies = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        CodeEditor.CurrentEditor.SyncAll();
        return new Dictionary<string, object> { { "ms", clock.Elapsed.TotalMilliseconds }, { "assemblies_ms", assemblies } };
    }

    /// <summary>
    /// {added, deleted, moved, movedFrom, imported}: what Unity's asset pipeline tells the current
    /// editor after an import (paths relative to the project). Returns the ms it took.
    /// </summary>
    static object SyncIfNeeded(IDictionary<string, object> args)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        CodeEditor.CurrentEditor.SyncIfNeeded(Strings(args, "added"), Strings(args, "deleted"), Strings(args, "moved"),
            Strings(args, "movedFrom"), Strings(args, "imported"));
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>
    /// {answers = {label = value}}: draws the current editor's settings in Preferences, the user
    /// answering those controls (a text, a toggle, true for a button clicked); returns the labels drawn.
    /// </summary>
    static object Preferences(IDictionary<string, object> args)
    {
        object answers;
        ImmediateGUI.Answers.Clear();
        ImmediateGUI.Drawn.Clear();
        if (args.TryGetValue("answers", out answers) && answers is IDictionary<string, object>)
            foreach (var pair in (IDictionary<string, object>)answers) ImmediateGUI.Answers[pair.Key] = pair.Value;
        CodeEditor.CurrentEditor.OnGUI();
        ImmediateGUI.Answers.Clear();
        return new List<object>(ImmediateGUI.Drawn.ConvertAll(label => (object)label));
    }

    /// <summary>
    /// {type = "Editor"|"Player"|"PlayerWithoutTestAssemblies"}: CompilationPipeline.GetAssemblies
    /// as data (outputPath tells where the stand-in compiler puts each one).
    /// </summary>
    static object Assemblies(IDictionary<string, object> args)
    {
        var type = (UnityEditor.Compilation.AssembliesType)Enum.Parse(typeof(UnityEditor.Compilation.AssembliesType), Arg(args, "type", "Editor"));
        var list = new List<object>();
        foreach (var a in UnityEditor.Compilation.CompilationPipeline.GetAssemblies(type))
            list.Add(new Dictionary<string, object>
            {
                { "name", a.name },
                { "outputPath", a.outputPath },
                { "sourceFiles", a.sourceFiles },
                { "defines", a.defines },
                { "assemblyReferences", Array.ConvertAll(a.assemblyReferences, r => r.name) },
                { "compiledAssemblyReferences", a.compiledAssemblyReferences },
                { "flags", (int)a.flags },
                { "allowUnsafeCode", a.compilerOptions.AllowUnsafeCode },
                { "rootNamespace", a.rootNamespace },
                { "rulesetPath", a.compilerOptions.RoslynAnalyzerRulesetPath },
            });
        return list;
    }

    static string[] Strings(IDictionary<string, object> args, string key)
    {
        var list = new List<string>();
        object listed;
        if (args.TryGetValue(key, out listed) && listed is List<object>)
            foreach (var s in (List<object>)listed) list.Add((string)s);
        return list.ToArray();
    }

    /// <summary>
    /// {level, message, count, threads, interval_ms}: logs count messages "message t#i"; with
    /// threads > 0 each of that many threads logs count messages and the reply comes at once.
    /// </summary>
    static object Log(IDictionary<string, object> args)
    {
        string level = Arg(args, "level", "log");
        string message = Arg(args, "message", "host");
        long count = Arg(args, "count", 1L);
        long threads = Arg(args, "threads", 0L);
        long interval = Arg(args, "interval_ms", 0L);
        Action<string> emit = Emitter(level);
        if (threads == 0)
        {
            for (long i = 0; i < count; i++) emit(message + " t0#" + i);
            return count;
        }
        lock (loggers)
        {
            for (long t = 1; t <= threads; t++)
            {
                string prefix = message + " t" + t + "#";
                var thread = new Thread(() =>
                {
                    for (long i = 0; i < count; i++)
                    {
                        emit(prefix + i);
                        if (interval > 0) Thread.Sleep((int)interval);
                    }
                }) { IsBackground = true, Name = "GameLogger" + t };
                loggers.Add(thread);
                thread.Start();
            }
        }
        return threads * count;
    }

    /// <summary>{name}: registers a handler under name; returns "registered" or the exception's message.</summary>
    static object Reregister(IDictionary<string, object> args)
    {
        try
        {
            NeovimBridge.Register(Arg(args, "name", ""), a => "late handler");
            return "registered";
        }
        catch (ArgumentException e)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    /// <summary>Blocks the main thread until the logging threads are done (at most timeout_ms).</summary>
    static object Join(IDictionary<string, object> args)
    {
        long timeout = Arg(args, "timeout_ms", 20000L);
        var deadline = DateTime.UtcNow.AddMilliseconds(timeout);
        lock (loggers)
        {
            foreach (var t in loggers)
                t.Join(TimeSpan.FromTicks(Math.Max(0, (deadline - DateTime.UtcNow).Ticks)));
            loggers.RemoveAll(t => !t.IsAlive);
            // Also on the host's output, for a test that has no reader open to see the reply.
            Console.Error.WriteLine("[game] host.join: " + (loggers.Count == 0 ? "every logger finished" : loggers.Count + " still logging"));
            return loggers.Count == 0;
        }
    }

    static int Alive()
    {
        lock (loggers) return loggers.FindAll(t => t.IsAlive).Count;
    }

    static Action<string> Emitter(string level)
    {
        switch (level)
        {
            case "warning": return m => Debug.LogWarning(m);
            case "error": return m => Debug.LogError(m);
            case "exception": return m => Debug.LogException(new InvalidOperationException(m));
            case "assert": return m => Debug.LogAssertion(m);
            case "log": return m => Debug.Log(m);
            default: throw new ArgumentException("unknown level '" + level + "'");
        }
    }

    internal static T Arg<T>(IDictionary<string, object> args, string key, T fallback)
    {
        object value;
        if (!args.TryGetValue(key, out value) || value == null) return fallback;
        return (T)Convert.ChangeType(value, typeof(T));
    }
}
