using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using UnityEditor;
using UnityEditor.MPE;
using UnityEngine;
using Debug = UnityEngine.Debug;

namespace UnityNvim
{
    /// <summary>
    /// Streams the editor console to Neovim and runs commands sent from Neovim, over two byte
    /// streams that Temp/NeovimBridge/session.json describes: FIFOs, or named pipes on Windows
    /// (see the package README and the protocol document).
    /// Starts with every domain load; stops before each domain reload and when the editor quits.
    /// </summary>
    [InitializeOnLoad]
    public static class NeovimBridge
    {
        const string Tag = "[Neovim Bridge] ";
        const int LogBacklog = 1000;
        const int DrainMs = 150;
        const int ByeMs = 200;
        const int JoinMs = 500;
        const int MaxCommandsPerTick = 64;

        static readonly ConcurrentQueue<Command> Pending = new ConcurrentQueue<Command>();
        static Rendezvous rendezvous;
        static OutgoingQueue queue;
        static LogCapture logCapture;
        static Compile compile;
        static WriterThread writer;
        static ReaderThread reader;
        static string lastState;
        static bool carriedSummary;
        static bool newSummary;
        static int hellosHeard; // by the reader thread
        static int hellosRaised;

        /// <summary>Raised on the main thread after Neovim said hello (it may have just connected); the test runs re-send their kept messages.</summary>
        internal static event Action NeovimHello;

        /// <summary>How many hellos have been read so far (any thread): one taken before a launch tells that launch's hello from an earlier one.</summary>
        internal static int HellosHeard { get { return Volatile.Read(ref hellosHeard); } }

        /// <summary>HellosHeard as it was when NeovimHello was last raised.</summary>
        internal static int HellosRaised { get { return hellosRaised; } }

        static NeovimBridge()
        {
            // Parallel import's worker editors and secondary editor processes (the standalone
            // Profiler) run [InitializeOnLoad] code on the same project: nothing of the bridge may
            // run there (it would take over the editor's rendezvous).
            if (AssetDatabase.IsAssetImportWorkerProcess() || ProcessService.level == ProcessLevel.Secondary) return;
            if (!Platform.Supported)
            {
                NoticeOnce("unsupported system '" + Platform.Name + "'; the bridge stays inactive.");
                return;
            }
            try
            {
                Start();
            }
            catch (Exception e)
            {
                Debug.LogError(Tag + "could not start, Neovim will not connect: " + e.Message);
                Shutdown(null);
            }
        }

        /// <summary>
        /// Makes `name` callable from Neovim. The handler runs on the main thread with the
        /// command's arguments (integers arrive as long, floats as double, arrays as
        /// List&lt;object&gt;, maps as Dictionary&lt;string, object&gt;); its return value is sent
        /// back as the result, an exception as the error. Registering a name again replaces the
        /// handler; built-in names (compile, refresh, play, stop, pause, step, state, sync) throw.
        /// </summary>
        public static void Register(string name, Func<IDictionary<string, object>, object> handler)
        {
            Commands.Register(name, handler);
        }

        /// <summary>Removes a registered command; false if there was none.</summary>
        public static bool Unregister(string name)
        {
            return Commands.Unregister(name);
        }

        /// <summary>Queues a control frame if a Neovim reads now (main thread); false when none does or the bridge is inactive.</summary>
        internal static bool SendIfConnected(byte[] frame)
        {
            var w = writer;
            if (w == null || !w.Connected) return false;
            queue.AddControl(frame, false);
            return true;
        }

        /// <summary>Queues a control frame whether or not a Neovim reads now (main thread); it waits, across domain reloads too, until one does. False when the bridge is inactive.</summary>
        internal static bool Send(byte[] frame)
        {
            if (writer == null) return false;
            queue.AddControl(frame, false);
            return true;
        }

