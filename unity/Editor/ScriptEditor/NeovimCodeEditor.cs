using System;
using System.Collections.Generic;
using System.IO;
using Unity.CodeEditor;
using UnityEditor;
using UnityEngine;

namespace UnityNvim
{
    /// <summary>
    /// Neovim as Unity's External Script Editor (Preferences > External Tools): a double-click on
    /// a script or a console entry shows the file in the connected Neovim, or starts one from the
    /// launch template when none is connected; writes the project files (.sln/.csproj) a C#
    /// language server needs (ProjectGeneration) when Unity asks its editor to sync.
    /// </summary>
    [InitializeOnLoad]
    public sealed class NeovimCodeEditor : IExternalCodeEditor
    {
        const string Tag = "[Neovim Bridge] ";
        /// <summary>EditorPrefs key of the file extensions opened in Neovim, separated by spaces or commas.</summary>
        public const string ExtensionsPref = "UnityNvim.Extensions";
        /// <summary>EditorPrefs key of the launch template ({nvim} {project} {file} {line} {col}).</summary>
        public const string TemplatePref = "UnityNvim.LaunchTemplate";
        // SessionState: survives domain reloads, not a restart of the editor.
        const string StartSyncedKey = "UnityNvim.ProjectsSyncedOnStart";
        const string OpenSyncedKey = "UnityNvim.ProjectsSyncedOnOpen";
        public const string DefaultExtensions = ".cs .shader .cginc .hlsl .compute .uss .uxml .asmdef .asmref .json .txt .md .xml .yaml .yml";

        // Distribution packages, Homebrew (Intel and Apple silicon, and on Linux), MacPorts, snap, Nix.
        static readonly string[] UnixFolders =
        {
            "/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/home/linuxbrew/.linuxbrew/bin", "/opt/local/bin",
            "/snap/bin", "/run/current-system/sw/bin", "/nix/var/nix/profiles/default/bin",
        };
        // Per user: pip/pipx/AppImages, bob (the Neovim version manager), Nix profiles.
        static readonly string[] HomeFolders = { ".local/bin", "bin", ".local/share/bob/nvim-bin", ".nix-profile/bin" };
        static readonly string[] ProgramNames = { "nvim", "nvim.appimage", "nvim-linux-x86_64.appimage", "nvim-linux-arm64.appimage" };

        string installation = "nvim";

        static NeovimCodeEditor()
        {
            // Import workers never open files; registering there would only cost time.
            if (AssetDatabase.IsAssetImportWorkerProcess()) return;
            CodeEditor.Register(new NeovimCodeEditor());
        }

        /// <summary>Every Neovim in the searched folders, each under its own name (Unity's list shows names only).</summary>
        public CodeEditor.Installation[] Installations
        {
            get
            {
                var found = new List<CodeEditor.Installation>();
                if (Platform.IsWindows)
                {
                    string profile = Environment.GetEnvironmentVariable("USERPROFILE");
                    foreach (var path in WindowsInstalled().Neovims())
                        found.Add(new CodeEditor.Installation { Name = NeovimLaunch.DisplayName(path, profile), Path = path });
                    return found.ToArray();
                }
                var folders = new List<string>((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator));
                folders.AddRange(UnixFolders);
                string home = Environment.GetEnvironmentVariable("HOME");
                if (!string.IsNullOrEmpty(home)) foreach (var folder in HomeFolders) folders.Add(Path.Combine(home, folder));
                foreach (var folder in folders)
                {
                    if (folder.Length == 0) continue;
                    foreach (var program in ProgramNames)
                    {
                        string path = Path.Combine(folder, program);
                        if (File.Exists(path) && !found.Exists(i => i.Path == path))
                            found.Add(new CodeEditor.Installation { Name = NeovimLaunch.DisplayName(path, home), Path = path });
                    }
                }
                return found.ToArray();
            }
        }

        public bool TryGetInstallationForPath(string editorPath, out CodeEditor.Installation installation)
        {
            // nvim, nvim.exe, nvim-qt.exe, an AppImage; on Windows also Neovide, which the launch runs as a GUI.
            bool ours = !string.IsNullOrEmpty(editorPath)
                && (WindowsInstalls.FileName(editorPath).StartsWith("nvim", StringComparison.OrdinalIgnoreCase)
                    || (Platform.IsWindows && WindowsInstalls.IsGui(editorPath)));
            installation = ours
                ? new CodeEditor.Installation { Name = NeovimLaunch.DisplayName(editorPath, Environment.GetEnvironmentVariable(Platform.IsWindows ? "USERPROFILE" : "HOME")), Path = editorPath }
                : default(CodeEditor.Installation);
            return ours;
        }

        /// <summary>Preferences > External Tools, below the editor's path: the settings, kept in EditorPrefs.</summary>
        public void OnGUI()
        {
            Preferences.OnGUI();
        }

        /// <summary>Unity's hint after an import; a Neovim that reads hears of the files written (`projects`).</summary>
        public void SyncIfNeeded(string[] addedFiles, string[] deletedFiles, string[] movedFiles, string[] movedFromFiles, string[] importedFiles)
        {
            Announce(() => ProjectGeneration.SyncIfNeeded(addedFiles, deletedFiles, movedFiles, movedFromFiles, importedFiles));
        }

