using System.Collections.Generic;
using System.Diagnostics;
using UnityEditor;
using UnityEditor.Compilation;
using UnityEngine;

namespace UnityNvim
{
    /// <summary>
    /// Reports the editor's script compilations from CompilationPipeline (compile errors do not
    /// reliably reach the log callbacks). Main thread only, as Unity raises these events there.
    ///
    /// What Unity's source says (UnityCsReference, Editor/Mono/Scripting/ScriptCompilation):
    /// - AssemblyBuilder builds and the script compiles of a player build raise the same events
    ///   and reload nothing: only editor script compiles are reported. An AssemblyBuilder passes
    ///   itself as the context; a player build runs while BuildPipeline.isBuildingPlayer.
    /// - A build raises assemblyCompilationFinished for each of its assemblies and then
    ///   compilationFinished, in one call: the messages since the last compilationFinished
    ///   belong to the build that finishes. compilationStarted and compilationFinished of one
    ///   build get the same context object.
    /// - A build can fail with no assembly reporting an error; EditorUtility.scriptCompilationFailed
    ///   tells, but only once compilationFinished has returned. So a compile that reported no
    ///   error gets its verdict on the next update tick, or from the domain reload that Unity
    ///   starts after a success (which may come before that tick).
    /// - RequestScriptCompilation cancels a running build; from 2022.3 a cancelled build raises no
    ///   compilationFinished, only the next build's compilationStarted.
    /// - EditorApplication.isCompiling is still true inside compilationFinished in 2021.3 and
    ///   2022.3 (false in 6000), and true while a compile is only requested.
    /// - The reload after a good compile follows m_ScriptsForEditorHaveBeenCompiledSinceLastDomainReload,
    ///   which 2021.3 sets when an editor build starts and 2022.1 on only when a build raised
    ///   assemblyCompilationFinished (an assembly copied or failed): there a compile that changed
    ///   nothing reloads nothing.
    /// </summary>
    internal sealed class Compile
    {
        readonly OutgoingQueue queue;
        readonly System.Action<bool> compilingChanged;
        readonly System.Action<byte[]> succeeded;
        readonly List<CompileMessage> batch = new List<CompileMessage>();
        readonly Stopwatch clock = new Stopwatch();
        object running;
        bool assemblyReported; // since this domain loaded: Unity's flag, from 2022.1
        List<CompileMessage> awaitingVerdict;
        long awaitingMs;

        /// <param name="compilingChanged">called with the compiling state when an editor compile starts or ends</param>
        /// <param name="succeeded">gets the finished frame of a compile Unity found good (a domain reload follows)</param>
        public Compile(OutgoingQueue queue, System.Action<bool> compilingChanged, System.Action<byte[]> succeeded)
        {
            this.queue = queue;
            this.compilingChanged = compilingChanged;
            this.succeeded = succeeded;
        }

        static readonly bool ReloadsOnlyWhenChanged = AtLeast(Application.unityVersion, 2022, 1);

        /// <summary>Whether Unity reloads the domain after a good compile now: a summary is carried only across that reload.</summary>
        public bool ReloadFollows { get { return !ReloadsOnlyWhenChanged || assemblyReported; } }

        static bool AtLeast(string unityVersion, int year, int minor)
        {
            var parts = unityVersion.Split('.');
            int y, m;
            if (parts.Length < 2 || !int.TryParse(parts[0], out y) || !int.TryParse(parts[1], out m)) return true; // a future format: a recent Unity
            return y > year || (y == year && m >= minor);
        }

        /// <summary>True while an editor script compile runs: a `compile` command joins it rather than cancelling it.</summary>
        public bool Running { get { return running != null; } }

        public void Start()
        {
            CompilationPipeline.compilationStarted += OnStarted;
            CompilationPipeline.assemblyCompilationFinished += OnAssemblyFinished;
            CompilationPipeline.compilationFinished += OnFinished;
        }

        public void Stop()
        {
            CompilationPipeline.compilationStarted -= OnStarted;
            CompilationPipeline.assemblyCompilationFinished -= OnAssemblyFinished;
            CompilationPipeline.compilationFinished -= OnFinished;
        }

        /// <summary>
        /// The finished frame of a compile that reported no error and still awaits its verdict,
        /// taken when the domain reloads: Unity reloads only after a good compile.
        /// </summary>
        public byte[] TakeAwaitingVerdict()
        {
            if (awaitingVerdict == null) return null;
            byte[] frame = Outgoing.CompileFinished(awaitingVerdict, awaitingMs);
            awaitingVerdict = null;
            return frame;
        }

        /// <summary>Once per editor update: gives the verdict on a compile that reported no error.</summary>
        public void Tick()
        {
            if (EditorApplication.isCompiling) return; // a compile runs or is requested: it supersedes
            running = null; // a build cancelled without compilationFinished (2022.3+) that nothing replaced
            if (awaitingVerdict == null) return;
            if (EditorUtility.scriptCompilationFailed)
                awaitingVerdict.Add(new CompileMessage { File = "", Severity = "error", Text = "Unity reports that the script compilation failed, though no assembly reported an error: see Unity's Console" });
            bool good = !EditorUtility.scriptCompilationFailed;
            byte[] frame = TakeAwaitingVerdict();
            if (good && ReloadFollows) succeeded(frame);
            queue.AddControl(frame, false);
        }

        static bool IsEditorScriptCompile(object context)
        {
            return !(context is AssemblyBuilder) && !BuildPipeline.isBuildingPlayer;
        }

        void OnStarted(object context)
        {
            if (!IsEditorScriptCompile(context)) return;
            // A compile started while one ran or awaited its verdict replaces it: one report for both.
            bool replacing = running != null || awaitingVerdict != null;
            running = context;
            awaitingVerdict = null;
            if (replacing) return;
            clock.Reset();
            clock.Start();
            queue.AddControl(Outgoing.CompileStarted(), false);
            compilingChanged(true);
        }

        void OnAssemblyFinished(string assemblyPath, CompilerMessage[] compilerMessages)
        {
            if (running != null) assemblyReported = true;
            if (compilerMessages == null) return;
            foreach (var m in compilerMessages)
                batch.Add(new CompileMessage { File = m.file, Line = m.line, Column = m.column, Severity = Severity(m.type), Text = m.message });
        }

        void OnFinished(object context)
        {
            bool mine = running != null && ReferenceEquals(context, running);
            var messages = new List<CompileMessage>(batch);
            batch.Clear();
            if (!mine) return;
            running = null;
            if (messages.Exists(m => m.Severity == "error"))
            {
                queue.AddControl(Outgoing.CompileFinished(messages, clock.ElapsedMilliseconds), false);
            }
            else
            {
                awaitingVerdict = messages;
                awaitingMs = clock.ElapsedMilliseconds;
            }
            // isCompiling may still say true here (2021.3, 2022.3), and a reload may come before the next tick.
            compilingChanged(false);
        }

        static string Severity(CompilerMessageType type)
        {
            switch (type)
            {
                case CompilerMessageType.Error: return "error";
                case CompilerMessageType.Warning: return "warning";
                default: return "info";
            }
        }
    }
}
