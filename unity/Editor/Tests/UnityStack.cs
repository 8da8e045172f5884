using System;
using System.Text;
using System.Text.RegularExpressions;

namespace UnityNvim.Tests
{
    /// <summary>
    /// Rewrites the Mono stack trace a test result carries (`at Ns.Class.Method (int x) [0x0000c]
    /// in /home/me/Game/Assets/Tests/FooTests.cs:42`) into the frame format of Unity's console
    /// (`Ns.Class:Method (int x) (at Assets/Tests/FooTests.cs:42)`), which Neovim already reads
    /// for logs (doc/protocol.md, `log`). Lines it does not recognise are kept as they are.
    /// </summary>
    internal static class UnityStack
    {
        static readonly Regex MonoFrame = new Regex(
            @"^\s*at (?<method>.+?) ?\((?<args>[^()]*)\)(?: \[0x[0-9a-fA-F]+\])?(?: in (?<file>.+):(?<line>\d+))?\s*$");

        public static string Convert(string stack, string project)
        {
            if (string.IsNullOrEmpty(stack)) return stack;
            var text = new StringBuilder();
            foreach (var raw in stack.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                if (line.Trim().Length == 0) continue;
                if (text.Length > 0) text.Append('\n');
                text.Append(Frame(line, project));
            }
            return text.ToString();
        }

        static string Frame(string line, string project)
        {
            var m = MonoFrame.Match(line);
            if (!m.Success) return line.Trim();
            string method = m.Groups["method"].Value;
            int dot = method.LastIndexOf('.');
            if (dot > 0) method = method.Substring(0, dot) + ":" + method.Substring(dot + 1);
            string frame = method + " (" + m.Groups["args"].Value + ")";
            string file = m.Groups["file"].Success ? m.Groups["file"].Value : null;
            // Without debug symbols Mono writes `<filename unknown>:0` or `<0123abcd...>:0`.
            if (file == null || file.StartsWith("<", StringComparison.Ordinal) || m.Groups["line"].Value == "0") return frame;
            return frame + " (at " + PackagePaths.Relative(file, project) + ":" + m.Groups["line"].Value + ")";
        }
    }
}
