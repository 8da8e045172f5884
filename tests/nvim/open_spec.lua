-- Neovim as Unity's script editor: `open` messages and on_open against the peer (unity-peer
-- editor sends `open` with whatever values a test gives, as the protocol allows); and
-- :UnitySyncProjects, `projects` messages and the project files' health against the real
-- package in the stand-in editor, whose generator writes them.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local config = require("unity.config")

--- One tab page with one empty window, no log window, default options.
local function fresh_layout()
  vim.cmd("silent! tabonly | silent! only! | enew!")
  vim.cmd("silent! %bwipeout! | silent! cclose")
  config.set({})
  T.defer(function()
    config.set({})
  end)
end

local PLAYER = {}
for i = 1, 40 do
  PLAYER[i] = string.format("    int field%d = %d; // é😀x", i, i)
end
local SCRIPTS = {
  ["Assets/Scripts/Player.cs"] = PLAYER,
  ["Assets/Scripts/Enemy.cs"] = { "class Enemy {}" },
}

--- A connected peer on a fresh project holding Assets/Scripts/Player.cs (40 lines).
local function setup()
  fresh_layout()
  local dir = T.project()
  for path, lines in pairs(SCRIPTS) do
    vim.fn.writefile(lines, dir .. "/" .. path)
  end
  T.start_peer(dir)
  T.connect(dir)
  return dir
end

--- The shared stand-in host, Neovim its External Script Editor, on a project holding SCRIPTS,
--- connected, without project files (removed again after the test). -batchmode: an editor
--- that does not write them at start-up on its own.
local function host_setup()
  fresh_layout()
  local dir = T.connect_shared(
    { UNITY_HOST_PREF_kScriptsDefaultApp = "/usr/local/bin/nvim", UNITY_HOST_BATCHMODE = "1" },
    SCRIPTS
  )
  local function remove_project_files()
    for _, f in ipairs(vim.fn.glob(dir .. "/*.{sln,csproj}", false, true)) do
      vim.fn.delete(f)
    end
  end
  remove_project_files()
  T.defer(remove_project_files)
  return dir
end

--- Makes the peer (unity-peer editor) send `open` and waits until Neovim handled it (the reply is
--- queued after the `open` frame, and the drain handles events in order).
local function unity_open(file, line, col)
  local reply = T.call("sim.open", { file = file, line = line, col = col })
  T.eq(true, reply.ok, "sim.open")
end

local function edit_in_new_window(path)
  vim.cmd("rightbelow vsplit " .. vim.fn.fnameescape(path))
  return vim.api.nvim_get_current_win()
end

local function buf_name(win)
  return vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(win))
end

