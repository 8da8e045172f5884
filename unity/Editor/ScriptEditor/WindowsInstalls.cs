using System;
using System.Collections.Generic;

namespace UnityNvim
{
    /// <summary>
    /// Where Windows package managers put Neovim, its GUIs and Windows Terminal: PATH, scoop
    /// (shims and the app's current folder, per user and global), winget (its Links folder, and a
    /// portable package under Packages\Neovim.Neovim_*), chocolatey (its bin shims and C:\tools),
    /// the MSI (Program Files\Neovim\bin). Pure: the environment and the file system are given,
    /// so a fake tree tests it on any system.
    /// </summary>
    internal sealed class WindowsInstalls
    {
        public static readonly string[] NeovimNames = { "nvim.exe" };
        public static readonly string[] GuiNames = { "neovide.exe", "nvim-qt.exe" };

        readonly Func<string, string> env;
        readonly Func<string, bool> fileExists;
        readonly Func<string, string, string[]> subfolders;

        /// <param name="env">an environment variable's value, or null</param>
        /// <param name="fileExists">whether a file is there</param>
        /// <param name="subfolders">the full paths of a folder's subfolders that match a pattern (`*` wildcards); none if it is absent</param>
        public WindowsInstalls(Func<string, string> env, Func<string, bool> fileExists, Func<string, string, string[]> subfolders)
        {
            this.env = env;
            this.fileExists = fileExists;
            this.subfolders = subfolders;
        }

        /// <summary>Every Neovim and Neovim GUI found, PATH first, each path once (compared as Windows does, ignoring case).</summary>
        public List<string> Neovims()
        {
            var names = new List<string>(NeovimNames);
            names.AddRange(GuiNames);
            return Find(names, Folders());
        }

        /// <summary>Windows Terminal's wt.exe (an app execution alias under WindowsApps), or null.</summary>
        public string Terminal()
        {
            var folders = PathFolders();
            folders.Add(Under("LOCALAPPDATA", @"Microsoft\WindowsApps"));
            var found = Find(new[] { "wt.exe" }, folders);
            return found.Count > 0 ? found[0] : null;
        }

        /// <summary>True when the program is a Neovim GUI, which opens its own window (no terminal).</summary>
        public static bool IsGui(string path)
        {
            string name = FileName(path);
            foreach (var gui in GuiNames)
                if (string.Equals(name, gui, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>The last part of a Windows path (either separator), on any system.</summary>
        public static string FileName(string path)
        {
            return path.Substring(path.LastIndexOfAny(new[] { '\\', '/' }) + 1);
        }

        List<string> Folders()
        {
            var folders = PathFolders();
            string scoop = env("SCOOP");
            if (string.IsNullOrEmpty(scoop)) scoop = Under("USERPROFILE", "scoop");
            string scoopGlobal = env("SCOOP_GLOBAL");
            if (string.IsNullOrEmpty(scoopGlobal)) scoopGlobal = Under("ProgramData", "scoop");
            foreach (var root in new[] { scoop, scoopGlobal })
            {
                folders.Add(Join(root, "shims"));
                folders.Add(Join(root, @"apps\neovim\current\bin"));
                folders.Add(Join(root, @"apps\neovide\current"));
            }
            folders.Add(Under("LOCALAPPDATA", @"Microsoft\WinGet\Links"));
            // A portable winget package unpacks as Packages\Neovim.Neovim_<source>\nvim-win64\bin.
            foreach (var package in Subfolders(Under("LOCALAPPDATA", @"Microsoft\WinGet\Packages"), "Neovim.Neovim_*"))
                foreach (var unpacked in Subfolders(package, "*"))
                    folders.Add(Join(unpacked, "bin"));
            folders.Add(Under("ProgramData", @"chocolatey\bin"));
            string tools = env("ChocolateyToolsLocation");
            foreach (var unpacked in Subfolders(Join(string.IsNullOrEmpty(tools) ? @"C:\tools" : tools, "neovim"), "*"))
                folders.Add(Join(unpacked, "bin"));
            folders.Add(Under("ProgramFiles", @"Neovim\bin"));
            folders.Add(Under("ProgramFiles", "Neovide"));
            return folders;
        }

        List<string> PathFolders()
        {
            var folders = new List<string>();
            foreach (var folder in (env("PATH") ?? "").Split(';')) folders.Add(folder.Trim().Trim('"'));
            return folders;
        }

        List<string> Find(IEnumerable<string> names, List<string> folders)
        {
            var found = new List<string>();
            foreach (var folder in folders)
            {
                if (string.IsNullOrEmpty(folder)) continue;
                foreach (var name in names)
                {
                    string path = Join(folder, name);
                    if (fileExists(path) && !found.Exists(p => string.Equals(p, path, StringComparison.OrdinalIgnoreCase))) found.Add(path);
                }
            }
            return found;
        }

        IEnumerable<string> Subfolders(string folder, string pattern)
        {
            return folder == null ? new string[0] : subfolders(folder, pattern) ?? new string[0];
        }

        /// <summary>A folder under an environment variable's folder; null when the variable is unset.</summary>
        string Under(string variable, string rest)
        {
            string root = env(variable);
            return string.IsNullOrEmpty(root) ? null : Join(root, rest);
        }

        static string Join(string folder, string rest)
        {
            return folder == null ? null : folder.TrimEnd('\\', '/') + "\\" + rest;
        }
    }
}
