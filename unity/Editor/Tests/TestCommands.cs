using System;
using System.Collections.Generic;
using System.IO;
using UnityEditor;
using UnityEditor.TestTools.TestRunner.Api;
using UnityEngine;

namespace UnityNvim.Tests
{
    /// <summary>
    /// `tests.list`, `tests.run` and `tests.cancel` (doc/protocol.md) through the Test
    /// Framework's public TestRunnerApi. This assembly compiles only when the project has
    /// com.unity.test-framework (its asmdef's versionDefines and defineConstraints); without it
    /// the bridge answers these names with an "install it" error. Set up again after every
    /// domain reload: callbacks registered with the Test Framework do not survive one.
    /// </summary>
    [InitializeOnLoad]
    internal static class TestCommands
    {
        static readonly TestRunnerApi Api;
        static readonly string Project;

        static TestCommands()
        {
            if (AssetDatabase.IsAssetImportWorkerProcess()) return;
            Project = Path.GetDirectoryName(Path.GetFullPath(Application.dataPath));
            Api = ScriptableObject.CreateInstance<TestRunnerApi>();
            Api.RegisterCallbacks(new RunCallbacks(Project));
            KeptRun.Load();
            NeovimBridge.Register("tests.list", List);
            NeovimBridge.Register("tests.run", Run);
            NeovimBridge.Register("tests.cancel", Cancel);
            NeovimBridge.NeovimHello += KeptRun.Replay;
            AssemblyReloadEvents.beforeAssemblyReload += KeptRun.Save;
        }

        static object List(IDictionary<string, object> args)
        {
            string mode = Mode(args);
            var reply = DeferredReply.Begin();
            // The tree arrives on a later editor tick (TestListJob runs on EditorApplication.update).
            Api.RetrieveTestList(TestModeOf(mode), root =>
            {
                try
                {
                    reply.Complete(new Dictionary<string, object> { { "mode", mode }, { "root", TestTree.Node(root, new TestSource(Project)) } });
                }
                catch (Exception e)
                {
                    reply.Fail("could not list the tests: " + e.Message);
                }
            });
            return reply;
        }

        static object Run(IDictionary<string, object> args)
        {
            string mode = Mode(args);
            var filter = new RunFilter();
            object value;
            if (args.TryGetValue("filter", out value) && value != null)
            {
                var given = value as IDictionary<string, object>;
                if (given == null) throw new ArgumentException("filter must be a map {names, groups, categories, assemblies}");
                filter.Names = Strings(given, "names");
                filter.Groups = Strings(given, "groups");
                filter.Categories = Strings(given, "categories");
                filter.Assemblies = Strings(given, "assemblies");
            }
            string run = Api.Execute(new ExecutionSettings(filter.ToFilter(TestModeOf(mode))));
            KeptRun.Begin(run, mode, filter);
            return new Dictionary<string, object> { { "run", run } };
        }

        static object Cancel(IDictionary<string, object> args)
        {
#if UNITY_NVIM_TEST_CANCEL
            object given;
            string run = args.TryGetValue("run", out given) && given is string ? (string)given : KeptRun.Run;
            if (run == null || run != KeptRun.Run || !KeptRun.Active)
                throw new InvalidOperationException("no test run " + (run != null ? "'" + run + "' " : "") + "is going");
            // TestRunnerApi.CancelTestRun is public from Test Framework 1.4.0 (internal in 1.3.2-1.3.9).
            // False: the job is gone or already cancelling, as after a cancel in Unity's Test
            // Runner window, which tells nothing; either way nothing more comes of the run.
            TestRunnerApi.CancelTestRun(run);
            // A cancelled run gets no RunFinished: its end is told here, with what finished.
            KeptRun.Finish(true);
            return new Dictionary<string, object> { { "cancelled", true } };
#else
            throw new InvalidOperationException("the Unity Test Framework in this project cannot cancel a test run for Neovim (that came with com.unity.test-framework 1.4.0): update it to 1.4.0 or later in Window > Package Manager, cancel in Unity's Test Runner window, or let the run finish");
#endif
        }

        static string Mode(IDictionary<string, object> args)
        {
            object value;
            if (!args.TryGetValue("mode", out value) || value == null) return "edit";
            if ("edit".Equals(value) || "play".Equals(value)) return (string)value;
            throw new ArgumentException("mode must be \"edit\" or \"play\", not '" + value + "'");
        }

        static TestMode TestModeOf(string mode)
        {
            return mode == "play" ? TestMode.PlayMode : TestMode.EditMode;
        }

        static string[] Strings(IDictionary<string, object> map, string key)
        {
            object value;
            if (!map.TryGetValue(key, out value) || value == null) return null;
            var list = value as List<object>;
            if (list == null) throw new ArgumentException("filter." + key + " must be a list of strings");
            var strings = new List<string>();
            foreach (var item in list)
            {
                if (!(item is string)) throw new ArgumentException("filter." + key + " must be a list of strings");
                strings.Add((string)item);
            }
            return strings.Count > 0 ? strings.ToArray() : null;
        }
    }
}