        /// <summary>Logs a reason for staying inactive once per editor session, not on every domain reload.</summary>
        static void NoticeOnce(string text)
        {
            if (Carryover.FirstNotice()) Debug.Log(Tag + text);
        }

        static void Start()
        {
            string project = Path.GetDirectoryName(Path.GetFullPath(Application.dataPath));
            int pid = Process.GetCurrentProcess().Id;
            var folder = new Rendezvous(project, Platform.IsWindows ? new PipeNames(Carryover.PipeNonce()) : null);
            // A -batchmode editor (a build, a test run) leaves alone the bridge of a live editor on the same project.
            int owner = Application.isBatchMode ? folder.OwnerPid() : 0;
            if (owner != 0 && owner != pid && Platform.ProcessAlive(owner))
            {
                NoticeOnce("-batchmode: the editor with pid " + owner + " owns " + folder.Folder + "; the bridge stays inactive in this one.");
                return;
            }
            rendezvous = folder;
            // Windows pipes exist before session.json names them; a taken name throws, and the bridge stays inert.
            IStreamEnd toNvim, fromNvim;
            Platform.CreateEnds(rendezvous, out toNvim, out fromNvim);
            // A domain reload keeps the folder, FIFOs and session.json; only a new editor recreates them.
            try
            {
                if (!Carryover.SameEditorSession(pid) || !rendezvous.IsIntact())
                {
                    rendezvous.Create(project, Application.unityVersion, pid);
                    Carryover.MarkEditorSession(pid);
                }
            }
            catch (Exception)
            {
                toNvim.Dispose();
                fromNvim.Dispose();
                throw;
            }

            queue = new OutgoingQueue(LogBacklog, Carryover.LoadNextSeq());
            Carryover.RestoreQueue(queue);
            byte[] summary = Carryover.LoadSummary();
            carriedSummary = summary != null;
            newSummary = false;
            lastState = StateKey(EditorApplication.isCompiling);
            reader = new ReaderThread(fromNvim, Pending, RequestGreeting);
            writer = new WriterThread(toNvim, queue, Hello(project, pid, false), Hello(project, pid, true), StateFrame(EditorApplication.isCompiling), summary, () => reader != null && reader.Listening);
            logCapture = new LogCapture(queue);
            compile = new Compile(queue, OnCompiling, OnCompileSucceeded);
            Commands.CompileRunning = () => compile != null && compile.Running;

            logCapture.Start();
            compile.Start();
            writer.Start();
            reader.Start();
            EditorApplication.update += OnUpdate;
            EditorApplication.playModeStateChanged += OnPlayModeChanged;
            EditorApplication.pauseStateChanged += OnPauseChanged;
            AssemblyReloadEvents.beforeAssemblyReload += OnBeforeReload;
            EditorApplication.quitting += OnQuitting;
        }

        static void OnUpdate()
        {
            Command command;
            for (int i = 0; i < MaxCommandsPerTick && Pending.TryDequeue(out command); i++)
            {
                byte[] reply = Commands.Run(command);
                if (reply != null) queue.AddControl(reply, false); // null: the handler answers later (DeferredReply)
                if (writer == null) return; // the command made Unity reload or quit right away
            }
            Refresh.Tick();
            int heard = HellosHeard;
            if (heard != hellosRaised)
            {
                hellosRaised = heard;
                var hello = NeovimHello;
                if (hello != null) hello();
            }
            compile.Tick();
            PublishState(); // catches changes no event reports
            if (carriedSummary && writer.SummarySent)
            {
                carriedSummary = false;
                if (!newSummary) Carryover.ClearSummary();
            }
        }

        static void RequestGreeting()
        {
            var w = writer;
            if (w != null) w.RequestGreeting();
            Interlocked.Increment(ref hellosHeard);
        }

        static void OnPlayModeChanged(PlayModeStateChange change) { PublishState(); }

        static void OnPauseChanged(PauseState pause) { PublishState(); }

