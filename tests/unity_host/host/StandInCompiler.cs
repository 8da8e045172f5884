using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading;
using UnityEditor.Compilation;

namespace UnityHost
{
    /// <summary>
    /// Plays Unity's script compiler: when the package calls RequestScriptCompilation, runs the
    /// real mcs over &lt;project&gt;/Assets/**/*.cs against the stub UnityEngine.dll on a worker
    /// thread (the editor loop keeps ticking), and raises CompilationPipeline's events on the
    /// main thread as Unity does.
    /// </summary>
    sealed class StandInCompiler
    {
        const string OutputPath = "Library/ScriptAssemblies/Assembly-CSharp.dll";

        // Unity's own pattern for compiler output lines; mcs also prints file-less errors.
        static readonly Regex Line = new Regex(
            @"^(?:(?<file>.+)\((?<line>\d+),(?<column>\d+)\):\s*)?(?<type>warning|error|info)\s*(?<id>[^:]*):\s*(?<message>.*)$");

        readonly string project;
        readonly string baseDir;
        Thread worker;
        List<CompilerMessage> messages;
        int exitCode;

        public StandInCompiler(string project, string baseDir)
        {
            this.project = project;
            this.baseDir = baseDir;
        }

        /// <summary>Advances the compilation; true when one just finished without errors.</summary>
        public bool Poll()
        {
            if (worker == null)
            {
                if (!CompilationPipeline.compileRequested) return false;
                CompilationPipeline.compileRequested = false;
                CompilationPipeline.RaiseStarted(null);
                messages = new List<CompilerMessage>();
                worker = new Thread(RunCompiler) { IsBackground = true, Name = "HostCompiler" };
                worker.Start();
                return false;
            }
            if (worker.IsAlive) return false;
            worker = null;
            CompilationPipeline.RaiseAssemblyFinished(OutputPath, messages.ToArray());
            CompilationPipeline.RaiseFinished(null);
            bool failed = exitCode != 0 || messages.Exists(m => m.type == CompilerMessageType.Error);
            Program.Log("compile finished: exit " + exitCode + ", " + messages.Count + " message(s)");
            return !failed;
        }

        void RunCompiler()
        {
            var files = new List<string>();
            foreach (var path in Directory.GetFiles(Path.Combine(project, "Assets"), "*.cs", SearchOption.AllDirectories))
                files.Add("\"" + path.Substring(project.Length + 1) + "\"");
            files.Sort(StringComparer.Ordinal);
            if (files.Count == 0)
            {
                exitCode = 0; // nothing to build, as in an empty Unity project
                return;
            }
            Directory.CreateDirectory(Path.Combine(project, Path.GetDirectoryName(OutputPath)));
            var start = new ProcessStartInfo("mcs",
                "-target:library -langversion:7 -out:" + OutputPath + " -r:\"" + Path.Combine(baseDir, "UnityEngine.dll") + "\" " + string.Join(" ", files))
            {
                WorkingDirectory = project,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using (var process = new Process { StartInfo = start })
            {
                DataReceivedEventHandler collect = (sender, e) => { if (e.Data != null) Parse(e.Data); };
                process.OutputDataReceived += collect;
                process.ErrorDataReceived += collect;
                process.Start();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                process.WaitForExit(); // without a timeout this also waits for the output to be read
                exitCode = process.ExitCode;
            }
        }

        void Parse(string text)
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
            lock (messages) messages.Add(message);
        }
    }
}
