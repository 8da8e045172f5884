using System.Collections.Generic;
using System.Diagnostics;
using UnityEditor.Compilation;

namespace UnityNvim
{
    /// <summary>
    /// Script compilation reports from CompilationPipeline (compile errors do not reliably reach
    /// the log callbacks). Main thread only, as Unity raises these events there.
    /// </summary>
    internal sealed class Compile
    {
        readonly OutgoingQueue queue;
        readonly System.Action stateChanged;
        readonly System.Action<byte[]> succeeded;
        readonly List<CompileMessage> messages = new List<CompileMessage>();
        readonly Stopwatch clock = new Stopwatch();

        /// <param name="stateChanged">called when a compilation starts or ends (EditorApplication.isCompiling flips)</param>
        /// <param name="succeeded">gets the finished frame of a compile without errors (a reload follows)</param>
        public Compile(OutgoingQueue queue, System.Action stateChanged, System.Action<byte[]> succeeded)
        {
            this.queue = queue;
            this.stateChanged = stateChanged;
            this.succeeded = succeeded;
        }

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

        void OnStarted(object context)
        {
            messages.Clear();
            clock.Reset();
            clock.Start();
            queue.AddControl(Outgoing.CompileStarted(), false);
            stateChanged();
        }

        void OnAssemblyFinished(string assemblyPath, CompilerMessage[] compilerMessages)
        {
            if (compilerMessages == null) return;
            foreach (var m in compilerMessages)
                messages.Add(new CompileMessage { File = m.file, Line = m.line, Column = m.column, Severity = Severity(m.type), Text = m.message });
        }

        void OnFinished(object context)
        {
            byte[] frame = Outgoing.CompileFinished(messages, clock.ElapsedMilliseconds);
            queue.AddControl(frame, false);
            if (!messages.Exists(m => m.Severity == "error")) succeeded(frame);
            messages.Clear();
            stateChanged();
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
