-- Runtime exceptions at their source lines: the peer (unity-peer editor) logs errors with stack traces,
-- the drain groups them natively by place, and diagnostics in "unity.runtime" follow.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

local runtime = require("unity.runtime")
local ns = runtime.ns

local ENEMY = "Game.Enemy:Update () (at Assets/Scripts/Enemy.cs:4)\n"
  .. "UnityEngine.Internal.Loop:Tick () (at <a1b2c3d4e5f6>:0)"
local ENGINE_ONLY = "UnityEngine.Object:Instantiate () (at /home/bokken/build/Runtime/Object.bindings.cs:10)\n"
  .. "Lib.Pool:Get () (at Library/PackageCache/com.unity.x@1.0.0/Pool.cs:3)\n"
  .. "UnityEngine.Internal.Loop:Tick () (at <a1b2c3d4e5f6>:0)"

--- A project with the peer (unity-peer editor), connected, and a script of ten lines.
local project = T.enemy_project

--- `count` logs at `level` with the same first line (the peer numbers each on a second line).
local function throw(count, level, first, stack)
  T.call("sim.log", { count = count, level = level, message = first .. "\n#", stack = stack })
end

local function diags(buf)
  return vim.diagnostic.get(buf, { namespace = ns })
end

--- Waits until `buf` has `n` runtime diagnostics and the first says `text`.
local function wait_diags(buf, n, text)
  return T.wait_for(function()
    local d = diags(buf)
    return #d == n and (n == 0 or d[1].message:find(text, 1, true)) and d
  end, n .. " runtime diagnostic(s) saying " .. tostring(text))
end

