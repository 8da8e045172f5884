-- :UnityPick: the lists (logs, compile errors, runtime exceptions, tests) built from what
-- Unity sends (the peer's logs; the stand-in host's compile of a broken script), chosen
-- through vim.ui.select, and what each picker plugin is given.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

local pick = require("unity.pick")
local runtime = require("unity.runtime")

local ENEMY = "Game.Enemy:Update () (at Assets/Scripts/Enemy.cs:4)"

--- A connected peer on a project with Enemy.cs (ten lines).
local function project()
  return T.enemy_project()
end

local function exception(count)
  T.call("sim.log", { count = count, level = "exception", message = "NullReferenceException: pick\n#", stack = ENEMY })
  T.wait_for(function()
    return #runtime.sites() == 1 and runtime.sites()[1].count == count
  end, "the exception site")
end

--- Replaces vim.ui.select for one test: records what it was given and chooses item `choose`.
local function fake_select(choose)
  local seen = {}
  local real = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    seen.items, seen.opts = items, opts
    on_choice(items[choose], choose)
  end
  T.defer(function()
    vim.ui.select = real
  end)
  return seen
end

T.test("exceptions through vim.ui.select: the chosen site opens at its line", function()
  local dir = project()
  require("unity").setup({ picker = "select" })
  exception(3)
  local seen = fake_select(1)
  vim.cmd("UnityPick exceptions")
  T.eq(1, #seen.items, "one site")
  T.eq("Unity runtime exceptions", seen.opts.prompt, "prompt")
  T.contains(seen.opts.format_item(seen.items[1]), "NullReferenceException: pick ×3", "shown text")
  T.contains(seen.opts.format_item(seen.items[1]), "Assets/Scripts/Enemy.cs:4", "shown place")
  T.eq(dir .. "/Assets/Scripts/Enemy.cs", vim.api.nvim_buf_get_name(0), "file opened")
  T.eq({ 4, 0 }, vim.api.nvim_win_get_cursor(0), "cursor at the line")
end)

T.test("compile errors come with their locations (the stand-in host's compiler)", function()
  local dir = T.project()
  local lines = { "class Enemy", "{" }
  for i = 3, 9 do
    lines[i] = "    // line " .. i
  end
  lines[7] = '    int hp = "Enemy is broken";'
  lines[10] = "}"
  vim.fn.writefile(lines, dir .. "/Assets/Scripts/Enemy.cs")
  T.start_host(dir)
  T.connect(dir)
  require("unity").setup({ picker = "select" })
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
    require("unity").setup({})
  end)
  local finished = T.counter("UnityCompileFinished")
  T.call("compile")
  T.wait_for(function()
    return finished() > 0
  end, "the compile", 60000)
  local seen = fake_select(1)
  vim.cmd("UnityPick errors")
  T.eq(1, #seen.items, "one compile error")
  -- Unity's message is the whole compiler line: its location and severity are not repeated.
  T.eq("error CS0029: Cannot implicitly convert", seen.items[1].text:sub(1, 39), "error text")
  T.eq({ dir .. "/Assets/Scripts/Enemy.cs", 7 }, { seen.items[1].file, seen.items[1].lnum }, "error place")
  T.eq(7, vim.api.nvim_win_get_cursor(0)[1], "cursor at the error")
end)

T.test("log entries come with their locations", function()
  local dir = project()
  require("unity").setup({ picker = "select" })
  T.call("sim.log", { count = 1, level = "error", message = "logged with a stack", stack = ENEMY })
  T.call("sim.log", { count = 1, level = "log", message = "plain" })
  T.wait_for(function()
    local n = 0
    for _, e in ipairs(require("unity.log").book():entries()) do
      n = n + ((e.message:find("plain", 1, true) or e.message:find("logged with", 1, true)) and 1 or 0)
    end
    return n == 2
  end, "the two logs in the history")
  local seen = fake_select(nil) -- cancelled: nothing opens
  vim.cmd.enew()
  vim.cmd("UnityPick logs")
  local with_stack, plain
  for _, item in ipairs(seen.items) do
    with_stack = item.text:find("logged with a stack", 1, true) and item or with_stack
    plain = item.text:find("plain", 1, true) and item or plain
  end
  T.eq({ dir .. "/Assets/Scripts/Enemy.cs", 4 }, { with_stack.file, with_stack.lnum }, "a log's first frame")
  T.eq(nil, plain.file, "a log without a location")
  T.eq("", vim.api.nvim_buf_get_name(0), "a cancelled pick opens nothing")
end)

T.test("tests: none before a run; unknown lists and empty lists are said; a registered list replaces one", function()
  project()
  require("unity").setup({ picker = "select" })
  local seen = fake_select(nil)
  T.clear_notes()
  vim.cmd("UnityPick tests")
  T.truthy(T.noted("no tests to pick yet"), "no tests yet")
  vim.cmd("UnityPick exceptions")
  T.truthy(T.noted("no runtime exceptions"), "empty list said")
  T.clear_notes()
  vim.api.nvim_feedkeys(vim.keycode("<Plug>(unity-pick-exceptions)"), "x", false)
  T.truthy(T.noted("no runtime exceptions"), "<Plug>(unity-pick-exceptions) picks that list")
  vim.cmd("UnityPick nonsense")
  T.truthy(T.noted('nothing to pick named "nonsense"'), "unknown list said")
  T.eq(nil, seen.items, "no picker shown for any of them")

  pick.register("tests", function()
    return { { text = "EnemyTests.Dies", file = "/tmp/x.cs", lnum = 3, col = 1 } }
  end)
  vim.cmd("UnityPick tests")
  T.eq("EnemyTests.Dies", seen.items[1].text, "the registered source")
  T.truthy(vim.tbl_contains(pick.names(), "tests"), "completed")
end)

--- Puts fake picker plugins in package.loaded for one test; they record what they were given.
local function fake_plugins()
  local got = {}
  local fakes = {
    snacks = {
      picker = {
        pick = function(opts)
          got.snacks = opts
        end,
      },
    },
    telescope = {},
    ["telescope.pickers"] = {
      new = function(_, spec)
        got.telescope = spec
        return { find = function() end }
      end,
    },
    ["telescope.finders"] = {
      new_table = function(t)
        return t
      end,
    },
    ["telescope.config"] = {
      values = {
        generic_sorter = function()
          return "sorter"
        end,
        grep_previewer = function()
          return "grep previewer"
        end,
      },
    },
    ["telescope.actions"] = {},
    ["telescope.actions.state"] = {},
    ["fzf-lua"] = {
      fzf_exec = function(lines, opts)
        got.fzf = { lines = lines, opts = opts }
      end,
    },
  }
  for name, mod in pairs(fakes) do
    package.loaded[name] = mod
  end
  T.defer(function()
    for name in pairs(fakes) do
      package.loaded[name] = nil
    end
  end)
  return got
end

T.test("each picker plugin gets the items with their file and line, and the choice opens it", function()
  local dir = project()
  exception(2)
  local file = dir .. "/Assets/Scripts/Enemy.cs"
  local got = fake_plugins()

  require("unity").setup({ picker = "auto" })
  T.eq("snacks", pick.backend(), "auto picks snacks first")
  vim.cmd("UnityPick exceptions")
  local s = got.snacks
  T.eq({ "text", "file" }, { s.format, s.preview }, "snacks format and previewer")
  T.eq(file, s.items[1].file, "snacks item file")
  T.eq({ 4, 0 }, s.items[1].pos, "snacks pos: line, 0-based column")
  T.contains(s.items[1].text, "NullReferenceException: pick ×2", "snacks text")
  local closed = false
  s.confirm({
    close = function()
      closed = true
    end,
  }, s.items[1])
  T.truthy(closed, "the picker closed")
  T.wait_for(function()
    return vim.api.nvim_buf_get_name(0) == file
  end, "snacks' choice opened")

  require("unity").setup({ picker = "telescope" })
  vim.cmd("UnityPick exceptions")
  local t = got.telescope
  T.eq("Unity runtime exceptions", t.prompt_title, "telescope title")
  T.eq("grep previewer", t.previewer, "telescope previewer")
  local entry = t.finder.entry_maker(t.finder.results[1])
  T.eq({ file, 4, 1 }, { entry.filename, entry.lnum, entry.col }, "telescope entry place")
  T.contains(entry.display, "×2", "telescope display")
  T.eq(entry.display, entry.ordinal, "telescope ordinal")

  require("unity").setup({ picker = "fzf-lua" })
  vim.cmd.enew()
  vim.cmd("UnityPick exceptions")
  local f = got.fzf
  T.eq("builtin", f.opts.previewer, "fzf-lua previewer")
  T.eq(file .. ":4:1: NullReferenceException: pick ×2", f.lines[1]:gsub(", last .*$", ""), "fzf-lua line")
  f.opts.actions.default({ f.lines[1] })
  T.eq(file, vim.api.nvim_buf_get_name(0), "fzf-lua's choice opened")
end)

T.test("a picker the option names but that is not installed is said, with what to do", function()
  project()
  require("unity").setup({ picker = "auto" })
  T.eq("select", pick.backend(), "auto without plugins is vim.ui.select")
  require("unity").setup({ picker = "telescope" })
  exception(1)
  T.clear_notes()
  vim.cmd("UnityPick exceptions")
  T.truthy(T.noted('option picker is "telescope" but it does not load'), "said")
end)

T.run()
