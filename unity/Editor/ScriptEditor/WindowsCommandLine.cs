using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace UnityNvim
{
    /// <summary>
    /// Starting a program on Windows with exact arguments: each quoted as CommandLineToArgvW (and
    /// the C runtime) parse them, the way Unity quotes for Process.Start on Windows
    /// (UnityCsReference Editor/Mono/CodeEditor/CodeEditor.cs, QuoteForProcessStart), and no
    /// command interpreter anywhere, so `&|^%` in a file name reach Neovim as they are.
    /// </summary>
    internal static class WindowsCommandLine
    {
        /// <summary>
        /// One argument in double quotes: backslashes are literal except before a quote, so those
        /// before a quote (and before the closing quote) are doubled and the quote escaped.
        /// </summary>
        public static string Quote(string argument)
        {
            var sb = new StringBuilder("\"");
            for (int i = 0; i < argument.Length; i++)
            {
                char c = argument[i];
                if (c == '"')
                {
                    for (int j = i - 1; j >= 0 && argument[j] == '\\'; j--) sb.Append('\\');
                    sb.Append('\\');
                }
                sb.Append(c);
            }
            for (int j = argument.Length - 1; j >= 0 && argument[j] == '\\'; j--) sb.Append('\\');
            return sb.Append('"').ToString();
        }

        /// <summary>The arguments as one command-line tail, each quoted, separated by one blank.</summary>
        public static string Join(IList<string> arguments)
        {
            var quoted = new List<string>();
            foreach (var a in arguments) quoted.Add(Quote(a));
            return string.Join(" ", quoted.ToArray());
        }

        /// <summary>
        /// How argv starts in `folder`: ShellExecuteEx of the program itself with the quoted tail.
        /// Not CreateProcess through Mono's Process (UseShellExecute false): Mono always hands the
        /// child Unity's own standard handles (STARTF_USESTDHANDLES, mono/metadata/w32process-win32.c),
        /// which a windowed editor does not have, so a console Neovim would get none instead of its
        /// new console's. ShellExecuteEx of an .exe runs no cmd.exe; a .bat or .cmd would, so those are refused.
        /// </summary>
        public static ProcessStartInfo StartInfo(string program, IList<string> arguments, string folder)
        {
            return new ProcessStartInfo(program, Join(arguments)) { UseShellExecute = true, WorkingDirectory = folder };
        }

        /// <summary>Starts argv[0] (a full path) with the other words; null, or why it failed.</summary>
        public static string Start(List<string> argv, string folder, out Process process)
        {
            process = null;
            if (argv.Count == 0) return "the launch template is empty";
            string program = argv[0];
            if (program.IndexOfAny(new[] { '\\', '/' }) < 0)
                program = NeovimLaunch.FindOnPath(Path.HasExtension(program) ? program : program + ".exe", new string[0]) ?? program;
            string extension = Path.GetExtension(program).ToLowerInvariant();
            if (extension == ".bat" || extension == ".cmd")
                return "'" + program + "' is a batch file, which cmd.exe would run and read a file name in it as commands; name the .exe instead";
            if (!File.Exists(program)) return "could not start '" + program + "': there is no such file";
            try
            {
                process = Process.Start(StartInfo(program, argv.GetRange(1, argv.Count - 1), folder));
                return null;
            }
            catch (Exception e)
            {
                return "could not start '" + program + "': " + e.Message;
            }
        }
    }
}
