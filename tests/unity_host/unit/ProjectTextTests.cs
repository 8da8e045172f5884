// Unit tests of the project file text: MSBuild and XML escaping of paths, project references
// only to generated projects, stable output and solution GUIDs.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Xml;
using UnityEditor.Compilation;

namespace UnityNvim.Tests
{
    static partial class UnitTests
    {
        static Assembly SampleAssembly(string name, string[] sources, Assembly[] references, bool unsafeCode)
        {
            return new Assembly(name, "Library/ScriptAssemblies/" + name + ".dll", sources, new[] { "UNITY_EDITOR", "DEBUG" },
                references, new[] { "/opt/unity/UnityEngine.dll" }, AssemblyFlags.None,
                new ScriptCompilerOptions { AllowUnsafeCode = unsafeCode, RoslynAnalyzerRulesetPath = "Assets/Default.ruleset" }, "Game");
        }

        static ProjectText SampleText()
        {
            return new ProjectText("My Game", path => ProjectText.ItemPath(path));
        }

        static void TestCsprojEscapesPathsForMsBuildAndXml()
        {
            string odd = "Assets/A;B %20 & <C>.cs";
            var text = SampleText().Csproj(SampleAssembly("Game.Core", new[] { odd, "Assets/Plain.cs", "Assets/notes.txt" }, new Assembly[0], true), new List<string>(), new ResponseFileData[0]);
            var xml = new XmlDocument();
            xml.LoadXml(text);
            var compiled = xml.GetElementsByTagName("Compile").Cast<XmlElement>().Select(e => e.GetAttribute("Include")).ToList();
            Words(new[] { "Assets/A%3bB %2520 & <C>.cs", "Assets/Plain.cs" }, compiled, "scripts only, MSBuild-escaped");
            Equal(odd, compiled[0].Replace("%3b", ";").Replace("%25", "%"), "MSBuild unescapes to the file");
            Equal("True", xml.GetElementsByTagName("AllowUnsafeBlocks")[0].InnerText, "unsafe code");
            Equal("UNITY_EDITOR;DEBUG", xml.GetElementsByTagName("DefineConstants")[0].InnerText, "defines in Unity's order");
            Equal("9.0", xml.GetElementsByTagName("LangVersion")[0].InnerText, "Unity's C# version when the options do not say");
            Equal("Assets/Default.ruleset", xml.GetElementsByTagName("CodeAnalysisRuleSet")[0].InnerText, "the ruleset");
        }

        static void TestResponseFilesReachTheProject()
        {
            var assembly = SampleAssembly("Game.Core", new[] { "Assets/Score.cs" }, new Assembly[0], false);
            assembly.compilerOptions.AnalyzerConfigPath = "Assets/.globalconfig";
            assembly.compilerOptions.RoslynAdditionalFilePaths = new[] { "Assets/Analyzers/Names.txt" };
            var rsp = new[]
            {
                new ResponseFileData { Defines = new[] { "FROM_RSP", "DEBUG" }, FullPathReferences = new[] { "/usr/lib/mono/4.5/System.Xml.dll" }, Errors = new string[0], Unsafe = true,
                    OtherArguments = new[] { "/langversion:8.0", "/nullable", "/analyzer:Assets/Rsp.Analyzer.dll", "/a:Assets/Short.Analyzer.dll",
                        "/additionalfile:\"Assets/My Words.txt\"", "/warnaserror+", "/langversion:latest" } },
            };
            var xml = new XmlDocument();
            xml.LoadXml(SampleText().Csproj(assembly, new List<string>(), rsp));
            Func<string, List<string>> texts = tag => xml.GetElementsByTagName(tag).Cast<XmlElement>().Select(e => e.InnerText).ToList();
            Func<string, List<string>> includes = tag => xml.GetElementsByTagName(tag).Cast<XmlElement>().Select(e => e.GetAttribute("Include")).ToList();
            Equal("UNITY_EDITOR;DEBUG;FROM_RSP", texts("DefineConstants")[0], "the response file's defines after Unity's, once each");
            Equal("True", texts("AllowUnsafeBlocks")[0], "-unsafe");
            Equal("8.0", texts("LangVersion")[0], "the first -langversion");
            Equal("enable", texts("Nullable")[0], "-nullable alone enables");
            Words(new[] { "/opt/unity/UnityEngine.dll", "/usr/lib/mono/4.5/System.Xml.dll" }, texts("HintPath"), "-r references");
            Words(new[] { "Assets/Rsp.Analyzer.dll", "Assets/Short.Analyzer.dll" }, includes("Analyzer"), "-analyzer and -a");
            Words(new[] { "Assets/.globalconfig" }, includes("EditorConfigFiles"), "the analyzer config");
            Words(new[] { "Assets/Analyzers/Names.txt", "Assets/My Words.txt" }, includes("AdditionalFiles"), "Unity's additional files, then -additionalfile");
            rsp[0].OtherArguments = new[] { "/nullable:warnings", "/nullable-" };
            xml.LoadXml(SampleText().Csproj(assembly, new List<string>(), rsp));
            Equal("disable", texts("Nullable")[0], "the last -nullable wins");
            xml.LoadXml(SampleText().Csproj(assembly, new List<string>(), new ResponseFileData[0]));
            Equal(0, texts("Nullable").Count, "no Nullable without a response file saying so");
            Equal("UNITY_EDITOR;DEBUG", texts("DefineConstants")[0], "no response file, Unity's defines only");
        }

