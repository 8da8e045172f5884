using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using UnityEditor;
using UnityEditor.Compilation;
using UnityEngine;

namespace UnityHost
{
    /// <summary>
    /// Plays Unity's script compilation (EditorCompilation.TickCompilationPipeline and friends) with
    /// the real mcs over the project's assemblies (AssemblyGraph: Assembly-CSharp, -Editor, one per
    /// asmdef), one mcs run per assembly in dependency order, so that an error lands in the
    /// assembly Unity would report; an assembly whose references failed is not compiled, as in
    /// Unity. CompilationPipeline's events are raised on the main thread as Unity does
    /// (assemblyCompilationFinished per compiled assembly). Three kinds of build, as in Unity:
    /// - editor script compiles, requested by RequestScriptCompilation, run on a worker thread while
    ///   the editor loop ticks; a request during one cancels it; a good one is followed by a reload;
    /// - AssemblyBuilder builds (the builder is the events' context), polled every tick, no reload;
    /// - the script compile of BuildPipeline.BuildPlayer, synchronous, no reload;
    /// and the compile Unity runs when it opens a project, before the first script domain.
    /// An editor build copies into Library/ScriptAssemblies only the assemblies whose inputs
    /// changed (Bee copies an output only when it differs; mcs is not deterministic, so the
    /// inputs stand for the output) and raises assemblyCompilationFinished only for those and
    /// for the failed ones (InvokeAssemblyCompilationFinished, RequiresCallbackInvocation).
    /// Version differences (see README.md): whether isCompiling is still true inside
    /// compilationFinished, and whether a cancelled build raises compilationFinished.
    /// </summary>
    sealed class StandInCompiler
    {
        // Bee builds into its artifacts folder and then copies into Library/ScriptAssemblies: a failed
        // copy fails the build without a compiler message for any assembly.
        const string EditorStaging = "Library/Bee/artifacts/";

        // Unity's own pattern for compiler output lines; mcs also prints file-less errors.
        static readonly Regex Line = new Regex(
            @"^(?:(?<file>.+)\((?<line>\d+),(?<column>\d+)\):\s*)?(?<type>warning|error|info)\s*(?<id>[^:]*):\s*(?<message>.*)$");

        /// <summary>One assembly of a build: its mcs arguments, where it goes, what mcs said.</summary>
        sealed class Unit
        {
            public string Staging;
            public string Output;
            public string Arguments;
            public string[] References = new string[0]; // names of units built before it
            public readonly List<CompilerMessage> Messages = new List<CompilerMessage>();
            public string[] Sources = new string[0];
            public string Inputs; // a hash of what this build read: arguments, sources, references' inputs
            public bool Compiled;
            public int ExitCode;

            public bool Failed { get { return !Compiled || ExitCode != 0 || Messages.Exists(m => m.type == CompilerMessageType.Error); } }
        }

        /// <summary>One build on a worker thread: its assemblies in dependency order.</summary>
        sealed class Job
        {
            public object Context;
            public Thread Worker;
            public Process Process;
            public List<Unit> Units;
            public volatile bool Cancelled;

            public int MessageCount { get { int n = 0; foreach (var u in Units) n += u.Messages.Count; return n; } }
        }

        readonly string project;
        readonly string baseDir;
        readonly NativeEditor native = NativeEditor.Current;
        readonly AssemblyGraph graph;
        readonly List<KeyValuePair<AssemblyBuilder, Job>> builders = new List<KeyValuePair<AssemblyBuilder, Job>>();
        // UNITY_HOST_COMPILE_MS: the least time an editor or builder compile takes (Unity's take seconds;
        // mcs on a small project is quick), so that a test can act while one runs.
        readonly int leastMs;
        Job editor;
        bool requested;
        // EditorCompilation.m_ScriptsForEditorHaveBeenCompiledSinceLastDomainReload, which the
        // native reload follows; a domain's compiler starts with it false, as a reload clears it.
        bool compiledSinceReload;

