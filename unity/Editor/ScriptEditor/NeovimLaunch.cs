using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace UnityNvim
{
    /// <summary>
    /// Starts Neovim from a launch template such as `kitty {nvim} +{line} {file}`: the template is
    /// split into arguments (POSIX shell quoting, no expansion) before the placeholders are filled,
    /// so a file name can never become two arguments or a command, and the program runs without a shell.
    /// </summary>
    internal static class NeovimLaunch
    {
        /// <summary>
        /// Terminals tried in order when $TERMINAL is unset, with the words before the command
        /// they run: first the user's own choice (xdg-terminal-exec's configured terminal, Debian's
        /// x-terminal-emulator alternative), then those of the desktops and the common ones. Each
        /// takes the command as separate arguments, never as one string to parse.
        /// </summary>
        static readonly string[][] LinuxTerminals =
        {
            new[] { "xdg-terminal-exec" },
            new[] { "x-terminal-emulator", "-e" },
            new[] { "kitty" },
            new[] { "ghostty", "-e" },
            new[] { "alacritty", "-e" },
            new[] { "wezterm", "start", "--" },
            new[] { "foot" },
            new[] { "ptyxis", "--" },
            new[] { "kgx", "--" },
            new[] { "gnome-terminal", "--" },
            new[] { "konsole", "-e" },
            new[] { "tilix", "-x" },
            new[] { "xfce4-terminal", "-x" },
            new[] { "mate-terminal", "-x" },
            new[] { "terminator", "-x" },
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

        /// <summary>Unity's column counts characters, as setcursorcharpos does (cursor() counts bytes).</summary>
        const string NvimWords = "{nvim} \"+call setcursorcharpos({line},{col})\" {file}";

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
        /// found (on macOS: then Terminal). Null on Linux when there is none: Neovim would have no
        /// window to draw in.
        /// </summary>
        public static string DefaultTemplate(string terminalVariable, Func<string, string> findOnPath, bool mac)
        {
            if (!string.IsNullOrEmpty(terminalVariable)) return TerminalWords(terminalVariable, findOnPath) + " -e " + NvimWords;
            foreach (var terminal in mac ? MacTerminals : LinuxTerminals)
            {
                string path = findOnPath(terminal[0]); // an absolute name is itself checked (Path.Combine keeps it)
                if (path == null) continue;
                var words = new List<string> { Quote(path) };
                for (int i = 1; i < terminal.Length; i++) words.Add(terminal[i]);
                return string.Join(" ", words) + " " + NvimWords;
            }
            return mac ? MacTerminalWords + NvimWords : null;
        }

        /// <summary>
        /// The template on Windows: a Neovim GUI (Neovide, nvim-qt) as itself, Neovim's words after
        /// `--`; else Neovim in Windows Terminal, unless a word holds a `;`: wt.exe splits its
        /// command line at every `;` and its `\;` escape reaches the program with the backslash
        /// (microsoft/terminal src/cascadia/TerminalApp/AppCommandlineArgs.cpp); else Neovim alone,
        /// which Windows gives a console window of its own.
        /// </summary>
        public static string WindowsTemplate(string nvim, string windowsTerminal, bool semicolon)
        {
            if (WindowsInstalls.IsGui(nvim)) return "{nvim} -- \"+call setcursorcharpos({line},{col})\" {file}";
            if (windowsTerminal != null && !semicolon) return Quote(windowsTerminal) + " -d {project} " + NvimWords;
            return NvimWords;
        }

        /// <summary>
        /// $TERMINAL as template words: one program when the whole value names one (a path with
        /// blanks) or cannot be split (a lone quote: starting it then fails naming $TERMINAL's
        /// value, not the template), else a command with arguments (`kitty --single-instance`),
        /// split as the shells that read $TERMINAL unquoted split it.
        /// </summary>
        static string TerminalWords(string terminalVariable, Func<string, string> findOnPath)
        {
            if (findOnPath(terminalVariable) != null) return Quote(terminalVariable);
            try
            {
                Split(terminalVariable);
                return terminalVariable;
            }
            catch (FormatException)
            {
                return Quote(terminalVariable);
            }
        }

        /// <summary>What the console says when DefaultTemplate found no terminal: where it looked and what to set.</summary>
        public static string NoTerminal(string setting)
        {
            var names = new List<string>();
            foreach (var terminal in LinuxTerminals) names.Add(terminal[0]);
            return "no terminal to run Neovim in was found ($TERMINAL is unset; looked for " + string.Join(", ", names)
                + "). Set " + setting + " to your terminal's command, e.g. `myterm -e {nvim} \"+call setcursorcharpos({line},{col})\" {file}`";
        }

        /// <summary>
        /// The name of the Neovim at `path` in Unity's list of editors, which shows names only:
        /// the path itself, so two Neovims never look alike; the home folder (%USERPROFILE% on
        /// Windows) as ~, and each '/' as '∕' (DIVISION SLASH) because Unity's menu reads '/' as a submenu.
        /// </summary>
        public static string DisplayName(string path, string home)
        {
            string shown = path;
            string root = string.IsNullOrEmpty(home) ? null : home.TrimEnd('/', '\\');
            // Windows paths (with a \\) compare as Windows does, ignoring case.
            if (root != null && (path.StartsWith(root + "/", StringComparison.Ordinal) || path.StartsWith(root + "\\", StringComparison.OrdinalIgnoreCase)))
                shown = "~" + path.Substring(root.Length);
            return "Neovim (unity.nvim) " + shown.Replace('/', '\u2215');
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

        static readonly Regex Placeholder = new Regex(@"\{([a-z]+)\}");

        /// <summary>
        /// Replaces each {name} of `values` in every word, in one pass: a value is never read
        /// again, so a file named `{line}.cs` stays that name. Unknown names stay as written. A
        /// word that held a placeholder and is empty once filled is dropped (no file: `{file}`
        /// gives no argument rather than "").
        /// </summary>
        public static List<string> Fill(List<string> words, IDictionary<string, string> values)
        {
            var filled = new List<string>();
            foreach (var word in words)
            {
                string result = Placeholder.Replace(word, m =>
                {
                    string value;
                    return values.TryGetValue(m.Groups[1].Value, out value) ? value : m.Value;
                });
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

        /// <summary>util-linux's setsid(1) (every Linux desktop has it; macOS has none).</summary>
        const string Setsid = "/usr/bin/setsid";

        /// <summary>
        /// Starts argv[0] with the other words as its arguments in `folder`, no shell; null, or
        /// why it failed. The program gets a session of its own (setsid: a Ctrl-C or hang-up
        /// meant for the terminal Unity was started from does not reach it) and an empty stdin
        /// instead of Unity's. `process` is what to watch for a failure after the start.
        /// </summary>
        public static string Start(List<string> argv, string folder, out Process process)
        {
            process = null;
            if (argv.Count == 0) return "the launch template is empty";
            bool named = argv[0].IndexOf('/') < 0;
            string program = named ? FindOnPath(argv[0], new string[0]) : File.Exists(argv[0]) ? argv[0] : null;
            if (program == null) return "could not start '" + argv[0] + "': " + (named ? "it is not in a PATH folder" : "there is no such file");
            var words = new List<string>(argv);
            words[0] = program;
            if (File.Exists(Setsid)) words.Insert(0, Setsid);
            var arguments = new List<string>();
            for (int i = 1; i < words.Count; i++) arguments.Add(Quote(words[i]));
            var info = new ProcessStartInfo(words[0], string.Join(" ", arguments))
            {
                UseShellExecute = false,
                WorkingDirectory = folder,
                RedirectStandardInput = true,
            };
            try
            {
                process = Process.Start(info);
                process.StandardInput.Close(); // end of input at once, as from /dev/null
                return null;
            }
            catch (Exception e)
            {
                return "could not start '" + argv[0] + "': " + e.Message;
            }
        }
    }
}
