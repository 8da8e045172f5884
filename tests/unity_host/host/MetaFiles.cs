using System;
using System.Collections.Generic;
using System.IO;
using UnityEngine;

namespace UnityHost
{
    /// <summary>
    /// The .meta side of Unity's asset database (native, not in the reference source; modelled
    /// from the manual's "Asset metadata" page and the console text users report): every
    /// import (opening the project, each AssetDatabase.Refresh) gives each file and folder under
    /// Assets/ and embedded packages that has no .meta one with a new GUID; a .meta whose asset
    /// is gone is an orphan: Unity warns and deletes it, or, for a folder's .meta, creates the
    /// folder again (version control keeps no empty folders). Each is also a "[host] refresh:"
    /// line, and every pass ends with a "[host] refresh done:" count, for tests to read.
    /// </summary>
    static class MetaFiles
    {
        const string Meta = ".meta";

        /// <summary>One import pass over the project's asset roots.</summary>
        public static void Refresh(string project)
        {
            int orphans = 0, created = 0;
            foreach (var root in Roots(project))
            {
                orphans += DropOrphans(project, root);
                created += GiveMetas(project, root);
            }
            Program.Log("refresh done: " + created + " new GUID(s), " + orphans + " orphaned .meta");
        }

        /// <summary>Unity imports nothing whose name starts with '.', ends with '~', is "cvs" or ends with ".tmp" (manual: "Special folder names", hidden assets).</summary>
        public static bool Hidden(string relative)
        {
            foreach (var part in relative.Split('/'))
                if (part.StartsWith(".", StringComparison.Ordinal) || part.EndsWith("~", StringComparison.Ordinal)
                    || part.Equals("cvs", StringComparison.OrdinalIgnoreCase) || part.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase))
                    return true;
            return false;
        }

        /// <summary>Assets/ and each embedded package (a folder of Packages/ with a package.json); the roots themselves have no .meta.</summary>
        static IEnumerable<string> Roots(string project)
        {
            string assets = Path.Combine(project, "Assets");
            if (Directory.Exists(assets)) yield return assets;
            string packages = Path.Combine(project, "Packages");
            if (!Directory.Exists(packages)) yield break;
            foreach (var dir in Directory.GetDirectories(packages))
                if (File.Exists(Path.Combine(dir, "package.json"))) yield return dir;
        }

        static int DropOrphans(string project, string root)
        {
            int n = 0;
            foreach (var meta in Entries(project, root, true))
            {
                if (!meta.EndsWith(Meta, StringComparison.Ordinal)) continue;
                string asset = meta.Substring(0, meta.Length - Meta.Length);
                if (File.Exists(asset) || Directory.Exists(asset)) continue;
                string relative = Relative(project, asset);
                string text;
                try
                {
                    text = File.ReadAllText(meta);
                }
                catch (IOException)
                {
                    continue; // removed meanwhile, with its asset
                }
                n++;
                if (text.Contains("\nfolderAsset: yes"))
                {
                    Directory.CreateDirectory(asset);
                    Warn("A meta data file (.meta) exists but its folder '" + relative + "' can't be found, and has been created. Empty directories cannot be stored in version control, so it's assumed that the meta data file is for an empty directory in version control. When moving or deleting folders outside of Unity, please ensure that the corresponding .meta file is moved or deleted along with it.");
                    Program.Log("refresh: orphaned .meta " + relative + Meta + ": folder created");
                    continue;
                }
                Warn("A meta data file (.meta) exists but its asset '" + relative + "' can't be found. When moving or deleting files outside of Unity, please ensure that the corresponding .meta file is moved or deleted along with it.");
                File.Delete(meta);
                Program.Log("refresh: orphaned .meta " + relative + Meta + " deleted");
            }
            return n;
        }

        static int GiveMetas(string project, string root)
        {
            int n = 0;
            foreach (var asset in Entries(project, root, false))
            {
                if (asset.EndsWith(Meta, StringComparison.Ordinal) || File.Exists(asset + Meta)) continue;
                bool folder = Directory.Exists(asset);
                // Unity's header; the importer settings that follow it are not modelled.
                File.WriteAllText(asset + Meta, "fileFormatVersion: 2\nguid: " + Guid.NewGuid().ToString("N") + "\n"
                    + (folder ? "folderAsset: yes\n" : "") + "DefaultImporter:\n  externalObjects: {}\n  userData: \n");
                n++;
                Program.Log("refresh: new GUID for " + Relative(project, asset));
            }
            return n;
        }

        /// <summary>The importable files (and, unless filesOnly, folders) under root, parents first; hidden folders are not entered.</summary>
        static List<string> Entries(string project, string root, bool filesOnly)
        {
            var found = new List<string>();
            var pending = new Stack<string>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                string dir = pending.Pop();
                string[] files, subs;
                try
                {
                    files = Directory.GetFiles(dir);
                    subs = Directory.GetDirectories(dir);
                }
                catch (DirectoryNotFoundException)
                {
                    continue; // moved or deleted while the pass ran: the next refresh sees it
                }
                foreach (var file in files)
                    if (!Hidden(Relative(project, file))) found.Add(file);
                foreach (var sub in subs)
                {
                    if (Hidden(Relative(project, sub))) continue;
                    if (!filesOnly) found.Add(sub);
                    pending.Push(sub);
                }
            }
            return found;
        }

        static string Relative(string project, string path)
        {
            return path.Substring(project.Length + 1).Replace('\\', '/');
        }

        /// <summary>The asset database's own console warnings come from native code: no managed stack trace.</summary>
        static void Warn(string message)
        {
            Application.Raise(message, "", LogType.Warning);
        }
    }
}
