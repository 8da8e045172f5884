// Stand-in for the UnityEditor.EditorGUILayout controls an External Script Editor's OnGUI draws
// (Editor/Mono/EditorGUI.cs, class EditorGUILayout), with Unity's signatures; the answers come
// from the host's stand-in user (UnityEngine.ImmediateGUI).
using UnityEngine;

namespace UnityEditor
{
    public sealed partial class EditorGUILayout
    {
        public static string TextField(string label, string text, params GUILayoutOption[] options) { return ImmediateGUI.Control(label, text); }

        public static bool Toggle(string label, bool value, params GUILayoutOption[] options) { return ImmediateGUI.Control(label, value); }

        public static void LabelField(string label, params GUILayoutOption[] options) { ImmediateGUI.Control(label, 0); }
    }
}
