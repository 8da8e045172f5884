using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using UnityEditor;
using UnityEditor.Compilation;

namespace UnityHost
{
    /// <summary>
    /// The script side of Unity's AssetDatabase.Refresh (native): when a script (.cs, .asmdef,
    /// .asmref under Assets/ or Packages/) differs from what the last editor compile read, the
    /// refresh imports it and a compile is requested (EditorCompilationInterface.RequestScriptCompilation,
    /// called by native code). In play mode the "Script Changes While Playing" preference
    /// (EditorPrefs ScriptCompilationDuringPlay, see ScriptChangesDuringPlayOptions in
    /// Editor/Mono/EditorApplication.cs) decides: 0 compile now, 1 compile once play mode has
    /// ended, 2 leave play mode, then compile.
    ///
    /// The request lands on the next loop iteration, after the refresh returned (the native order
    /// is not in the reference source; this one is the harder for the package). The snapshot of
    /// what was compiled and a request not yet made live in the native store, as Unity keeps
    /// them outside the script domain.
    /// </summary>
    sealed class ScriptChanges
    {
        const string SnapshotKey = "native:compiledScripts";
        const string DueKey = "native:compileDue";
        const string Now = "now";
        const string AfterPlay = "after play";
        static readonly string[] Roots = { "Assets", "Packages" };
        static readonly string[] Extensions = { ".cs", ".asmdef", ".asmref" };

        readonly string project;

        public ScriptChanges(string project)
        {
            this.project = project;
            if (Store.Get(SnapshotKey) == null) Store.Set(SnapshotKey, Snapshot()); // Unity starts with its scripts compiled
            AssetDatabase.refresh = OnRefresh;
            CompilationPipeline.compilationStarted += OnCompilationStarted;
        }

        static SessionStore Store { get { return (SessionStore)AppDomain.CurrentDomain.GetData(SessionState.StoreSlot); } }

        /// <summary>Once per loop iteration, before the compile pipeline's tick: makes a due compile request.</summary>
        public void Tick()
        {
            string due = Store.Get(DueKey);
            if (due == null || (due == AfterPlay && EditorApplication.isPlaying)) return;
            Store.Erase(DueKey);
            CompilationPipeline.RequestScriptCompilation();
        }

        void OnRefresh()
        {
            MetaFiles.Refresh(project);
            if (Snapshot() == Store.Get(SnapshotKey)) return;
            int duringPlay = EditorPrefs.GetInt("ScriptCompilationDuringPlay", 0);
            if (!EditorApplication.isPlaying || duringPlay == 0)
            {
                Store.Set(DueKey, Now);
                return;
            }
            Store.Set(DueKey, AfterPlay);
            if (duringPlay == 2) EditorApplication.ExitPlaymode();
            Program.Log("script changes wait until play mode ends (ScriptCompilationDuringPlay " + duringPlay + ")");
        }

        void OnCompilationStarted(object context)
        {
            if (context is AssemblyBuilder || BuildPipeline.isBuildingPlayer) return; // not the editor's scripts
            Store.Set(SnapshotKey, Snapshot());
            Store.Erase(DueKey); // this compile reads the changes
        }

        /// <summary>Every script of the project with its content hash, one "path hash" line each, sorted.</summary>
        string Snapshot()
        {
            var lines = new List<string>();
            using (var md5 = MD5.Create())
            {
                foreach (var root in Roots)
                {
                    string dir = Path.Combine(project, root);
                    if (!Directory.Exists(dir)) continue;
                    foreach (var path in Directory.GetFiles(dir, "*", SearchOption.AllDirectories))
                    {
                        string relative = path.Substring(project.Length + 1);
                        if (Array.IndexOf(Extensions, Path.GetExtension(path)) < 0 || MetaFiles.Hidden(relative)) continue;
                        byte[] bytes;
                        try
                        {
                            bytes = File.ReadAllBytes(path);
                        }
                        catch (IOException)
                        {
                            continue; // removed meanwhile: it counts as gone
                        }
                        lines.Add(relative + " " + BitConverter.ToString(md5.ComputeHash(bytes)));
                    }
                }
            }
            lines.Sort(StringComparer.Ordinal);
            return string.Join("\n", lines);
        }
    }
}