        static void TestProjectReferencesOnlyToGeneratedProjects()
        {
            var tools = SampleAssembly("Example.Tools", new[] { "Packages/com.example.tools/Clamp.cs" }, new Assembly[0], false);
            var core = SampleAssembly("Game.Core", new[] { "Assets/Score.cs" }, new Assembly[0], false);
            var editor = SampleAssembly("Game.Editor", new[] { "Assets/Editor/E.cs" }, new[] { core, tools }, false);
            var xml = new XmlDocument();
            xml.LoadXml(SampleText().Csproj(editor, new List<string> { "Game.Core", "Game.Editor" }, new ResponseFileData[0]));
            var projects = xml.GetElementsByTagName("ProjectReference").Cast<XmlElement>().Select(e => e.GetAttribute("Include")).ToList();
            Words(new[] { "Game.Core.csproj" }, projects, "a project reference to a generated project");
            var hints = xml.GetElementsByTagName("HintPath").Cast<XmlElement>().Select(e => e.InnerText).ToList();
            Words(new[] { "/opt/unity/UnityEngine.dll", "Library/ScriptAssemblies/Example.Tools.dll" }, hints, "the compiled DLL of one that is not");
            Equal(SampleText().Csproj(editor, new List<string> { "Game.Core", "Game.Editor" }, new ResponseFileData[0]), SampleText().Csproj(editor, new List<string> { "Game.Core", "Game.Editor" }, new ResponseFileData[0]), "the same text every time");
        }

        static void TestSolutionKeepsWhatTheUserAdded()
        {
            string user = "Project(\"{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}\") = \"Tools\", \"../tools/Tools.csproj\", \"{11111111-2222-3333-4444-555555555555}\"\r\nEndProject";
            string folder = "Project(\"{2150E333-8FDC-42A3-9474-1A3956D46DE8}\") = \"Docs\", \"Docs\", \"{66666666-2222-3333-4444-555555555555}\"\r\n"
                + "\tProjectSection(SolutionItems) = preProject\r\n\t\tREADME.md = README.md\r\n\tEndProjectSection\r\nEndProject";
            string gone = "Project(\"{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}\") = \"Old\", \"Old.csproj\", \"{77777777-2222-3333-4444-555555555555}\"\r\nEndProject";
            string nested = "\tGlobalSection(NestedProjects) = preSolution\r\n\t\t{11111111-2222-3333-4444-555555555555} = {66666666-2222-3333-4444-555555555555}\r\n\tEndGlobalSection";
            string previous = SampleText().Solution(new[] { "Game.Core", "Old" }, null).Replace("\r\nGlobal\r\n", "\r\n" + user + "\r\n" + folder + "\r\n" + gone + "\r\nGlobal\r\n")
                .Replace("EndGlobal\r\n", nested + "\r\nEndGlobal\r\n");
            string sln = SampleText().Solution(new[] { "Game.Core" }, previous);
            Check(sln.Contains(user), "a project outside the project folder stays");
            Check(sln.Contains(folder), "a solution folder stays, with its items");
            Check(!sln.Contains("Old.csproj"), "a project in the project folder that is not generated goes (the Visual Studio package's rule)");
            Check(sln.Contains("{11111111-2222-3333-4444-555555555555}.Debug|Any CPU.ActiveCfg"), "the kept project has its configurations");
            Check(!sln.Contains("{66666666-2222-3333-4444-555555555555}.Debug"), "a solution folder has none");
            Check(sln.Contains(nested), "the NestedProjects section stays");
            Equal(1, System.Text.RegularExpressions.Regex.Matches(sln, "HideSolutionNode").Count, "the previous SolutionProperties kept, not doubled");
            Equal(sln, SampleText().Solution(new[] { "Game.Core" }, sln), "stable: regenerating over itself changes nothing");
        }

