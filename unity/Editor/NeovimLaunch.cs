using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace UnityNvim
{
    /// <summary>
    /// Starts Neovim from a launch template such as `kitty {nvim} +{line} {file}`: the template is
    /// split into arguments (POSIX shell quoting, no expansion) before the placeholders are filled,
    /// so a file name can never become two arguments or a command, and the program runs without a shell.
    /// </summary>
    internal static class NeovimLaunch
    {
        /// <summary>Terminals tried in order when $TERMINAL is unset, with the words before the command they run.</summary>
        static readonly string[][] LinuxTerminals =
        {
            new[] { "x-terminal-emulator", "-e" },
            new[] { "kitty" },
            new[] { "alacritty", "-e" },
            new[] { "wezterm", "start", "--" },
            new[] { "foot" },
            new[] { "gnome-terminal", "--" },
            new[] { "konsole", "-e" },
            new[] { "xfce4-terminal", "-x" },
            new[] { "xterm", "-e" },
        };

        /// <summary>
        /// On macOS the common alternatives first (their command-line programs, from Homebrew's
        /// PATH folders or inside their app bundles), then Terminal, which every Mac has.
        /// </summary>
        static readonly string[][] MacTerminals =
        {
            new[] { "kitty" },
            new[] { "/Applications/kitty.app/Contents/MacOS/kitty" },
            new[] { "wezterm", "start", "--" },
            new[] { "/Applications/WezTerm.app/Contents/MacOS/wezterm", "start", "--" },
            new[] { "alacritty", "-e" },
            new[] { "/Applications/Alacritty.app/Contents/MacOS/alacritty", "-e" },
        };

        const string NvimWords = "{nvim} \"+call cursor({line},{col})\" {file}";

        /// <summary>
        /// Terminal.app runs a command string in a new window and takes no arguments: osascript
        /// passes the words as the run handler's arguments and `quoted form of` quotes each one for
        /// the shell, so no file name is ever read as shell syntax. The first word is the folder
        /// to start in (Terminal opens its shells in the home folder).
        /// </summary>
        const string MacTerminalWords = "/usr/bin/osascript"
            + " -e 'on run argv'"
            + " -e 'set command to \"cd \" & quoted form of (item 1 of argv) & \" && exec\"'"
            + " -e 'repeat with i from 2 to count of argv'"
            + " -e 'set command to command & \" \" & quoted form of (item i of argv)'"
            + " -e 'end repeat'"
            + " -e 'tell application \"Terminal\" to activate'"
            + " -e 'tell application \"Terminal\" to do script command'"
            + " -e 'end run'"
            + " {project} ";

        /// <summary>
        /// The template used when the user set none: Neovim in $TERMINAL, or in the first terminal
        /// found (on macOS: then Terminal); just `{nvim}` when there is none on Linux (it then has
        /// no terminal to draw in).
        /// </summary>
        public static string DefaultTemplate(string terminalVariable, Func<string, string> findOnPath, bool mac)
        {
            if (!string.IsNullOrEmpty(terminalVariable)) return Quote(terminalVariable) + " -e " + NvimWords;
            foreach (var terminal in mac ? MacTerminals : LinuxTerminals)
            {
                string path = findOnPath(terminal[0]); // an absolute name is itself checked (Path.Combine keeps it)
                if (path == null) continue;
                var words = new List<string> { Quote(path) };
                for (int i = 1; i < terminal.Length; i++) words.Add(terminal[i]);
                return string.Join(" ", words) + " " + NvimWords;
            }
            return mac ? MacTerminalWords + NvimWords : NvimWords;
        }

        /// <summary>The full path of `name` in a PATH folder or one of `extraFolders`; null if absent.</summary>
        public static string FindOnPath(string name, IEnumerable<string> extraFolders)
        {
            var folders = new List<string>((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator));
            folders.AddRange(extraFolders);
            foreach (var folder in folders)
            {
                if (folder.Length == 0) continue;
                string candidate = Path.Combine(folder, name);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }

        /// <summary>
        /// Splits a template as a POSIX shell splits words, without any expansion: blanks separate,
        /// '...' is literal, "..." and a backslash outside quotes escape. Throws FormatException
        /// on an unterminated quote.
        /// </summary>
        public static List<string> Split(string template)
        {
            var words = new List<string>();
            var word = new StringBuilder();
            bool inWord = false;
            for (int i = 0; i < template.Length; i++)
            {
                char c = template[i];
                if (c == ' ' || c == '\t' || c == '\n')
                {
                    if (inWord) words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                    continue;
                }
                inWord = true;
                if (c == '\\' && i + 1 < template.Length)
                {
                    word.Append(template[++i]);
                }
                else if (c == '\'')
                {
                    int end = template.IndexOf('\'', i + 1);
                    if (end < 0) throw new FormatException("a ' is not closed in the launch template");
                    word.Append(template, i + 1, end - i - 1);
                    i = end;
                }
                else if (c == '"')
                {
                    for (i++; ; i++)
                    {
                        if (i >= template.Length) throw new FormatException("a \" is not closed in the launch template");
                        if (template[i] == '"') break;
                        if (template[i] == '\\' && i + 1 < template.Length && "\"\\$`".IndexOf(template[i + 1]) >= 0) i++;
                        word.Append(template[i]);
                    }
                }
                else
                {
                    word.Append(c);
                }
            }
            if (inWord) words.Add(word.ToString());
            return words;
        }

        /// <summary>
        /// Replaces each {name} of `values` in every word. A word that held a placeholder and is
        /// empty once filled is dropped (no file: `{file}` gives no argument rather than "").
        /// </summary>
        public static List<string> Fill(List<string> words, IDictionary<string, string> values)
        {
            var filled = new List<string>();
            foreach (var word in words)
            {
                string result = word;
                foreach (var pair in values) result = result.Replace("{" + pair.Key + "}", pair.Value);
                if (result.Length == 0 && word.Length > 0) continue;
                filled.Add(result);
            }
            return filled;
        }

        /// <summary>
        /// Quotes one argument for Mono's Process.Start, which splits its argument string with
        /// g_shell_parse_argv's POSIX rules on Unix: '...' is literal, a ' is written '\''.
        /// </summary>
        public static string Quote(string argument)
        {
            return "'" + argument.Replace("'", "'\\''") + "'";
        }

        /// <summary>Starts argv[0] with the other words as its arguments in `folder`, no shell; null, or why it failed.</summary>
        public static string Start(List<string> argv, string folder)
        {
            if (argv.Count == 0) return "the launch template is empty";
            var arguments = new List<string>();
            for (int i = 1; i < argv.Count; i++) arguments.Add(Quote(argv[i]));
            var info = new ProcessStartInfo(argv[0], string.Join(" ", arguments))
            {
                UseShellExecute = false,
                WorkingDirectory = folder,
            };
            try
            {
                using (Process.Start(info)) { }
                return null;
            }
            catch (Exception e)
            {
                return "could not start '" + argv[0] + "': " + e.Message;
            }
        }
    }
}
