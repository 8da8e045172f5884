using System;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using UnityEditor;
using UnityEditor.Compilation;
using UnityEngine;
using Unity.CodeEditor;

namespace UnityHost
{
    /// <summary>
    /// One script domain: loads the package and the game code, runs their [InitializeOnLoad]
    /// static constructors, then ticks the editor loop on this (the main) thread until a reload
    /// or a quit is due. Created inside the child AppDomain.
    /// </summary>
    public sealed class DomainRunner : MarshalByRefObject
    {
        public const string Reload = "reload";
        public const string Quit = "quit";
        // UNITY_HOST_TICK_MS: the idle between editor ticks; an unfocused Unity idles far longer (about 1 s on macOS).
        static readonly int TickMs = Environment.GetEnvironmentVariable("UNITY_HOST_TICK_MS") != null
            ? int.Parse(Environment.GetEnvironmentVariable("UNITY_HOST_TICK_MS")) : 5;

        public override object InitializeLifetimeService() { return null; }

        /// <summary>Runs the domain; returns Reload or Quit once beforeAssemblyReload or quitting has returned.</summary>
        public string Run(string project, string baseDir, HostControl control, int generation, long createMs)
        {
            var clock = Stopwatch.StartNew();
            Application.dataPath = Path.Combine(project, "Assets");
            // Before any script runs: what Unity compiled is known before the domain starts, and
            // the bridge may let Neovim save a script as soon as [InitializeOnLoad] opened it.
            var scripts = new ScriptChanges(project);
            var compiler = new StandInCompiler(project, baseDir);
            // Unity imports a project it opens (giving assets their .meta) and compiles its
            // scripts before the first domain loads them.
            if (generation == 1)
            {
                MetaFiles.Refresh(project);
                compiler.CompileOnOpen();
            }
            clock.Restart();
            foreach (var path in TestFramework.ScriptAssemblies(baseDir))
            {
                var assembly = System.Reflection.Assembly.LoadFrom(path);
                foreach (var type in assembly.GetTypes())
                    if (type.IsDefined(typeof(InitializeOnLoadAttribute), false))
                        RuntimeHelpers.RunClassConstructor(type.TypeHandle);
            }
            Program.Log("domain " + generation + " up: created in " + createMs + " ms, [InitializeOnLoad] in " + clock.ElapsedMilliseconds + " ms");

            while (true)
            {
                if (control.QuitRequested)
                {
                    control.BeforeShutdown(generation);
                    clock.Restart();
                    EditorApplication.RaiseQuitting();
                    Program.Log("domain " + generation + ": quitting handlers took " + clock.ElapsedMilliseconds + " ms");
                    return Quit;
                }
                if (control.TakeReloadRequest()) EditorUtility.RequestScriptReload();
                if (EditorUtility.reloadRequested)
                {
                    control.BeforeShutdown(generation);
                    clock.Restart();
                    AssemblyReloadEvents.RaiseBeforeReload();
                    Program.Log("domain " + generation + ": beforeAssemblyReload took " + clock.ElapsedMilliseconds + " ms");
                    return Reload;
                }
                scripts.Tick();
                // Unity reloads after a good editor compile, before any further update tick.
                if (compiler.Tick())
                {
                    EditorUtility.RequestScriptReload();
                    continue;
                }
                string open = control.TakeOpenRequest();
                if (open != null) Open(open);
                EditorApplication.Tick();
                Thread.Sleep(TickMs);
            }
        }

        /// <summary>What a double-click on an asset does (UnityEditor's OpenAsset): the current code editor's OpenProject.</summary>
        static void Open(string request)
        {
            var parts = request.Split(new[] { ' ' }, 3);
            bool opened = CodeEditor.CurrentEditor.OpenProject(parts[2], int.Parse(parts[0]), int.Parse(parts[1]));
            Program.Log("open " + parts[2] + ": " + (opened ? "opened by the code editor" : "left to Unity"));
        }
    }
}
