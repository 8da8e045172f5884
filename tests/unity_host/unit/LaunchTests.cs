// Unit tests of the launch template: splitting as a POSIX shell splits words (no expansion),
// filling placeholders after the split and in one pass, the terminals found, quoting that
// Mono's Process.Start undoes exactly, and a launched program detached from Unity.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace UnityNvim.Tests
{
    static partial class UnitTests
    {
        const string NastyName = "it's a \"$(touch pwned)\" `x` \\ file.cs";

        static void Words(string[] expected, List<string> actual, string what)
        {
            Equal(string.Join(" | ", expected), string.Join(" | ", actual), what);
            Equal(expected.Length, actual.Count, what + " (count)");
        }

        static void TestTemplateSplitsLikeAShellWithoutExpansion()
        {
            Words(new[] { "kitty", "{nvim}", "+{line}", "{file}" }, NeovimLaunch.Split("  kitty\t{nvim} +{line}  {file} "), "blanks");
            Words(new[] { "sh", "-c", "printf \"%s\" \"$@\"", "sh" }, NeovimLaunch.Split("sh -c 'printf \"%s\" \"$@\"' sh"), "single quotes are literal");
            Words(new[] { "a b\"c$", "d\\e", "f g", "" }, NeovimLaunch.Split("\"a b\\\"c\\$\" \"d\\e\" f\\ g ''"), "double quotes and backslashes");
            Words(new[] { "+call cursor({line},{col})" }, NeovimLaunch.Split("\"+call cursor({line},{col})\""), "a quoted placeholder word");
            foreach (var bad in new[] { "a 'b", "a \"b" })
            {
                try
                {
                    NeovimLaunch.Split(bad);
                    throw new Exception("expected a FormatException for " + bad);
                }
                catch (FormatException e)
                {
                    Check(e.Message.Contains("not closed"), "says what is wrong: " + e.Message);
                }
            }
        }

        static void TestPlaceholdersAreFilledAfterTheSplit()
        {
            var values = new Dictionary<string, string> { { "file", NastyName }, { "line", "3" }, { "col", "9" }, { "project", "/p q" } };
            Words(new[] { "t", "-e", "+call setcursorcharpos(3,9)", NastyName, "--cwd=/p q" },
                NeovimLaunch.Fill(NeovimLaunch.Split("t -e \"+call setcursorcharpos({line},{col})\" {file} --cwd={project}"), values), "one word each");
            values["file"] = "";
            Words(new[] { "nvim", "" }, NeovimLaunch.Fill(NeovimLaunch.Split("nvim {file} ''"), values), "no file: no argument; a literal '' stays");
        }

        /// <summary>
        /// A small argv-echo program in a folder whose name needs quoting: it writes its
        /// arguments NUL-separated, then its pid, session, stdin and its parent's stdin.
        /// </summary>
        static string EchoProgram(string dir)
        {
            string folder = Path.Combine(dir, "it's a \"dir\" $HOME \\ x");
            Directory.CreateDirectory(folder);
            string program = Path.Combine(folder, "echo args");
            File.WriteAllText(program, "#!/bin/sh\nout=$1; shift\n"
                + "{ printf '%s\\0' \"$@\"; printf '%s\\0' $$ \"$(cut -d' ' -f6 /proc/$$/stat)\" \"$(readlink /proc/self/fd/0)\" \"$(readlink /proc/$PPID/fd/0)\"; } > \"$out.tmp\"\n"
                + "mv \"$out.tmp\" \"$out\"\n");
            int errno;
            Check(Posix.Chmod(program, Convert.ToInt32("755", 8), out errno), "chmod the echo program");
            return program;
        }

        static List<string> EchoedBy(string out_)
        {
            for (int i = 0; i < 500 && !File.Exists(out_); i++) System.Threading.Thread.Sleep(20);
            var got = File.ReadAllText(out_).Split('\0').ToList();
            got.RemoveAt(got.Count - 1);
            return got;
        }

        // Unity's Mono splits ProcessStartInfo.Arguments with eglib's g_shell_parse_argv (Debian's
        // Mono is the same code): what Quote writes must come back as the same argv.
        [PosixOnly]
        static void TestQuotedArgumentsArriveIntactThroughMonoProcessStart()
        {
            string dir = Path.Combine(Path.GetTempPath(), "unity-nvim-launch-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string out_ = Path.Combine(dir, "argv");
            var nasty = new List<string>
            {
                NastyName, "", "two  spaces", "tab\there", "new\nline", "back\\slash\\", "\\'", "'\\''", "\"\\\"",
                "$HOME ${x} $(id) `id`", "* ? [a] ~ # ; | && > <", "-e", "--", "héllo wörld ✓", "{file}",
            };
            var argv = new List<string> { EchoProgram(dir), out_ };
            argv.AddRange(nasty);
            Process process;
            Equal(null, NeovimLaunch.Start(argv, dir, out process), "started");
            var got = EchoedBy(out_);
            Words(nasty.ToArray(), got.GetRange(0, nasty.Count), "every argument as written");
            Check(!File.Exists(Path.Combine(dir, "pwned")), "nothing of an argument ran");
            Directory.Delete(dir, true);
        }

        [PosixOnly]
        static void TestLaunchedProgramHasItsOwnSessionAndNoInheritedStdin()
        {
            string dir = Path.Combine(Path.GetTempPath(), "unity-nvim-launch-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string out_ = Path.Combine(dir, "argv");
            Process process;
            Equal(null, NeovimLaunch.Start(new List<string> { EchoProgram(dir), out_, "x" }, dir, out process), "started");
            var got = EchoedBy(out_).GetRange(1, 4);
            Equal(process.Id.ToString(), got[0], "the process to watch is the program itself (setsid ran it in place)");
            Equal(got[0], got[1], "it leads a session of its own");
            Check(got[2].StartsWith("pipe:"), "stdin is a pipe of its own: " + got[2]);
            Check(got[2] != got[3], "not Unity's stdin (" + got[3] + ")");
            process.WaitForExit();
            Equal(0, process.ExitCode, "exit code readable for the watch");
            Directory.Delete(dir, true);
        }

        [PosixOnly]
        static void TestUnstartableProgramIsNamed()
        {
            Process process;
            string error = NeovimLaunch.Start(new List<string> { "/nonexistent/nvim" }, "/", out process);
            Check(error.Contains("/nonexistent/nvim") && error.Contains("no such file"), "names the program and why: " + error);
            error = NeovimLaunch.Start(new List<string> { "no-such-terminal-here" }, "/", out process);
            Check(error.Contains("no-such-terminal-here") && error.Contains("PATH"), "a bare name is looked up on PATH: " + error);
            Check(process == null, "nothing to watch");
        }

        static readonly string[] NvimWordsSplit = { "{nvim}", "+call setcursorcharpos({line},{col})", "{file}" };

        static string[] With(params string[] before)
        {
            return before.Concat(NvimWordsSplit).ToArray();
        }

        static void TestDefaultTemplatePrefersTerminalVariableThenPath()
        {
            Func<string, string> onlyXterm = name => name == "xterm" || name == "/opt/my term" ? name.Replace("xterm", "/usr/bin/xterm") : null;
            Words(With("/opt/my term", "-e"), NeovimLaunch.Split(NeovimLaunch.DefaultTemplate("/opt/my term", onlyXterm, false)), "$TERMINAL naming a program with a blank");
            Words(With("kitty", "--single-instance", "-e"), NeovimLaunch.Split(NeovimLaunch.DefaultTemplate("kitty --single-instance", onlyXterm, false)),
                "$TERMINAL with arguments");
            Words(With("it's", "-e"), NeovimLaunch.Split(NeovimLaunch.DefaultTemplate("it's", onlyXterm, false)),
                "a $TERMINAL that cannot be split is one program, not a template error");
            Words(With("/usr/bin/xterm", "-e"), NeovimLaunch.Split(NeovimLaunch.DefaultTemplate(null, onlyXterm, false)), "a terminal on PATH");
            Equal(null, NeovimLaunch.DefaultTemplate("", name => null, false), "no terminal: no template");
        }

        static void TestDesktopTerminalsAreFound()
        {
            var expected = new Dictionary<string, string[]>
            {
                { "xdg-terminal-exec", new string[0] },
                { "ptyxis", new[] { "--" } },
                { "kgx", new[] { "--" } },
                { "ghostty", new[] { "-e" } },
                { "tilix", new[] { "-x" } },
                { "mate-terminal", new[] { "-x" } },
            };
            foreach (var pair in expected)
            {
                string only = pair.Key;
                var words = NeovimLaunch.Split(NeovimLaunch.DefaultTemplate(null, name => name == only ? "/usr/bin/" + only : null, false));
                Words(With(new[] { "/usr/bin/" + only }.Concat(pair.Value).ToArray()), words, only);
            }
            Words(With("/usr/bin/xdg-terminal-exec"),
                NeovimLaunch.Split(NeovimLaunch.DefaultTemplate(null, name => "/usr/bin/" + name, false)), "the user's configured terminal first");
            string none = NeovimLaunch.NoTerminal("Preferences > External Tools > Launch command");
            foreach (var name in expected.Keys.Concat(new[] { "$TERMINAL", "Launch command", "{nvim}" }))
                Check(none.Contains(name), "the no-terminal message names " + name + ": " + none);
        }

        static void TestPlaceholdersAreFilledInOnePass()
        {
            var values = new Dictionary<string, string>
            {
                { "file", "/p/{line}{col}{project}{nvim}.cs" }, { "line", "3" }, { "col", "{file}" }, { "project", "/p" },
            };
            Words(new[] { "/p/{line}{col}{project}{nvim}.cs", "+3,{file}", "{unknown}", "--cwd=/p" },
                NeovimLaunch.Fill(NeovimLaunch.Split("{file} +{line},{col} {unknown} --cwd={project}"), values), "no value read twice");
        }

        static void TestDisplayNamesAreDistinctAndMakeNoSubmenu()
        {
            string a = NeovimLaunch.DisplayName("/usr/bin/nvim", "/home/me");
            string b = NeovimLaunch.DisplayName("/home/me/.local/bin/nvim", "/home/me");
            string c = NeovimLaunch.DisplayName("/usr/local/bin/nvim", "/home/me/");
            Check(a != b && b != c && a != c, "distinct: " + a + " | " + b + " | " + c);
            Check(!(a + b + c).Contains("/"), "no '/' (a submenu in Unity's list)");
            Equal("Neovim (unity.nvim) ~\u2215.local\u2215bin\u2215nvim", b, "home as ~");
        }

        static void TestMacTemplateFindsAppBundlesThenTerminal()
        {
            Func<string, string> onlyKittyApp = name => name == "/Applications/kitty.app/Contents/MacOS/kitty" ? name : null;
            Words(With("/Applications/kitty.app/Contents/MacOS/kitty"),
                NeovimLaunch.Split(NeovimLaunch.DefaultTemplate(null, onlyKittyApp, true)), "a terminal's app bundle");
            var words = NeovimLaunch.Split(NeovimLaunch.DefaultTemplate(null, name => name == "xterm" ? "/usr/bin/xterm" : null, true));
            Check(words[0] == "/usr/bin/osascript", "Terminal through osascript (Linux terminals not tried): " + string.Join("|", words));
            // The script is fixed text: everything that names a file comes after it, as arguments.
            int script = words.LastIndexOf("end run");
            Check(script > 0 && words.GetRange(0, script).TrueForAll(w => !w.Contains("{")), "no placeholder inside the script");
            Check(words.Contains("quoted form of (item i of argv)".Insert(0, "set command to command & \" \" & ")), "each argument quoted for the shell");
            var values = new Dictionary<string, string> { { "nvim", "/opt/homebrew/bin/nvim" }, { "project", "/Users/me/My Game" }, { "file", "/Users/me/My Game/Assets/" + NastyName }, { "line", "3" }, { "col", "1" } };
            Words(new[] { "/Users/me/My Game", "/opt/homebrew/bin/nvim", "+call setcursorcharpos(3,1)", "/Users/me/My Game/Assets/" + NastyName },
                NeovimLaunch.Fill(words, values).GetRange(script + 1, 4), "the folder, then Neovim's words, each one argument");
        }
    }
}
