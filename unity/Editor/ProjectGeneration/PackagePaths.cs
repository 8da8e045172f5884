using System;
using System.Collections.Generic;
using System.IO;
using UnityEditor.PackageManager;

namespace UnityNvim
{
    /// <summary>
    /// Where a script Unity names "Packages/&lt;name&gt;/..." really is: in the project
    /// (embedded), in a local folder or in Library/PackageCache. Each package is looked up once
    /// per instance. Main thread (PackageInfo).
    /// </summary>
    internal sealed class PackagePaths
    {
        readonly string project;
        readonly Dictionary<string, PackageInfo> packages = new Dictionary<string, PackageInfo>();

        public PackagePaths(string project)
        {
            this.project = project;
        }

        /// <summary>The package of a "Packages/&lt;name&gt;/..." path; null for any other path.</summary>
        public PackageInfo Package(string path)
        {
            if (!path.StartsWith("Packages/", StringComparison.Ordinal)) return null;
            int slash = path.IndexOf('/', "Packages/".Length);
            string root = slash < 0 ? path : path.Substring(0, slash);
            PackageInfo info;
            if (!packages.TryGetValue(root, out info))
            {
                info = PackageInfo.FindForAssetPath(root);
                packages[root] = info;
            }
            return info;
        }

        /// <summary>The absolute path of a script path as Unity gives it ("Assets/...", "Packages/...", or absolute).</summary>
        public string Physical(string path)
        {
            if (Path.IsPathRooted(path)) return path;
            var package = Package(path);
            if (package != null && !string.IsNullOrEmpty(package.resolvedPath) && path.Length > package.assetPath.Length)
                return Path.Combine(package.resolvedPath, path.Substring(package.assetPath.Length + 1));
            return Path.Combine(project, path);
        }

        /// <summary>
        /// A path as the project files name it, as the Visual Studio package's
        /// EscapedRelativePathFor does before XML escaping (com.unity.ide.visualstudio
        /// Editor/ProjectGeneration/ProjectGeneration.cs, Editor/FileUtility.cs): every separator
        /// made the system's (`\` on Windows), then relative when under the project, the prefix
        /// compared case-sensitively as it does. Its collapsing of `\\` is left out: it would
        /// break a UNC path.
        /// </summary>
        public static string InProject(string file, string project, char separator)
        {
            char other = separator == '/' ? '\\' : '/';
            string full = file.Replace(other, separator);
            string root = project.Replace(other, separator).TrimEnd(separator) + separator;
            return full.StartsWith(root, StringComparison.Ordinal) && full.Length > root.Length ? full.Substring(root.Length) : full;
        }

        /// <summary>
        /// A path under the project relative to it with `/`, as Unity writes it in stack traces
        /// (StackTraceUtility: `\` made `/`, then a case-sensitive prefix); others as they are.
        /// </summary>
        public static string Relative(string file, string project)
        {
            string full = file.Replace('\\', '/');
            string root = project.Replace('\\', '/').TrimEnd('/') + "/";
            if (Path.IsPathRooted(file) && full.StartsWith(root, StringComparison.Ordinal)) return full.Substring(root.Length);
            return full;
        }
    }
}
