// Stand-in for the immediate-mode GUI calls an External Script Editor's OnGUI makes (UnityEngine's
// GUILayout, Runtime/IMGUI/Managed/GUILayout.cs), with Unity's signatures. The host has no
// window: a test plays the user by setting answers per control label before OnGUI runs, and
// reads back which controls were drawn.
using System.Collections.Generic;
using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("UnityHost.Game")]

namespace UnityEngine
{
    public sealed class GUILayoutOption
    {
    }

    public class GUILayout
    {
        /// <summary>True when the user clicked it (an answer of true for its label).</summary>
        public static bool Button(string text, params GUILayoutOption[] options) { return ImmediateGUI.Control(text, false); }
    }

    /// <summary>The host's stand-in user: the value each labelled control returns, and the labels drawn.</summary>
    internal static class ImmediateGUI
    {
        internal static readonly Dictionary<string, object> Answers = new Dictionary<string, object>();
        internal static readonly List<string> Drawn = new List<string>();

        internal static T Control<T>(string label, T current)
        {
            Drawn.Add(label);
            object answer;
            return Answers.TryGetValue(label, out answer) && answer is T ? (T)answer : current;
        }
    }
}