        public StandInCompiler(string project, string baseDir)
        {
            this.project = project;
            this.baseDir = baseDir;
            int.TryParse(Environment.GetEnvironmentVariable("UNITY_HOST_COMPILE_MS") ?? "0", out leastMs);
            graph = new AssemblyGraph(project, baseDir, native);
            CompilationPipeline.assemblies = graph.Assemblies;
            UnityEditor.PackageManager.PackageInfo.find = graph.FindPackage;
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
                editor = Run(new object(), Units(AssembliesType.Editor, EditorStaging)); // the context stands for Unity's BeeScriptCompilationState
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
            var reported = new List<Unit>();
            bool failed = CopyChanged(job, reported);
            // 2021.3 sets the flag when an editor build starts; 2022.1 on only when an assembly was
            // copied or failed (EditorCompilation.cs: "Only set this flag if we actually changed any assemblies").
            if (!native.AtLeast(2022, 3) || reported.Count > 0) compiledSinceReload = true;
            // 6000 clears its build state before raising compilationFinished; 2021.3 and 2022.3 after.
            if (native.AtLeast(6000, 0)) editor = null;
            RaiseAssembliesFinished(reported);
            CompilationPipeline.RaiseFinished(job.Context);
            editor = null;
            // Native code learns the status only when the tick returns: scriptCompilationFailed follows.
            native.ScriptCompilationFailed = failed;
            bool reload = !failed && compiledSinceReload;
            Program.Log("compile finished: " + Summary(job) + (failed ? ", failed" : "") + (job.Cancelled ? ", cancelled" : "")
                + (failed || reload ? "" : ", no assembly changed: no reload"));
            return reload;
        }

        /// <summary>
        /// Unity compiles a project's scripts when it opens it, before any script domain exists:
        /// no script sees that build's events, and the first domain loads what it built.
        /// </summary>
        public void CompileOnOpen()
        {
            var job = Run(new object(), Units(AssembliesType.Editor, EditorStaging));
            job.Worker.Join();
            native.ScriptCompilationFailed = CopyChanged(job, new List<Unit>());
            Program.Log("compiled on open: " + Summary(job) + (native.ScriptCompilationFailed ? ", failed" : ""));
        }

        /// <summary>
        /// Bee's copy step of an editor build: each changed assembly (with its symbols, as Unity's
        /// .pdb) into Library/ScriptAssemblies, none when the build failed. Fills `reported` with
        /// the assemblies Unity raises assemblyCompilationFinished for; true when the build failed.
        /// </summary>
        bool CopyChanged(Job job, List<Unit> reported)
        {
            if (job.Cancelled) return true; // a cancelled build reports no assembly
            bool failed = job.Units.Exists(u => u.Failed);
            foreach (var u in job.Units)
            {
                if (!u.Compiled) continue;
                bool changed = Changed(u);
                if (u.Failed || changed) reported.Add(u);
                if (failed || !changed) continue;
                if (Copy(u.Staging, u.Output) && Copy(u.Staging + ".mdb", u.Output + ".mdb")) Remember(u);
                else failed = true;
            }
            return failed;
        }

        string InputsRecord(Unit unit)
        {
            return Path.Combine(project, "Library/Bee/copied", Path.GetFileName(unit.Output) + ".inputs");
        }

        bool Changed(Unit unit)
        {
            string record = InputsRecord(unit);
            return !File.Exists(Path.Combine(project, unit.Output)) || !File.Exists(record) || File.ReadAllText(record) != unit.Inputs;
        }