        static void TestSolutionListsProjectsWithStableGuids()
        {
            string sln = SampleText().Solution(new[] { "Game.Core", "Assembly-CSharp" }, null);
            Equal(sln, SampleText().Solution(new[] { "Game.Core", "Assembly-CSharp" }, null), "the same text every time");
            var guids = System.Text.RegularExpressions.Regex.Matches(sln, "\"Game.Core.csproj\", \"\\{([0-9A-F-]{36})\\}\"");
            Equal(1, guids.Count, "Game.Core's entry");
            Check(sln.Contains("{" + guids[0].Groups[1].Value + "}.Debug|Any CPU.ActiveCfg"), "its configuration");
            Check(!new ProjectText("Other Game", p => p).Solution(new[] { "Game.Core" }, null).Contains(guids[0].Groups[1].Value), "GUIDs salted by the project name");
        }

        static void TestProjectFilesUseWindowsPathsOnWindows()
        {
            // Application.dataPath has `/` on Windows too; compiled references and package caches come with `\`.
            const string Game = "C:/Games/My Game";
            Func<string, string> windows = p => PackagePaths.InProject(p, Game, '\\');
            Equal(@"Assets\Scripts\A.cs", windows("C:/Games/My Game/Assets/Scripts/A.cs"), "under the project: relative, with \\");
            Equal(@"Library\PackageCache\com.x@1.0.0\Runtime\B.cs", windows(@"C:\Games\My Game/Library/PackageCache\com.x@1.0.0\Runtime\B.cs"), "mixed separators");
            Equal(@"C:\Program Files\Unity\Editor\Data\Managed\UnityEngine.dll", windows("C:/Program Files/Unity/Editor/Data/Managed/UnityEngine.dll"), "elsewhere: absolute, with \\");
            Equal(@"c:\games\my game\Assets\C.cs", windows(@"c:\games\my game\Assets\C.cs"), "the prefix compares case-sensitively, as the Visual Studio package's SkipPathPrefix");
            Equal(@"\\server\share\D.cs", windows(@"\\server\share\D.cs"), "a UNC path keeps its leading \\\\");
            Equal("Assets/Scripts/A.cs", PackagePaths.InProject(@"/home/me/Game/Assets\Scripts/A.cs", "/home/me/Game/", '/'), "Linux and macOS: `/`");

            var sample = new Assembly("Game", "Library/ScriptAssemblies/Game.dll", new[] { "C:/Games/My Game/Assets/A;B.cs" }, new[] { "UNITY_EDITOR" },
                new Assembly[0], new[] { "C:/Program Files/Unity/Editor/Data/Managed/UnityEngine.dll" }, AssemblyFlags.None, new ScriptCompilerOptions(), "Game");
            var xml = new XmlDocument();
            xml.LoadXml(new ProjectText("My Game", p => ProjectText.ItemPath(windows(p))).Csproj(sample, new List<string>(), new ResponseFileData[0]));
            Equal(@"Assets\A%3bB.cs", xml.GetElementsByTagName("Compile")[0].Attributes["Include"].Value, "a script, MSBuild-escaped");
            Equal(@"C:\Program Files\Unity\Editor\Data\Managed\UnityEngine.dll", xml.GetElementsByTagName("HintPath")[0].InnerText, "a reference");
        }
    }
}
