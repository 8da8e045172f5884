using System;
using System.Collections.Generic;
using System.IO;

namespace UnityHost
{
    /// <summary>
    /// Which Unity Test Framework the stand-in project has (UNITY_HOST_TEST_FRAMEWORK): "1.4.6"
    /// (the default, but for the .NET Core build: Unity 6's, with ITestAdaptor.Arguments and a public
    /// TestRunnerApi.CancelTestRun), "1.3.9" (Arguments; CancelTestRun internal), "1.1.33"
    /// (Unity 2021.3's, neither) or "none". As in Unity, the package's test assembly exists only
    /// with a Test Framework, built against that version's API (build.sh builds each variant,
    /// with the defines the asmdef's versionDefines give for it).
    /// </summary>
    static class TestFramework
    {
#if NETCOREAPP
        const string Default = "none"; // build.sh --dotnet builds no Test Framework: it needs Mono's NUnit
#else
        const string Default = "1.4.6";
#endif

        public static string Version
        {
            get { return Environment.GetEnvironmentVariable("UNITY_HOST_TEST_FRAMEWORK") ?? Default; }
        }

        /// <summary>The Test Framework's UnityEngine.TestRunner.dll ([UnityTest]) that test assemblies reference; null without a Test Framework.</summary>
        public static string EngineAssembly(string baseDir)
        {
            return Version == "none" ? null : Path.Combine(baseDir, "UnityEngine.TestRunner.dll");
        }

        /// <summary>The script assemblies of a domain in load order: the Test Framework first, as Unity loads packages before the assemblies that use them.</summary>
        public static List<string> ScriptAssemblies(string baseDir)
        {
            string variant;
            switch (Version)
            {
                case "1.4.6": variant = "tf"; break;
                case "1.3.9": variant = "tf-1.3"; break;
                case "1.1.33": variant = "tf-1.1"; break;
                case "none": variant = null; break;
                default: throw new ArgumentException("UNITY_HOST_TEST_FRAMEWORK must be 1.4.6, 1.3.9, 1.1.33 or none, not '" + Version + "'");
            }
            var paths = new List<string>();
            if (variant != null) paths.Add(Path.Combine(baseDir, variant, "UnityEditor.TestRunner.dll"));
            paths.Add(Path.Combine(baseDir, "UnityNvim.Bridge.Editor.dll"));
            if (variant != null) paths.Add(Path.Combine(baseDir, variant, "UnityNvim.Bridge.Tests.Editor.dll"));
            paths.Add(Path.Combine(baseDir, "UnityHost.Game.dll"));
            return paths;
        }
    }
}