        void Remember(Unit unit)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(InputsRecord(unit)));
            File.WriteAllText(InputsRecord(unit), unit.Inputs);
        }

        bool StartBuilder(AssemblyBuilder builder)
        {
            if (editor != null || builders.Count > 0) return false; // AssemblyBuilder.Build refuses while anything compiles
            var unit = new Unit
            {
                Staging = builder.assemblyPath,
                Output = builder.assemblyPath,
                Arguments = "-r:\"" + Path.Combine(baseDir, "UnityEngine.dll") + "\" " + string.Join(" ", Quote(builder.scriptPaths)),
            };
            builders.Add(new KeyValuePair<AssemblyBuilder, Job>(builder, Run(builder, new List<Unit> { unit })));
            return true;
        }

        void PollBuilders()
        {
            for (int i = builders.Count - 1; i >= 0; i--)
            {
                if (builders[i].Value.Worker.IsAlive) continue;
                var done = builders[i];
                builders.RemoveAt(i);
                done.Key.RaiseFinished(done.Value.Units[0].Messages.ToArray());
                Program.Log("assembly builder finished: " + done.Value.MessageCount + " message(s)");
            }
        }

        void CompilePlayerScripts(string location)
        {
            var job = Run(new object(), Units(AssembliesType.PlayerWithoutTestAssemblies, null));
            CompilationPipeline.RaiseStarted(job.Context);
            job.Worker.Join();
            RaiseAssembliesFinished(job.Units.FindAll(u => u.Compiled));
            CompilationPipeline.RaiseFinished(job.Context);
            Program.Log("player scripts compiled for " + location + ": " + job.MessageCount + " message(s)");
        }

        static void RaiseAssembliesFinished(List<Unit> units)
        {
            foreach (var u in units) CompilationPipeline.RaiseAssemblyFinished(u.Output, u.Messages.ToArray());
        }

        static string Summary(Job job)
        {
            var parts = new List<string>();
            foreach (var u in job.Units)
                parts.Add(Path.GetFileNameWithoutExtension(u.Output) + (u.Compiled ? " exit " + u.ExitCode : " not compiled"));
            return (parts.Count == 0 ? "no assembly" : string.Join(", ", parts)) + ", " + job.MessageCount + " message(s)";
        }

        /// <summary>
        /// The assemblies of a build as mcs runs: exactly what GetAssemblies says (defines, unsafe,
        /// compiled references, the references' fresh builds); staging null: built in place.
        /// </summary>
        List<Unit> Units(AssembliesType type, string staging)
        {
            var units = new List<Unit>();
            var stagingOf = new Dictionary<string, string>();
            foreach (var a in CompilationPipeline.GetAssemblies(type))
            {
                string built = staging == null ? a.outputPath : staging + Path.GetFileName(a.outputPath);
                stagingOf[a.name] = built;
                // Unity compiles with optimisation in Release and without in Debug: switching changes every assembly.
                var args = new List<string> { "-nostdlib", "-noconfig", CompilationPipeline.codeOptimization == CodeOptimization.Release ? "-optimize+" : "-optimize-" };
                if (a.defines.Length > 0) args.Add("-define:" + string.Join(";", a.defines));
                if (a.compilerOptions.AllowUnsafeCode) args.Add("-unsafe");
                foreach (var r in a.compiledAssemblyReferences) args.Add("-r:\"" + r + "\"");
                args.AddRange(ResponseFileArguments(a));
                var references = new List<string>();
                var sources = new List<string>();
                foreach (var r in a.assemblyReferences)
                {
                    args.Add("-r:\"" + stagingOf[r.name] + "\"");
                    references.Add(r.name);
                }
                foreach (var source in a.sourceFiles)
                {
                    string path = graph.Physical(source);
                    sources.Add(path);
                    args.Add("\"" + (path.StartsWith(project + "/", StringComparison.Ordinal) ? path.Substring(project.Length + 1) : path) + "\"");
                }
                units.Add(new Unit { Staging = built, Output = a.outputPath, Arguments = string.Join(" ", args), References = references.ToArray(), Sources = sources.ToArray() });
            }
            return units;
        }

        /// <summary>
        /// What Unity's compiler takes from the assembly's csc.rsp (it passes the file to csc):
        /// defines, references, unsafe. Other options (-nullable, -langversion:9, analyzers) are
        /// Roslyn's and mcs would refuse them, so the stand-in leaves them to the project files.
        /// </summary>
        IEnumerable<string> ResponseFileArguments(Assembly a)
        {
            var system = CompilationPipeline.GetSystemAssemblyDirectories(a.compilerOptions.ApiCompatibilityLevel);
            foreach (var rsp in a.compilerOptions.ResponseFiles)
            {
                var data = CompilationPipeline.ParseResponseFile(rsp, project, system);
                if (data.Defines.Length > 0) yield return "-define:" + string.Join(";", data.Defines);
                if (data.Unsafe) yield return "-unsafe";
                foreach (var r in data.FullPathReferences) yield return "-r:\"" + r + "\"";
            }
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
                // Its debug symbols too, as Unity's build has them: stack traces of tests and logs name file and line.
                if (File.Exists(source + ".mdb")) File.WriteAllBytes(Path.Combine(project, to) + ".mdb", File.ReadAllBytes(source + ".mdb"));
                return true;
            }
            catch (Exception e)
            {
                Program.Log("copying " + from + " failed: " + e.Message);
                return false;
            }
        }

        Job Run(object context, List<Unit> units)
        {
            var job = new Job { Context = context, Units = units };
            job.Worker = new Thread(() => Compile(job)) { IsBackground = true, Name = "HostCompiler" };
            job.Worker.Start();
            return job;
        }

        void Compile(Job job)
        {
            var clock = Stopwatch.StartNew();
            while (clock.ElapsedMilliseconds < leastMs && !job.Cancelled) Thread.Sleep(10);
            var failed = new HashSet<string>();
            var inputs = new Dictionary<string, string>();
            foreach (var unit in job.Units)
            {
                if (job.Cancelled) return;
                string name = Path.GetFileNameWithoutExtension(unit.Output);
                unit.Inputs = Inputs(unit, inputs);
                inputs[name] = unit.Inputs;
                if (Array.Exists(unit.References, failed.Contains) || !Compile(job, unit)) failed.Add(name);
            }
        }

        /// <summary>What Bee's dependency check reads: the arguments, each source's content, and the inputs of the assemblies referenced (built before it).</summary>
        static string Inputs(Unit unit, Dictionary<string, string> built)
        {
            var text = new StringBuilder(unit.Arguments);
            using (var md5 = MD5.Create())
            {
                foreach (var source in unit.Sources)
                {
                    byte[] bytes;
                    try
                    {
                        bytes = File.ReadAllBytes(source);
                    }
                    catch (IOException)
                    {
                        bytes = new byte[0]; // gone meanwhile: mcs reports it
                    }
                    text.Append('\n').Append(BitConverter.ToString(md5.ComputeHash(bytes)));
                }
                foreach (var r in unit.References)
                {
                    string other;
                    text.Append('\n').Append(built.TryGetValue(r, out other) ? other : r);
                }
                return BitConverter.ToString(md5.ComputeHash(Encoding.UTF8.GetBytes(text.ToString())));
            }
        }

        /// <summary>One mcs run; false when the assembly failed or was not built.</summary>
        bool Compile(Job job, Unit unit)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(project, unit.Staging)));
            var start = new ProcessStartInfo("mcs", "-target:library -langversion:7 -debug -out:\"" + unit.Staging + "\" " + unit.Arguments)
            {
                WorkingDirectory = project,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using (var process = new Process { StartInfo = start })
            {
                DataReceivedEventHandler collect = (sender, e) => { if (e.Data != null) Parse(unit, e.Data); };
                process.OutputDataReceived += collect;
                process.ErrorDataReceived += collect;
                lock (job)
                {
                    if (job.Cancelled) return false;
                    process.Start();
                    job.Process = process;
                }
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                process.WaitForExit(); // without a timeout this also waits for the output to be read
                lock (job) job.Process = null;
                unit.ExitCode = process.ExitCode;
                unit.Compiled = true;
                return !unit.Failed;
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

        static void Parse(Unit unit, string text)
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
            lock (unit.Messages) unit.Messages.Add(message);
        }
    }
}
