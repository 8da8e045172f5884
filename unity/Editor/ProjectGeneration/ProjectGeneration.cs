using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using Unity.CodeEditor;
using UnityEditor.Compilation;
using UnityEditor.PackageManager;
using UnityEngine;

namespace UnityNvim
{
    /// <summary>
    /// Writes &lt;project&gt;/&lt;Project&gt;.sln and one .csproj per editor assembly of
    /// CompilationPipeline.GetAssemblies() (text: ProjectText), for C# language servers. What it
    /// mirrors from com.unity.ide.visualstudio 2.0.25 (Editor/ProjectGeneration/ProjectGeneration.cs,
    /// AssemblyNameProvider.cs):
    /// - an assembly gets a project when one of its scripts is in Assets/ or in a package whose
    ///   kind (PackageInfo.source) the user chose (embedded and local by default, as
    ///   "unity_project_generation_flag" defaults to Local | Embedded);
    /// - SyncIfNeeded regenerates when an added, deleted or moved file is a script, an assembly
    ///   definition (or reference) or a DLL, or an imported one is an assembly definition (or
    ///   reference) or a DLL: an edited script (imported only) changes no project;
    /// - an assembly's response files (compilerOptions.ResponseFiles: its folder's csc.rsp, else
    ///   Assets/csc.rsp) are parsed with CompilationPipeline.ParseResponseFile against the
    ///   system folders of its API level (ParseResponseFileData), their errors logged;
    /// - a file is written only when its text changed (SyncFileIfNotChanged), here through a
    ///   temporary file renamed over it, so a language server never reads half a project.
    /// Main thread only: GetAssemblies is a Unity API. Works whichever External Script Editor is
    /// chosen (the `sync` command calls it too).
    /// </summary>
    internal static class ProjectGeneration
    {
        /// <summary>EditorPrefs key: the package kinds that get project files, a bit per PackageSource value.</summary>
        public const string PackagesPref = "UnityNvim.ProjectPackages";
        public static readonly int DefaultPackages = Bit(PackageSource.Embedded) | Bit(PackageSource.Local);

        // ProjectGeneration.InvalidCharactersRegexPattern (Unix): characters a solution name cannot hold.
        static readonly Regex InvalidCharacters = new Regex(@"\?|&|\*|""|<|>|\||#|%|\^|;|:");
        static readonly string[] ProjectExtensions = { ".cs", ".asmdef", ".asmref", ".dll" };
        static readonly string[] ReimportExtensions = { ".asmdef", ".asmref", ".dll" };

        public static int Bit(PackageSource source) { return 1 << (int)source; }

        /// <summary>
        /// Assets > Open C# Project and the like: OnPreGeneratingCSProjectFiles, the files unless a
        /// hook generates them itself, then OnGeneratedCSProjectFiles (the Visual Studio
        /// package's Sync). Returns the absolute paths written (empty when all were up to date).
        /// </summary>
        public static List<string> SyncAll()
        {
            var hooks = new ProjectPostprocessors();
            var written = hooks.PreGenerating() ? new List<string>() : Generate(hooks);
            hooks.Generated();
            return written;
        }

        /// <summary>
        /// Writes the .sln, then each .csproj, whose text (after the OnGeneratedSlnSolution and
        /// OnGeneratedCSProject hooks) changed, and deletes the .csproj files this package wrote
        /// for assemblies that no longer get one.
        /// </summary>
        static List<string> Generate(ProjectPostprocessors hooks)
        {
            string project = Path.GetDirectoryName(Path.GetFullPath(Application.dataPath));
            int kinds = UnityEditor.EditorPrefs.GetInt(PackagesPref, DefaultPackages);
            var packages = new PackagePaths(project);
            Func<string, string> resolve = path => PackagePaths.InProject(packages.Physical(path), project, Path.DirectorySeparatorChar);

            var assemblies = new List<Assembly>();
            var names = new HashSet<string>();
            foreach (var a in CompilationPipeline.GetAssemblies(AssembliesType.Editor))
            {
                if (!Wanted(a, kinds, packages)) continue;
                assemblies.Add(a);
                names.Add(a.name);
            }
            RefuseAnotherGenerators(project, names);
            var text = new ProjectText(Path.GetFileName(project), path => ProjectText.ItemPath(resolve(path)));
            var written = new List<string>();
            var order = assemblies.ConvertAll(a => a.name);
            string solution = SolutionPath(project);
            string previous = File.Exists(solution) ? Read(solution) : null;
            WriteIfChanged(solution, hooks.Solution(solution, text.Solution(order, previous)), written);
            foreach (var a in assemblies)
            {
                string path = Path.Combine(project, a.name + ".csproj");
                WriteIfChanged(path, hooks.Project(path, text.Csproj(a, names, ResponseFiles(a, project))), written);
            }
            RemoveOrphans(project, names);
            return written;
        }

        /// <summary>
        /// Another editor package (Visual Studio's, Rider's) writes .csproj files of the same
        /// names, and com.unity.ide.visualstudio 2.0.24+ a .slnx beside them. When it is the
        /// current editor and its files are there, writing ours would swap the projects under
        /// the language server at each of its syncs, and leave two solutions: refuse, saying so.
        /// Unity calls SyncIfNeeded on the current editor only, so this concerns the `sync`
        /// command and Preferences.
        /// </summary>
        static void RefuseAnotherGenerators(string project, IEnumerable<string> names)
        {
            if (CodeEditor.CurrentEditor is NeovimCodeEditor) return;
            var theirs = new List<string>();
            string slnx = Path.ChangeExtension(SolutionPath(project), ".slnx");
            if (File.Exists(slnx)) theirs.Add(Path.GetFileName(slnx));
            foreach (var name in names)
            {
                string path = Path.Combine(project, name + ".csproj");
                if (File.Exists(path) && !ProjectText.IsOurs(Head(path))) theirs.Add(name + ".csproj");
            }
            if (theirs.Count == 0) return;
            throw new IOException("the External Script Editor (" + CodeEditor.CurrentEditorPath + ") generates project files of its own ("
                + string.Join(", ", theirs.GetRange(0, Math.Min(3, theirs.Count)).ToArray()) + (theirs.Count > 3 ? ", ..." : "")
                + "): unity.nvim left them as they are, and a language server can use them. For unity.nvim's instead, choose Neovim"
                + " in Preferences > External Tools");
        }