        /// <summary>Assets > Open C# Project and the first sync: every project file whose text changed.</summary>
        public void SyncAll()
        {
            Announce(ProjectGeneration.SyncAll);
        }

        /// <summary>Runs a sync; tells a reading Neovim which files it wrote, and Unity's console why it could not.</summary>
        internal static void Announce(Func<List<string>> sync)
        {
            List<string> written;
            try
            {
                written = sync();
            }
            catch (IOException e)
            {
                Debug.LogWarning(Tag + "the project files for C# language servers were not written: " + e.Message
                    + ". Fix that, then Preferences > External Tools > Regenerate project files.");
                return;
            }
            if (written.Count > 0) NeovimBridge.SendIfConnected(Outgoing.Projects(written));
        }

        /// <summary>
        /// Unity calls it when this becomes the current editor: at every registration (each domain
        /// load) and when the user picks it. Project files are usually ignored by git, so after a
        /// clone a language server finds none until something syncs: the first time in an editor
        /// session, on the next editor tick (not inside [InitializeOnLoad]), every project file
        /// that is missing or stale is written, as Rider's package does at start-up.
        /// </summary>
        public void Initialize(string editorInstallationPath)
        {
            installation = editorInstallationPath;
            if (Application.isBatchMode || SessionState.GetBool(StartSyncedKey, false)) return;
            EditorApplication.update -= SyncOnStart;
            EditorApplication.update += SyncOnStart;
        }

        static void SyncOnStart()
        {
            EditorApplication.update -= SyncOnStart;
            if (!(CodeEditor.CurrentEditor is NeovimCodeEditor) || SessionState.GetBool(StartSyncedKey, false)) return;
            SessionState.SetBool(StartSyncedKey, true);
            Announce(ProjectGeneration.SyncAll);
        }

        /// <summary>
        /// A double-click on a script or a console entry, or Assets > Open C# Project. The first
        /// one of an editor session syncs the project files before Neovim opens the file (the
        /// Visual Studio package syncs at every one), so a language server finds them even when
        /// they were deleted since start-up.
        /// </summary>
        public bool OpenProject(string filePath = "", int line = -1, int column = -1)
        {
            string project = Path.GetDirectoryName(Path.GetFullPath(Application.dataPath));
            string file = "";
            if (!string.IsNullOrEmpty(filePath))
            {
                if (!Opens(Path.GetExtension(filePath))) return false;
                file = Path.GetFullPath(Path.Combine(project, filePath));
            }
            if (!SessionState.GetBool(OpenSyncedKey, false))
            {
                SessionState.SetBool(OpenSyncedKey, true);
                Announce(ProjectGeneration.SyncAll);
            }
            var open = Outgoing.Open(file, line, column);
            if (NeovimBridge.SendIfConnected(open)) return true;
            if (LaunchWatch.Starting) LaunchWatch.Wait(open);
            else Launch(project, file, line, column);
            return true;
        }

        static bool Opens(string extension)
        {
            if (extension.Length == 0) return false;
            string listed = EditorPrefs.GetString(ExtensionsPref, DefaultExtensions);
            foreach (var e in listed.Split(new[] { ' ', ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
                if (string.Equals(e.StartsWith(".") ? e : "." + e, extension, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>This machine's folders, as WindowsInstalls searches them.</summary>
        static WindowsInstalls WindowsInstalled()
        {
            return new WindowsInstalls(Environment.GetEnvironmentVariable, File.Exists,
                (folder, pattern) => Directory.Exists(folder) ? Directory.GetDirectories(folder, pattern) : new string[0]);
        }

        void Launch(string project, string file, int line, int column)
        {
            const string Setting = "Preferences > External Tools > Launch command (EditorPrefs '" + TemplatePref + "')";
            string template = EditorPrefs.GetString(TemplatePref, "");
            if (template.Trim().Length == 0)
                template = Platform.IsWindows
                    ? NeovimLaunch.WindowsTemplate(installation, WindowsInstalled().Terminal(), (installation + project + file).IndexOf(';') >= 0)
                    : NeovimLaunch.DefaultTemplate(Environment.GetEnvironmentVariable("TERMINAL"), name => NeovimLaunch.FindOnPath(name, UnixFolders), Posix.IsMac);
            if (template == null)
            {
                Debug.LogWarning(Tag + "no Neovim is connected and " + NeovimLaunch.NoTerminal(Setting) + ".");
                return;
            }
            string error;
            try
            {
                var values = new Dictionary<string, string>
                {
                    { "nvim", installation },
                    { "project", project },
                    { "file", file },
                    { "line", Math.Max(line, 1).ToString() },
                    { "col", Math.Max(column, 1).ToString() },
                };
                var argv = NeovimLaunch.Fill(NeovimLaunch.Split(template), values);
                System.Diagnostics.Process started;
                error = Platform.IsWindows ? WindowsCommandLine.Start(argv, project, out started) : NeovimLaunch.Start(argv, project, out started);
                if (error == null) LaunchWatch.Watch(started, argv[0]);
            }
            catch (FormatException e)
            {
                error = e.Message;
            }
            if (error != null)
                Debug.LogWarning(Tag + "no Neovim is connected and starting one failed: " + error + ". Fix " + Setting + " (see the package README).");
        }
    }
}
