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
            var text = SampleText().Csproj(SampleAssembly("Game.Core", new[] { odd, "Assets/Plain.cs", "Assets/notes.txt" }, new Assembly[0], true), new List<string>());
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

        static void TestProjectReferencesOnlyToGeneratedProjects()
        {
            var tools = SampleAssembly("Example.Tools", new[] { "Packages/com.example.tools/Clamp.cs" }, new Assembly[0], false);
            var core = SampleAssembly("Game.Core", new[] { "Assets/Score.cs" }, new Assembly[0], false);
            var editor = SampleAssembly("Game.Editor", new[] { "Assets/Editor/E.cs" }, new[] { core, tools }, false);
            var xml = new XmlDocument();
            xml.LoadXml(SampleText().Csproj(editor, new List<string> { "Game.Core", "Game.Editor" }));
            var projects = xml.GetElementsByTagName("ProjectReference").Cast<XmlElement>().Select(e => e.GetAttribute("Include")).ToList();
            Words(new[] { "Game.Core.csproj" }, projects, "a project reference to a generated project");
            var hints = xml.GetElementsByTagName("HintPath").Cast<XmlElement>().Select(e => e.InnerText).ToList();
            Words(new[] { "/opt/unity/UnityEngine.dll", "Library/ScriptAssemblies/Example.Tools.dll" }, hints, "the compiled DLL of one that is not");
            Equal(SampleText().Csproj(editor, new List<string> { "Game.Core", "Game.Editor" }), SampleText().Csproj(editor, new List<string> { "Game.Core", "Game.Editor" }), "the same text every time");
        }

        static void TestSolutionListsProjectsWithStableGuids()
        {
            string sln = SampleText().Solution(new[] { "Game.Core", "Assembly-CSharp" });
            Equal(sln, SampleText().Solution(new[] { "Game.Core", "Assembly-CSharp" }), "the same text every time");
            var guids = System.Text.RegularExpressions.Regex.Matches(sln, "\"Game.Core.csproj\", \"\\{([0-9A-F-]{36})\\}\"");
            Equal(1, guids.Count, "Game.Core's entry");
            Check(sln.Contains("{" + guids[0].Groups[1].Value + "}.Debug|Any CPU.ActiveCfg"), "its configuration");
            Check(!new ProjectText("Other Game", p => p).Solution(new[] { "Game.Core" }).Contains(guids[0].Groups[1].Value), "GUIDs salted by the project name");
        }
    }
}
