using System.Collections.Generic;
using UnityEditor;
using UnityEditor.PackageManager;
using UnityEngine;

namespace UnityNvim
{
    /// <summary>
    /// The settings under Preferences > External Tools when Neovim is the External Script Editor:
    /// the file extensions it opens, the launch command, which packages get project files (as the
    /// Visual Studio package's "Generate .csproj files for" toggles), and a "Regenerate project
    /// files" button. Everything is kept in EditorPrefs (per user, across projects).
    /// </summary>
    internal static class Preferences
    {
        static readonly KeyValuePair<PackageSource, string>[] PackageKinds =
        {
            new KeyValuePair<PackageSource, string>(PackageSource.Embedded, "Embedded packages"),
            new KeyValuePair<PackageSource, string>(PackageSource.Local, "Local packages"),
            new KeyValuePair<PackageSource, string>(PackageSource.Registry, "Registry packages"),
            new KeyValuePair<PackageSource, string>(PackageSource.Git, "Git packages"),
            new KeyValuePair<PackageSource, string>(PackageSource.BuiltIn, "Built-in packages"),
            new KeyValuePair<PackageSource, string>(PackageSource.LocalTarball, "Local tarball"),
            new KeyValuePair<PackageSource, string>(PackageSource.Unknown, "Packages from unknown sources"),
        };

        public static void OnGUI()
        {
            Text("File extensions opened in Neovim", NeovimCodeEditor.ExtensionsPref, NeovimCodeEditor.DefaultExtensions);
            Text("Launch command", NeovimCodeEditor.TemplatePref, "");
            EditorGUILayout.LabelField("Empty: Neovim in $TERMINAL or a terminal found on this machine. Placeholders: {nvim} {project} {file} {line} {col} (a character column: use setcursorcharpos); no shell runs it.");

            EditorGUILayout.LabelField("Generate project files for:");
            int kinds = EditorPrefs.GetInt(ProjectGeneration.PackagesPref, ProjectGeneration.DefaultPackages);
            int chosen = kinds;
            foreach (var kind in PackageKinds)
            {
                int bit = ProjectGeneration.Bit(kind.Key);
                if (EditorGUILayout.Toggle(kind.Value, (chosen & bit) != 0) != ((chosen & bit) != 0)) chosen ^= bit;
            }
            if (chosen != kinds) EditorPrefs.SetInt(ProjectGeneration.PackagesPref, chosen);

            if (GUILayout.Button("Regenerate project files")) NeovimCodeEditor.Announce(ProjectGeneration.SyncAll);
        }

        static void Text(string label, string pref, string fallback)
        {
            string value = EditorPrefs.GetString(pref, fallback);
            string edited = EditorGUILayout.TextField(label, value);
            if (edited != value) EditorPrefs.SetString(pref, edited);
        }
    }
}