        /// <summary>
        /// Deletes the project's .csproj files that carry this package's mark (ProjectText.Mark,
        /// in the first lines) and whose assembly got no project this time: a deleted asmdef, or
        /// a package kind no longer chosen. Another generator's files, and the user's, lack the
        /// mark and stay.
        /// </summary>
        static void RemoveOrphans(string project, HashSet<string> names)
        {
            foreach (var path in Directory.GetFiles(project, "*.csproj"))
            {
                if (names.Contains(Path.GetFileNameWithoutExtension(path))) continue;
                try
                {
                    if (ProjectText.IsOurs(Head(path))) File.Delete(path);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw new IOException("cannot delete " + path + ", whose assembly is gone: " + e.Message + " (delete it by hand)", e);
                }
            }
        }

        static string Head(string path)
        {
            using (var reader = new StreamReader(path, Encoding.UTF8))
            {
                var buffer = new char[512];
                return new string(buffer, 0, reader.Read(buffer, 0, buffer.Length));
            }
        }

        static string Read(string path)
        {
            try
            {
                return File.ReadAllText(path, Encoding.UTF8);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("cannot read " + path + ": " + e.Message + " (is the project folder readable?)", e);
            }
        }

        /// <summary>The assembly's csc.rsp files as Unity parses them; what cannot be parsed is said in the console and left out.</summary>
        static ResponseFileData[] ResponseFiles(Assembly assembly, string project)
        {
            var options = assembly.compilerOptions;
            var files = options.ResponseFiles ?? new string[0];
            if (files.Length == 0) return new ResponseFileData[0];
            var system = CompilationPipeline.GetSystemAssemblyDirectories(options.ApiCompatibilityLevel);
            var parsed = new ResponseFileData[files.Length];
            for (int i = 0; i < files.Length; i++)
            {
                parsed[i] = CompilationPipeline.ParseResponseFile(files[i], project, system);
                foreach (var error in parsed[i].Errors ?? new string[0])
                    Debug.LogWarning("[Neovim Bridge] " + (error.Contains(files[i]) ? error : files[i] + ": " + error)
                        + " (the project file of " + assembly.name + " leaves it out; Unity's compile reports it too)");
            }
            return parsed;
        }

        /// <summary>Unity's hint after an asset import; regenerates (writing only changes) when it touches a project.</summary>
        public static List<string> SyncIfNeeded(string[] addedFiles, string[] deletedFiles, string[] movedFiles, string[] movedFromFiles, string[] importedFiles)
        {
            bool touches = Any(addedFiles, ProjectExtensions) || Any(deletedFiles, ProjectExtensions) || Any(movedFiles, ProjectExtensions)
                || Any(movedFromFiles, ProjectExtensions) || Any(importedFiles, ReimportExtensions);
            return touches ? Generate(new ProjectPostprocessors()) : new List<string>(); // as the Visual Studio package: no Pre/Generated hooks here
        }

        /// <summary>&lt;project&gt;/&lt;folder name&gt;.sln, with the characters a solution name cannot hold made _.</summary>
        public static string SolutionPath(string project)
        {
            return Path.Combine(project, InvalidCharacters.Replace(Path.GetFileName(project), "_") + ".sln");
        }

        static bool Any(string[] paths, string[] extensions)
        {
            if (paths == null) return false;
            foreach (var p in paths)
                foreach (var e in extensions)
                    if (p != null && p.EndsWith(e, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>An assembly with a script in Assets/ (or outside any package) or in a package of a chosen kind.</summary>
        static bool Wanted(Assembly assembly, int kinds, PackagePaths packages)
        {
            foreach (var file in assembly.sourceFiles)
            {
                var package = packages.Package(file);
                if (package == null || (kinds & Bit(package.source)) != 0) return true;
            }
            return false;
        }

        /// <summary>
        /// Writes the text unless the file already holds it; through a temporary file renamed over
        /// it. A failure is an IOException naming the file.
        /// </summary>
        static void WriteIfChanged(string path, string text, List<string> written)
        {
            byte[] bytes = new UTF8Encoding(false).GetBytes(text);
            string tmp = path + ".tmp";
            try
            {
                if (File.Exists(path) && SameBytes(path, bytes)) return;
                File.WriteAllBytes(tmp, bytes);
                if (File.Exists(path)) File.Replace(tmp, path, null);
                else File.Move(tmp, path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                if (File.Exists(tmp)) File.Delete(tmp);
                throw new IOException("cannot write " + path + ": " + e.Message + " (is the project folder writable?)", e);
            }
            written.Add(path);
        }

        static bool SameBytes(string path, byte[] bytes)
        {
            var info = new FileInfo(path);
            if (info.Length != bytes.Length) return false;
            byte[] old = File.ReadAllBytes(path);
            for (int i = 0; i < old.Length; i++)
                if (old[i] != bytes[i]) return false;
            return true;
        }
    }
}
