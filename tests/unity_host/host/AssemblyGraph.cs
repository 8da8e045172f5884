using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using UnityEditor.Compilation;
using UnityEditor.PackageManager;
using UnityEngine;

namespace UnityHost
{
    /// <summary>
    /// The project's script assemblies as Unity computes them (UnityCsReference,
    /// Editor/Mono/Scripting/ScriptCompilation/EditorBuildRules.cs, CustomScriptAssembly.cs,
    /// EditorCompilation.cs), read from the files on each call: what CompilationPipeline.GetAssemblies
    /// returns and what the stand-in compiler builds.
    /// - Assembly-CSharp: scripts under Assets/ outside any asmdef; Assembly-CSharp-Editor: those
    ///   with an "Editor" folder in their path. Both reference every auto-referenced asmdef
    ///   assembly they may (not test assemblies; not editor-only ones from Assembly-CSharp), and
    ///   Assembly-CSharp-Editor references Assembly-CSharp.
    /// - One assembly per .asmdef, holding the scripts of its folder and below, minus sub-folders
    ///   with their own asmdef; an .asmref adds its folder to the asmdef it names. Read: name,
    ///   rootNamespace, references (by name or "GUID:" of the asmdef's .meta), includePlatforms /
    ///   excludePlatforms ("Editor"), allowUnsafeCode, overrideReferences, precompiledReferences,
    ///   autoReferenced, defineConstraints ("!X" negates), optionalUnityReferences
    ///   ("TestAssemblies": a test assembly, referencing NUnit, constrained to UNITY_INCLUDE_TESTS),
    ///   noEngineReferences.
    /// - Packages: embedded (Packages/&lt;folder&gt; with a package.json) and local ("file:" in
    ///   Packages/manifest.json); their scripts count only inside an asmdef, as in Unity.
    /// - Precompiled references: the project's DLLs (all of them unless overrideReferences), and
    ///   nunit.framework.dll, which com.unity.ext.nunit ships: here Debian's NUnit 2.6.
    /// - Roslyn analyzers: DLLs whose .meta carries the RoslynAnalyzer label; rulesets:
    ///   Assets/&lt;Assembly&gt;.ruleset, else Assets/Default.ruleset (Unity's RoslynAnalyzers.cs).
    /// - Response files (ScriptAssembly.GetResponseFiles, ResponseFileProvider.Get): an asmdef's
    ///   folder's csc.rsp, else Assets/csc.rsp (else the obsolete Assets/mcs.rsp), as absolute
    ///   paths in compilerOptions.ResponseFiles; its defines count for defineConstraints
    ///   (EditorCompilation.UpdateCustomTargetAssembliesResponseFileData) but are not in
    ///   Assembly.defines: the compiler and project generators read the file.
    /// Not modelled: Assembly-CSharp-firstpass (Plugins, Standard Assets), versionDefines,
    /// AnalyzerConfigPath and RoslynAdditionalFilePaths (.globalconfig, analyzer additional files),
    /// registry/git/built-in packages (Library/PackageCache).
    /// </summary>
    sealed class AssemblyGraph
    {
        public const string EditorOutputDir = "Library/ScriptAssemblies/";
        public const string PlayerOutputDir = "Library/PlayerScriptAssemblies/";
        const string TestConstraint = "UNITY_INCLUDE_TESTS";
        const string NUnit = "nunit.framework.dll";
        static readonly string[] UnityVersions = { "2021.1", "2021.2", "2021.3", "2022.1", "2022.2", "2022.3", "2023.1", "2023.2", "6000.0" };
        static readonly Regex Guid = new Regex(@"^guid: ([0-9a-fA-F]{32})\s*$", RegexOptions.Multiline);
        static readonly Regex PackageName = new Regex("\"name\"\\s*:\\s*\"([^\"]+)\"");
        static readonly Regex LocalDependency = new Regex("\"([^\"]+)\"\\s*:\\s*\"file:([^\"]+)\"");

