// Stand-in for UnityEditor.Compilation's assembly model (CompilationPipeline.GetAssemblies,
// Assembly, ScriptCompilerOptions, AssemblyFlags, AssembliesType) and for PackageManager's
// PackageInfo.FindForAssetPath, with Unity's signatures: UnityCsReference
// Editor/Mono/Scripting/ScriptCompilation/CompilationPipeline.cs and
// Modules/PackageManager/Editor/Managed/PackageInfo.cs. The host computes the assemblies from
// the project it runs on (host/AssemblyGraph.cs) and sets the internal hooks.
using System;
using System.Linq;

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
        public bool AllowUnsafeCode { get; set; }
        public bool EmitReferenceAssembly { get; set; }
        public string[] AdditionalCompilerArguments { get; set; }
        public string[] ResponseFiles { get; set; }

        public ScriptCompilerOptions()
        {
            AllowUnsafeCode = false;
            ResponseFiles = new string[0];
            RoslynAnalyzerDllPaths = new string[0];
        }
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
