// Stand-in for UnityEditor.Compilation's assembly model (CompilationPipeline.GetAssemblies,
// Assembly, ScriptCompilerOptions, AssemblyFlags, AssembliesType), its response files
// (ResponseFileData, ParseResponseFile, GetSystemAssemblyDirectories) and for PackageManager's
// PackageInfo.FindForAssetPath, with Unity's signatures: UnityCsReference
// Editor/Mono/Scripting/ScriptCompilation/CompilationPipeline.cs,
// Editor/Mono/Scripting/Compilers/MicrosoftResponseFileParser.cs and
// Modules/PackageManager/Editor/Managed/PackageInfo.cs. The host computes the assemblies from
// the project it runs on (host/AssemblyGraph.cs) and sets the internal hooks.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace UnityEditor
{
    // PlayerSettings.bindings.cs: the values the package may pass back to GetSystemAssemblyDirectories.
    public enum ApiCompatibilityLevel
    {
        NET_2_0 = 1,
        NET_2_0_Subset = 2,
        NET_4_6 = 3,
        NET_Web = 4,
        NET_Micro = 5,
        NET_Standard_2_0 = 6,
        NET_Unity_4_8 = 3,
        NET_Standard = 6,
    }
}

namespace UnityEditor.Compilation
{
    [Flags]
    public enum AssemblyFlags
    {
        None = 0,
        EditorAssembly = (1 << 0),
    }

    public enum AssembliesType
    {
        Editor = 0,
        Player = 1,
        PlayerWithoutTestAssemblies = 2,
    }

    public class ScriptCompilerOptions
    {
        public string RoslynAnalyzerRulesetPath { get; set; }
        public string[] RoslynAnalyzerDllPaths { get; set; }
        // Both from a 2021.3 patch release and 2022.2 (not 2022.1): packages read them by reflection.
        public string[] RoslynAdditionalFilePaths { get; set; }
        public string AnalyzerConfigPath { get; set; }
        public bool AllowUnsafeCode { get; set; }
        public bool EmitReferenceAssembly { get; set; }
        public string[] AdditionalCompilerArguments { get; set; }
        public ApiCompatibilityLevel ApiCompatibilityLevel { get; set; }
        /// <summary>Absolute paths: the assembly folder's csc.rsp, else Assets/csc.rsp (ResponseFileProvider.Get).</summary>
        public string[] ResponseFiles { get; set; }

        public ScriptCompilerOptions()
        {
            AllowUnsafeCode = false;
            ApiCompatibilityLevel = ApiCompatibilityLevel.NET_Unity_4_8;
            ResponseFiles = new string[0];
            RoslynAnalyzerDllPaths = new string[0];
            RoslynAdditionalFilePaths = new string[0];
        }
    }

    public class ResponseFileData
    {
        public string[] Defines;
        public string[] FullPathReferences;
        public string[] Errors;
        public string[] OtherArguments;
        public bool Unsafe;
    }

    public class Assembly
    {
        public string name { get; private set; }
        public string rootNamespace { get; private set; }
        public string outputPath { get; private set; }
        public string[] sourceFiles { get; private set; }
        public string[] defines { get; private set; }
        public Assembly[] assemblyReferences { get; internal set; }
        public string[] compiledAssemblyReferences { get; private set; }
        public AssemblyFlags flags { get; private set; }
        public ScriptCompilerOptions compilerOptions { get; internal set; }

        public string[] allReferences { get { return assemblyReferences.Select(a => a.outputPath).Concat(compiledAssemblyReferences).ToArray(); } }

        public Assembly(string name, string outputPath, string[] sourceFiles, string[] defines, Assembly[] assemblyReferences,
            string[] compiledAssemblyReferences, AssemblyFlags flags)
            : this(name, outputPath, sourceFiles, defines, assemblyReferences, compiledAssemblyReferences, flags, new ScriptCompilerOptions(), string.Empty)
        {
        }

        public Assembly(string name, string outputPath, string[] sourceFiles, string[] defines, Assembly[] assemblyReferences,
            string[] compiledAssemblyReferences, AssemblyFlags flags, ScriptCompilerOptions compilerOptions)
            : this(name, outputPath, sourceFiles, defines, assemblyReferences, compiledAssemblyReferences, flags, compilerOptions, string.Empty)
        {
        }

        public Assembly(string name, string outputPath, string[] sourceFiles, string[] defines, Assembly[] assemblyReferences,
            string[] compiledAssemblyReferences, AssemblyFlags flags, ScriptCompilerOptions compilerOptions, string rootNamespace)
        {
            this.name = name;
            this.outputPath = outputPath;
            this.sourceFiles = sourceFiles;
            this.defines = defines;
            this.assemblyReferences = assemblyReferences;
            this.compiledAssemblyReferences = compiledAssemblyReferences;
            this.flags = flags;
            this.compilerOptions = compilerOptions;
            this.rootNamespace = rootNamespace;
        }
    }

    public static partial class CompilationPipeline
    {
        /// <summary>The host's model of the project's assemblies (host/AssemblyGraph.cs).</summary>
        internal static Func<AssembliesType, Assembly[]> assemblies;

        public static Assembly[] GetAssemblies() { return GetAssemblies(AssembliesType.Editor); }

        public static Assembly[] GetAssemblies(AssembliesType assembliesType) { return assemblies(assembliesType); }