        static void OnCompiling(bool compiling)
        {
            // A new compile makes a kept summary stale: no reload may send it again.
            if (compiling)
            {
                Refresh.CompileStarted();
                Carryover.ClearSummary();
                writer.DropSummary();
                carriedSummary = false;
                newSummary = false;
            }
            PublishState(compiling);
        }

        static void OnCompileSucceeded(byte[] frame)
        {
            // The domain reload this compile causes: the next domain sends the summary again once connected.
            Carryover.SaveSummary(frame);
            newSummary = true;
        }

        static byte[] Hello(string project, int pid, bool again)
        {
            return Outgoing.Hello(Application.unityVersion, project, pid, again, Debugging.Address, Debugging.Port(pid), Debugging.AttachingAllowed);
        }

        static string StateKey(bool compiling)
        {
            return EditorApplication.isPlaying + "/" + EditorApplication.isPaused + "/" + compiling + "/" + Debugging.Optimization;
        }

        static byte[] StateFrame(bool compiling)
        {
            return Outgoing.State(EditorApplication.isPlaying, EditorApplication.isPaused, compiling, Debugging.Optimization);
        }

        static void PublishState()
        {
            PublishState(EditorApplication.isCompiling);
        }

        /// <summary>Sends state if it changed; compile events pass `compiling` since isCompiling lags in some versions.</summary>
        static void PublishState(bool compiling)
        {
            string key = StateKey(compiling);
            if (key == lastState) return;
            lastState = key;
            byte[] frame = StateFrame(compiling);
            writer.SetState(frame);
            queue.AddControl(frame, true);
        }

        static void OnBeforeReload()
        {
            // Unity reloads after a good compile, possibly before the tick that would judge it;
            // a compile that caused no reload is sent once, not kept for the next domains.
            bool caused = compile.ReloadFollows;
            byte[] summary = compile.TakeAwaitingVerdict();
            if (summary != null && caused) OnCompileSucceeded(summary);
            else if (summary != null) queue.AddControl(summary, false);
            Shutdown("reload");
        }

        static void OnQuitting()
        {
            Shutdown("quit");
            try
            {
                rendezvous.Remove();
            }
            catch (Exception e)
            {
                Debug.LogWarning(Tag + "could not remove " + rendezvous.Folder + ": " + e.Message);
            }
        }

        /// <summary>
        /// Stops capture, answers commands that will not run, sends bye (bounded), stops both
        /// threads (bounded joins) and closes every descriptor, so nothing blocks the domain unload.
        /// </summary>
        static void Shutdown(string byeReason)
        {
            EditorApplication.update -= OnUpdate;
            EditorApplication.playModeStateChanged -= OnPlayModeChanged;
            EditorApplication.pauseStateChanged -= OnPauseChanged;
            AssemblyReloadEvents.beforeAssemblyReload -= OnBeforeReload;
            EditorApplication.quitting -= OnQuitting;
            if (logCapture != null) logCapture.Stop();
            if (compile != null) compile.Stop();
            bool stopped = reader == null || reader.Stop(JoinMs);
            string why = byeReason == "reload" ? "Unity reloaded its scripts" : "Unity quit";
            Command command;
            while (queue != null && Pending.TryDequeue(out command))
                queue.AddControl(Outgoing.Reply(command.Id, false, why + " before running '" + command.Name + "'", null), false);
            if (queue != null)
            {
                Refresh.AnswerAll(); // with what is known: a refresh's answer is never an error
                DeferredReply.AbandonAll(why, queue);
            }
            stopped &= writer == null || writer.Stop(byeReason, DrainMs, ByeMs, JoinMs);
            if (byeReason == "reload" && queue != null) Carryover.SaveQueue(queue);
            if (!stopped) Debug.LogWarning(Tag + "a bridge thread did not stop in time; it closes its descriptor when it ends.");
            reader = null;
            writer = null;
        }
    }
}
