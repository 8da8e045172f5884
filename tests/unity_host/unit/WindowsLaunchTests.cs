// Unit tests of the script editor's Windows side, which run here without Windows: arguments
// quoted so that CommandLineToArgvW gives them back exactly (an oracle written from Microsoft's
// rules), Neovim found where the package managers put it (a fake folder tree and environment),
// and the default launch for a GUI, Windows Terminal and a plain console.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace UnityNvim.Tests
{
    static partial class UnitTests
    {
        /// <summary>
        /// CommandLineToArgvW's rules for the arguments after the program name: blanks separate
        /// outside quotes; 2n backslashes before a quote give n and the quote toggles quoting;
        /// 2n+1 give n and a literal quote; other backslashes are literal.
        /// </summary>
        static List<string> ParseLikeCommandLineToArgvW(string tail)
        {
            var args = new List<string>();
            var arg = new StringBuilder();
            bool quoted = false, inArg = false;
            for (int i = 0; i < tail.Length; i++)
            {
                char c = tail[i];
                if ((c == ' ' || c == '\t') && !quoted)
                {
                    if (inArg) args.Add(arg.ToString());
                    arg.Clear();
                    inArg = false;
                    continue;
                }
                inArg = true;
                if (c == '\\')
                {
                    int n = 0;
                    while (i < tail.Length && tail[i] == '\\') { n++; i++; }
                    if (i < tail.Length && tail[i] == '"')
                    {
                        arg.Append('\\', n / 2);
                        if (n % 2 == 1) arg.Append('"');
                        else quoted = !quoted;
                    }
                    else
                    {
                        arg.Append('\\', n);
                        i--;
                    }
                }
                else if (c == '"') quoted = !quoted;
                else arg.Append(c);
            }
            if (inArg) args.Add(arg.ToString());
            return args;
        }

        static void TestWindowsQuotingRoundTripsThroughCommandLineToArgvW()
        {
            var nasty = new List<string>
            {
                "plain", "two words", "", "a\"b", "\"", "\\\"", "trailing\\", @"C:\dir with space\", @"\\server\share\",
                "a\\\\\"b", "&|^%PATH%!<>()", "100% & more | ^caret", @"C:\Users\me\Game\Assets\It's a ""q"".cs", "é ü \t tab",
            };
            Words(nasty.ToArray(), ParseLikeCommandLineToArgvW(WindowsCommandLine.Join(nasty)), "every argument back exactly");
            // Unity's QuoteForProcessStart on Windows gives these (CodeEditor.cs).
            Equal("\"C:\\a b\\\\\"", WindowsCommandLine.Quote(@"C:\a b\"), "a trailing backslash doubled before the closing quote");
            Equal("\"a\\\\\\\"b\"", WindowsCommandLine.Quote("a\\\"b"), "backslashes before a quote doubled, the quote escaped");
            Equal("\"C:\\x\\y\"", WindowsCommandLine.Quote(@"C:\x\y"), "other backslashes as they are");
            Equal("\"&|^%x%\"", WindowsCommandLine.Quote("&|^%x%"), "no cmd.exe escaping: nothing reads these but the program");
        }

        static void TestWindowsStartRunsTheProgramItselfNeverABatchFile()
        {
            var info = WindowsCommandLine.StartInfo(@"C:\Program Files\Neovim\bin\nvim.exe", new[] { "+call setcursorcharpos(1,2)", @"C:\G\a&b.cs" }, @"C:\G");
            Equal(@"C:\Program Files\Neovim\bin\nvim.exe", info.FileName, "the program itself, no cmd /c");
            Equal("\"+call setcursorcharpos(1,2)\" \"C:\\G\\a&b.cs\"", info.Arguments, "the quoted tail");
            Check(info.UseShellExecute, "ShellExecuteEx: the console Neovim gets its own console's handles");
            Equal(@"C:\G", info.WorkingDirectory, "in the project");
            foreach (var batch in new[] { @"C:\tools\nvim.cmd", @"C:\tools\NVIM.BAT" })
            {
                System.Diagnostics.Process process;
                string error = WindowsCommandLine.Start(new List<string> { batch, "x.cs" }, @"C:\", out process);
                Check(error != null && error.Contains("batch file") && error.Contains(".exe"), "refused, saying what to do: " + error);
                Equal(null, process, "nothing started");
            }
        }

        /// <summary>A Windows machine as WindowsInstalls sees it: these files, these variables.</summary>
        static WindowsInstalls FakeWindows(Dictionary<string, string> env, params string[] files)
        {
            var all = new HashSet<string>(files, StringComparer.OrdinalIgnoreCase);
            Func<string, string, string[]> subfolders = (folder, pattern) =>
            {
                string prefix = folder.TrimEnd('\\') + "\\";
                var regex = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", "[^\\\\]*") + "$",
                    System.Text.RegularExpressions.RegexOptions.IgnoreCase);
                return all.Where(f => f.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                    .Select(f => f.Substring(prefix.Length).Split('\\')[0])
                    .Where(name => regex.IsMatch(name) && all.Any(f => f.StartsWith(prefix + name + "\\", StringComparison.OrdinalIgnoreCase)))
                    .Distinct().Select(name => prefix + name).ToArray();
            };
            return new WindowsInstalls(name => { string v; return env.TryGetValue(name, out v) ? v : null; }, all.Contains, subfolders);
        }

        static void TestNeovimIsFoundWhereWindowsPackageManagersPutIt()
        {
            var env = new Dictionary<string, string>
            {
                { "PATH", @"C:\Windows\system32;""c:\program files\neovim\bin"";C:\Users\me\bin" },
                { "USERPROFILE", @"C:\Users\me" },
                { "LOCALAPPDATA", @"C:\Users\me\AppData\Local" },
                { "ProgramData", @"C:\ProgramData" },
                { "ProgramFiles", @"C:\Program Files" },
            };
            var found = FakeWindows(env,
                @"C:\Users\me\bin\nvim.exe",
                @"C:\Users\me\scoop\shims\nvim.exe",
                @"C:\Users\me\scoop\apps\neovim\current\bin\nvim.exe",
                @"C:\ProgramData\scoop\shims\neovide.exe",
                @"C:\Users\me\AppData\Local\Microsoft\WinGet\Links\nvim.exe",
                @"C:\Users\me\AppData\Local\Microsoft\WinGet\Packages\Neovim.Neovim_Microsoft.Winget.Source_8wekyb3d8bbwe\nvim-win64\bin\nvim.exe",
                @"C:\Users\me\AppData\Local\Microsoft\WinGet\Packages\Other.Tool_x\nvim-win64\bin\nvim.exe",
                @"C:\ProgramData\chocolatey\bin\nvim.exe",
                @"C:\tools\neovim\nvim-win64\bin\nvim.exe",
                @"C:\Program Files\Neovim\bin\nvim.exe",
                @"C:\Program Files\Neovim\bin\nvim-qt.exe",
                @"C:\Program Files\Neovide\neovide.exe",
                @"C:\Users\me\AppData\Local\Microsoft\WindowsApps\wt.exe").Neovims();
            Words(new[]
            {
                @"c:\program files\neovim\bin\nvim.exe", @"c:\program files\neovim\bin\nvim-qt.exe", @"C:\Users\me\bin\nvim.exe",
                @"C:\Users\me\scoop\shims\nvim.exe", @"C:\Users\me\scoop\apps\neovim\current\bin\nvim.exe", @"C:\ProgramData\scoop\shims\neovide.exe",
                @"C:\Users\me\AppData\Local\Microsoft\WinGet\Links\nvim.exe",
                @"C:\Users\me\AppData\Local\Microsoft\WinGet\Packages\Neovim.Neovim_Microsoft.Winget.Source_8wekyb3d8bbwe\nvim-win64\bin\nvim.exe",
                @"C:\ProgramData\chocolatey\bin\nvim.exe", @"C:\tools\neovim\nvim-win64\bin\nvim.exe", @"C:\Program Files\Neovide\neovide.exe",
            }, found, "PATH first (quotes stripped), then scoop, winget, chocolatey, the MSI (already seen on PATH, whatever its case), Neovide");

            env["SCOOP"] = @"D:\scoop";
            env["ChocolateyToolsLocation"] = @"D:\tools";
            env["PATH"] = "";
            Words(new[] { @"D:\scoop\shims\nvim.exe", @"D:\tools\neovim\nvim-win64\bin\nvim.exe" },
                FakeWindows(env, @"D:\scoop\shims\nvim.exe", @"C:\Users\me\scoop\shims\nvim.exe", @"D:\tools\neovim\nvim-win64\bin\nvim.exe").Neovims(),
                "SCOOP and ChocolateyToolsLocation move those folders");
            Words(new string[0], FakeWindows(new Dictionary<string, string>(), @"C:\Users\me\scoop\shims\nvim.exe").Neovims(), "no variables: only what they would name is skipped");
        }

        static void TestWindowsTerminalIsFoundOnPathOrAsTheAppAlias()
        {
            var env = new Dictionary<string, string> { { "LOCALAPPDATA", @"C:\Users\me\AppData\Local" }, { "PATH", "" } };
            Equal(@"C:\Users\me\AppData\Local\Microsoft\WindowsApps\wt.exe",
                FakeWindows(env, @"C:\Users\me\AppData\Local\Microsoft\WindowsApps\wt.exe").Terminal(), "the execution alias");
            Equal(null, FakeWindows(env).Terminal(), "none");
        }

        static void TestWindowsLaunchPicksAGuiThenWindowsTerminalThenAConsole()
        {
            const string Wt = @"C:\Users\me\AppData\Local\Microsoft\WindowsApps\wt.exe";
            var values = new Dictionary<string, string>
            {
                { "nvim", @"C:\Program Files\Neovim\bin\nvim.exe" }, { "project", @"C:\Games\My Game" },
                { "file", @"C:\Games\My Game\Assets\a&b %x%.cs" }, { "line", "3" }, { "col", "9" },
            };
            Func<string, List<string>> argv = template => NeovimLaunch.Fill(NeovimLaunch.Split(template), values);
            Words(new[] { Wt, "-d", @"C:\Games\My Game", @"C:\Program Files\Neovim\bin\nvim.exe", "+call setcursorcharpos(3,9)", @"C:\Games\My Game\Assets\a&b %x%.cs" },
                argv(NeovimLaunch.WindowsTemplate(values["nvim"], Wt, false)), "Windows Terminal in the project folder");
            Words(new[] { @"C:\Program Files\Neovim\bin\nvim.exe", "+call setcursorcharpos(3,9)", @"C:\Games\My Game\Assets\a&b %x%.cs" },
                argv(NeovimLaunch.WindowsTemplate(values["nvim"], Wt, true)), "a ';' somewhere: a console, as wt.exe would split there");
            Words(new[] { @"C:\Program Files\Neovim\bin\nvim.exe", "+call setcursorcharpos(3,9)", @"C:\Games\My Game\Assets\a&b %x%.cs" },
                argv(NeovimLaunch.WindowsTemplate(values["nvim"], null, false)), "no Windows Terminal: a console");
            values["nvim"] = @"C:\Program Files\Neovide\neovide.exe";
            Words(new[] { @"C:\Program Files\Neovide\neovide.exe", "--", "+call setcursorcharpos(3,9)", @"C:\Games\My Game\Assets\a&b %x%.cs" },
                argv(NeovimLaunch.WindowsTemplate(values["nvim"], Wt, false)), "a GUI opens its own window");
            Check(WindowsInstalls.IsGui(@"C:\x\NVIM-QT.EXE") && !WindowsInstalls.IsGui(@"C:\x\nvim.exe"), "GUIs by name, any case");
        }

        static void TestWindowsDisplayNamesShortenTheProfileFolder()
        {
            Equal("Neovim (unity.nvim) ~\\scoop\\shims\\nvim.exe", NeovimLaunch.DisplayName(@"C:\Users\Me\scoop\shims\nvim.exe", @"C:\Users\me"), "%USERPROFILE% as ~, any case");
            Equal("Neovim (unity.nvim) C:\\Program Files\\Neovim\\bin\\nvim.exe", NeovimLaunch.DisplayName(@"C:\Program Files\Neovim\bin\nvim.exe", @"C:\Users\me"), "elsewhere: the whole path");
        }
    }
}