T.test("open lands the cursor at file, line and column in the last used ordinary window", function()
  local dir = setup()
  local player = dir .. "/Assets/Scripts/Player.cs"
  local first = vim.api.nvim_get_current_win()
  local other = dir .. "/other.txt"
  vim.fn.writefile({ "other" }, other)
  local second = edit_in_new_window(other)
  -- The user last worked in `second`, then went to the log window.
  require("unity").open_log()
  local log_win = vim.api.nvim_get_current_win()
  local opened = T.record("UnityOpen")

  unity_open(player, 12, 5)
  T.eq(second, vim.api.nvim_get_current_win(), "the window last used before the log window")
  T.eq(player, buf_name(second), "file")
  T.eq({ 12, 4 }, vim.api.nvim_win_get_cursor(second), "line 12, column 5")
  T.eq("", buf_name(first), "the other window is untouched")
  T.eq("unitylog", vim.bo[vim.api.nvim_win_get_buf(log_win)].filetype, "the log window still shows the log")
  T.eq(1, #opened, "UnityOpen fired once")
  T.eq(
    { file = player, line = 12, col = 5, project = dir, buf = vim.api.nvim_win_get_buf(second), win = second },
    opened[1],
    "UnityOpen data"
  )

  -- Unity's columns count UTF-16 units as C# does: after "é😀" (1 + 2 units) comes "x".
  local text = vim.api.nvim_buf_get_lines(0, 2, 3, false)[1]
  local utf16_of_x = vim.fn.strutf16len(text:sub(1, text:find("x", 1, true) - 1)) + 1
  unity_open(player, 3, utf16_of_x)
  T.eq("x", text:sub(vim.api.nvim_win_get_cursor(0)[2] + 1, vim.api.nvim_win_get_cursor(0)[2] + 1), "UTF-16 column")

  -- -1 for the column: the first non-blank of the line; -1 for both: the cursor stays.
  unity_open(player, 20, -1)
  T.eq({ 20, 4 }, vim.api.nvim_win_get_cursor(0), "first non-blank")
  unity_open(player, -1, -1)
  T.eq({ 20, 4 }, vim.api.nvim_win_get_cursor(0), "cursor kept")
  -- The current window, when ordinary, comes before the previous one; a path relative to the
  -- project, as some packages send.
  vim.api.nvim_set_current_win(first)
  unity_open("Assets/Scripts/Enemy.cs", 1, 7)
  T.eq(first, vim.api.nvim_get_current_win(), "the current window")
  T.eq(dir .. "/Assets/Scripts/Enemy.cs", vim.api.nvim_buf_get_name(0), "relative path")
  T.eq({ 1, 6 }, vim.api.nvim_win_get_cursor(0), "relative path cursor")
  T.eq(nil, T.noted("could not"), "no failure")
end)

T.test("a window already showing the file is reused", function()
  local dir = setup()
  local player = dir .. "/Assets/Scripts/Player.cs"
  local showing = edit_in_new_window(player)
  local other = dir .. "/other.txt"
  vim.fn.writefile({ "other" }, other)
  local last_used = edit_in_new_window(other)
  T.eq(last_used, vim.api.nvim_get_current_win())
  local before = #vim.api.nvim_tabpage_list_wins(0)

  unity_open(player, 30, 1)
  T.eq(showing, vim.api.nvim_get_current_win(), "the window showing Player.cs")
  T.eq({ 30, 0 }, vim.api.nvim_win_get_cursor(showing), "cursor")
  T.eq(other, buf_name(last_used), "the last used window keeps its file")
  T.eq(before, #vim.api.nvim_tabpage_list_wins(0), "no window added")
  -- <C-o> goes back to where the cursor was.
  vim.cmd('execute "normal! \\<C-o>"')
  T.eq(1, vim.api.nvim_win_get_cursor(0)[1], "jumplist")
end)

T.test("no ordinary window: a split, never the log window, quickfix, help, a terminal or a float", function()
  local dir = setup()
  local player = dir .. "/Assets/Scripts/Player.cs"
  -- Only special windows left: help, quickfix, a terminal, the log window, and a float with the
  -- focus.
  vim.cmd("help help | only")
  vim.fn.setqflist({ { filename = player, lnum = 1, text = "x" } })
  vim.cmd("botright copen")
  vim.cmd("belowright split")
  vim.fn.jobstart({ "sleep", "30" }, { term = true })
  local term = vim.api.nvim_get_current_buf()
  T.defer(function()
    vim.api.nvim_buf_delete(term, { force = true })
  end)
  require("unity").open_log()
  local scratch = vim.api.nvim_create_buf(false, true)
  vim.bo[scratch].buftype = ""
  local float = vim.api.nvim_open_win(scratch, true, { relative = "editor", row = 1, col = 1, width = 20, height = 3 })
  local before = {}
  for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    before[w] = vim.api.nvim_win_get_buf(w)
  end

  unity_open(player, 2, 1)
  local win = vim.api.nvim_get_current_win()
  T.eq(nil, before[win], "a new window")
  T.eq("", vim.api.nvim_win_get_config(win).relative, "not floating")
  T.eq(player, buf_name(win), "file in the new window")
  T.eq({ 2, 0 }, vim.api.nvim_win_get_cursor(win), "cursor")
  for w, b in pairs(before) do
    T.eq(b, vim.api.nvim_win_get_buf(w), "window " .. w .. " keeps its buffer")
  end
  T.truthy(vim.api.nvim_win_is_valid(float), "the float stays")
end)

T.test("a missing file is told, a line past the end is clamped; neither raises", function()
  local dir = setup()
  local player = dir .. "/Assets/Scripts/Player.cs"
  local opened = T.record("UnityOpen")
  local errors = 0
  T.clear_notes()
  unity_open(dir .. "/Assets/Gone.cs", 3, 1)
  local note = T.truthy(T.noted("Assets/Gone.cs, which does not exist"), "missing-file message")
  T.eq(vim.log.levels.WARN, note.level, "a warning")
  T.eq(0, #opened, "no UnityOpen for a missing file")
  unity_open(dir .. "/Assets", 1, 1)
  T.truthy(T.noted("which is not a file"), "folder message")

  unity_open(player, 500, 3)
  T.eq(player, vim.api.nvim_buf_get_name(0), "opened")
  T.eq({ 40, 2 }, vim.api.nvim_win_get_cursor(0), "clamped to the last line")
  T.truthy(T.noted("Player.cs has 40 lines; Unity asked for line 500"), "clamp message")
  -- A column past the end of the line lands on its end.
  unity_open(player, 1, 900)
  local len = #vim.api.nvim_buf_get_lines(0, 0, 1, false)[1]
  T.eq({ 1, len - 1 }, vim.api.nvim_win_get_cursor(0), "clamped column")
  -- A file outside the project opens like any other.
  local outside = vim.fn.tempname() .. ".cs"
  vim.fn.writefile({ "a", "b" }, outside)
  T.defer(function()
    vim.fn.delete(outside)
  end)
  unity_open(outside, 2, 1)
  T.eq(vim.fs.normalize(outside), vim.api.nvim_buf_get_name(0), "outside file")
  for _, n in ipairs(T.notes) do
    T.eq(nil, n.msg:find("stack traceback", 1, true), "no error trace: " .. n.msg)
    errors = errors + (n.level == vim.log.levels.ERROR and 1 or 0)
  end
  T.eq(0, errors, "no error messages")
end)

--- The arguments the on_open command below wrote, one per line, once all five are there.
local function written_args(out, what)
  return T.wait_for(function()
    local l = vim.fn.filereadable(out) == 1 and vim.fn.readfile(out)
    return l and #l == 5 and l
  end, what)
end

T.test("on_open runs a command with each placeholder as one intact argument, no shell", function()
  local dir = setup()
  local nasty = dir .. '/Assets/it\'s a "$(touch pwned)" `id` $HOME;file.cs'
  vim.fn.writefile({ "one", "two", "three" }, nasty)
  local out = dir .. "/argv.txt"
  config.set({
    on_open = {
      "sh",
      "-c",
      "printf '%s\\n' \"$@\" > " .. vim.fn.shellescape(out),
      "sh",
      "{file}",
      "{line}",
      "{col}",
      "{project}",
      "at {line}:{col}",
    },
  })
  unity_open(nasty, 3, 2)
  local argv = written_args(out, "the on_open command's arguments")
  T.eq({ nasty, "3", "2", dir, "at 3:2" }, argv, "argv")
  T.eq(nil, vim.uv.fs_stat(dir .. "/pwned"), "no command substitution")
  T.eq(nil, vim.uv.fs_stat(T.root .. "/pwned"), "no command substitution (cwd)")

  -- Also when the file is missing, so that the user sees the message.
  vim.fn.delete(out)
  unity_open(dir .. "/Assets/Gone.cs", 7, 1)
  argv = written_args(out, "on_open for a missing file")
  T.eq(dir .. "/Assets/Gone.cs", argv[1], "the file asked for")
  -- No file (Unity's Open C# Project): nothing opens, the terminal still comes forward.
  vim.fn.delete(out)
  local buf = vim.api.nvim_get_current_buf()
  unity_open("", -1, -1)
  argv = written_args(out, "on_open for no file")
  T.eq("", argv[1], "no file")
  T.eq(buf, vim.api.nvim_get_current_buf(), "nothing opened")

  -- A function gets the same data as UnityOpen.
  local got
  config.set({
    on_open = function(o)
      got = o
    end,
  })
  unity_open(nasty, 2, -1)
  T.eq(nasty, got.file, "function: file")
  T.eq(2, got.line, "function: line")

  -- A command that fails or cannot start is told, not raised.
  T.clear_notes()
  config.set({ on_open = { "sh", "-c", "echo no focus for you >&2; exit 3" } })
  unity_open(nasty, 1, 1)
  T.truthy(T.wait_for(function()
    return T.noted("on_open command sh exited with code 3: no focus for you")
  end, "exit message"))
  config.set({ on_open = { "/nonexistent/focus-terminal" } })
  unity_open(nasty, 1, 1)
  T.truthy(T.noted("on_open command /nonexistent/focus-terminal could not start"), "start failure message")
  config.set({
    on_open = function()
      error("boom")
    end,
  })
  unity_open(nasty, 1, 1)
  T.truthy(T.noted("on_open failed: "), "function failure message")

  -- A shell string is refused at setup, naming the option.
  local ok, err = pcall(config.set, { on_open = "tmux select-window -t {file}" })
  T.eq(false, ok)
  T.contains(err, "option on_open must be", "setup error")
end)

T.test(":UnitySyncProjects fires UnityProjectsChanged with the files Unity wrote", function()
  local dir = host_setup()
  local changed = T.record("UnityProjectsChanged")
  local name = vim.fs.basename(dir)
  T.clear_notes()
  vim.cmd("UnitySyncProjects")
  T.wait_for(function()
    return changed[1]
  end, "UnityProjectsChanged", 20000)
  local written = { dir .. "/Assembly-CSharp.csproj", dir .. "/" .. name .. ".sln" }
  table.sort(written)
  table.sort(changed[1].files)
  T.eq({ files = written, project = dir, by = "sync" }, changed[1], "event data")
  T.truthy(T.noted("Unity wrote 2 project files"), "count message")
  T.truthy(vim.uv.fs_stat(dir .. "/" .. name .. ".sln"), "the .sln exists")

  -- Nothing changed: Unity writes nothing, no event.
  vim.cmd("UnitySyncProjects")
  T.wait_for(function()
    return T.noted("up to date")
  end, "the up-to-date message")
  T.eq(1, #changed, "no event when nothing was written")

  -- Unity regenerating on its own (SyncIfNeeded after an import added a script): the same
  -- event, said so.
  vim.fn.writefile({ "class Boss {}" }, dir .. "/Assets/Scripts/Boss.cs")
  T.call("host.syncifneeded", { added = { "Assets/Scripts/Boss.cs" } })
  T.wait_for(function()
    return changed[2]
  end, "UnityProjectsChanged from Unity", 20000)
  T.eq({ files = { dir .. "/Assembly-CSharp.csproj" }, project = dir, by = "unity" }, changed[2], "event data")
  T.truthy(T.noted("Unity regenerated the project files (1 written)"), "regenerated message")
end)

T.test(":UnitySyncProjects without Unity says so", function()
  fresh_layout()
  local dir = T.project()
  vim.cmd.cd(dir)
  T.clear_notes()
  vim.cmd("UnitySyncProjects")
  T.truthy(T.noted("Unity is not running in"), "message")
end)

--- :checkhealth unity's text.
local function health()
  vim.cmd("silent checkhealth unity")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("tabclose")
  return text
end

T.test("checkhealth reports missing and stale project files", function()
  local dir = host_setup()
  T.contains(health(), "no .sln or .csproj in the project folder", "missing")
  T.call("sync")
  local names = { "Assembly-CSharp.csproj", vim.fs.basename(dir) .. ".sln" }
  table.sort(names)
  T.contains(health(), "project files up to date: " .. table.concat(names, ", "), "fresh")

  -- Editing a script the projects list leaves them up to date (Unity rewrites nothing).
  local future = os.time() + 60
  vim.uv.fs_utime(dir .. "/Assets/Scripts/Player.cs", future, future)
  T.contains(health(), "project files up to date", "edited script")
  -- A new script in none of them, or a changed assembly definition, makes them stale.
  vim.fn.mkdir(dir .. "/Assets/Game/AI", "p")
  vim.fn.writefile({ "class Brain {}" }, dir .. "/Assets/Game/AI/Brain.cs")
  vim.uv.fs_utime(dir .. "/Assets/Game/AI/Brain.cs", future, future)
  T.contains(
    health(),
    "the project files are stale: Assets/Game/AI/Brain.cs is newer than the project files and in none of them",
    "new script"
  )
  T.contains(health(), ":UnitySyncProjects", "advice")
  T.call("sync")
  T.contains(health(), "project files up to date", "after sync")
  vim.fn.writefile({ '{ "name": "Game" }' }, dir .. "/Assets/Game/Game.asmdef")
  vim.uv.fs_utime(dir .. "/Assets/Game/Game.asmdef", future, future)
  T.contains(health(), "the project files are stale: Assets/Game/Game.asmdef changed after", "asmdef")
  -- Folders Unity ignores do not count.
  vim.fn.delete(dir .. "/Assets/Game/Game.asmdef")
  vim.fn.mkdir(dir .. "/Assets/Samples~", "p")
  vim.fn.writefile({ "class S {}" }, dir .. "/Assets/Samples~/S.cs")
  vim.uv.fs_utime(dir .. "/Assets/Samples~/S.cs", future, future)
  T.contains(health(), "project files up to date", "ignored folder")
end)

T.run()