T.test("exceptions land at their first project frame, one diagnostic per place and first line", function()
  local dir = project()
  vim.cmd.edit(dir .. "/Assets/Scripts/Enemy.cs")
  local buf = vim.api.nvim_get_current_buf()
  throw(37, "exception", "NullReferenceException: Object reference not set", ENEMY)
  local d = wait_diags(buf, 1, "×37")
  T.eq(3, d[1].lnum, "0-based line of Enemy.cs:4")
  T.eq(vim.diagnostic.severity.ERROR, d[1].severity, "severity")
  T.contains(d[1].message, "NullReferenceException: Object reference not set ×37, last ", "message")
  T.truthy(d[1].message:match("last %d%d:%d%d:%d%d$"), "the time of the last one: " .. d[1].message)

  -- Repeats update the same diagnostic; another first line is another one.
  throw(5, "exception", "NullReferenceException: Object reference not set", ENEMY)
  wait_diags(buf, 1, "×42")
  throw(1, "error", "Enemy lost its target", ENEMY)
  T.wait_for(function()
    return #diags(buf) == 2
  end, "a second site")
  T.eq(2, #runtime.sites(), "two sites")
end)

T.test("frames only in Unity's or registry packages' code give no diagnostic; warnings and logs none", function()
  local dir = project()
  vim.cmd.edit(dir .. "/Assets/Scripts/Enemy.cs")
  local buf = vim.api.nvim_get_current_buf()
  throw(3, "exception", "ArgumentException: engine", ENGINE_ONLY)
  throw(3, "warning", "a warning", ENEMY)
  throw(3, "log", "a log", ENEMY)
  -- A marker that the drain went past them: an error that does count, after them.
  throw(1, "assert", "Assertion failed", ENEMY)
  local d = wait_diags(buf, 1, "Assertion failed ×1")
  T.eq(vim.diagnostic.severity.WARN, d[1].severity, "asserts are warnings")
  T.eq(1, #runtime.sites(), "only the assert")
end)

T.test("buffers opened later get their diagnostics; local and embedded packages count", function()
  local dir = project()
  -- A `file:` package outside the project and an embedded one inside it.
  local pkg = vim.fn.tempname()
  vim.fn.mkdir(pkg .. "/Runtime", "p")
  T.defer(function()
    vim.fn.delete(pkg, "rf")
  end)
  pkg = vim.uv.fs_realpath(pkg)
  vim.fn.writefile({ "a", "b", "c" }, pkg .. "/Runtime/Tool.cs")
  vim.fn.mkdir(dir .. "/Packages/com.me.embedded", "p")
  vim.fn.writefile({ "a", "b" }, dir .. "/Packages/com.me.embedded/E.cs")
  vim.fn.writefile(
    { vim.json.encode({ dependencies = { ["com.me.tool"] = "file:" .. pkg } }) },
    dir .. "/Packages/manifest.json"
  )
  runtime.set_project(dir) -- the manifest changed after connecting

  throw(2, "exception", "InvalidOperationException: later", ENEMY)
  throw(1, "error", "tool failed", "Me.Tool:Run () (at " .. pkg .. "/Runtime/Tool.cs:3)")
  throw(1, "error", "embedded failed", "Me.E:Run () (at Packages/com.me.embedded/E.cs:2)")
  T.wait_for(function()
    return #runtime.sites() == 3
  end, "three sites")

  vim.cmd.edit(dir .. "/Assets/Scripts/Enemy.cs")
  T.eq(3, wait_diags(0, 1, "InvalidOperationException: later ×2")[1].lnum, "line in a buffer opened later")
  vim.cmd.edit(pkg .. "/Runtime/Tool.cs")
  T.eq(2, wait_diags(0, 1, "tool failed ×1")[1].lnum, "line in a local package")
  vim.cmd.edit(dir .. "/Packages/com.me.embedded/E.cs")
  T.eq(1, wait_diags(0, 1, "embedded failed ×1")[1].lnum, "line in an embedded package")
end)

T.test("entering play mode clears them (option runtime.clear_on_play), and so does :UnityClear", function()
  local dir = project()
  vim.cmd.edit(dir .. "/Assets/Scripts/Enemy.cs")
  local buf = vim.api.nvim_get_current_buf()
  throw(2, "exception", "Boom", ENEMY)
  wait_diags(buf, 1, "Boom ×2")
  T.call("play")
  wait_diags(buf, 0)
  T.eq({}, runtime.sites(), "no sites after play started")
  -- Counting starts again from zero.
  throw(1, "exception", "Boom", ENEMY)
  wait_diags(buf, 1, "Boom ×1")

  T.call("stop")
  require("unity").setup({ runtime = { clear_on_play = false } })
  T.call("play")
  throw(1, "exception", "Boom", ENEMY)
  wait_diags(buf, 1, "Boom ×2")

  T.clear_notes()
  vim.cmd("UnityClear")
  T.eq(0, #diags(buf), "cleared at once")
  T.truthy(T.noted("cleared 1 runtime exception site"), "said so")
  vim.cmd.edit(dir .. "/Assets/Scripts/Other.cs")
  vim.cmd.edit(dir .. "/Assets/Scripts/Enemy.cs")
  T.eq(0, #diags(0), "not back in a buffer read again")
end)

T.test(":UnityQuickfix lists each site once with its count, before the other errors", function()
  local dir = project()
  throw(3, "exception", "NullReferenceException: qf", ENEMY)
  throw(1, "error", "no project frame", ENGINE_ONLY)
  T.wait_for(function()
    return #runtime.sites() == 1 and runtime.sites()[1].count == 3
  end, "the site counted")
  T.wait_for(function()
    return require("unity.log").counts().error == 4
  end, "the four errors in the history")
  vim.cmd("UnityQuickfix")
  local qf = vim.fn.getqflist()
  T.eq(2, #qf, "one site and one error without a project frame")
  T.eq(dir .. "/Assets/Scripts/Enemy.cs", vim.api.nvim_buf_get_name(qf[1].bufnr), "site file")
  T.eq(4, qf[1].lnum, "site line")
  T.contains(qf[1].text, "NullReferenceException: qf ×3", "site text")
  T.contains(qf[2].text, "no project frame", "the other error")
end)

T.run()
