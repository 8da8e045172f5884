// Stand-in for Unity's Unity.CodeEditor API (UnityEditor.dll), with Unity's signatures: how a
// package registers an External Script Editor and how Unity picks the current one from the
// kScriptsDefaultApp preference (Editor/Mono/CodeEditor/CodeEditor.cs, IExternalCodeEditor.cs,
// DefaultExternalCodeEditor.cs; 2021.3, 2022.3 and 6000.0 differ only in Register).
using System;
using System.Collections.Generic;
using UnityEditor;

namespace Unity.CodeEditor
{
    public interface IExternalCodeEditor
    {
        CodeEditor.Installation[] Installations { get; }
        bool TryGetInstallationForPath(string editorPath, out CodeEditor.Installation installation);
        void OnGUI();
        void SyncIfNeeded(string[] addedFiles, string[] deletedFiles, string[] movedFiles, string[] movedFromFiles, string[] importedFiles);
        void SyncAll();
        void Initialize(string editorInstallationPath);
        bool OpenProject(string filePath = "", int line = -1, int column = -1);
    }

    public class CodeEditor
    {
        public struct Installation
        {
            public string Name;
            public string Path;
        }

        readonly List<IExternalCodeEditor> externalCodeEditors = new List<IExternalCodeEditor>();
        readonly IExternalCodeEditor defaultEditor = new DefaultExternalCodeEditor();
        IExternalCodeEditor currentEditor;
        Installation currentInstallation;

        public IExternalCodeEditor CurrentCodeEditor { get { return currentEditor; } }
        public Installation CurrentInstallation { get { return currentInstallation; } }

        public static IExternalCodeEditor CurrentEditor { get { return Editor.CurrentCodeEditor; } }
        public static string CurrentEditorPath { get { return EditorPrefs.GetString("kScriptsDefaultApp", ""); } }
        static bool IsCurrentEditorPathExplicitlySet { get { return EditorPrefs.HasKey("kScriptsDefaultApp"); } }

        public static CodeEditor Editor { get; } = new CodeEditor();

        public CodeEditor()
        {
            currentEditor = defaultEditor;
            currentInstallation = GetInstallationForPath(CurrentEditorPath);
        }

        /// <summary>"" (the system default) is the default editor's; else the first registered editor's that claims the path, else the default editor's, which claims any path.</summary>
        public Installation GetInstallationForPath(string editorPath)
        {
            Installation installation;
            if (editorPath != "")
                foreach (var codeEditor in externalCodeEditors)
                    if (codeEditor.TryGetInstallationForPath(editorPath, out installation)) return installation;
            defaultEditor.TryGetInstallationForPath(editorPath, out installation);
            return installation;
        }

        /// <summary>
        /// What Preferences > External Tools lists: every registered editor's installations by
        /// path (the first name given for a path wins; paths that do not exist are left out).
        /// Unity shows the names only, in a menu where '/' makes a submenu (DisplayCustomMenu).
        /// </summary>
        public Dictionary<string, string> GetFoundScriptEditorPaths()
        {
            var result = new Dictionary<string, string>();
            foreach (var codeEditor in externalCodeEditors)
                foreach (var installation in codeEditor.Installations)
                    if (!result.ContainsKey(installation.Path) && (System.IO.Directory.Exists(installation.Path) || System.IO.File.Exists(installation.Path)))
                        result.Add(installation.Path, installation.Name);
            return result;
        }

        /// <summary>The first registered editor that claims the path; the default editor otherwise.</summary>
        public IExternalCodeEditor GetCodeEditorForPath(string editorPath)
        {
            Installation unused;
            if (editorPath != "")
                foreach (var codeEditor in externalCodeEditors)
                    if (codeEditor.TryGetInstallationForPath(editorPath, out unused)) return codeEditor;
            return defaultEditor;
        }

        public void SetCodeEditor(string editorPath)
        {
            EditorPrefs.SetString("kScriptsDefaultApp", editorPath);
            currentEditor = GetCodeEditorForPath(editorPath);
            currentInstallation = GetInstallationForPath(editorPath);
            currentEditor.Initialize(editorPath);
        }

        /// <summary>
        /// As Unity: a second editor of the same type is ignored; the current editor is picked
        /// again (which writes the preference), from 2022.3 only when the user chose an editor.
        /// </summary>
        public static void Register(IExternalCodeEditor externalCodeEditor)
        {
            foreach (var e in Editor.externalCodeEditors)
                if (e.GetType() == externalCodeEditor.GetType()) return;
            Editor.externalCodeEditors.Add(externalCodeEditor);
            Console.WriteLine("[host] CodeEditor.Register(" + externalCodeEditor.GetType().Name + ")"); // for tests; Unity logs nothing
            if (!UnityEngine.NativeEditor.Current.AtLeast(2022, 3) || IsCurrentEditorPathExplicitlySet)
                Editor.SetCodeEditor(Editor.currentInstallation.Path);
        }

        public static void Unregister(IExternalCodeEditor externalCodeEditor)
        {
            Editor.externalCodeEditors.Remove(externalCodeEditor);
            Editor.SetCodeEditor(Editor.currentInstallation.Path);
        }

        /// <summary>
        /// Unity's own editor, for the system default ("") and any path no package claims: it
        /// claims every non-empty path, named "app (internal)" (OSUtil.GetAppFriendlyName is
        /// native; the file name stands for it). The host opens nothing with it.
        /// </summary>
        sealed class DefaultExternalCodeEditor : IExternalCodeEditor
        {
            public Installation[] Installations { get { return new Installation[0]; } }

            public bool TryGetInstallationForPath(string editorPath, out Installation installation)
            {
                if (string.IsNullOrEmpty(editorPath))
                {
                    installation = new Installation { Name = "", Path = "" };
                    return false;
                }
                installation = new Installation { Name = System.IO.Path.GetFileName(editorPath) + " (internal)", Path = editorPath };
                return true;
            }

            public void OnGUI() { }
            public void SyncIfNeeded(string[] addedFiles, string[] deletedFiles, string[] movedFiles, string[] movedFromFiles, string[] importedFiles) { }
            public void SyncAll() { }
            public void Initialize(string editorInstallationPath) { }
            public bool OpenProject(string filePath = "", int line = -1, int column = -1) { return false; }
        }
    }
}
