using System.Collections.Generic;
using UnityEditor;

namespace UnityNvim
{
    /// <summary>
    /// The `refresh` command: AssetDatabase.Refresh, then a reply that says whether a script
    /// compilation follows (doc/protocol.md section 5). Main thread only.
    ///
    /// What Unity's source says (UnityCsReference 2021.3 to 6000.0):
    /// - An explicit AssetDatabase.Refresh imports what changed whether or not the editor has
    ///   focus: focus only triggers Unity's own Auto Refresh (kAutoRefreshMode, Editor/Mono/
    ///   PreferencesWindow/AssetPipelinePreferences.cs). So the refresh runs on the next editor
    ///   tick, however slowly an unfocused editor ticks; no public call wakes the loop from
    ///   another thread (QueuePlayerLoopUpdate only marks the scene dirty: SetSceneRepaintDirty,
    ///   Editor/Mono/EditorApplication.bindings.cs).
    /// - Changed scripts make native code call EditorCompilationInterface.RequestScriptCompilation,
    ///   after which isCompiling is true (EditorCompilation.IsCompiling counts a requested
    ///   compile). Whether that happens inside Refresh or on a later tick is native: the reply
    ///   waits a few ticks for it (never blocking) before it says no compile follows.
    /// - "Script Changes While Playing" is EditorPrefs "ScriptCompilationDuringPlay", an
    ///   ScriptChangesDuringPlayOptions (Editor/Mono/EditorApplication.cs; written by
    ///   Editor/Mono/PreferencesWindow/PreferencesSettingsProviders.cs): 0 recompile and continue
    ///   playing, 1 recompile after finished playing, 2 stop playing and recompile.
    /// </summary>
    internal static class Refresh
    {
        const string DuringPlayPref = "ScriptCompilationDuringPlay";
        const int RecompileAfterFinishedPlaying = 1;
        const int StopPlayingAndRecompile = 2;
        // Ticks to wait for a compile request that native code makes after Refresh returned.
        const int SettleTicks = 2;
        // While Unity leaves play mode to recompile, at most this many ticks.
        const int LeavePlayTicks = 30;

        const string DeferredReason = "Unity compiles script changes when play mode stops (Preferences > General > Script Changes While Playing)";
        const string StopsPlayingReason = "Unity stops play mode to compile script changes (Preferences > General > Script Changes While Playing)";

        /// <summary>A refresh whose reply waits for the editor to show whether a compile follows.</summary>
        sealed class Pending
        {
            internal DeferredReply Reply;
            internal int Ticks;
            internal int LeavingTicks;
            internal bool StopsPlaying;
            internal int CompilesBefore;
        }

        // A refresh due when the running compile has ended; kept in SessionState, as a good
        // compile's reload comes first.
        const string AfterCompileKey = "RefreshAfterCompile";

        static readonly List<Pending> Waiting = new List<Pending>();
        static int compilesStarted;

        /// <summary>Refreshes once no compile runs any more: scripts saved since the running build began are compiled then.</summary>
        internal static void AfterCompile() { Carryover.SaveText(AfterCompileKey, "due"); }

        /// <summary>Called when an editor script compile starts: a compile that starts and ends between two looks still counts.</summary>
        internal static void CompileStarted() { compilesStarted++; }

        /// <summary>Refreshes; returns the result now, or a DeferredReply answered by Tick.</summary>
        internal static object Start()
        {
            bool playing = EditorApplication.isPlaying;
            int duringPlay = EditorPrefs.GetInt(DuringPlayPref, 0);
            AssetDatabase.Refresh();
            if (playing && duringPlay == RecompileAfterFinishedPlaying)
                return Result(false, true, DeferredReason);
            var pending = new Pending { StopsPlaying = playing && duringPlay == StopPlayingAndRecompile, CompilesBefore = compilesStarted };
            if (Compiles(pending)) return Answer(pending);
            pending.Reply = DeferredReply.Begin();
            Waiting.Add(pending);
            return pending.Reply;
        }

        /// <summary>Once per editor update: the replies whose wait is over.</summary>
        internal static void Tick()
        {
            if (!EditorApplication.isCompiling && Carryover.LoadText(AfterCompileKey) != "")
            {
                Carryover.SaveText(AfterCompileKey, "");
                AssetDatabase.Refresh();
            }
            for (int i = 0; i < Waiting.Count; i++)
            {
                var p = Waiting[i];
                if (!Compiles(p))
                {
                    // Unity leaves play mode before it compiles: the settle ticks count from edit mode.
                    if (p.StopsPlaying && Leaving() && ++p.LeavingTicks < LeavePlayTicks)
                    {
                        p.Ticks = 0;
                        continue;
                    }
                    if (++p.Ticks < SettleTicks) continue;
                }
                Waiting.RemoveAt(i--);
                p.Reply.Complete(Answer(p));
            }
        }

        /// <summary>Before a reload or quit: every waiting refresh gets its reply now, with what is known.</summary>
        internal static void AnswerAll()
        {
            foreach (var p in Waiting) p.Reply.Complete(Answer(p));
            Waiting.Clear();
        }

        static bool Leaving()
        {
            return EditorApplication.isPlaying && !EditorApplication.isPlayingOrWillChangePlaymode;
        }

        static bool Compiles(Pending p)
        {
            return EditorApplication.isCompiling || compilesStarted != p.CompilesBefore;
        }

        static Dictionary<string, object> Answer(Pending p)
        {
            bool compiling = Compiles(p);
            return Result(compiling, false, compiling && p.StopsPlaying ? StopsPlayingReason : null);
        }

        static Dictionary<string, object> Result(bool compiling, bool deferred, string reason)
        {
            var result = new Dictionary<string, object> { { "compiling", compiling }, { "deferred", deferred } };
            if (reason != null) result["reason"] = reason;
            return result;
        }
    }
}
