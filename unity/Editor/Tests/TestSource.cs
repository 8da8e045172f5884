using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using UnityEditor.Compilation;

namespace UnityNvim.Tests
{
    /// <summary>
    /// Where a test's source is: the script of its class and the line of its method. The Test
    /// Framework finds it with Mono.Cecil and the assembly's debug symbols, but keeps that helper
    /// internal (GuiHelper.GetFileOpenInfo); its own fallback is the script under Assets named
    /// after the (outermost) class. This looks among the scripts of the test's own assembly
    /// (CompilationPipeline.GetAssemblies: sourceFiles, where a package's "Packages/&lt;name&gt;/"
    /// path is the package's real folder, be it embedded, local or in Library/PackageCache) for
    /// the script named after the class, else the first that declares it, then finds the
    /// method's line by a scan for its declaration after the class's. A test whose script it
    /// cannot find has none. One instance per listing or run: it reads each script once.
    /// Main thread (CompilationPipeline, PackageInfo).
    /// </summary>
    internal sealed class TestSource
    {
        public struct Location
        {
            public string File; // relative to the project, `/`-separated, or absolute; null when unknown
            public int Line;    // 1-based, 0 when unknown
        }

        readonly string project;
        Dictionary<string, List<string>> scripts; // assembly name -> its scripts on disk
        readonly PackagePaths packages;
        readonly Dictionary<string, string[]> texts = new Dictionary<string, string[]>();
        readonly Dictionary<string, Location> found = new Dictionary<string, Location>();

        public TestSource(string project)
        {
            this.project = project;
            packages = new PackagePaths(project);
        }

        /// <summary>The class's script and the line of `method` in it (of the class itself when method is null).</summary>
        public Location Find(Type type, string method)
        {
            if (type == null) return new Location();
            string key = type.FullName + "\n" + method;
            Location location;
            if (found.TryGetValue(key, out location)) return location;
            location = Locate(type, method);
            found[key] = location;
            return location;
        }

        Location Locate(Type type, string method)
        {
            Type outer = type;
            while (outer.DeclaringType != null) outer = outer.DeclaringType;
            string file = Script(Scripts(type.Assembly.GetName().Name), outer.Name + ".cs", type.Name);
            if (file == null) return new Location();
            string[] lines = Lines(file);
            int classLine = Declaration(lines, 0, ClassPattern(type.Name));
            int line = classLine;
            if (method != null)
            {
                int methodLine = Declaration(lines, Math.Max(0, classLine - 1), MethodPattern(method));
                if (methodLine > 0) line = methodLine;
            }
            return new Location { File = PackagePaths.Relative(file, project), Line = line };
        }

        /// <summary>The script named `fileName`, else the first script that declares the class.</summary>
        string Script(List<string> candidates, string fileName, string className)
        {
            foreach (var path in candidates)
                if (string.Equals(Path.GetFileName(path), fileName, StringComparison.Ordinal)) return path;
            var pattern = ClassPattern(className);
            foreach (var path in candidates)
                if (Declaration(Lines(path), 0, pattern) > 0) return path;
            return null;
        }

        /// <summary>The scripts of the script assembly of that name, on disk; none for a precompiled one.</summary>
        List<string> Scripts(string assembly)
        {
            if (scripts == null)
            {
                scripts = new Dictionary<string, List<string>>();
                foreach (var compiled in CompilationPipeline.GetAssemblies())
                {
                    var files = new List<string>();
                    foreach (var file in compiled.sourceFiles) files.Add(packages.Physical(file));
                    files.Sort(StringComparer.Ordinal);
                    scripts[compiled.name] = files;
                }
            }
            List<string> known;
            return scripts.TryGetValue(assembly, out known) ? known : new List<string>();
        }

        string[] Lines(string path)
        {
            string[] lines;
            if (texts.TryGetValue(path, out lines)) return lines;
            try
            {
                lines = File.ReadAllLines(path);
            }
            catch (Exception)
            {
                lines = new string[0];
            }
            texts[path] = lines;
            return lines;
        }

        static Regex ClassPattern(string name)
        {
            // A generic fixture's Type.Name carries `1: the declaration has <T> instead.
            int tick = name.IndexOf('`');
            if (tick > 0) name = name.Substring(0, tick);
            return new Regex(@"\b(?:class|struct)\s+" + Regex.Escape(name) + @"\b");
        }

        /// <summary>A declaration, not a call: a type (or modifiers) right before the name, `(` after it.</summary>
        static Regex MethodPattern(string name)
        {
            return new Regex(@"^\s*(?:\[.*\]\s*)*(?:[\w.<>\[\],?]+\s+)+" + Regex.Escape(name) + @"\s*(?:<[^>]*>)?\s*\(");
        }

        /// <summary>The 1-based line of the first match at or after index `from`; 0 when none.</summary>
        static int Declaration(string[] lines, int from, Regex pattern)
        {
            for (int i = from; i < lines.Length; i++)
                if (pattern.IsMatch(lines[i])) return i + 1;
            return 0;
        }
    }
}
