using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading;
using UnityEditor;
using UnityEditor.Compilation;
using UnityEngine;

namespace UnityHost
{
    /// <summary>
    /// Plays Unity's script compilation (EditorCompilation.TickCompilationPipeline and friends) with
    /// the real mcs over &lt;project&gt;/Assets/**/*.cs, raising CompilationPipeline's events on the
    /// main thread as Unity does. Three kinds of build, as in Unity:
    /// - editor script compiles, requested by RequestScriptCompilation, run on a worker thread while
    ///   the editor loop ticks; a request during one cancels it; a good one is followed by a reload;
    /// - AssemblyBuilder builds (the builder is the events' context), polled every tick, no reload;
    /// - the script compile of BuildPipeline.BuildPlayer, synchronous, no reload.
    /// Version differences (see README.md): whether isCompiling is still true inside
    /// compilationFinished, and whether a cancelled build raises compilationFinished.
    /// </summary>
    sealed class StandInCompiler
    {
        const string EditorOutput = "Library/ScriptAssemblies/Assembly-CSharp.dll";
        // Bee builds into its artifacts folder and then copies into Library/ScriptAssemblies: a failed
        // copy fails the build without a compiler message for any assembly.
        const string EditorStaging = "Library/Bee/artifacts/Assembly-CSharp.dll";
        const string PlayerOutput = "Library/PlayerScriptAssemblies/Assembly-CSharp.dll";

        // Unity's own pattern for compiler output lines; mcs also prints file-less errors.
        static readonly Regex Line = new Regex(
            @"^(?:(?<file>.+)\((?<line>\d+),(?<column>\d+)\):\s*)?(?<type>warning|error|info)\s*(?<id>[^:]*):\s*(?<message>.*)$");

        /// <summary>One mcs run on a worker thread.</summary>
        sealed class Job
        {
            public object Context;
            public Thread Worker;
            public Process Process;
            public readonly List<CompilerMessage> Messages = new List<CompilerMessage>();
            public int ExitCode;
            public volatile bool Cancelled;
        }

        readonly string project;
        readonly string baseDir;
        readonly NativeEditor native = NativeEditor.Current;
        readonly List<KeyValuePair<AssemblyBuilder, Job>> builders = new List<KeyValuePair<AssemblyBuilder, Job>>();
        // UNITY_HOST_COMPILE_MS: the least time an editor or builder compile takes (Unity's take seconds;
        // mcs on a small project is quick), so that a test can act while one runs.
        readonly int leastMs;
        Job editor;
        bool requested;

        public StandInCompiler(string project, string baseDir)
        {
            this.project = project;
            this.baseDir = baseDir;
            int.TryParse(Environment.GetEnvironmentVariable("UNITY_HOST_COMPILE_MS") ?? "0", out leastMs);
            CompilationPipeline.requestCompilation = Request;
            CompilationPipeline.compiling = () => editor != null || requested || builders.Count > 0;
            AssemblyBuilder.start = StartBuilder;
            BuildPipeline.compilePlayerScripts = CompilePlayerScripts;
        }

        /// <summary>EditorCompilation.RequestScriptCompilation: marks a compile as due and cancels the running build.</summary>
        void Request()
        {
            requested = true;
            if (editor != null && !editor.Cancelled)
            {
                editor.Cancelled = true;
                Kill(editor);
                Program.Log("compile cancelled by a new request");
            }
        }

        /// <summary>One pipeline tick; true when an editor script compile just succeeded (Unity reloads next).</summary>
        public bool Tick()
        {
            PollBuilders();
            if (editor == null)
            {
                if (!requested) return false;
                requested = false;
                editor = Run(new object(), AssetScripts(), EditorStaging); // the context stands for Unity's BeeScriptCompilationState
                CompilationPipeline.RaiseStarted(editor.Context);
                return false;
            }
            if (editor.Worker.IsAlive) return false;
            var job = editor;
            if (job.Cancelled && native.AtLeast(2022, 3))
            {
                editor = null; // a cancelled build raises no compilationFinished from 2022.3
                return false;
            }
            bool failed = job.Cancelled || job.ExitCode != 0 || job.Messages.Exists(m => m.type == CompilerMessageType.Error);
            if (!failed && !(Copy(EditorStaging, EditorOutput) && Copy(EditorStaging + ".mdb", EditorOutput + ".mdb"))) failed = true; // with its symbols, as Unity's .pdb
            var messages = job.Cancelled ? new CompilerMessage[0] : job.Messages.ToArray();
            // 6000 clears its build state before raising compilationFinished; 2021.3 and 2022.3 after.
            if (native.AtLeast(6000, 0)) editor = null;
            CompilationPipeline.RaiseAssemblyFinished(EditorOutput, messages);
            CompilationPipeline.RaiseFinished(job.Context);
            editor = null;
            // Native code learns the status only when the tick returns: scriptCompilationFailed follows.
            native.ScriptCompilationFailed = failed;
            Program.Log("compile finished: exit " + job.ExitCode + ", " + messages.Length + " message(s)" + (failed ? ", failed" : "") + (job.Cancelled ? ", cancelled" : ""));
            return !failed;
        }

