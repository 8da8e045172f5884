-- Refresh on save: writes under Assets/ or Packages/ refresh Unity (the real package in the
-- stand-in editor, one for the whole file, with "Recompile After Finished Playing" set) once per
-- debounce window, and the compile that follows reports as :UnityCompile's does.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

local unity = require("unity")

local output, base

--- AssetDatabase.Refresh passes the host made since the test connected (each prints one
--- "[host] refresh done:" line).
local function refreshes()
  return select(2, output():gsub("%[host%] refresh done:", "")) - base
end

--- The shared host's project, connected and settled, counting refreshes from now.
local function connected_host()
  local dir
  dir, output = T.connect_shared({ UNITY_HOST_PREF_ScriptCompilationDuringPlay = "1" })
  base = 0
  base = refreshes()
  return dir
end

--- Options for one test; the defaults again after it.
local function setup(opts)
  unity.setup(opts)
  T.clear_notes()
  T.defer(function()
    unity.setup({})
  end)
end

--- Writes `lines` to `file` through a buffer (so that BufWritePost fires), creating folders.
local function save(file, lines)
  vim.fn.mkdir(vim.fn.fnamemodify(file, ":h"), "p")
  vim.cmd.edit(file)
  vim.api.nvim_buf_set_lines(0, 0, -1, false, lines)
  vim.cmd("silent write")
end

--- Waits until the editor counted `n` refreshes, then a few debounce windows more, and checks
--- that no other came.
local function expect_refreshes(n, debounce_ms, what)
  T.wait_for(function()
    return refreshes() >= n
  end, n .. " refreshes: " .. what)
  vim.wait(debounce_ms * 3 + 200)
  T.eq(n, refreshes(), what)
end

T.test("writes under Assets/ or Packages/ refresh once per debounce window; others do not", function()
  -- A window far longer than the pauses between writes, so that a busy machine keeps them in one.
  setup({ refresh_debounce_ms = 400 })
  local dir = connected_host()
  -- Scripts with errors: their compiles bring no script reload to wait through.
  -- Three files written with :wall: one refresh.
  for i = 1, 3 do
    vim.cmd.edit(dir .. "/Assets/Scripts/S" .. i .. ".cs")
    vim.api.nvim_buf_set_lines(0, 0, -1, false, { "#error S" .. i })
  end
  vim.cmd("silent wall")
  expect_refreshes(1, 400, ":wall of three scripts")
  -- Writes closer together than the window: still one.
  for i = 1, 4 do
    save(dir .. "/Assets/Scripts/S1.cs", { "#error S1, version " .. i })
    vim.wait(40)
  end
  expect_refreshes(2, 400, "four writes 40 ms apart")
  -- Not under Assets/ or Packages/, or not a file Unity imports: none.
  save(dir .. "/ProjectSettings/Notes.cs", { "// not an asset" })
  save(dir .. "/Assets/readme.txt", { "not imported as code" })
  save(vim.fn.tempname() .. "/Assets/Elsewhere.cs", { "class Elsewhere {}" })
  expect_refreshes(2, 400, "writes outside Assets/ and of other extensions")
  -- A package's files count too; refresh_extensions adds one.
  save(dir .. "/Packages/com.game.tools/package.json", { "{}" })
  expect_refreshes(3, 400, "a package.json under Packages/")
  unity.setup({ refresh_debounce_ms = 400, refresh_extensions = { ".txt" } })
  save(dir .. "/Assets/readme.txt", { "now an extension that refreshes" })
  expect_refreshes(4, 400, "an extension from refresh_extensions")
  T.eq(nil, T.noted("refresh failed"), "no failure said")
end)

T.test("nothing is sent while not connected", function()
  setup({ refresh_debounce_ms = 50 })
  local dir = connected_host()
  vim.cmd("UnityDisconnect")
  save(dir .. "/Assets/Scripts/Offline.cs", { "class Offline {}" })
  vim.wait(400)
  T.connect(dir)
  T.eq(0, refreshes(), "refreshes sent while disconnected")
  T.eq(nil, T.noted("Unity is not running"), "no complaint about the connection")
end)