        /// <summary>An .asmdef (or an .asmref: only reference) as Unity's CustomScriptAssemblyData reads it.</summary>
        sealed class AsmDef
        {
            public string name;
            public string rootNamespace;
            public string[] references;
            public string[] includePlatforms;
            public string[] excludePlatforms;
            public bool allowUnsafeCode;
            public bool overrideReferences;
            public string[] precompiledReferences;
            public bool? autoReferenced;
            public string[] defineConstraints;
            public string[] optionalUnityReferences;
            public bool noEngineReferences;
            public string reference; // an .asmref's target

            public string Guid; // of its .meta, for "GUID:" references
            public string Folder; // virtual: "Assets/..." or "Packages/<name>/..." 
            public readonly List<string> Sources = new List<string>();

            public bool EditorOnly
            {
                get { return includePlatforms != null && includePlatforms.Length == 1 && includePlatforms[0] == "Editor"; }
            }

            public bool IsTest
            {
                get
                {
                    return Array.IndexOf(optionalUnityReferences ?? new string[0], "TestAssemblies") >= 0
                        || Array.IndexOf(defineConstraints ?? new string[0], TestConstraint) >= 0;
                }
            }
        }

        /// <summary>One package: its "Packages/&lt;name&gt;" path and where its files are.</summary>
        sealed class Package
        {
            public string Name;
            public PackageSource Source;
            public string Folder;
        }

        readonly string project;
        readonly string[] engine;
        readonly string testRunner;
        readonly string[] system;
        readonly NativeEditor native;

        /// <param name="project">the project folder</param>
        /// <param name="baseDir">the host's folder, with the stub UnityEngine.dll and UnityEditor.dll</param>
        public AssemblyGraph(string project, string baseDir, NativeEditor native)
        {
            this.project = project;
            this.native = native;
            engine = new[] { Path.Combine(baseDir, "UnityEngine.dll"), Path.Combine(baseDir, "UnityEditor.dll") };
            testRunner = TestFramework.EngineAssembly(baseDir);
            // Unity references its own class libraries; here Mono's, which mcs would take implicitly.
            string lib = Path.GetDirectoryName(typeof(object).Assembly.Location);
            system = new[] { Path.Combine(lib, "mscorlib.dll"), Path.Combine(lib, "System.dll"), Path.Combine(lib, "System.Core.dll") };
        }