        bool StartBuilder(AssemblyBuilder builder)
        {
            if (editor != null || builders.Count > 0) return false; // AssemblyBuilder.Build refuses while anything compiles
            builders.Add(new KeyValuePair<AssemblyBuilder, Job>(builder, Run(builder, Quote(builder.scriptPaths), builder.assemblyPath)));
            return true;
        }

        void PollBuilders()
        {
            for (int i = builders.Count - 1; i >= 0; i--)
            {
                if (builders[i].Value.Worker.IsAlive) continue;
                var done = builders[i];
                builders.RemoveAt(i);
                done.Key.RaiseFinished(done.Value.Messages.ToArray());
                Program.Log("assembly builder finished: " + done.Value.Messages.Count + " message(s)");
            }
        }

        void CompilePlayerScripts(string location)
        {
            var job = Run(new object(), AssetScripts(), PlayerOutput);
            CompilationPipeline.RaiseStarted(job.Context);
            job.Worker.Join();
            CompilationPipeline.RaiseAssemblyFinished(PlayerOutput, job.Messages.ToArray());
            CompilationPipeline.RaiseFinished(job.Context);
            Program.Log("player scripts compiled for " + location + ": " + job.Messages.Count + " message(s)");
        }

        List<string> AssetScripts()
        {
            var files = new List<string>();
            foreach (var path in Directory.GetFiles(Path.Combine(project, "Assets"), "*.cs", SearchOption.AllDirectories))
                files.Add(path.Substring(project.Length + 1));
            files.Sort(StringComparer.Ordinal);
            return Quote(files.ToArray());
        }

        static List<string> Quote(string[] paths)
        {
            var quoted = new List<string>();
            foreach (var p in paths) quoted.Add("\"" + p + "\"");
            return quoted;
        }

        bool Copy(string from, string to)
        {
            string source = Path.Combine(project, from);
            if (!File.Exists(source)) return true; // nothing was built (no scripts)
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(project, to)));
                File.WriteAllBytes(Path.Combine(project, to), File.ReadAllBytes(source)); // Mono's File.Copy copies into a directory
                return true;
            }
            catch (Exception e)
            {
                Program.Log("copying " + from + " failed: " + e.Message);
                return false;
            }
        }

        Job Run(object context, List<string> files, string output)
        {
            var job = new Job { Context = context };
            job.Worker = new Thread(() => Compile(job, files, output)) { IsBackground = true, Name = "HostCompiler" };
            job.Worker.Start();
            return job;
        }

        void Compile(Job job, List<string> files, string output)
        {
            var clock = Stopwatch.StartNew();
            while (clock.ElapsedMilliseconds < leastMs && !job.Cancelled) Thread.Sleep(10);
            if (files.Count == 0) return; // nothing to build, as in an empty Unity project
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(project, output)));
            var start = new ProcessStartInfo("mcs",
                "-target:library -langversion:7 -debug -out:\"" + output + "\" -r:\"" + Path.Combine(baseDir, "UnityEngine.dll") + "\" " + string.Join(" ", files))
            {
                WorkingDirectory = project,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using (var process = new Process { StartInfo = start })
            {
                DataReceivedEventHandler collect = (sender, e) => { if (e.Data != null) Parse(job, e.Data); };
                process.OutputDataReceived += collect;
                process.ErrorDataReceived += collect;
                lock (job)
                {
                    if (job.Cancelled) return;
                    process.Start();
                    job.Process = process;
                }
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                process.WaitForExit(); // without a timeout this also waits for the output to be read
                lock (job) job.Process = null;
                job.ExitCode = process.ExitCode;
            }
        }

        static void Kill(Job job)
        {
            lock (job)
            {
                try
                {
                    if (job.Process != null) job.Process.Kill();
                }
                catch (Exception)
                {
                    // it ended meanwhile: nothing to cancel
                }
            }
        }

        static void Parse(Job job, string text)
        {
            var m = Line.Match(text.Trim());
            if (!m.Success) return;
            var type = m.Groups["type"].Value == "error" ? CompilerMessageType.Error
                : m.Groups["type"].Value == "warning" ? CompilerMessageType.Warning : CompilerMessageType.Info;
            var message = new CompilerMessage
            {
                file = m.Groups["file"].Value,
                line = m.Groups["line"].Success ? int.Parse(m.Groups["line"].Value) : 0,
                column = m.Groups["column"].Success ? int.Parse(m.Groups["column"].Value) : 0,
                type = type,
                message = text.Trim(), // Unity keeps the whole compiler line as the message
            };
            lock (job.Messages) job.Messages.Add(message);
        }
    }
}