T.test("refresh_on_save decides: false sends nothing, a function decides per file", function()
  setup({ refresh_debounce_ms = 50, refresh_on_save = false })
  local dir = connected_host()
  save(dir .. "/Assets/Scripts/Off.cs", { "class Off {}" })
  vim.wait(400)
  T.eq(0, refreshes(), "refreshes with refresh_on_save = false")
  local asked = {}
  unity.setup({
    refresh_debounce_ms = 50,
    refresh_on_save = function(path)
      asked[#asked + 1] = path
      return not path:find("Generated", 1, true)
    end,
  })
  save(dir .. "/Assets/Scripts/Generated.cs", { "class Generated {}" })
  save(dir .. "/Assets/notes.md", { "not asked: Unity does not import it as code" })
  vim.wait(400)
  T.eq(0, refreshes(), "refreshes after the function said no")
  T.eq({ dir .. "/Assets/Scripts/Generated.cs" }, asked, "files the function was asked about")
  save(dir .. "/Assets/Scripts/Hand.cs", { "class Hand {}" })
  expect_refreshes(1, 50, "a file the function accepted")
end)

T.test("options are checked", function()
  for _, bad in ipairs({
    { refresh_on_save = "yes" },
    { refresh_extensions = "txt" },
    { refresh_extensions = { "" } },
    { refresh_extensions = { "a b" } },
    { refresh_debounce_ms = -1 },
    { play_timeout_ms = 0 },
    { play_reconnect_ms = 1.5 },
    { play_saves = "no" },
  }) do
    local ok, err = pcall(unity.setup, bad)
    T.eq(false, ok, vim.inspect(bad))
    T.contains(err, "option " .. next(bad), "error for " .. vim.inspect(bad))
  end
  unity.setup({})
end)

T.test("the compile a save starts fills quickfix and diagnostics and says so", function()
  setup({ refresh_debounce_ms = 50 })
  local dir = connected_host()
  local finished = T.counter("UnityCompileFinished")
  save(dir .. "/Assets/Scripts/Broken.cs", { "class Broken {", '  int broken = "on save";', "}" })
  T.wait_for(function()
    return finished() > 0
  end, "the compile after the save", 60000)
  local qf = vim.fn.getqflist({ title = 0, items = 0 })
  T.eq("Unity compile", qf.title, "quickfix title")
  T.eq(1, #qf.items, "quickfix items")
  T.eq(2, qf.items[1].lnum, "error line: " .. vim.inspect(qf.items))
  T.eq(1, #vim.diagnostic.get(vim.fn.bufnr(dir .. "/Assets/Scripts/Broken.cs")), "diagnostics")
  T.contains(
    T.wait_for(function()
      return T.noted("Unity compiled")
    end, "the compile message").msg,
    "1 error"
  )
end)

T.test("a refresh Unity defers in play mode is said once per play session", function()
  setup({ refresh_debounce_ms = 50 })
  local dir = connected_host()
  local function said()
    return #vim.tbl_filter(function(n)
      return n.msg:find("does not compile the saved scripts now", 1, true) ~= nil
    end, T.notes)
  end
  local function play_session()
    if unity.status().playing then
      -- Leaving play mode compiles the saves it deferred, and reloads: wait for that.
      T.call("stop")
      T.settle()
    end
    T.call("play")
    T.wait_for(function()
      return unity.status().playing
    end, "play mode", 60000)
  end
  play_session()
  save(dir .. "/Assets/Scripts/Live.cs", { "class Live { int a; }" })
  T.wait_for(function()
    return said() == 1
  end, "the deferred message")
  T.contains(T.noted("does not compile").msg, "Script Changes While Playing", "Unity's reason")
  save(dir .. "/Assets/Scripts/Live.cs", { "class Live { int b; }" })
  expect_refreshes(2, 50, "a second save while playing")
  T.eq(1, said(), "deferred messages in one play session")
  play_session()
  save(dir .. "/Assets/Scripts/Live.cs", { "class Live { int c; }" })
  T.wait_for(function()
    return said() == 2
  end, "the message in the next play session")
end)

T.run()