        /// <summary>
        /// The NUnit that stands in for com.unity.ext.nunit: UNITY_HOST_NUNIT, else Debian's
        /// (libnunit-cil-dev, /usr/lib/cli), else one in Mono's global assembly cache; null when none.
        /// </summary>
        public static string NUnitPath()
        {
            string chosen = Environment.GetEnvironmentVariable("UNITY_HOST_NUNIT");
            if (!string.IsNullOrEmpty(chosen)) return chosen;
            string gac = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(typeof(object).Assembly.Location)), "gac", "nunit.framework");
            foreach (var root in new[] { "/usr/lib/cli", gac })
            {
                if (!Directory.Exists(root)) continue;
                var found = new List<string>();
                foreach (var dir in Directory.GetDirectories(root))
                    if (File.Exists(Path.Combine(dir, NUnit))) found.Add(Path.Combine(dir, NUnit));
                found.Sort(StringComparer.Ordinal);
                if (found.Count > 0) return found[found.Count - 1];
            }
            return null;
        }

        /// <summary>PackageInfo.FindForAssetPath: the package a "Packages/&lt;name&gt;/..." path is in, else null.</summary>
        public PackageInfo FindPackage(string assetPath)
        {
            foreach (var p in Packages())
                if (assetPath == "Packages/" + p.Name || assetPath.StartsWith("Packages/" + p.Name + "/", StringComparison.Ordinal))
                    return new PackageInfo(p.Name, p.Source, p.Folder);
            return null;
        }

        /// <summary>CompilationPipeline.GetAssemblies: referenced assemblies before those that reference them, else by name.</summary>
        public Assembly[] Assemblies(AssembliesType type)
        {
            bool editor = type == AssembliesType.Editor;
            bool tests = type != AssembliesType.PlayerWithoutTestAssemblies;
            string outputDir = editor ? EditorOutputDir : PlayerOutputDir;
            var defines = Defines(editor, tests);

            var asmdefs = new List<AsmDef>();
            var refs = new List<AsmDef>();
            var byFolder = new Dictionary<string, AsmDef>(); // virtual folder -> asmdef or asmref
            var scripts = new List<string>();
            var dlls = new List<string>();
            var roots = new List<KeyValuePair<string, string>> { new KeyValuePair<string, string>("Assets", Path.Combine(project, "Assets")) };
            foreach (var p in Packages()) roots.Add(new KeyValuePair<string, string>("Packages/" + p.Name, p.Folder));
            foreach (var root in roots)
                Walk(root.Value, root.Key, asmdefs, refs, byFolder, scripts, dlls);

            var byName = new Dictionary<string, AsmDef>();
            foreach (var a in asmdefs)
                if (!string.IsNullOrEmpty(a.name) && !byName.ContainsKey(a.name)) byName[a.name] = a;
            foreach (var r in refs)
            {
                var target = Resolve(r.reference, byName, asmdefs);
                foreach (var folder in new List<string>(byFolder.Keys))
                    if (byFolder[folder] == r) byFolder[folder] = target; // null: an asmref to nothing holds its scripts back
            }

            var looseRuntime = new List<string>();
            var looseEditor = new List<string>();
            foreach (var script in scripts)
            {
                AsmDef owner;
                if (Owner(script, byFolder, out owner))
                {
                    if (owner != null) owner.Sources.Add(script);
                }
                else if (script.StartsWith("Assets/", StringComparison.Ordinal))
                {
                    (("/" + script).Contains("/Editor/") ? looseEditor : looseRuntime).Add(script);
                }
            }

            var analyzers = new List<string>();
            var plugins = new List<string>();
            foreach (var dll in dlls)
                (IsAnalyzer(dll) ? analyzers : plugins).Add(Physical(dll));
            string nunit = NUnitPath();

            // Custom assemblies first: which exist for this type, their defines and references.
            var built = new Dictionary<string, Assembly>();
            var edges = new Dictionary<string, List<string>>();
            var included = new List<AsmDef>();
            foreach (var a in asmdefs)
            {
                if (string.IsNullOrEmpty(a.name) || byName[a.name] != a || a.Sources.Count == 0) continue;
                if (!editor && a.EditorOnly) continue;
                if (editor && a.includePlatforms != null && a.includePlatforms.Length > 0 && Array.IndexOf(a.includePlatforms, "Editor") < 0) continue;
                if (editor && Array.IndexOf(a.excludePlatforms ?? new string[0], "Editor") >= 0) continue;
                if (a.IsTest && !tests) continue;
                var constraintDefines = new List<string>(defines);
                foreach (var rsp in ResponseFiles(a.Folder))
                    constraintDefines.AddRange(CompilationPipeline.ParseResponseFile(rsp, project, new string[0]).Defines);
                if (!Satisfied(a.defineConstraints, constraintDefines)) continue;
                included.Add(a);
            }
            foreach (var a in included)
            {
                var names = new List<string>();
                foreach (var r in a.references ?? new string[0])
                {
                    var target = Resolve(r, byName, asmdefs);
                    if (target != null && included.Contains(target) && !names.Contains(target.name)) names.Add(target.name);
                }
                edges[a.name] = names;
            }

            var precompiled = new Dictionary<string, string[]>();
            foreach (var a in included)
            {
                var list = new List<string>();
                if (!a.noEngineReferences) list.AddRange(editor ? engine : new[] { engine[0] });
                if (a.overrideReferences)
                {
                    foreach (var name in a.precompiledReferences ?? new string[0])
                    {
                        string found = name == NUnit ? nunit : plugins.Find(p => Path.GetFileName(p) == name);
                        if (found != null) list.Add(found);
                    }
                }
                else
                {
                    list.AddRange(plugins);
                }
                if (a.IsTest && nunit != null && !list.Contains(nunit)) list.Add(nunit);
                if (a.IsTest && testRunner != null) list.Add(testRunner); // the Test Framework's [UnityTest]
                precompiled[a.name] = list.ToArray();
            }

            // The predefined assemblies reference the auto-referenced custom ones (EditorBuildRules).
            var autoRuntime = included.FindAll(a => a.autoReferenced != false && !a.IsTest && !a.EditorOnly).ConvertAll(a => a.name);
            var autoEditor = included.FindAll(a => a.autoReferenced != false && !a.IsTest).ConvertAll(a => a.name);
            var loose = new List<KeyValuePair<string, List<string>>>();
            if (looseRuntime.Count > 0)
            {
                edges["Assembly-CSharp"] = autoRuntime;
                loose.Add(new KeyValuePair<string, List<string>>("Assembly-CSharp", looseRuntime));
            }
            if (looseEditor.Count > 0 && editor)
            {
                var e = new List<string>(autoEditor);
                if (looseRuntime.Count > 0) e.Add("Assembly-CSharp");
                edges["Assembly-CSharp-Editor"] = e;
                loose.Add(new KeyValuePair<string, List<string>>("Assembly-CSharp-Editor", looseEditor));
            }

            var order = new List<string>();
            var names2 = new List<string>(edges.Keys);
            names2.Sort(StringComparer.Ordinal);
            var visiting = new HashSet<string>();
            foreach (var n in names2) Visit(n, edges, order, visiting);

            var result = new List<Assembly>();
            foreach (var n in order)
            {
                var assemblyRefs = edges[n].ConvertAll(r => built[r]).ToArray();
                AsmDef a = byName.ContainsKey(n) && included.Contains(byName[n]) ? byName[n] : null;
                var options = new ScriptCompilerOptions
                {
                    AllowUnsafeCode = a != null && a.allowUnsafeCode,
                    RoslynAnalyzerDllPaths = analyzers.ToArray(),
                    RoslynAnalyzerRulesetPath = Ruleset(n),
                    ResponseFiles = ResponseFiles(a != null ? a.Folder : null),
                };
                string[] sources;
                string[] compiled;
                AssemblyFlags flags;
                var assemblyDefines = new List<string>(defines);
                if (a != null)
                {
                    sources = a.Sources.ToArray();
                    compiled = precompiled[n];
                    flags = a.EditorOnly ? AssemblyFlags.EditorAssembly : AssemblyFlags.None;
                }
                else
                {
                    sources = loose.Find(l => l.Key == n).Value.ToArray();
                    var list = new List<string>(editor ? engine : new[] { engine[0] });
                    list.AddRange(plugins);
                    compiled = list.ToArray();
                    flags = n == "Assembly-CSharp-Editor" ? AssemblyFlags.EditorAssembly : AssemblyFlags.None;
                }
                Array.Sort(sources, StringComparer.Ordinal);
                var all = new List<string>(system);
                all.AddRange(compiled);
                var assembly = new Assembly(n, outputDir + n + ".dll", sources, assemblyDefines.ToArray(), assemblyRefs, all.ToArray(), flags,
                    options, a != null ? a.rootNamespace ?? "" : "");
                built[n] = assembly;
                result.Add(assembly);
            }
            return result.ToArray();
        }

        /// <summary>Unity's scripting defines for an editor (or player) build on this machine, as sorted constants.</summary>
        List<string> Defines(bool editor, bool tests)
        {
            var defines = new List<string> { "DEBUG", "TRACE", "ENABLE_MONO", "UNITY_STANDALONE", "UNITY_STANDALONE_LINUX" };
            if (editor) defines.AddRange(new[] { "UNITY_EDITOR", Environment.OSVersion.Platform == PlatformID.MacOSX ? "UNITY_EDITOR_OSX" : "UNITY_EDITOR_LINUX" });
            if (tests) defines.Add(TestConstraint);
            foreach (var v in UnityVersions)
            {
                var parts = v.Split('.');
                if (!native.AtLeast(int.Parse(parts[0]), int.Parse(parts[1]))) continue;
                defines.Add("UNITY_" + parts[0] + "_" + parts[1] + "_OR_NEWER");
                if (native.UnityVersion.StartsWith(v + ".", StringComparison.Ordinal))
                {
                    defines.Add("UNITY_" + parts[0]);
                    defines.Add("UNITY_" + parts[0] + "_" + parts[1]);
                }
            }
            defines.Sort(StringComparer.Ordinal);
            return defines;
        }

        static bool Satisfied(string[] constraints, List<string> defines)
        {
            foreach (var c in constraints ?? new string[0])
            {
                string name = c.Trim();
                bool negated = name.StartsWith("!", StringComparison.Ordinal);
                if (negated) name = name.Substring(1);
                if (defines.Contains(name) == negated) return false;
            }
            return true;
        }

        static AsmDef Resolve(string reference, Dictionary<string, AsmDef> byName, List<AsmDef> asmdefs)
        {
            if (reference == null) return null;
            if (reference.StartsWith("GUID:", StringComparison.OrdinalIgnoreCase))
                return asmdefs.Find(a => string.Equals(a.Guid, reference.Substring(5), StringComparison.OrdinalIgnoreCase));
            AsmDef found;
            return byName.TryGetValue(reference, out found) ? found : null;
        }

        /// <summary>Whether an asmdef or asmref folder holds the script (owner: its asmdef, or null for an asmref to nothing).</summary>
        static bool Owner(string script, Dictionary<string, AsmDef> byFolder, out AsmDef owner)
        {
            string folder = script;
            while (true)
            {
                int slash = folder.LastIndexOf('/');
                if (slash < 0) break;
                folder = folder.Substring(0, slash);
                if (byFolder.TryGetValue(folder, out owner)) return true;
            }
            owner = null;
            return false;
        }

        static void Visit(string name, Dictionary<string, List<string>> edges, List<string> order, HashSet<string> visiting)
        {
            if (order.Contains(name) || !visiting.Add(name)) return; // done, or a cycle (Unity refuses those)
            var next = new List<string>(edges[name]);
            next.Sort(StringComparer.Ordinal);
            foreach (var r in next) Visit(r, edges, order, visiting);
            visiting.Remove(name);
            order.Add(name);
        }

        /// <summary>Collects one root's scripts, DLLs, asmdefs and asmrefs; Unity skips hidden folders and those ending in ~.</summary>
        void Walk(string folder, string virtualFolder, List<AsmDef> asmdefs, List<AsmDef> refs, Dictionary<string, AsmDef> byFolder,
            List<string> scripts, List<string> dlls)
        {
            if (!Directory.Exists(folder)) return;
            var files = Directory.GetFiles(folder);
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var file in files)
            {
                string name = Path.GetFileName(file);
                string virtualPath = virtualFolder + "/" + name;
                if (name.EndsWith(".cs", StringComparison.Ordinal)) scripts.Add(virtualPath);
                else if (name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) dlls.Add(virtualPath);
                else if (name.EndsWith(".asmdef", StringComparison.Ordinal) || name.EndsWith(".asmref", StringComparison.Ordinal))
                {
                    var def = Read(file);
                    if (def == null || byFolder.ContainsKey(virtualFolder)) continue; // one per folder, as Unity insists
                    def.Guid = MetaGuid(file);
                    def.Folder = virtualFolder;
                    (name.EndsWith(".asmdef", StringComparison.Ordinal) ? asmdefs : refs).Add(def);
                    byFolder[virtualFolder] = def;
                }
            }
            var dirs = Directory.GetDirectories(folder);
            Array.Sort(dirs, StringComparer.Ordinal);
            foreach (var dir in dirs)
            {
                string name = Path.GetFileName(dir);
                if (name.StartsWith(".", StringComparison.Ordinal) || name.EndsWith("~", StringComparison.Ordinal)) continue;
                Walk(dir, virtualFolder + "/" + name, asmdefs, refs, byFolder, scripts, dlls);
            }
        }

        static AsmDef Read(string file)
        {
            try
            {
                var map = Json.Parse(File.ReadAllText(file, Encoding.UTF8)) as Dictionary<string, object>;
                if (map == null) throw new FormatException("not a JSON object");
                return new AsmDef
                {
                    name = Field<string>(map, "name"),
                    rootNamespace = Field<string>(map, "rootNamespace"),
                    references = Strings(map, "references"),
                    includePlatforms = Strings(map, "includePlatforms"),
                    excludePlatforms = Strings(map, "excludePlatforms"),
                    allowUnsafeCode = Field<bool>(map, "allowUnsafeCode"),
                    overrideReferences = Field<bool>(map, "overrideReferences"),
                    precompiledReferences = Strings(map, "precompiledReferences"),
                    autoReferenced = map.ContainsKey("autoReferenced") ? Field<bool>(map, "autoReferenced") : (bool?)null,
                    defineConstraints = Strings(map, "defineConstraints"),
                    optionalUnityReferences = Strings(map, "optionalUnityReferences"),
                    noEngineReferences = Field<bool>(map, "noEngineReferences"),
                    reference = Field<string>(map, "reference"),
                };
            }
            catch (Exception e)
            {
                Program.Log("cannot read " + file + ": " + e.Message + " (Unity reports a broken assembly definition)");
                return null;
            }
        }

        static T Field<T>(Dictionary<string, object> map, string key)
        {
            object value;
            return map.TryGetValue(key, out value) && value is T ? (T)value : default(T);
        }

        static string[] Strings(Dictionary<string, object> map, string key)
        {
            var list = Field<List<object>>(map, key);
            return list == null ? new string[0] : list.ConvertAll(o => o as string ?? "").ToArray();
        }

        static string MetaGuid(string file)
        {
            if (!File.Exists(file + ".meta")) return null;
            var m = Guid.Match(File.ReadAllText(file + ".meta"));
            return m.Success ? m.Groups[1].Value : null;
        }

        bool IsAnalyzer(string virtualPath)
        {
            string meta = Physical(virtualPath) + ".meta";
            return File.Exists(meta) && File.ReadAllText(meta).Contains("RoslynAnalyzer");
        }

        /// <summary>ResponseFileProvider.Get: the folder's csc.rsp, else the project's (null folder: a predefined assembly's).</summary>
        string[] ResponseFiles(string virtualFolder)
        {
            if (virtualFolder != null)
            {
                string own = Physical(virtualFolder + "/csc.rsp");
                if (File.Exists(own)) return new[] { own };
            }
            foreach (var name in new[] { "csc.rsp", "mcs.rsp" })
                if (File.Exists(Path.Combine(project, "Assets", name))) return new[] { Path.Combine(project, "Assets", name) };
            return new string[0];
        }

        string Ruleset(string assemblyName)
        {
            foreach (var name in new[] { assemblyName + ".ruleset", "Default.ruleset" })
                if (File.Exists(Path.Combine(project, "Assets", name))) return "Assets/" + name;
            return null;
        }

        /// <summary>A virtual path ("Assets/...", "Packages/&lt;name&gt;/...") on disk.</summary>
        public string Physical(string virtualPath)
        {
            if (virtualPath.StartsWith("Packages/", StringComparison.Ordinal))
                foreach (var p in Packages())
                    if (virtualPath.StartsWith("Packages/" + p.Name + "/", StringComparison.Ordinal))
                        return Path.Combine(p.Folder, virtualPath.Substring(p.Name.Length + 10));
            return Path.Combine(project, virtualPath);
        }

        /// <summary>Embedded packages (Packages/&lt;folder&gt;/package.json) and local ones ("file:" in Packages/manifest.json).</summary>
        List<Package> Packages()
        {
            var packages = new List<Package>();
            string folder = Path.Combine(project, "Packages");
            if (!Directory.Exists(folder)) return packages;
            var dirs = Directory.GetDirectories(folder);
            Array.Sort(dirs, StringComparer.Ordinal);
            foreach (var dir in dirs) AddPackage(packages, dir, PackageSource.Embedded);
            string manifest = Path.Combine(folder, "manifest.json");
            if (File.Exists(manifest))
                foreach (Match m in LocalDependency.Matches(File.ReadAllText(manifest)))
                    AddPackage(packages, Path.GetFullPath(Path.Combine(folder, m.Groups[2].Value)), PackageSource.Local);
            return packages;
        }

        static void AddPackage(List<Package> packages, string dir, PackageSource source)
        {
            string json = Path.Combine(dir, "package.json");
            if (!File.Exists(json)) return;
            var m = PackageName.Match(File.ReadAllText(json, Encoding.UTF8));
            if (m.Success && !packages.Exists(p => p.Name == m.Groups[1].Value))
                packages.Add(new Package { Name = m.Groups[1].Value, Source = source, Folder = dir });
        }
    }
}