        /// <summary>MonoLibraryHelpers.GetSystemReferenceDirectories: here Mono's own class library folder.</summary>
        public static string[] GetSystemAssemblyDirectories(ApiCompatibilityLevel apiCompatibilityLevel)
        {
            return new[] { Path.GetDirectoryName(typeof(object).Assembly.Location) };
        }

        /// <summary>
        /// MicrosoftResponseFileParser.ParseResponseFileFromFile: -d/-define (split on ; and ,),
        /// -r/-reference (one per option, an alias= dropped, found in the system folders or the
        /// project, else an error), -unsafe/-unsafe+; anything else verbatim in OtherArguments with
        /// '-' made '/'. A missing file parses as empty.
        /// </summary>
        public static ResponseFileData ParseResponseFile(string relativePath, string projectDirectory, string[] systemReferenceDirectories)
        {
            var data = new ResponseFileData { Defines = new string[0], FullPathReferences = new string[0], Errors = new string[0], OtherArguments = new string[0] };
            string path = relativePath.Replace('\\', '/');
            if (!File.Exists(path)) return data;
            var defines = new List<string>();
            var references = new List<string>();
            var errors = new List<string>();
            var other = new List<string>();
            foreach (var word in ResponseFileWords(File.ReadAllText(path)))
            {
                int colon = word.IndexOf(':');
                string arg = colon < 0 ? word : word.Substring(0, colon);
                string value = colon < 0 ? "" : word.Substring(colon + 1);
                if (arg.StartsWith("-", StringComparison.Ordinal)) arg = "/" + arg.Substring(1);
                if (arg == "/d" || arg == "/define") defines.AddRange(value.Split(';', ','));
                else if (arg == "/r" || arg == "/reference") AddReference(value, path, projectDirectory, systemReferenceDirectories, references, errors);
                else if (arg == "/unsafe" || arg == "/unsafe+") data.Unsafe = true; // Unity's "unset" test is the same: -unsafe- is passed on
                else other.Add(arg + (value.Length == 0 ? "" : ":" + (value.Any(char.IsWhiteSpace) ? "\"" + value + "\"" : value)));
            }
            data.Defines = defines.ToArray();
            data.FullPathReferences = references.ToArray();
            data.Errors = errors.ToArray();
            data.OtherArguments = other.ToArray();
            return data;
        }

        static void AddReference(string value, string file, string projectDirectory, string[] systemDirectories, List<string> references, List<string> errors)
        {
            if (value.Length == 0) { errors.Add("No value set for reference"); return; }
            var parts = value.Split(';', ',');
            if (parts.Length != 1) { errors.Add("Cannot specify multiple aliases using single /reference option"); return; }
            int alias = parts[0].IndexOf('=');
            string reference = alias > -1 ? parts[0].Substring(alias + 1) : parts[0];
            if (reference.Length == 0) return;
            string found = Path.IsPathRooted(reference) ? reference : null;
            if (found == null)
            {
                foreach (var dir in systemDirectories)
                    if (File.Exists(Path.Combine(dir, reference))) { found = Path.Combine(dir, reference); break; }
                if (File.Exists(Path.Combine(projectDirectory, reference))) found = Path.Combine(projectDirectory, reference);
            }
            if (found == null)
                errors.Add(file + ": not parsed correctly: " + reference + " could not be found as a system library.\n"
                    + "If this was meant as a user reference please provide the relative path from project root (parent of the Assets folder) in the response file.");
            else
                references.Add(found.Replace('\\', '/'));
        }

        /// <summary>mcs's response file splitting, as Unity copied it: words split on spaces, quoted with " or ', # starts a comment.</summary>
        static List<string> ResponseFileWords(string text)
        {
            var words = new List<string>();
            var word = new System.Text.StringBuilder();
            foreach (var line in text.Split('\n', '\r'))
            {
                for (int i = 0; i < line.Length; i++)
                {
                    char c = line[i];
                    if (c == '"' || c == '\'')
                    {
                        char end = c;
                        for (i++; i < line.Length && line[i] != end; i++) word.Append(line[i]);
                    }
                    else if (c == ' ')
                    {
                        if (word.Length > 0) { words.Add(word.ToString()); word.Length = 0; }
                    }
                    else if (c == '#') break;
                    else word.Append(c);
                }
                if (word.Length > 0) { words.Add(word.ToString()); word.Length = 0; }
            }
            return words;
        }
    }
}

namespace UnityEditor.PackageManager
{
    public enum PackageSource
    {
        Unknown = 0,
        Registry = 1,
        BuiltIn = 2,
        Embedded = 3,
        Local = 4,
        Git = 5,
        LocalTarball = 6,
    }

    public sealed class PackageInfo
    {
        /// <summary>The host's package lookup (host/AssemblyGraph.cs): "Packages/&lt;name&gt;/..." to its package.</summary>
        internal static Func<string, PackageInfo> find;

        internal PackageInfo(string name, PackageSource source, string resolvedPath)
        {
            this.name = name;
            this.source = source;
            this.resolvedPath = resolvedPath;
            assetPath = "Packages/" + name;
        }

        public string name { get; private set; }
        public PackageSource source { get; private set; }
        public string assetPath { get; private set; }
        public string resolvedPath { get; private set; }

        public static PackageInfo FindForAssetPath(string assetPath) { return find(assetPath); }
    }
}
